import * as asn1js from 'asn1js';

// Hand-written DER for the hot paths: a CRL can hold 100,000 entries and must regenerate in well under 5 s,
// and every OCSP and TSA response is written per request. An asn1js/pkijs object tree costs an allocation per
// node and a re-encode of every byte we already hold (names, certificates); concatenating buffers costs a
// fraction of that. Parsing untrusted input stays with asn1js; this module only writes.

/** DER definite length octets for `n` content bytes (short form below 0x80, long form otherwise). */
export function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** One element: identifier octet `tag` (class, constructed bit and number below 31), length, contents. */
export function tlv(tag: number, ...content: Uint8Array[]): Buffer {
  const body = content.length === 1 ? content[0]! : Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), derLength(body.length), body]);
}

/** SEQUENCE of already encoded elements. */
export function derSequence(...content: Uint8Array[]): Buffer {
  return tlv(0x30, ...content);
}

export const DER_NULL: Buffer = Buffer.from([0x05, 0x00]);

// OIDs repeat (algorithms, extensions), so their encoding is kept; the bound keeps OIDs echoed from requests
// from growing the cache. Callers must not modify the returned buffer.
const OID_CACHE_MAX = 1024;
const oidCache = new Map<string, Buffer>();

/** OBJECT IDENTIFIER from its dotted form (cached: do not modify the result). */
export function derOid(oid: string): Buffer {
  let v = oidCache.get(oid);
  if (!v) {
    v = Buffer.from(new asn1js.ObjectIdentifier({ value: oid }).toBER(false));
    if (oidCache.size < OID_CACHE_MAX) oidCache.set(oid, v);
  }
  return v;
}

/**
 * INTEGER from unsigned big-endian magnitude bytes (a certificate serial): leading zero octets are dropped
 * and one is added back when the high bit is set, so the value stays positive.
 */
export function derUnsignedInteger(bytes: Uint8Array): Buffer {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  const v = bytes.subarray(i);
  return v[0]! & 0x80 ? tlv(0x02, Buffer.from([0]), v) : tlv(0x02, v);
}

/** INTEGER from a bigint, in the minimal two's complement form DER requires (negative values included). */
export function derBigInt(n: bigint): Buffer {
  if (n >= 0n) {
    let hex = n.toString(16);
    if (hex.length % 2) hex = '0' + hex;
    return derUnsignedInteger(Buffer.from(hex, 'hex'));
  }
  let octets = 1;
  while (n < -(1n << BigInt(8 * octets - 1))) octets++;
  const hex = ((1n << BigInt(8 * octets)) + n).toString(16).padStart(2 * octets, '0');
  return tlv(0x02, Buffer.from(hex, 'hex'));
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** MMDDHHMMSS of `d` in UTC. */
function monthToSeconds(d: Date): string {
  return `${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`;
}

/** X.509 Time: UTCTime through 2049, GeneralizedTime from 2050, both in Z with seconds (RFC 5280 §4.1.2.5). */
export function derTime(d: Date): Buffer {
  const y = d.getUTCFullYear();
  return y < 2050
    ? tlv(0x17, Buffer.from(`${pad(y % 100)}${monthToSeconds(d)}Z`, 'ascii'))
    : derGeneralizedTime(d);
}

/**
 * GeneralizedTime in Z. Without `millis` the fraction is dropped (RFC 5280 §4.1.2.5.2, RFC 6960); with it,
 * milliseconds are written without trailing zeros, and without the '.' when they are zero (RFC 3161 §2.4.2).
 */
export function derGeneralizedTime(d: Date, opts: { millis?: boolean } = {}): Buffer {
  const ms = d.getUTCMilliseconds();
  const fraction = opts.millis && ms ? '.' + pad(ms, 3).replace(/0+$/, '') : '';
  return tlv(0x18, Buffer.from(`${pad(d.getUTCFullYear(), 4)}${monthToSeconds(d)}${fraction}Z`, 'ascii'));
}
