// The SealTrust SM2 profile of C2SP signed-note (not C2SP-registered): signature type 0xff followed by a length
// byte and a long identifier (signed-note reserves 0xff for exactly that), key IDs with SM3, DER signatures,
// the default SM2 ID.

import { sm2PublicKeyFromPrivate, sm2Sign, sm2Verify } from '../crypto/sm2.js';
import { decodeSm2Signature, encodeSm2SignatureDer } from '../crypto/sm2-signature-encoding.js';
import { sm3 } from '../crypto/sm3.js';
import { equalBytes } from './equal-bytes.js';
import { checkKeyName, type NoteSigner, type NoteVerifier } from './signed-note.js';
import { decodeStrictBase64, encodeBase64 } from './strict-base64.js';
import { TlogError } from './tlog-error.js';

function sigType(id: string): Uint8Array {
  const ascii = new TextEncoder().encode(id);
  return Uint8Array.of(0xff, ascii.length, ...ascii);
}

/** 0xFF ‖ 0x27 ‖ "sealtrust.org.cn/signed-note/sm2-sm3@v1": note signatures (log checkpoints, trust lists). */
export const NOTE_SIGTYPE = sigType('sealtrust.org.cn/signed-note/sm2-sm3@v1');
/** 0xFF ‖ 0x2C ‖ "sealtrust.org.cn/tlog-cosignature/sm2-sm3@v1": witness cosignatures (subtree/v1 message). */
export const COSIG_SIGTYPE = sigType('sealtrust.org.cn/tlog-cosignature/sm2-sm3@v1');

const PUBLIC_KEY_BYTES = 65;

/** key ID = SM3(key name ‖ 0x0A ‖ SIGTYPE ‖ public key)[0:4], big-endian uint32. */
export function sm2NoteKeyId(name: string, sigtype: Uint8Array, publicKey: Uint8Array): number {
  checkKeyName(name);
  const h = sm3(new TextEncoder().encode(name), Uint8Array.of(0x0a), sigtype, publicKey);
  return h.readUInt32BE(0);
}

export interface Sm2VerifierKey {
  readonly name: string;
  readonly keyId: number;
  /** NOTE_SIGTYPE or COSIG_SIGTYPE. */
  readonly sigtype: Uint8Array;
  /** 65-byte uncompressed 04 ‖ X ‖ Y. */
  readonly publicKey: Uint8Array;
}

/** vkey = <name> "+" hex(key ID) "+" base64(SIGTYPE ‖ public key). */
export function formatVerifierKey(name: string, sigtype: Uint8Array, publicKey: Uint8Array): string {
  const keyId = sm2NoteKeyId(name, sigtype, checkPublicKey(publicKey));
  const body = new Uint8Array(sigtype.length + publicKey.length);
  body.set(sigtype);
  body.set(publicKey, sigtype.length);
  return `${name}+${keyId.toString(16).padStart(8, '0')}+${encodeBase64(body)}`;
}

/**
 * Parses a vkey of either SealTrust SM2 type. The key ID in the text must equal the one recomputed with SM3
 * (verifiers never accept a SHA-256 key ID for these types).
 */
export function parseVerifierKey(vkey: string): Sm2VerifierKey {
  const bad = (why: string) =>
    new TlogError('MALFORMED_VERIFIER_KEY', `验证密钥格式错误 / malformed verifier key: ${why}`);
  if (typeof vkey !== 'string') throw bad('not a string');
  // Cut at the first two "+" only (as Go's note.NewVerifier does): a key name never holds "+", base64 may.
  const first = vkey.indexOf('+');
  const second = first < 0 ? -1 : vkey.indexOf('+', first + 1);
  if (second < 0) throw bad('expected <name>+<hex key ID>+<base64 key>');
  const name = vkey.slice(0, first);
  const idHex = vkey.slice(first + 1, second);
  const b64 = vkey.slice(second + 1);
  try {
    checkKeyName(name);
  } catch {
    throw bad('invalid key name');
  }
  if (!/^[0-9a-f]{8}$/.test(idHex)) throw bad('key ID must be 8 lowercase hex digits');
  const body = decodeStrictBase64(b64);
  if (body === undefined) throw bad('key is not canonical base64');
  let sigtype: Uint8Array;
  if (startsWith(body, NOTE_SIGTYPE)) sigtype = NOTE_SIGTYPE;
  else if (startsWith(body, COSIG_SIGTYPE)) sigtype = COSIG_SIGTYPE;
  else
    throw new TlogError(
      'UNKNOWN_SIGNATURE_TYPE',
      '不支持的签名类型 / unsupported signature type in verifier key',
    );
  const publicKey = body.slice(sigtype.length);
  try {
    checkPublicKey(publicKey);
  } catch {
    throw bad('public key must be a 65-byte uncompressed SM2 point');
  }
  const keyId = sm2NoteKeyId(name, sigtype, publicKey);
  if (keyId !== Number.parseInt(idHex, 16)) throw bad('key ID does not match the key');
  return { name, keyId, sigtype, publicKey };
}

function startsWith(a: Uint8Array, prefix: Uint8Array): boolean {
  return a.length >= prefix.length && equalBytes(a.subarray(0, prefix.length), prefix);
}

/** The profile's key encoding: a 65-byte uncompressed SM2 point 04 ‖ X ‖ Y. */
export function checkPublicKey(publicKey: Uint8Array): Uint8Array {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== PUBLIC_KEY_BYTES || publicKey[0] !== 0x04) {
    throw new TlogError(
      'MALFORMED_VERIFIER_KEY',
      '公钥须为 65 字节非压缩 SM2 点 / public key must be 65-byte uncompressed SM2',
    );
  }
  return publicKey;
}

/**
 * SM2 verification that accepts only the profile's encoding, strict DER SEQUENCE{r, s}: sm2Verify also takes raw
 * r‖s, and a second spelling of one signature must not verify. False for anything malformed, never a throw.
 */
export function sm2VerifyStrictDer(
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
): boolean {
  try {
    const { r, s } = decodeSm2Signature(signature);
    if (!equalBytes(encodeSm2SignatureDer(r, s), signature)) return false;
    return sm2Verify(publicKey, message, signature);
  } catch {
    return false;
  }
}

/** Note signer (NOTE_SIGTYPE): signs the exact note text bytes with SM2, ID 1234567812345678. */
export function sm2NoteSigner(name: string, privateKey: Uint8Array): NoteSigner {
  const publicKey = sm2PublicKeyFromPrivate(privateKey);
  const keyId = sm2NoteKeyId(name, NOTE_SIGTYPE, publicKey);
  return { name, keyId, sign: (text) => sm2Sign(privateKey, text) };
}

/** Note verifier (NOTE_SIGTYPE) for a name and public key, or from a vkey of that type. */
export function sm2NoteVerifier(name: string, publicKey: Uint8Array): NoteVerifier {
  const keyId = sm2NoteKeyId(name, NOTE_SIGTYPE, checkPublicKey(publicKey));
  return { name, keyId, verify: (text, sig) => sm2VerifyStrictDer(publicKey, text, sig) };
}

export function sm2NoteVerifierFromKey(vkey: string): NoteVerifier {
  const k = parseVerifierKey(vkey);
  if (!equalBytes(k.sigtype, NOTE_SIGTYPE)) {
    throw new TlogError('UNKNOWN_SIGNATURE_TYPE', '该密钥不是注记签名密钥 / not a note-signature key');
  }
  return sm2NoteVerifier(k.name, k.publicKey);
}
