import { DerTlvError, readDerTlv, type DerTlv } from '../crypto/der-tlv.js';
import { SesParseError } from './ses-parse-error.js';

// A small DER reader and writer for the SES structures (internal to src/seal/ses-*).
//
// Reading: SES files must be verified over their original bytes, so every element keeps its offsets into the
// input and the decoder hands out views (subarrays), never re-encodings. The reader only ever walks the fixed
// SES schema, so nesting depth is bounded by the schema itself; lengths are bounded by the input; child lists
// are capped. Definite lengths only (all producers write DER); long-form lengths that are not minimal are
// accepted, since the signed bytes are the original ones anyway.
//
// Writing: hand-written strict DER by Buffer concatenation, because a seal signature is assembled around an
// already encoded seal of up to tens of kilobytes at well over a thousand signatures per second.

export const TAG = {
  boolean: 0x01,
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  oid: 0x06,
  utf8String: 0x0c,
  printableString: 0x13,
  t61String: 0x14,
  ia5String: 0x16,
  utcTime: 0x17,
  generalizedTime: 0x18,
  bmpString: 0x1e,
  sequence: 0x30,
  context0: 0xa0,
  context0Primitive: 0x80,
} as const;

/** Upper bound on children of one constructed element (certList, extDatas…): real files have a handful. */
export const MAX_CHILDREN = 4096;

export type Tlv = DerTlv;

export class DerReader {
  readonly buf: Buffer;

  constructor(input: Uint8Array) {
    this.buf = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  }

  /** Reads the element at `at`, which must end by `limit`. */
  read(at: number, limit: number, path: string): Tlv {
    try {
      return readDerTlv(this.buf, at, limit);
    } catch (err) {
      if (err instanceof DerTlvError) throw new SesParseError(path, err.message);
      throw err;
    }
  }

  /** The one element spanning exactly [0, length). */
  root(path: string): Tlv {
    const t = this.read(0, this.buf.length, path);
    if (t.end !== this.buf.length) throw new SesParseError(path, 'trailing data after the element');
    return t;
  }

  /** Children of a constructed element. */
  children(t: Tlv, path: string): Tlv[] {
    if ((t.tag & 0x20) === 0) throw new SesParseError(path, 'expected a constructed element');
    const out: Tlv[] = [];
    for (let at = t.contentStart; at < t.end;) {
      if (out.length >= MAX_CHILDREN) throw new SesParseError(path, `more than ${MAX_CHILDREN} elements`);
      const c = this.read(at, t.end, `${path}[${out.length}]`);
      out.push(c);
      at = c.end;
    }
    return out;
  }

  /** Children of a SEQUENCE with an element count in [min, max]. */
  sequence(t: Tlv | undefined, path: string, min = 0, max = MAX_CHILDREN): Tlv[] {
    if (!t) throw new SesParseError(path, 'missing element');
    if (t.tag !== TAG.sequence)
      throw new SesParseError(path, `expected SEQUENCE, found tag 0x${hex2(t.tag)}`);
    const items = this.children(t, path);
    if (items.length < min || items.length > max) {
      throw new SesParseError(path, `unexpected element count ${items.length}`);
    }
    return items;
  }

  /** The whole TLV (a view). */
  tlv(t: Tlv): Buffer {
    return this.buf.subarray(t.start, t.end);
  }

  /** The content octets (a view). */
  content(t: Tlv): Buffer {
    return this.buf.subarray(t.contentStart, t.end);
  }

  expect(t: Tlv | undefined, tag: number, path: string, what: string): Tlv {
    if (!t) throw new SesParseError(path, `missing ${what}`);
    if (t.tag !== tag) throw new SesParseError(path, `expected ${what}, found tag 0x${hex2(t.tag)}`);
    return t;
  }

  octetString(t: Tlv | undefined, path: string): Buffer {
    return this.content(this.expect(t, TAG.octetString, path, 'OCTET STRING'));
  }

  /** BIT STRING contents; must be whole bytes (unused bits 0), as every SES payload is. */
  bitString(t: Tlv | undefined, path: string): Buffer {
    const c = this.content(this.expect(t, TAG.bitString, path, 'BIT STRING'));
    if (c.length === 0) throw new SesParseError(path, 'empty BIT STRING');
    if (c[0] !== 0) throw new SesParseError(path, `BIT STRING with ${c[0]} unused bits`);
    return c.subarray(1);
  }

  /** INTEGER that fits a JS safe integer. */
  integer(t: Tlv | undefined, path: string): number {
    const c = this.content(this.expect(t, TAG.integer, path, 'INTEGER'));
    if (c.length === 0) throw new SesParseError(path, 'empty INTEGER');
    if (c.length > 7) throw new SesParseError(path, 'INTEGER out of range');
    let v = 0n;
    for (const byte of c) v = (v << 8n) | BigInt(byte);
    if (c[0]! & 0x80) v -= 1n << BigInt(8 * c.length);
    const n = Number(v);
    if (!Number.isSafeInteger(n)) throw new SesParseError(path, 'INTEGER out of range');
    return n;
  }

  boolean(t: Tlv | undefined, path: string): boolean {
    const c = this.content(this.expect(t, TAG.boolean, path, 'BOOLEAN'));
    if (c.length !== 1) throw new SesParseError(path, 'BOOLEAN must have one content octet');
    return c[0] !== 0;
  }

  oid(t: Tlv | undefined, path: string): string {
    const c = this.content(this.expect(t, TAG.oid, path, 'OBJECT IDENTIFIER'));
    return decodeOid(c, path);
  }
}

