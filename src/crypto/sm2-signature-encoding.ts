import { CryptoInputError } from './crypto-input-error.js';

/** An SM2 signature pair. Values come straight from the encoding; range checks belong to verify. */
export interface Sm2SignatureValues {
  r: bigint;
  s: bigint;
}

const SCALAR_BYTES = 32;
// A DER INTEGER for a 256-bit positive value needs at most 33 content bytes; anything longer
// cannot be a valid signature and is refused before we build a huge bigint.
const MAX_INTEGER_BYTES = SCALAR_BYTES + 1;

function bad(message: string): CryptoInputError {
  return new CryptoInputError('INVALID_SIGNATURE_ENCODING', message);
}

function derInteger(v: bigint): Buffer {
  if (v < 0n) throw new RangeError('negative signature value');
  let hex = v.toString(16);
  if (hex.length % 2) hex = '0' + hex;
  // A leading 0x00 keeps a value with the top bit set positive.
  if (Number.parseInt(hex.slice(0, 2), 16) >= 0x80) hex = '00' + hex;
  const body = Buffer.from(hex, 'hex');
  return Buffer.concat([Buffer.of(0x02, body.length), body]);
}

/** DER `SEQUENCE { r INTEGER, s INTEGER }`, as GB/T 35276 and OpenSSL write it. */
export function encodeSm2SignatureDer(r: bigint, s: bigint): Buffer {
  if (r < 0n || s < 0n || r >= 1n << 256n || s >= 1n << 256n) {
    throw new RangeError('signature values must be in [0, 2^256)');
  }
  const body = Buffer.concat([derInteger(r), derInteger(s)]);
  return Buffer.concat([Buffer.of(0x30, body.length), body]);
}

// Strict DER reader (asn1js accepts BER laxities such as non-minimal integers and long-form
// lengths, which would make signatures malleable). Every length here is < 128, so only the
// short length form is legal.
function readInteger(bytes: Uint8Array, at: number): { value: bigint; next: number } {
  if (bytes[at] !== 0x02) throw bad('expected INTEGER');
  const len = bytes[at + 1];
  if (len === undefined || len >= 0x80) throw bad('bad INTEGER length');
  if (len === 0) throw bad('empty INTEGER');
  if (len > MAX_INTEGER_BYTES) throw bad('INTEGER too long');
  const start = at + 2;
  const end = start + len;
  if (end > bytes.length) throw bad('truncated INTEGER');
  const first = bytes[start] as number;
  if (len > 1) {
    const second = bytes[start + 1] as number;
    if ((first === 0x00 && second < 0x80) || (first === 0xff && second >= 0x80)) {
      throw bad('non-minimal INTEGER');
    }
  }
  let value = BigInt('0x' + Buffer.from(bytes.subarray(start, end)).toString('hex'));
  if (first >= 0x80) value -= 1n << BigInt(8 * len); // two's complement: negative, so never valid
  return { value, next: end };
}

function decodeDer(bytes: Uint8Array): Sm2SignatureValues {
  if (bytes.length < 2 || bytes[0] !== 0x30) throw bad('expected SEQUENCE');
  const len = bytes[1] as number;
  if (len >= 0x80) throw bad('bad SEQUENCE length');
  if (len + 2 !== bytes.length) throw bad('SEQUENCE length does not match input');
  const r = readInteger(bytes, 2);
  const s = readInteger(bytes, r.next);
  if (s.next !== bytes.length) throw bad('trailing data in SEQUENCE');
  return { r: r.value, s: s.value };
}

function decodeRaw(bytes: Uint8Array): Sm2SignatureValues {
  const hex = Buffer.from(bytes).toString('hex');
  return { r: BigInt('0x' + hex.slice(0, 64)), s: BigInt('0x' + hex.slice(64)) };
}

/**
 * Decode a signature given either as strict DER `SEQUENCE{r,s}` or as raw 64-byte r‖s (seen in
 * production seal files). A 64-byte input is read as DER only if it parses as strict DER: a raw
 * r‖s that also does is vanishingly unlikely (it needs the exact tag/length bytes in four places).
 * @throws CryptoInputError('INVALID_SIGNATURE_ENCODING') for anything else.
 */
export function decodeSm2Signature(bytes: Uint8Array): Sm2SignatureValues {
  if (!(bytes instanceof Uint8Array)) throw bad('signature must be bytes');
  if (bytes.length === 2 * SCALAR_BYTES) {
    if (bytes[0] === 0x30) {
      try {
        return decodeDer(bytes);
      } catch {
        return decodeRaw(bytes);
      }
    }
    return decodeRaw(bytes);
  }
  return decodeDer(bytes);
}

function toScalarBytes(v: bigint): Buffer {
  if (v < 0n || v >= 1n << 256n) throw bad('signature value out of range');
  return Buffer.from(v.toString(16).padStart(64, '0'), 'hex');
}

/** Raw 64-byte r‖s (big-endian, zero-padded) from DER or raw input. */
export function sm2SignatureToRaw(signature: Uint8Array): Buffer {
  const { r, s } = decodeSm2Signature(signature);
  return Buffer.concat([toScalarBytes(r), toScalarBytes(s)]);
}

/** Strict DER from DER or raw input (re-encoded, so the output is canonical). */
export function sm2SignatureToDer(signature: Uint8Array): Buffer {
  const { r, s } = decodeSm2Signature(signature);
  if (r < 0n || s < 0n || r >= 1n << 256n || s >= 1n << 256n) throw bad('signature value out of range');
  return encodeSm2SignatureDer(r, s);
}
