import type { CertificateInfo } from '../pki/certificate.js';
import type { RevocationView } from './revocation/revocation-source.js';

// What a validation is given besides the signature: trust anchors, the node's views (revocation, seal
// registry), the seal-making systems it knows, the validation time and the protected data. Everything
// node-specific comes through here; without a view the check it feeds is skipped with a reason.

export type SealRegistryStatus = 'active' | 'suspended' | 'revoked' | 'expired';

export interface SealStatusAnswer {
  /** false: this registry has never heard of the seal. */
  known: boolean;
  /** The seal's status at the time asked about. */
  status?: SealRegistryStatus;
  /** When that status began. */
  changedAt?: Date;
  reason?: string;
  /** The seal's status now. */
  currentStatus?: string;
  /** When the seal was revoked, if it is. */
  revokedAt?: Date;
  /** SM3 (hex) of the registered SESeal: the seal inside a signature must be byte-identical (ses.md rule 3). */
  registeredSealSm3?: string;
}

export interface SealRegistryView {
  sealStatusAt(esID: string, at: Date): Promise<SealStatusAnswer | undefined>;
}

/**
 * The seal-making systems (制章系统) whose seals this validation recognises, by certificate. A seal made by
 * any other certificate — even one under a trusted root — is not vouched for (GB/T 38540 §5: only a
 * seal-making system makes seals).
 */
export interface KnownSealMakers {
  /** This node's makers (the `{caId}-seal-maker` certificates) and, later, those the trust list names. */
  certificates: readonly CertificateInfo[];
  /**
   * Those among them whose every seal is in `sealRegistry` (this node's own): a seal of theirs that the
   * registry does not hold is forged or was deleted.
   */
  registeredHere?: readonly CertificateInfo[];
}

export interface SesValidationContext {
  anchors: CertificateInfo[];
  intermediates?: CertificateInfo[];
  /** Trust anchors (or directly trusted TSA certificates) for timestamps; default `anchors`. */
  tsaAnchors?: CertificateInfo[];
  revocation?: RevocationView;
  sealRegistry?: SealRegistryView;
  /** Without it no maker is known: every seal is INDETERMINATE (maker-authority MAKER_UNKNOWN). */
  sealMakers?: KnownSealMakers;
  /** The validation time (default: the current time). */
  now?: Date;
  /**
   * The protected data (OFD Signature.xml bytes, PDF ByteRange bytes) or its SM3 digest, with the bytes on
   * demand for the rare signature made over the data itself.
   */
  data?: Uint8Array | { expectedHash: Buffer; bytes?: () => Uint8Array };
}

/** The time model's two times for one signature. */
export interface Claim {
  /** What the signer claims (SES timeInfo, CMS signingTime, a timestamp inside the signed data). */
  claimed: Date | null;
  /** Proof of existence: genTime of a valid, trusted timestamp over the signature value. */
  best: Date | null;
}
