import type { CertificateProfile } from '../../pki/ca-config.js';

/** Where the private key of a public key to certify was made and is kept. */
export type KeyOrigin =
  /** The requester's own key (its device); a PKCS#10 signature proves possession. */
  | 'requester'
  /** Generated here and handed back once, encrypted with the requester's passphrase; no copy is kept. */
  | 'server-generated'
  /** Generated in the node's signer-key vault, kept there wrapped by the KEK; it never leaves. */
  | 'vault';

export interface KeyOriginRefusal {
  code: string;
  message: string;
  /** What the caller chose wrongly: the key's source (for the same profile) or the profile (for this key). */
  blame: 'key' | 'profile';
}

/** The profile whose keys sign seals in an agency's name. */
export const SEAL_SIGNER_PROFILE = 'seal-signer';

/**
 * Whether a profile certifies keys of this origin; null when it does, else the problem to answer.
 *
 * A seal-signer key signs seals in an agency's name (GB/T 38540 §5: the seal's signers are named by their
 * certificates): it is made where it is used and never leaves it — the agency's own device or the node's
 * signer-key vault, which keeps it wrapped and signs inside. A key generated here and handed out would exist,
 * if only for a moment, outside both. The vault in turn holds seal-signer keys only: it signs nothing else,
 * so a vault key under another profile would be a key nobody can use for that profile's purpose.
 */
export function keyOriginRefusal(profile: CertificateProfile, origin: KeyOrigin): KeyOriginRefusal | null {
  const signer = profile.id === SEAL_SIGNER_PROFILE;
  if (origin === 'server-generated' && signer) {
    return {
      code: 'server-key-generation-refused',
      message:
        '签章人证书不提供服务器端生成密钥：请提交自己的 CSR，或使用签章密钥库 POST /v1/agencies/{id}/signer-keys（密钥不出库）/ no server-generated keys for seal-signer certificates: send your own csr, or use the signer-key vault POST /v1/agencies/{id}/signer-keys (the key never leaves it)',
      blame: 'key',
    };
  }
  if (origin === 'vault' && !signer) {
    return {
      code: 'profile-not-for-vault-keys',
      message: `签章密钥库只保管签章人密钥，不能以模板 ${profile.id} 签发 / the signer-key vault holds seal-signer keys only, not keys for profile ${profile.id}`,
      blame: 'profile',
    };
  }
  return null;
}