const hex2 = (n: number) => n.toString(16).padStart(2, '0');

const MAX_OID_BYTES = 128;

export function decodeOid(c: Uint8Array, path: string): string {
  if (c.length === 0 || c.length > MAX_OID_BYTES)
    throw new SesParseError(path, 'bad OBJECT IDENTIFIER length');
  const arcs: bigint[] = [];
  let v = 0n;
  let fresh = true;
  for (const byte of c) {
    if (fresh && byte === 0x80) throw new SesParseError(path, 'non-minimal OBJECT IDENTIFIER arc');
    v = (v << 7n) | BigInt(byte & 0x7f);
    fresh = (byte & 0x80) === 0;
    if (fresh) {
      arcs.push(v);
      v = 0n;
    }
  }
  if (!fresh) throw new SesParseError(path, 'truncated OBJECT IDENTIFIER');
  const head = arcs[0]!;
  const first = head < 40n ? 0n : head < 80n ? 1n : 2n;
  return [first, head - first * 40n, ...arcs.slice(1)].join('.');
}

// ---- writing ----

export function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  if (n < 0x100) return Buffer.from([0x81, n]);
  if (n < 0x10000) return Buffer.from([0x82, n >> 8, n & 0xff]);
  if (n < 0x1000000) return Buffer.from([0x83, n >> 16, (n >> 8) & 0xff, n & 0xff]);
  return Buffer.from([0x84, (n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]);
}

/** One element with a low-number identifier octet around already encoded contents. */
export function tlv(tag: number, ...content: Uint8Array[]): Buffer {
  let len = 0;
  for (const c of content) len += c.length;
  const head = derLength(len);
  return Buffer.concat([Buffer.from([tag]), head, ...content], 1 + head.length + len);
}

export function derInteger(n: number): Buffer {
  if (!Number.isSafeInteger(n)) throw new RangeError(`INTEGER value must be a safe integer, got ${n}`);
  const bytes: number[] = [];
  let v = BigInt(n);
  // Minimal two's complement: stop once the remaining value is just the sign extension of the last byte.
  for (;;) {
    const byte = Number(v & 0xffn);
    bytes.unshift(byte);
    v >>= 8n;
    if ((v === 0n && (byte & 0x80) === 0) || (v === -1n && (byte & 0x80) !== 0)) break;
  }
  return tlv(TAG.integer, Buffer.from(bytes));
}

export const DER_FALSE = Buffer.from([0x01, 0x01, 0x00]);
export const DER_TRUE = Buffer.from([0x01, 0x01, 0xff]);

export function derBitString(bytes: Uint8Array): Buffer {
  return tlv(TAG.bitString, Buffer.from([0]), bytes);
}

const oidCache = new Map<string, Buffer>();

export function derOid(oid: string): Buffer {
  const cached = oidCache.get(oid);
  if (cached) return cached;
  if (!/^[0-2](\.(0|[1-9][0-9]*))+$/.test(oid))
    throw new RangeError(`not a dotted OBJECT IDENTIFIER: ${oid}`);
  const arcs = oid.split('.').map((a) => BigInt(a));
  const first = arcs[0]!;
  const second = arcs[1]!;
  if (first < 2n && second >= 40n) throw new RangeError(`bad second arc in ${oid}`);
  const out: number[] = [];
  for (const arc of [first * 40n + second, ...arcs.slice(2)]) {
    const chunk: number[] = [Number(arc & 0x7fn)];
    for (let v = arc >> 7n; v > 0n; v >>= 7n) chunk.unshift(Number(v & 0x7fn) | 0x80);
    out.push(...chunk);
  }
  const der = tlv(TAG.oid, Buffer.from(out));
  if (oidCache.size < 256) oidCache.set(oid, der);
  return der;
}

/** Content must be 7-bit ASCII (IA5String). */
export function derIa5String(s: string, what: string): Buffer {
  // eslint-disable-next-line no-control-regex
  if (!/^[\x00-\x7f]*$/.test(s)) throw new RangeError(`${what} must be ASCII (IA5String)`);
  return tlv(TAG.ia5String, Buffer.from(s, 'latin1'));
}

export function derUtf8String(s: string): Buffer {
  return tlv(TAG.utf8String, Buffer.from(s, 'utf8'));
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/**
 * GeneralizedTime `YYYYMMDDhhmmssZ` (UTC). Sub-second parts are dropped (truncated), as GB/T 38540 producers
 * write seconds precision.
 */
export function derGeneralizedTime(d: Date, what: string): Buffer {
  const t = d instanceof Date ? d.getTime() : NaN;
  if (!Number.isFinite(t)) throw new RangeError(`${what} must be a valid Date`);
  const y = d.getUTCFullYear();
  if (y < 0 || y > 9999) throw new RangeError(`${what} year must be in 0000..9999`);
  const text =
    pad(y, 4) +
    pad(d.getUTCMonth() + 1) +
    pad(d.getUTCDate()) +
    pad(d.getUTCHours()) +
    pad(d.getUTCMinutes()) +
    pad(d.getUTCSeconds()) +
    'Z';
  return tlv(TAG.generalizedTime, Buffer.from(text, 'latin1'));
}

/** Checks, without decoding it, that `bytes` is exactly one DER SEQUENCE TLV. */
export function isSingleSequence(bytes: Uint8Array): boolean {
  try {
    const r = new DerReader(bytes);
    return r.root('input').tag === TAG.sequence;
  } catch {
    return false;
  }
}
