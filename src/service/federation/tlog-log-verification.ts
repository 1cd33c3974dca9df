import type { Db } from '../../store/database.js';
import { listTlogLeaves, tlogEntryCount } from '../../store/tlog-entry-repository.js';
import { readTlogStateRow } from '../../store/tlog-state-repository.js';
import { listTiles, readTiles, tileKey, type StoredTile } from '../../store/tlog-tile-repository.js';
import { CompactRange } from '../../tlog/compact-range.js';
import { equalBytes } from '../../tlog/equal-bytes.js';
import { SM3_MERKLE_HASHER } from '../../tlog/merkle-hasher.js';
import { TileAccumulator, type TileBytes } from '../../tlog/tile-accumulator.js';

export interface TlogLogVerification {
  ok: boolean;
  /** Entries read (all of tlog_entries, in index order up to the first gap). */
  entries: number;
  integratedSize: number;
  /** What does not match, first ones only (at most 20). */
  problems: string[];
}

const PAGE = 4096;
const MAX_PROBLEMS = 20;

/**
 * `sealtrust tlog verify-log` (federation.md §4.3, as `audit verify` is for the audit chain): recomputes every
 * leaf hash and the whole tree from tlog_entries alone, and compares the result with tlog_state (size, root,
 * compact range) and with every stored tile (hashes and internal nodes; none missing, none extra).
 */
export async function verifyTlogLog(db: Db, tileHeight: number): Promise<TlogLogVerification> {
  const hasher = SM3_MERKLE_HASHER;
  const problems: string[] = [];
  const problem = (p: string) => {
    if (problems.length < MAX_PROBLEMS) problems.push(p);
  };
  const state = await readTlogStateRow(db);
  const integratedSize = state?.size ?? 0;
  if (state && state.tileHeight !== tileHeight)
    problem(`tlog_state tile height ${state.tileHeight}, configured ${tileHeight}`);
  const height = state?.tileHeight ?? tileHeight;

  // Every stored tile's key, so that stored tiles the recomputed tree does not have are reported too.
  const storedKeys = new Set<string>();
  for (let after: StoredTile | undefined; ;) {
    const page = await listTiles(db, after, 1000);
    for (const t of page) storedKeys.add(tileKey(t.level, t.index));
    if (page.length < 1000) break;
    after = page.at(-1);
  }
  const compare = async (computed: TileBytes[]) => {
    const stored = await readTiles(db, computed);
    for (const t of computed) {
      const key = tileKey(t.level, t.index);
      const s = stored.get(key);
      storedKeys.delete(key);
      if (!s) problem(`tile ${key} missing`);
      else if (s.width !== t.width) problem(`tile ${key} has width ${s.width}, expected ${t.width}`);
      else if (!equalBytes(s.hashes, t.hashes)) problem(`tile ${key} hashes differ`);
      else if (!equalBytes(s.internal, t.internal)) problem(`tile ${key} internal nodes differ`);
    }
  };

  const range = new CompactRange(hasher);
  const tiles = new TileAccumulator(hasher, height);
  const visit = (level: number, index: number, hash: Uint8Array) => tiles.visit(level, index, hash);
  const total = await tlogEntryCount(db);
  let n = 0;
  read: while (true) {
    const rows = await listTlogLeaves(db, n, n + PAGE);
    if (rows.length === 0) break;
    for (const r of rows) {
      if (r.idx !== n) {
        problem(`entry ${n} missing (next is ${r.idx})`);
        break read;
      }
      const leafHash = hasher.hashLeaf(r.leaf);
      if (!equalBytes(leafHash, r.leafHash)) problem(`entry ${n}: leaf_hash is not SM3(0x00 ‖ leaf)`);
      if (n < integratedSize) range.append(leafHash, visit);
      n++;
      if (n === integratedSize && state) {
        if (!equalBytes(range.rootHash(), state.root))
          problem(`root at size ${integratedSize} differs from tlog_state`);
        const nodes = range.nodes();
        if (
          nodes.length !== state.compactRange.length ||
          nodes.some((x, i) => !equalBytes(x.hash, state.compactRange[i]!))
        )
          problem('compact range differs from tlog_state');
      }
    }
    await compare(tiles.takeFull());
  }
  if (n < integratedSize)
    problem(`tlog_state says ${integratedSize} entries are integrated, only ${n} exist`);
  if (n < total) problem(`audit_head.tlog_next is ${total}, entries end at ${n}`);
  await compare(tiles.tiles());
  for (const key of [...storedKeys].slice(0, 5)) problem(`tile ${key} stored but not part of the tree`);
  return { ok: problems.length === 0, entries: n, integratedSize, problems };
}
