import type { Db } from '../../store/database.js';
import {
  findTlogIndexByLeafHash,
  listTlogEntriesBySubject,
  listTlogLeaves,
} from '../../store/tlog-entry-repository.js';
import { readTlogState } from '../../store/tlog-state-repository.js';
import { readTiles, tileKey, type StoredTile } from '../../store/tlog-tile-repository.js';
import { parseCheckpoint } from '../../tlog/checkpoint.js';
import { generateConsistencyProof } from '../../tlog/consistency-proof.js';
import { encodeEntryBundle } from '../../tlog/entry-bundle.js';
import { generateInclusionProof } from '../../tlog/inclusion-proof.js';
import { SM3_MERKLE_HASHER, type MerkleHasher } from '../../tlog/merkle-hasher.js';
import { formatProofBundle } from '../../tlog/proof-bundle.js';
import { consistencyProofElements, inclusionProofElements, proofNodeIds } from '../../tlog/proof-nodes.js';
import { parseNote } from '../../tlog/signed-note.js';
import { tileHashSource } from '../../tlog/tile-hash-source.js';
import { tileInTree, tilesForNodes, tileWidth, type TileRef } from '../../tlog/tiles.js';
import { ServiceError } from '../service-error.js';

/** At most this many entries per range request (federation.md §3.1). */
export const MAX_ENTRIES_PER_REQUEST = 1024;

export interface TlogReadDeps {
  db: Db;
  /** This log's origin (config.federation.logOrigin). */
  origin: string;
  tileHeight: number;
  /** The size of the latest published checkpoint: proofs, full tiles and bundles are served up to it. */
  publishedSize: () => Promise<number>;
  /**
   * Whether a published checkpoint has a size in [lo, hi): partial tiles and bundles exist only for checkpointed
   * sizes (tlog-tiles). Default: the published size alone.
   */
  checkpointedSizeIn?: ((lo: number, hi: number) => Promise<boolean>) | undefined;
  /** The latest published checkpoint, signed note text verbatim (for proof bundles), if there is one. */
  latestCheckpointText?: (() => Promise<string | undefined>) | undefined;
  /** Full tiles kept in memory (immutable, so never stale); default 1,024 ≈ 16 MB at height 8. */
  tileCacheSize?: number | undefined;
  /** Where tiles are read from; default this node's own (tlog_tiles). The hub reads a mirror's (mirror_tiles). */
  readTiles?: ((refs: readonly TileRef[]) => Promise<Map<string, StoredTile>>) | undefined;
  hasher?: MerkleHasher | undefined;
}

export interface TlogEntryView {
  index: number;
  leaf: Buffer;
  leafHash: Buffer;
}

export interface LicenceLogView {
  origin: string;
  identifier: string;
  entries: { index: number; op: string; status: string | null; at: string }[];
  /** tlog-proof-sm3@v1 text for the latest entry, or null while no published checkpoint covers it. */
  proof: string | null;
}

const notFound = (code: string, message: string, field?: string) =>
  new ServiceError('not-found', code, message, field);

/**
 * Reads of the integrated log (federation.md §2.6, §3.1): entries, entry bundles, hash tiles and inclusion and
 * consistency proofs computed from the stored tiles and their internal nodes. Full tiles are immutable, so an
 * in-process LRU over them is always correct; the right-edge partial tiles are read from the database each time.
 */
export class TlogReadService {
  readonly origin: string;
  readonly tileHeight: number;
  readonly #deps: TlogReadDeps;
  readonly #hasher: MerkleHasher;
  readonly #full: number;
  readonly #cache = new Map<string, StoredTile>();
  readonly #cacheSize: number;

  constructor(deps: TlogReadDeps) {
    this.#deps = deps;
    this.origin = deps.origin;
    this.tileHeight = deps.tileHeight;
    this.#hasher = deps.hasher ?? SM3_MERKLE_HASHER;
    this.#full = tileWidth(deps.tileHeight);
    this.#cacheSize = deps.tileCacheSize ?? 1024;
  }

