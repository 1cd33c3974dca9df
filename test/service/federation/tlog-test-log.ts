// Test support for the directory log's storage: appends synthetic leaves straight into tlog_entries (the
// integrator reads nothing else) and computes what the stored tree must be with the RFC 9162 reference of
// test/tlog/merkle-reference.ts, which shares no code with src/tlog.
import { randomBytes } from 'node:crypto';
import type { Executor } from '../../../src/store/database.js';
import { ReferenceTree, sm3Digest } from '../../tlog/merkle-reference.js';

export const reference = new ReferenceTree(sm3Digest);

/** A log the test writes: the leaves so far, in index order. */
export class TestLog {
  readonly leaves: Buffer[] = [];

  constructor(private readonly db: Executor) {}

  /** Appends `count` random leaves (or the given ones) at the next indices, in one statement. */
  async append(
    count: number,
    make: (i: number) => Buffer = () => randomBytes(1 + Math.floor(Math.random() * 80)),
    subjectOf: (i: number) => string = () => 'test',
  ) {
    const first = this.leaves.length;
    const batch = Array.from({ length: count }, (_, i) => make(first + i));
    if (count === 0) return;
    for (let at = 0; at < batch.length; at += 5000) {
      const part = batch.slice(at, at + 5000);
      await this.db.raw(
        `INSERT INTO tlog_entries (idx, leaf, leaf_hash, kind, subject, audit_seq, at)
         SELECT i, l, h, 'licence', s, 0, now()
           FROM unnest(?::bigint[], ?::bytea[], ?::bytea[], ?::text[]) AS u(i, l, h, s)`,
        [
          part.map((_, i) => first + at + i),
          part,
          part.map((l) => reference.leafHash(l)),
          part.map((_, i) => subjectOf(first + at + i)),
        ],
      );
    }
    this.leaves.push(...batch);
  }

  /** MTH of leaves [begin, end) by the reference (the hash a tile or proof must carry for that subtree). */
  subtree(begin: number, end: number): Buffer {
    return reference.mth(this.leaves.slice(begin, end));
  }

  /** The hashes of tile (level, index) at `width` for tile height `height`, by the reference. */
  expectedTile(level: number, index: number, width: number, height: number): Buffer {
    const span = 2 ** (level * height);
    const first = index * 2 ** height;
    return Buffer.concat(
      Array.from({ length: width }, (_, i) => this.subtree((first + i) * span, (first + i + 1) * span)),
    );
  }
}
