import type { PdfBudget } from './pdf-budget.js';
import { PdfError } from './pdf-error.js';

/**
 * A small, tolerant reader of PDF object syntax (ISO 32000 §7.2–7.3) that keeps byte offsets: pdf-lib's parser
 * hides them, and signature validation needs them (the /Contents hex string, the dictionary span).
 *
 * Every value carries `start` (first byte) and `end` (one past the last byte) in the scanned buffer. Strings
 * keep their decoded bytes; hex strings also say whether they were clean (only hex digits and whitespace, an
 * even number of digits). Bounded: nesting at most MAX_DEPTH, every loop advances, malformed input is a
 * PdfError('MALFORMED') and nothing else.
 */

export type PdfValue =
  | { kind: 'number'; value: number; integer: boolean; start: number; end: number }
  | { kind: 'name'; value: string; start: number; end: number }
  | { kind: 'string'; bytes: Buffer; hex: boolean; clean: boolean; start: number; end: number }
  | { kind: 'array'; items: PdfValue[]; start: number; end: number }
  | { kind: 'dict'; entries: Map<string, PdfValue>; start: number; end: number }
  | { kind: 'ref'; num: number; gen: number; start: number; end: number }
  | { kind: 'bool'; value: boolean; start: number; end: number }
  | { kind: 'null'; start: number; end: number }
  | { kind: 'keyword'; value: string; start: number; end: number };

export type PdfDict = Extract<PdfValue, { kind: 'dict' }>;

export interface IndirectObject {
  num: number;
  gen: number;
  /** Offset of the object number in `N G obj`. */
  headerStart: number;
  value: PdfValue;
  /** For a stream object: the raw (still encoded) data span, per a direct /Length or up to `endstream`. */
  stream?: { start: number; end: number };
}

export const MAX_DEPTH = 64;

const WS = new Uint8Array(256);
for (const c of [0x00, 0x09, 0x0a, 0x0c, 0x0d, 0x20]) WS[c] = 1;
const DELIM = new Uint8Array(256);
for (const c of '()<>[]{}/%') DELIM[c.charCodeAt(0)] = 1;

const HEX_DIGITS_ONLY = /^[0-9A-Fa-f]*$/;
const HEX = new Int8Array(256).fill(-1);
for (let c = 0; c < 256; c++) HEX[c] = hexVal(c);

export const isPdfWhitespace = (c: number | undefined): boolean => c !== undefined && WS[c] === 1;
const isRegular = (c: number | undefined): c is number => c !== undefined && !WS[c] && !DELIM[c];
const isDigit = (c: number | undefined): c is number => c !== undefined && c >= 0x30 && c <= 0x39;

function hexVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

function malformed(at: number, what: string): PdfError {
  return new PdfError('MALFORMED', `PDF syntax error at byte ${at}: ${what}`);
}

export class PdfObjectScanner {
  /** `budget`: the file's work budget, charged by whatever decodes or scans through this scanner. */
  constructor(
    readonly bytes: Uint8Array,
    readonly budget?: PdfBudget,
  ) {}

  get length(): number {
    return this.bytes.length;
  }

  /** Skips whitespace and comments. */
  skipWs(pos: number): number {
    const b = this.bytes;
    while (pos < b.length) {
      const c = b[pos]!;
      if (WS[c]) pos++;
      else if (c === 0x25 /* % */) {
        while (pos < b.length && b[pos] !== 0x0a && b[pos] !== 0x0d) pos++;
      } else break;
    }
    return pos;
  }

  /** The regular-character token (keyword or number text) at `pos`, or '' if none. */
  word(pos: number): string {
    let end = pos;
    while (end < this.bytes.length && isRegular(this.bytes[end])) end++;
    return Buffer.from(this.bytes.buffer, this.bytes.byteOffset + pos, end - pos).toString('latin1');
  }

  /** A non-negative integer at `pos` (no sign, digits only), or null. */
  unsignedAt(pos: number): { value: number; end: number } | null {
    let end = pos;
    while (end < this.bytes.length && isDigit(this.bytes[end]) && end - pos < 16) end++;
    if (end === pos || isRegular(this.bytes[end])) return null;
    return { value: Number(this.word(pos)), end };
  }

