// The proof bundle of federation.md §2.7: C2SP tlog-proof@v1's text with its own header, because the hashes are
// SM3. The leaf travels in `extra`, so a bundle is self-contained; a verifier trusts it only once the inclusion
// proof verifies against the checkpoint (tlog-proof: "Applications MUST NOT implicitly trust the extra data").

import { parseNote } from './signed-note.js';
import { decodeStrictBase64, encodeBase64 } from './strict-base64.js';
import { TlogError } from './tlog-error.js';

export const PROOF_BUNDLE_HEADER = 'sealtrust.org.cn/tlog-proof-sm3@v1';

export interface ProofBundle {
  /** The leaf bytes (`extra`). */
  readonly leaf: Uint8Array;
  readonly index: number;
  /** PATH(index, D[size]), leaf sibling first. */
  readonly proof: readonly Uint8Array[];
  /** The signed checkpoint, verbatim (log signature and cosignatures). */
  readonly checkpoint: string;
}

export function formatProofBundle(b: ProofBundle): string {
  const lines = [
    PROOF_BUNDLE_HEADER,
    `extra ${encodeBase64(b.leaf)}`,
    `index ${b.index}`,
    ...b.proof.map((h) => encodeBase64(h)),
  ];
  return `${lines.join('\n')}\n\n${b.checkpoint}`;
}

/** Parses a bundle strictly (one spelling); the checkpoint must be a well-formed signed note. Verifies nothing. */
export function parseProofBundle(text: string, hashSize = 32): ProofBundle {
  const bad = (why: string) =>
    new TlogError('MALFORMED_NOTE', `证明包格式错误 / malformed proof bundle: ${why}`);
  if (typeof text !== 'string') throw bad('not text');
  const split = text.indexOf('\n\n');
  if (split < 0) throw bad('no blank line before the checkpoint');
  const lines = text.slice(0, split).split('\n');
  const checkpoint = text.slice(split + 2);
  if (lines[0] !== PROOF_BUNDLE_HEADER) throw bad('wrong header');
  const extra = /^extra (\S+)$/.exec(lines[1] ?? '');
  const leaf = extra ? decodeStrictBase64(extra[1] as string) : undefined;
  if (!leaf) throw bad('extra line');
  const idx = /^index (0|[1-9][0-9]*)$/.exec(lines[2] ?? '');
  const index = idx ? Number(idx[1]) : NaN;
  if (!Number.isSafeInteger(index)) throw bad('index line');
  const proof = lines.slice(3).map((l) => {
    const h = decodeStrictBase64(l);
    if (!h || h.length !== hashSize) throw bad('proof hash');
    return h;
  });
  parseNote(checkpoint);
  return { leaf, index, proof, checkpoint };
}
