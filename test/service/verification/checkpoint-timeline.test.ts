// The verifier's checkpoint timeline kept in the node's database (migration 019, federation.md §3.5): a restarted
// node still holds the largest tree it verified, so an older or forked tree cannot be shown to it afresh; the
// table itself never moves backwards.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CheckpointTimeline } from '../../../src/service/verification/federated-directory-view.js';
import { parseCheckpoint, formatCheckpoint } from '../../../src/tlog/checkpoint.js';
import type { OpenedCheckpoint } from '../../../src/tlog/signed-checkpoint.js';
import {
  advanceVerifierCheckpoint,
  readVerifierCheckpoint,
} from '../../../src/store/verifier-checkpoint-repository.js';
import { createTestDatabase } from '../../helpers/test-database.js';

const ORIGIN = 'sealtrust.org.cn/44';
const opened = (size: number, fill: number): OpenedCheckpoint => {
  const text = formatCheckpoint({
    origin: ORIGIN,
    size,
    rootHash: new Uint8Array(32).fill(fill),
    extensions: [],
  });
  return { checkpoint: parseCheckpoint(text), text, witnessedBy: [] };
};

describe('checkpoint timeline kept in the database', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  const store = () => ({
    read: (origin: string) => readVerifierCheckpoint(db.knex, origin),
    advance: (origin: string, size: number, text: string) =>
      advanceVerifierCheckpoint(db.knex, origin, size, text),
  });
  before(async () => {
    db = await createTestDatabase();
  });
  after(async () => {
    await db?.drop();
  });

  it('a new process starts from the largest tree an earlier one verified', async () => {
    const first = new CheckpointTimeline(store());
    await first.load(ORIGIN);
    assert.equal(first.get(ORIGIN), undefined);
    await first.advance(ORIGIN, opened(10, 1));
    await first.advance(ORIGIN, opened(12, 2));
    await first.advance(ORIGIN, opened(11, 3)); // smaller: not kept
    const restarted = new CheckpointTimeline(store());
    await restarted.load(ORIGIN);
    const held = restarted.get(ORIGIN)!;
    assert.equal(held.checkpoint.size, 12);
    assert.deepEqual([...held.checkpoint.rootHash], [...new Uint8Array(32).fill(2)]);
  });

  it('the table keeps only a larger tree, whoever writes', async () => {
    await advanceVerifierCheckpoint(db.knex, 'other/log', 5, opened(5, 5).text);
    await advanceVerifierCheckpoint(db.knex, 'other/log', 4, opened(4, 4).text);
    const text = await readVerifierCheckpoint(db.knex, 'other/log');
    assert.equal(parseCheckpoint(text!).size, 5);
  });
});
