import { verifyConsistencyProof } from './consistency-proof.js';
import { equalBytes } from './equal-bytes.js';
import { SM3_MERKLE_HASHER, type MerkleHasher } from './merkle-hasher.js';
import { openCheckpoint, type OpenedCheckpoint } from './signed-checkpoint.js';
import type { NoteVerifier } from './signed-note.js';
import { TlogError } from './tlog-error.js';

export interface CheckpointVerifierOptions {
  /** The log's origin, pinned (from the trust list). */
  origin: string;
  logVerifiers: readonly NoteVerifier[];
  witnesses?: readonly NoteVerifier[];
  /** Distinct witness names whose cosignatures a checkpoint needs; 0 accepts unwitnessed checkpoints. */
  requiredCosignatures?: number;
  hasher?: MerkleHasher;
  /** The largest checkpoint verified earlier (persisted by the caller), to resume from. */
  latest?: OpenedCheckpoint;
}

/**
 * A client's view of one log, in the style of Go sumdb's client: it holds the largest verified checkpoint and only
 * moves forward, each step proven consistent. A smaller size is a rollback, the same size with another root or a
 * bad proof of a larger one is refused; the caller keeps both notes as evidence.
 */
export class CheckpointVerifier {
  private current: OpenedCheckpoint | undefined;
  private readonly hasher: MerkleHasher;

  constructor(private readonly opts: CheckpointVerifierOptions) {
    this.hasher = opts.hasher ?? SM3_MERKLE_HASHER;
    this.current = opts.latest;
  }

  get latest(): OpenedCheckpoint | undefined {
    return this.current;
  }

  /** Opens a signed checkpoint without moving: signatures, origin and the cosignature policy. */
  open(note: string | Uint8Array): OpenedCheckpoint {
    const opened = openCheckpoint(note, this.opts.origin, this.opts.logVerifiers, this.opts.witnesses ?? []);
    const need = this.opts.requiredCosignatures ?? 0;
    const names = new Set(opened.witnessedBy.map((w) => w.name));
    if (names.size < need) {
      throw new TlogError(
        'NOT_ENOUGH_COSIGNATURES',
        `见证联署不足 ${need} 个 / checkpoint has ${names.size} of ${need} required cosignatures`,
      );
    }
    return opened;
  }

  /**
   * Advances to `note` given PROOF(latest.size, note.size). Returns the checkpoint now held. The first checkpoint
   * is trusted on first use unless `latest` was given; from size 0 any tree is an extension (no proof).
   */
  update(note: string | Uint8Array, consistencyProof: readonly Uint8Array[] = []): OpenedCheckpoint {
    const next = this.open(note);
    const prev = this.current;
    if (prev === undefined || prev.checkpoint.size === 0) {
      if (
        prev === undefined ||
        next.checkpoint.size > 0 ||
        equalBytes(prev.checkpoint.rootHash, next.checkpoint.rootHash)
      ) {
        this.current = next;
        return next;
      }
    }
    const { size: size1, rootHash: root1 } = prev.checkpoint;
    const { size: size2, rootHash: root2 } = next.checkpoint;
    if (size2 < size1) {
      throw new TlogError(
        'CHECKPOINT_ROLLBACK',
        `检查点回退：${size2} < ${size1} / checkpoint goes back from ${size1} to ${size2}`,
      );
    }
    if (size2 === size1) {
      if (!equalBytes(root1, root2)) {
        throw new TlogError(
          'CHECKPOINT_FORK',
          `同大小 ${size1} 出现两个根哈希 / two signed roots for size ${size1}`,
        );
      }
      // Same tree: keep whichever carries more cosignatures (a witnessed copy of the same head).
      if (next.witnessedBy.length > prev.witnessedBy.length) this.current = next;
      return this.current as OpenedCheckpoint;
    }
    verifyConsistencyProof(this.hasher, size1, size2, root1, root2, consistencyProof);
    this.current = next;
    return next;
  }
}
