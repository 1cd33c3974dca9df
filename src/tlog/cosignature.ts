// The hub's witness cosignature: C2SP tlog-cosignature's subtree/v1 `cosigned_message` signed with SM2, carried as a
// signed-note line "— <witness name> base64(key ID ‖ u64be timestamp ‖ DER SM2 signature)" with COSIG_SIGTYPE.

import { sm2PublicKeyFromPrivate, sm2Sign } from '../crypto/sm2.js';
import { parseCheckpoint, type Checkpoint } from './checkpoint.js';
import type { NoteSigner, NoteVerifier } from './signed-note.js';
import {
  checkPublicKey,
  COSIG_SIGTYPE,
  parseVerifierKey,
  sm2NoteKeyId,
  sm2VerifyStrictDer,
} from './sm2-note-key.js';
import { equalBytes } from './equal-bytes.js';
import { TlogError } from './tlog-error.js';

const LABEL = new TextEncoder().encode('subtree/v1\n\0');

export interface CosignedMessage {
  readonly cosignerName: string;
  /** POSIX seconds; never 0 for a checkpoint. */
  readonly timestamp: number;
  readonly origin: string;
  /** 0 for a checkpoint. */
  readonly start: number;
  /** The tree size. */
  readonly end: number;
  readonly hash: Uint8Array;
}

function vector8(s: string): Uint8Array {
  const b = new TextEncoder().encode(s);
  if (b.length < 1 || b.length > 255) {
    throw new TlogError('MALFORMED_COSIGNATURE', '名称长度须为 1..255 字节 / names must be 1..255 bytes');
  }
  return Uint8Array.of(b.length, ...b);
}

function u64(n: number): Uint8Array {
  if (!Number.isSafeInteger(n) || n < 0)
    throw new TlogError('MALFORMED_COSIGNATURE', `无效的 u64 / invalid uint64 ${n}`);
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(n));
  return out;
}

/** The exact bytes the witness signs (tlog-cosignature `cosigned_message`). */
export function encodeCosignedMessage(m: CosignedMessage): Uint8Array {
  if (!(m.hash instanceof Uint8Array) || m.hash.length !== 32) {
    throw new TlogError('MALFORMED_COSIGNATURE', '根哈希须为 32 字节 / hash must be 32 bytes');
  }
  const parts = [
    LABEL,
    vector8(m.cosignerName),
    u64(m.timestamp),
    vector8(m.origin),
    u64(m.start),
    u64(m.end),
    m.hash,
  ];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function checkpointMessage(name: string, timestamp: number, cp: Checkpoint): Uint8Array {
  return encodeCosignedMessage({
    cosignerName: name,
    timestamp,
    origin: cp.origin,
    start: 0,
    end: cp.size,
    hash: cp.rootHash,
  });
}

export interface ParsedCosignature {
  readonly timestamp: number;
  /** DER SM2 signature. */
  readonly signature: Uint8Array;
}

/** Splits the bytes after the key ID into timestamp and signature. */
export function parseCosignature(sig: Uint8Array): ParsedCosignature {
  if (!(sig instanceof Uint8Array) || sig.length < 9) {
    throw new TlogError('MALFORMED_COSIGNATURE', '联署签名过短 / cosignature too short');
  }
  const t = new DataView(sig.buffer, sig.byteOffset, 8).getBigUint64(0);
  if (t === 0n || t > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new TlogError('MALFORMED_COSIGNATURE', '联署时间戳无效 / cosignature timestamp must be 1..2^53−1');
  }
  return { timestamp: Number(t), signature: sig.slice(8) };
}

/**
 * A witness signer for checkpoints: `clock` gives POSIX seconds (injected, so this stays pure). The note text it
 * signs must parse as a SealTrust checkpoint (no extension lines, which the message would not cover).
 */
export function cosignatureSigner(name: string, privateKey: Uint8Array, clock: () => number): NoteSigner {
  const publicKey = sm2PublicKeyFromPrivate(privateKey);
  const keyId = sm2NoteKeyId(name, COSIG_SIGTYPE, publicKey);
  return {
    name,
    keyId,
    sign(text: Uint8Array): Uint8Array {
      const cp = parseCheckpoint(new TextDecoder('utf-8', { fatal: true }).decode(text));
      const timestamp = clock();
      const ts = u64(timestamp);
      if (timestamp === 0)
        throw new TlogError('MALFORMED_COSIGNATURE', '联署时间戳不能为 0 / timestamp must not be 0');
      const der = sm2Sign(privateKey, checkpointMessage(name, timestamp, cp));
      const out = new Uint8Array(8 + der.length);
      out.set(ts);
      out.set(der, 8);
      return out;
    },
  };
}

/** Verifies witness cosignatures on checkpoint notes; false for anything malformed. */
export function cosignatureVerifier(name: string, publicKey: Uint8Array): NoteVerifier {
  const keyId = sm2NoteKeyId(name, COSIG_SIGTYPE, checkPublicKey(publicKey));
  return {
    name,
    keyId,
    verify(text: Uint8Array, sig: Uint8Array): boolean {
      try {
        const { timestamp, signature } = parseCosignature(sig);
        const cp = parseCheckpoint(new TextDecoder('utf-8', { fatal: true }).decode(text));
        return sm2VerifyStrictDer(publicKey, checkpointMessage(name, timestamp, cp), signature);
      } catch {
        return false;
      }
    },
  };
}

export function cosignatureVerifierFromKey(vkey: string): NoteVerifier {
  const k = parseVerifierKey(vkey);
  if (!equalBytes(k.sigtype, COSIG_SIGTYPE)) {
    throw new TlogError('UNKNOWN_SIGNATURE_TYPE', '该密钥不是联署密钥 / not a cosignature key');
  }
  return cosignatureVerifier(k.name, k.publicKey);
}
