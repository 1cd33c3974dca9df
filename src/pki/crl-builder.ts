import { PKI_OID } from './pki-oids.js';
import { sm2Sign } from '../crypto/sm2.js';
import { keyIdentifier } from './certificate-extensions.js';
import { derBigInt, derGeneralizedTime, derOid, derTime, derUnsignedInteger, tlv } from './der-writer.js';

/** RFC 5280 CRLReason values. */
export const CRL_REASONS = {
  unspecified: 0,
  keyCompromise: 1,
  cACompromise: 2,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
  certificateHold: 6,
  removeFromCRL: 8,
  privilegeWithdrawn: 9,
  aACompromise: 10,
} as const;
export type CrlReason = keyof typeof CRL_REASONS;
export const CRL_REASON_NAMES = Object.keys(CRL_REASONS) as CrlReason[];

export interface RevokedEntry {
  serial: Buffer;
  revokedAt: Date;
  reason: CrlReason;
  invalidityDate?: Date | null;
}

export interface CrlSpec {
  issuerName: Buffer; // the CA's subject Name DER, byte for byte
  issuerPublicKey: Uint8Array; // for the AuthorityKeyIdentifier
  crlNumber: bigint;
  thisUpdate: Date;
  nextUpdate: Date;
  entries: RevokedEntry[];
}

// Entries go straight into buffers (see der-writer.ts), never an object tree per entry.
const REASON_EXT = CRL_REASON_NAMES.map((name) =>
  tlv(0x30, derOid(PKI_OID.crlReason), tlv(0x04, tlv(0x0a, Buffer.from([CRL_REASONS[name]])))),
);

function entryDer(e: RevokedEntry): Buffer {
  const exts: Buffer[] = [];
  // RFC 5280 §5.3.1: omit the reason code rather than write 'unspecified'.
  if (e.reason !== 'unspecified') exts.push(REASON_EXT[CRL_REASON_NAMES.indexOf(e.reason)]!);
  if (e.invalidityDate)
    exts.push(tlv(0x30, derOid(PKI_OID.invalidityDate), tlv(0x04, derGeneralizedTime(e.invalidityDate))));
  const parts = [derUnsignedInteger(e.serial), derTime(e.revokedAt)];
  if (exts.length) parts.push(tlv(0x30, ...exts));
  return tlv(0x30, ...parts);
}

const SM2_SM3_ALG = tlv(0x30, derOid(PKI_OID.sm2WithSm3));

/** Builds the TBSCertList (v2) exactly as it will be signed. */
export function buildTbsCrl(spec: CrlSpec): Buffer {
  const parts: Buffer[] = [
    derUnsignedInteger(Buffer.from([1])), // v2
    SM2_SM3_ALG,
    spec.issuerName,
    derTime(spec.thisUpdate),
    derTime(spec.nextUpdate),
  ];
  if (spec.entries.length) parts.push(tlv(0x30, ...spec.entries.map(entryDer)));
  const aki = tlv(
    0x30,
    derOid(PKI_OID.authorityKeyIdentifier),
    tlv(0x04, tlv(0x30, tlv(0x80, keyIdentifier(spec.issuerPublicKey)))),
  );
  const crlNumber = tlv(0x30, derOid(PKI_OID.crlNumber), tlv(0x04, derBigInt(spec.crlNumber)));
  parts.push(tlv(0xa0, tlv(0x30, aki, crlNumber)));
  return tlv(0x30, ...parts);
}

/** A signed X.509 v2 CRL (DER). */
export function buildCrl(spec: CrlSpec, issuerPrivateKey: Uint8Array): Buffer {
  const tbs = buildTbsCrl(spec);
  const sig = sm2Sign(issuerPrivateKey, tbs);
  return tlv(0x30, tbs, SM2_SM3_ALG, tlv(0x03, Buffer.from([0]), sig));
}