  async integratedSize(): Promise<number> {
    return (await readTlogState(this.#deps.db)).size;
  }

  publishedSize(): Promise<number> {
    return this.#deps.publishedSize();
  }

  /** Entries [start, end), at most MAX_ENTRIES_PER_REQUEST, all integrated. */
  async entries(
    start: number,
    end: number,
  ): Promise<{ origin: string; start: number; end: number; entries: TlogEntryView[] }> {
    if (!(
      Number.isSafeInteger(start) &&
      Number.isSafeInteger(end) &&
      start >= 0 &&
      start < end &&
      end - start <= MAX_ENTRIES_PER_REQUEST
    )) {
      throw new ServiceError(
        'validation',
        'invalid-range',
        `条目区间无效 / invalid entry range [${start}, ${end})`,
      );
    }
    const size = await this.integratedSize();
    if (end > size) {
      throw notFound(
        'beyond-integrated-size',
        `区间超出已集成大小 ${size} / range ends beyond the integrated size ${size}`,
        'end',
      );
    }
    const rows = await listTlogLeaves(this.#deps.db, start, end);
    return {
      origin: this.origin,
      start,
      end,
      entries: rows.map((r) => ({ index: r.idx, leaf: r.leaf, leafHash: r.leafHash })),
    };
  }

  /** PATH(index, D[size]) for a leaf given by index or by leaf hash (its first occurrence below size). */
  async inclusionProof(q: { index?: number; leafHash?: Uint8Array; size: number }): Promise<{
    origin: string;
    index: number;
    size: number;
    leafHash: Buffer;
    hashes: Buffer[];
  }> {
    await this.#checkPublished(q.size, 'size');
    let index = q.index;
    if (index === undefined) {
      if (!q.leafHash)
        throw new ServiceError(
          'validation',
          'invalid-parameter',
          '需要 index 或 leafHash / index or leafHash is required',
          'index',
        );
      index = await findTlogIndexByLeafHash(this.#deps.db, q.leafHash, q.size);
      if (index === undefined)
        throw notFound(
          'leaf-not-found',
          `树 ${q.size} 中没有该叶子 / no such leaf in tree ${q.size}`,
          'leafHash',
        );
    }
    if (index >= q.size) {
      throw notFound(
        'index-out-of-range',
        `叶子序号 ${index} 不小于树大小 ${q.size} / index ${index} is not below size ${q.size}`,
        'index',
      );
    }
    // The leaf hash comes from the level-0 tile holding it (usually the one its sibling is read from anyway).
    const leafTile = tileInTree(0, Math.floor(index / this.#full), q.size, this.tileHeight);
    const elements = inclusionProofElements(index, q.size);
    const { source, tile } = await this.#nodeSource(q.size, proofNodeIds(elements), [leafTile]);
    const at = (index - leafTile.index * this.#full) * this.#hasher.size;
    const leafHash = Buffer.from(tile(leafTile).hashes.subarray(at, at + this.#hasher.size));
    const hashes = generateInclusionProof(this.#hasher, source, index, q.size).map((h) => Buffer.from(h));
    return { origin: this.origin, index, size: q.size, leafHash, hashes };
  }

  /** PROOF(from, D[to]) up to the published size; from = 0 and from > to are refused. */
  async consistencyProof(
    from: number,
    to: number,
  ): Promise<{ origin: string; from: number; to: number; hashes: Buffer[] }> {
    return this.#consistencyProof(from, to, false);
  }

  /**
   * PROOF(from, D[to]) up to the integrated size: what the publisher sends the witness with a checkpoint that is
   * not published yet (it becomes published only once cosigned).
   */
  async integratedConsistencyProof(
    from: number,
    to: number,
  ): Promise<{ origin: string; from: number; to: number; hashes: Buffer[] }> {
    return this.#consistencyProof(from, to, true);
  }

  async #consistencyProof(
    from: number,
    to: number,
    unpublished: boolean,
  ): Promise<{ origin: string; from: number; to: number; hashes: Buffer[] }> {
    if (from === 0)
      throw new ServiceError(
        'validation',
        'consistency-from-zero',
        '旧树大小不能为 0 / from must be at least 1',
        'from',
      );
    if (from > to)
      throw new ServiceError(
        'validation',
        'from-after-to',
        `from ${from} 大于 to ${to} / from exceeds to`,
        'from',
      );
    if (unpublished) {
      const integrated = await this.integratedSize();
      if (to > integrated)
        throw notFound('size-not-integrated', `大小 ${to} 尚未集成 / size ${to} is not integrated yet`, 'to');
    } else {
      await this.#checkPublished(to, 'to');
    }
    const elements = consistencyProofElements(from, to);
    const { source } = await this.#nodeSource(to, proofNodeIds(elements));
    const hashes = generateConsistencyProof(this.#hasher, source, from, to).map((h) => Buffer.from(h));
    return { origin: this.origin, from, to, hashes };
  }

  /** Hash tile (level, index) at `width` (full, or partial at a checkpointed size): the hashes back to back. */
  async tile(level: number, index: number, width: number): Promise<Buffer> {
    const levelShift = level * this.tileHeight;
    const hashesAtLevel = index * this.#full + width;
    await this.#checkTileServable(
      hashesAtLevel * 2 ** levelShift,
      (hashesAtLevel + 1) * 2 ** levelShift,
      width,
    );
    const stored = (await this.#tiles([{ level, index, width }])).get(tileKey(level, index));
    if (!stored || stored.width < width) throw this.#tileNotFound();
    return stored.hashes.subarray(0, width * this.#hasher.size);
  }

  /** Entry bundle `index` at `width`: leaves [index·2^height, index·2^height + width), uint16-length-prefixed. */
  async entryBundle(index: number, width: number): Promise<Buffer> {
    const start = index * this.#full;
    await this.#checkTileServable(start + width, start + width + 1, width);
    const rows = await listTlogLeaves(this.#deps.db, start, start + width);
    if (rows.length !== width) throw this.#tileNotFound();
    return Buffer.from(encodeEntryBundle(rows.map((r) => r.leaf)));
  }

  /**
   * A licence's log entries and a proof bundle for the latest one (the sumdb /lookup pattern): entries up to the
   * latest published checkpoint, which the bundle quotes verbatim.
   */
  async licence(identifier: string): Promise<LicenceLogView> {
    const note = await this.#deps.latestCheckpointText?.();
    const size = note ? parseCheckpoint(parseNote(note).text).size : await this.#deps.publishedSize();
    const rows = await listTlogEntriesBySubject(this.#deps.db, 'licence', identifier, size);
    const last = rows.at(-1);
    if (!last)
      throw notFound(
        'licence-not-logged',
        `证照未见于目录日志 / licence ${identifier} is not in the log`,
        'identifier',
      );
    const entries = rows.map((r) => {
      const leaf = JSON.parse(r.leaf.toString('utf8')) as {
        op?: unknown;
        at?: unknown;
        licence?: { status?: unknown };
      };
      return {
        index: r.idx,
        op: String(leaf.op),
        status: typeof leaf.licence?.status === 'string' ? leaf.licence.status : null,
        at: String(leaf.at),
      };
    });
    let proof: string | null = null;
    if (note) {
      const { source } = await this.#nodeSource(size, proofNodeIds(inclusionProofElements(last.idx, size)));
      const hashes = generateInclusionProof(this.#hasher, source, last.idx, size);
      proof = formatProofBundle({ leaf: last.leaf, index: last.idx, proof: hashes, checkpoint: note });
    }
    return { origin: this.origin, identifier, entries, proof };
  }

  async #checkPublished(size: number, field: string): Promise<void> {
    const published = await this.#deps.publishedSize();
    if (size > published) {
      throw notFound(
        'size-not-published',
        `树大小 ${size} 超出已发布大小 ${published} / size ${size} exceeds the published size ${published}`,
        field,
      );
    }
  }

  /**
   * A tile (or bundle) whose hashes at its level end at a tree size in [lo, hi) with `width`: a full one exists once
   * a published tree contains it; a partial one only when a checkpoint was published at such a size.
   */
  async #checkTileServable(lo: number, hi: number, width: number): Promise<void> {
    const published = await this.#deps.publishedSize();
    if (width === this.#full) {
      if (lo > published) throw this.#tileNotFound();
      return;
    }
    const ok = this.#deps.checkpointedSizeIn
      ? await this.#deps.checkpointedSizeIn(lo, hi)
      : published >= lo && published < hi;
    if (!ok) throw this.#tileNotFound();
  }

  #tileNotFound(): ServiceError {
    return notFound('tile-not-found', '没有这个瓦片 / no such tile at a published size');
  }

  /**
   * Proof hashes for a tree of `size` from the tiles the given nodes live in (and `extra` tiles), cache first, one
   * query for the rest.
   */
  async #nodeSource(size: number, ids: readonly { level: number; index: number }[], extra: TileRef[] = []) {
    const tiles = await this.#tiles([...tilesForNodes(ids, size, this.tileHeight), ...extra]);
    const tile = (t: TileRef): StoredTile => {
      const s = tiles.get(tileKey(t.level, t.index));
      if (!s || s.width < t.width) {
        throw new ServiceError(
          'unavailable',
          'tlog-not-integrated',
          `瓦片 ${t.level}/${t.index} 尚未集成 / tile not integrated yet`,
          undefined,
          undefined,
          1,
        );
      }
      return s;
    };
    const source = tileHashSource(
      this.#hasher,
      size,
      (t) => tile(t).hashes.subarray(0, t.width * this.#hasher.size),
      this.tileHeight,
      (t) => tile(t).internal,
    );
    return { source, tile };
  }

  /**
   * Stored tiles by key, each at least as wide as asked: from the LRU when there, the rest in one query. Partial
   * tiles are cached too: a tile's first W hashes never change (tlog-tiles), so a cached partial tile answers
   * every request up to its width, and a wider request reads the tile again.
   */
  async #tiles(refs: readonly TileRef[]): Promise<Map<string, StoredTile>> {
    const out = new Map<string, StoredTile>();
    const missing: TileRef[] = [];
    for (const r of refs) {
      const key = tileKey(r.level, r.index);
      if (out.has(key)) continue;
      const hit = this.#cache.get(key);
      if (hit && hit.width >= r.width) {
        this.#cache.delete(key);
        this.#cache.set(key, hit);
        out.set(key, hit);
      } else missing.push(r);
    }
    if (missing.length === 0) return out;
    const read = this.#deps.readTiles ?? ((r: readonly TileRef[]) => readTiles(this.#deps.db, r));
    for (const [key, t] of await read(missing)) {
      out.set(key, t);
      if (this.#cacheSize > 0) {
        this.#cache.delete(key);
        this.#cache.set(key, t);
        if (this.#cache.size > this.#cacheSize) this.#cache.delete(this.#cache.keys().next().value as string);
      }
    }
    return out;
  }
}
