import * as asn1js from 'asn1js';
import { PKI_OID } from './pki-oids.js';
import { sm2Sign } from '../crypto/sm2.js';
import { keyIdentifier } from './certificate-extensions.js';

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

// Hand-written DER for the hot part: a CRL can hold 100,000 entries and must regenerate in well
// under 5 s, so entries are written straight into buffers instead of building an object tree per entry.

function len(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, ...content: Buffer[]): Buffer {
  const body = content.length === 1 ? content[0]! : Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), len(body.length), body]);
}

function derInteger(unsigned: Buffer): Buffer {
  let i = 0;
  while (i < unsigned.length - 1 && unsigned[i] === 0) i++;
  let v = unsigned.subarray(i);
  if (v[0]! & 0x80) v = Buffer.concat([Buffer.from([0]), v]);
  return tlv(0x02, v);
}

function derBigInt(n: bigint): Buffer {
  let hex = n.toString(16);
  if (hex.length % 2) hex = '0' + hex;
  return derInteger(Buffer.from(hex, 'hex'));
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** UTCTime through 2049, GeneralizedTime after, both in Z with seconds (RFC 5280 §5.1.2.4). */
export function derTime(d: Date): Buffer {
  const y = d.getUTCFullYear();
  const rest = `${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}Z`;
  return y < 2050
    ? tlv(0x17, Buffer.from(pad(y % 100) + rest, 'ascii'))
    : tlv(0x18, Buffer.from(pad(y, 4) + rest, 'ascii'));
}

function derGeneralizedTime(d: Date): Buffer {
  const s = `${pad(d.getUTCFullYear(), 4)}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}Z`;
  return tlv(0x18, Buffer.from(s, 'ascii'));
}

const oidCache = new Map<string, Buffer>();
function derOid(oid: string): Buffer {
  let v = oidCache.get(oid);
  if (!v) {
    v = Buffer.from(new asn1js.ObjectIdentifier({ value: oid }).toBER());
    oidCache.set(oid, v);
  }
  return v;
}

const REASON_EXT = CRL_REASON_NAMES.map((name) =>
  tlv(0x30, derOid(PKI_OID.crlReason), tlv(0x04, tlv(0x0a, Buffer.from([CRL_REASONS[name]])))),
);

function entryDer(e: RevokedEntry): Buffer {
  const exts: Buffer[] = [];
  // RFC 5280 §5.3.1: omit the reason code rather than write 'unspecified'.
  if (e.reason !== 'unspecified') exts.push(REASON_EXT[CRL_REASON_NAMES.indexOf(e.reason)]!);
  if (e.invalidityDate)
    exts.push(tlv(0x30, derOid(PKI_OID.invalidityDate), tlv(0x04, derGeneralizedTime(e.invalidityDate))));
  const parts = [derInteger(e.serial), derTime(e.revokedAt)];
  if (exts.length) parts.push(tlv(0x30, ...exts));
  return tlv(0x30, ...parts);
}

const SM2_SM3_ALG = tlv(0x30, derOid(PKI_OID.sm2WithSm3));

/** Builds the TBSCertList (v2) exactly as it will be signed. */
export function buildTbsCrl(spec: CrlSpec): Buffer {
  const parts: Buffer[] = [
    derInteger(Buffer.from([1])), // v2
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
