import { sm2Verify } from '../crypto/sm2.js';
import { sm3 } from '../crypto/sm3.js';
import { isValidAt, parseCertificate, type CertificateInfo } from '../pki/certificate.js';
import { buildCmsSignedData, parseCmsSignedData, type CmsFlavour } from '../pki/cms-signed-data.js';
import { TrustListError } from './trust-list-error.js';

// The list's detached signature, `list.json.p7s` (federation.md §2.8): CMS SignedData over the served bytes,
// SM2 with SM3, signed attributes contentType, signingTime and messageDigest (SM3), the signer certificate
// included; RFC 5652 OIDs by default, GB/T 35275 by configuration.

export interface TrustListSigner {
  certificateDer: Uint8Array;
  /** Signs e = SM3(Z ‖ DER(signedAttrs)) with the signer's SM2 key; DER r,s. */
  signDigest: (e: Buffer) => Buffer | Promise<Buffer>;
}

/** The detached CMS over `bytes` (the exact list.json bytes). */
export function signTrustList(
  bytes: Uint8Array,
  signer: TrustListSigner,
  opts: { signingTime: Date; oids?: CmsFlavour },
): Promise<Buffer> {
  return buildCmsSignedData({
    digest: sm3(bytes),
    signerCertDer: signer.certificateDer,
    signDigest: signer.signDigest,
    oids: opts.oids ?? 'rfc5652',
    signingTime: opts.signingTime,
  });
}

const sameDer = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

/**
 * Checks `p7s` is a valid signature over exactly `bytes` by one of `allowed` (DER certificates: the pinned and
 * announced signers, §2.8 rotation), valid at `now`. Returns the signer's certificate.
 * @throws TrustListError SIGNATURE_INVALID (bad CMS, digest or signature) | UNANNOUNCED_SIGNER | SIGNER_NOT_VALID
 */
export function verifyTrustListSignature(
  bytes: Uint8Array,
  p7s: Uint8Array,
  allowed: readonly Uint8Array[],
  now: Date,
): CertificateInfo {
  const invalid = (why: string, cause?: unknown) =>
    new TrustListError(
      'SIGNATURE_INVALID',
      `信任列表签名无效：${why} / trust list signature invalid: ${why}`,
      {
        cause,
      },
    );
  let cms;
  try {
    cms = parseCmsSignedData(p7s);
  } catch (err) {
    throw invalid('CMS', err);
  }
  // One signer, detached, over signed attributes whose messageDigest is SM3 of the served bytes.
  const si = cms.signers[0];
  if (cms.signers.length !== 1 || !si) throw invalid('signers');
  if (cms.eContent !== null) throw invalid('not detached');
  if (!si.signedAttrsSet || !si.messageDigest) throw invalid('signed attributes');
  if (!si.messageDigest.equals(sm3(bytes))) throw invalid('messageDigest');
  const certDer = cms.certificates.find((der) => {
    try {
      const c = parseCertificate(der);
      return 'issuer' in si.sid
        ? c.issuerDer.equals(si.sid.issuer) && BigInt('0x' + c.serialHex) === si.sid.serial
        : c.subjectKeyId !== null && c.subjectKeyId.equals(si.sid.keyId);
    } catch {
      return false;
    }
  });
  if (!certDer) throw invalid('signer certificate');
  const cert = parseCertificate(certDer);
  let ok = false;
  try {
    ok = cert.isSm2 && sm2Verify(cert.publicKey, si.signedAttrsSet, si.signature);
  } catch (err) {
    throw invalid('SM2', err);
  }
  if (!ok) throw invalid('SM2');
  // Trust comes from the allowed set, never from the certificate the CMS carries.
  if (!allowed.some((a) => sameDer(a, certDer)))
    throw new TrustListError(
      'UNANNOUNCED_SIGNER',
      `签名者未在上一版信任列表或配置中公布：${cert.subject} / the signer was not announced: ${cert.subject}`,
    );
  if (!isValidAt(cert, now))
    throw new TrustListError(
      'SIGNER_NOT_VALID',
      `签名证书不在有效期内（${cert.notBefore.toISOString()} – ${cert.notAfter.toISOString()}）/ the signer certificate is not valid now`,
    );
  return cert;
}