  /** Parses one object (with `N G R` references) starting at or after `pos` (whitespace skipped). */
  parse(pos: number, depth = 0): PdfValue {
    if (depth > MAX_DEPTH) throw malformed(pos, 'nesting too deep');
    const b = this.bytes;
    pos = this.skipWs(pos);
    if (pos >= b.length) throw malformed(pos, 'unexpected end of data');
    const c = b[pos]!;
    if (c === 0x2f /* / */) return this.name(pos);
    if (c === 0x28 /* ( */) return this.literalString(pos);
    if (c === 0x3c /* < */) {
      if (b[pos + 1] === 0x3c) return this.dict(pos, depth);
      return this.hexString(pos);
    }
    if (c === 0x5b /* [ */) return this.array(pos, depth);
    if (isDigit(c) || c === 0x2b || c === 0x2d || c === 0x2e) return this.numberOrRef(pos);
    if (!isRegular(c)) throw malformed(pos, `unexpected delimiter '${String.fromCharCode(c)}'`);
    const w = this.word(pos);
    const end = pos + w.length;
    if (w === 'true' || w === 'false') return { kind: 'bool', value: w === 'true', start: pos, end };
    if (w === 'null') return { kind: 'null', start: pos, end };
    return { kind: 'keyword', value: w, start: pos, end };
  }

  private name(pos: number): PdfValue {
    const b = this.bytes;
    let end = pos + 1;
    const out: number[] = [];
    while (end < b.length && isRegular(b[end])) {
      const ch = b[end]!;
      if (ch === 0x23 /* # */ && end + 2 < b.length) {
        const h = hexVal(b[end + 1]!);
        const l = hexVal(b[end + 2]!);
        if (h >= 0 && l >= 0) {
          out.push(h * 16 + l);
          end += 3;
          continue;
        }
      }
      out.push(ch);
      end++;
    }
    return { kind: 'name', value: Buffer.from(out).toString('latin1'), start: pos, end };
  }

  private numberOrRef(pos: number): PdfValue {
    const w = this.word(pos);
    const end = pos + w.length;
    if (!/^[+-]?(\d+\.?\d*|\.\d+)$/.test(w)) return { kind: 'keyword', value: w, start: pos, end };
    const value = Number(w);
    const integer = /^[+-]?\d+$/.test(w);
    if (integer && /^\d+$/.test(w)) {
      // N G R ?
      const p1 = this.skipWs(end);
      const gen = p1 > end ? this.unsignedAt(p1) : null;
      if (gen) {
        const p2 = this.skipWs(gen.end);
        if (p2 > gen.end && this.bytes[p2] === 0x52 /* R */ && !isRegular(this.bytes[p2 + 1])) {
          return { kind: 'ref', num: value, gen: gen.value, start: pos, end: p2 + 1 };
        }
      }
    }
    return { kind: 'number', value, integer, start: pos, end };
  }

  private literalString(pos: number): PdfValue {
    const b = this.bytes;
    const out: number[] = [];
    let i = pos + 1;
    let nest = 1;
    while (i < b.length) {
      const c = b[i]!;
      if (c === 0x5c /* \ */) {
        const n = b[i + 1];
        if (n === undefined) break;
        i += 2;
        switch (n) {
          case 0x6e:
            out.push(0x0a);
            break;
          case 0x72:
            out.push(0x0d);
            break;
          case 0x74:
            out.push(0x09);
            break;
          case 0x62:
            out.push(0x08);
            break;
          case 0x66:
            out.push(0x0c);
            break;
          case 0x0d:
            if (b[i] === 0x0a) i++;
            break;
          case 0x0a:
            break;
          default:
            if (n >= 0x30 && n <= 0x37) {
              let v = n - 0x30;
              for (let k = 0; k < 2 && b[i] !== undefined && b[i]! >= 0x30 && b[i]! <= 0x37; k++) {
                v = v * 8 + (b[i]! - 0x30);
                i++;
              }
              out.push(v & 0xff);
            } else out.push(n);
        }
        continue;
      }
      if (c === 0x28) nest++;
      else if (c === 0x29 && --nest === 0) {
        return { kind: 'string', bytes: Buffer.from(out), hex: false, clean: true, start: pos, end: i + 1 };
      }
      out.push(c);
      i++;
    }
    throw malformed(pos, 'unterminated literal string');
  }

  private hexString(pos: number): PdfValue {
    const b = this.bytes;
    const close = b.indexOf(0x3e /* > */, pos + 1);
    if (close < 0) throw malformed(pos, 'unterminated hex string');
    // Fast path for the common case, a signature's /Contents of tens of kilobytes of bare hex digits: Node's
    // native decoder. Anything else (whitespace, an odd count, a stray byte) takes the byte loop below.
    const len = close - pos - 1;
    if (len >= 64 && (len & 1) === 0) {
      const text = Buffer.from(b.buffer, b.byteOffset + pos + 1, len).toString('latin1');
      if (HEX_DIGITS_ONLY.test(text))
        return {
          kind: 'string',
          bytes: Buffer.from(text, 'hex'),
          hex: true,
          clean: true,
          start: pos,
          end: close + 1,
        };
    }
    const out = Buffer.allocUnsafe((close - pos) >> 1);
    let n = 0;
    let high = -1;
    let clean = true;
    for (let i = pos + 1; i < close; i++) {
      const c = b[i]!;
      const v = HEX[c]!;
      if (v < 0) {
        if (!WS[c]) clean = false;
        continue;
      }
      if (high < 0) high = v;
      else {
        out[n++] = high * 16 + v;
        high = -1;
      }
    }
    if (high >= 0) {
      clean = false;
      out[n++] = high * 16;
    }
    const bytes = Buffer.from(out.subarray(0, n));
    return { kind: 'string', bytes, hex: true, clean, start: pos, end: close + 1 };
  }

  private array(pos: number, depth: number): PdfValue {
    const items: PdfValue[] = [];
    let i = pos + 1;
    for (;;) {
      i = this.skipWs(i);
      if (i >= this.bytes.length) throw malformed(pos, 'unterminated array');
      if (this.bytes[i] === 0x5d /* ] */) return { kind: 'array', items, start: pos, end: i + 1 };
      const v = this.parse(i, depth + 1);
      if (v.kind === 'keyword' && (v.value === 'endobj' || v.value === 'obj' || v.value === 'stream'))
        throw malformed(i, `'${v.value}' inside an array`);
      items.push(v);
      i = v.end;
    }
  }

  private dict(pos: number, depth: number): PdfDict {
    const entries = new Map<string, PdfValue>();
    let i = pos + 2;
    for (;;) {
      i = this.skipWs(i);
      if (i >= this.bytes.length) throw malformed(pos, 'unterminated dictionary');
      if (this.bytes[i] === 0x3e && this.bytes[i + 1] === 0x3e)
        return { kind: 'dict', entries, start: pos, end: i + 2 };
      const key = this.parse(i, depth + 1);
      if (key.kind !== 'name') throw malformed(i, 'dictionary key is not a name');
      const value = this.parse(key.end, depth + 1);
      if (value.kind === 'keyword')
        throw malformed(value.start, `unexpected '${value.value}' in a dictionary`);
      // A repeated key: the first one wins (what most readers do); the later one is still skipped over.
      if (!entries.has(key.value)) entries.set(key.value, value);
      i = value.end;
    }
  }

  /** `N G obj <value> [stream … endstream]` at `pos`, or null if there is no object header there. */
  indirectObjectAt(pos: number): IndirectObject | null {
    if (pos < 0 || pos >= this.bytes.length) return null;
    const start = this.skipWs(pos);
    const num = this.unsignedAt(start);
    if (!num) return null;
    const p1 = this.skipWs(num.end);
    const gen = this.unsignedAt(p1);
    if (!gen || p1 === num.end) return null;
    const p2 = this.skipWs(gen.end);
    if (p2 === gen.end || this.word(p2) !== 'obj') return null;
    const value = this.parse(p2 + 3);
    if (value.kind === 'keyword') throw malformed(value.start, `unexpected '${value.value}' as an object`);
    const obj: IndirectObject = { num: num.value, gen: gen.value, headerStart: start, value };
    const after = this.skipWs(value.end);
    if (value.kind === 'dict' && this.word(after) === 'stream') {
      let s = after + 6;
      if (this.bytes[s] === 0x0d) s++;
      if (this.bytes[s] === 0x0a) s++;
      const len = value.entries.get('Length');
      let end = -1;
      if (len?.kind === 'number' && len.integer && len.value >= 0 && s + len.value <= this.bytes.length) {
        end = s + len.value;
      } else {
        // This search may run to the end of the file: many listed objects without a usable /Length are a
        // quadratic scan, which the deadline stops.
        this.budget?.check();
        const marker = Buffer.from(this.bytes.buffer, this.bytes.byteOffset, this.bytes.length).indexOf(
          'endstream',
          s,
          'latin1',
        );
        if (marker < 0) throw malformed(s, 'stream without endstream');
        end = marker;
      }
      obj.stream = { start: s, end };
    }
    return obj;
  }
}

/** The value of `key` in `dict` if it has the wanted kind. */
export function dictGet<K extends PdfValue['kind']>(
  dict: PdfValue | undefined | null,
  key: string,
  kind: K,
): Extract<PdfValue, { kind: K }> | undefined {
  if (!dict || dict.kind !== 'dict') return undefined;
  const v = dict.entries.get(key);
  return v && v.kind === kind ? (v as Extract<PdfValue, { kind: K }>) : undefined;
}
