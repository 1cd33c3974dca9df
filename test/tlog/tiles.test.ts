import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decodeEntryBundle, encodeEntryBundle } from '../../src/tlog/entry-bundle.js';
import { generateInclusionProof } from '../../src/tlog/inclusion-proof.js';
import { SM3_MERKLE_HASHER } from '../../src/tlog/merkle-hasher.js';
import {
  consistencyProofElements,
  inclusionProofElements,
  proofNodeIds,
} from '../../src/tlog/proof-nodes.js';
import {
  entryBundlePath,
  formatTileIndex,
  parseTilePath,
  tileForNode,
  tilePath,
  tilesForNodes,
  tilesForTreeSize,
} from '../../src/tlog/tiles.js';
import {
  computeTileInternalNodes,
  tileInternalNodeCount,
  tileInternalNodeIndex,
} from '../../src/tlog/tile-internal-nodes.js';
import { TlogError } from '../../src/tlog/tlog-error.js';
import { TiledTree } from './tree-fixture.js';

function throwsCode(fn: () => unknown, code: string): void {
  assert.throws(fn, (e: unknown) => e instanceof TlogError && e.code === code);
}

describe('tlog-tiles paths', () => {
  it('encodes indexes in x-prefixed 3-digit groups', () => {
    assert.equal(formatTileIndex(0), '000');
    assert.equal(formatTileIndex(999), '999');
    assert.equal(formatTileIndex(1000), 'x001/000');
    assert.equal(formatTileIndex(1234067), 'x001/x234/067');
    assert.equal(tilePath({ level: 0, index: 1234067, width: 256 }), 'tile/0/x001/x234/067');
    assert.equal(tilePath({ level: 1, index: 1, width: 17 }), 'tile/1/001.p/17');
    assert.equal(entryBundlePath(273, 112), 'tile/entries/273.p/112');
    assert.equal(entryBundlePath(5, 4, 2), 'tile/entries/005');
  });

  it('parses only canonical paths', () => {
    assert.deepEqual(parseTilePath('tile/0/x001/x234/067'), {
      kind: 'hash',
      level: 0,
      index: 1234067,
      width: 256,
    });
    assert.deepEqual(parseTilePath('tile/entries/273.p/112'), { kind: 'entries', index: 273, width: 112 });
    assert.deepEqual(parseTilePath('tile/2/000.p/3', 2), { kind: 'hash', level: 2, index: 0, width: 3 });
    for (const bad of [
      'tile/0/1',
      'tile/0/x000/001',
      'tile/0/001.p/256',
      'tile/0/001.p/0',
      'tile/0/001.p/007',
      'tile/00/001',
      'tile/0/x1/001',
      '/tile/0/001',
      'tile/0/001/',
      'tile/entries/001.p/4',
      'tile/../001',
    ]) {
      throwsCode(() => parseTilePath(bad, bad.includes('entries') ? 2 : 8), 'MALFORMED_TILE_PATH');
    }
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 63 }),
        fc.nat(),
        fc.integer({ min: 1, max: 256 }),
        (level, index, width) => {
          const p = tilePath({ level, index, width });
          assert.deepEqual(parseTilePath(p), { kind: 'hash', level, index, width });
        },
      ),
    );
  });

  it('stores a tree of 70,000 as the tlog-tiles accounting example says', () => {
    const tiles = tilesForTreeSize(70_000);
    const l0 = tiles.filter((t) => t.level === 0);
    const l1 = tiles.filter((t) => t.level === 1);
    const l2 = tiles.filter((t) => t.level === 2);
    assert.equal(l0.filter((t) => t.width === 256).length, 273);
    assert.deepEqual(
      l0.filter((t) => t.width < 256),
      [{ level: 0, index: 273, width: 112 }],
    );
    assert.deepEqual(l1, [
      { level: 1, index: 0, width: 256 },
      { level: 1, index: 1, width: 17 },
    ]);
    assert.deepEqual(l2, [{ level: 2, index: 0, width: 1 }]);
    assert.equal(tiles.length, 273 + 1 + 2 + 1);
  });

  it('names the tiles a proof reads, and the proof can be built from those tiles alone', () => {
    for (const height of [2, 3]) {
      const tree = new TiledTree(SM3_MERKLE_HASHER, height);
      for (let i = 0; i < 64; i++) tree.append(Buffer.from(`e${i}`));
      for (let n = 1; n <= 64; n++) {
        for (let m = 0; m < n; m++) {
          const needed = tilesForNodes(proofNodeIds(inclusionProofElements(m, n)), n, height);
          const keys = new Set(needed.map((t) => `${t.level}/${t.index}/${t.width}`));
          tree.tileReads.length = 0;
          generateInclusionProof(SM3_MERKLE_HASHER, tree.source(n), m, n);
          for (const t of tree.tileReads)
            assert.ok(
              keys.has(`${t.level}/${t.index}/${t.width}`),
              `inclusion(${m}, ${n}) read ${JSON.stringify(t)}`,
            );
        }
        for (let m = 1; m <= n; m++) {
          for (const id of proofNodeIds(consistencyProofElements(m, n))) {
            assert.ok((id.index + 1) * 2 ** id.level <= n, 'a proof node lies inside the tree');
          }
        }
      }
    }
  });

  it('refuses a node outside the tree', () => {
    throwsCode(() => tileForNode({ level: 2, index: 1 }, 7, 2), 'INDEX_OUT_OF_RANGE');
    assert.deepEqual(tileForNode({ level: 2, index: 1 }, 8, 2), { level: 1, index: 0, width: 2 });
    assert.deepEqual(tileForNode({ level: 3, index: 0 }, 8, 2), { level: 1, index: 0, width: 2 });
  });
});

describe('stored tile-internal nodes', () => {
  const H = SM3_MERKLE_HASHER;
  const base = Array.from({ length: 8 }, (_, i) => H.hashLeaf(Buffer.from([i])));
  const node = (level: number, pos: number): Uint8Array =>
    level === 0 ? base[pos]! : H.hashChildren(node(level - 1, 2 * pos), node(level - 1, 2 * pos + 1));
  const at = (nodes: Uint8Array, level: number, pos: number) => {
    const i = tileInternalNodeIndex(level, pos, 3) * 32;
    return Buffer.from(nodes.subarray(i, i + 32)).toString('hex');
  };

  it('lays out levels 1 … height−1, left to right, 2^height − 2 hashes', () => {
    assert.equal(tileInternalNodeCount(8), 254);
    assert.equal(tileInternalNodeCount(3), 6);
    assert.equal(tileInternalNodeIndex(7, 1, 8), 253);
    const nodes = computeTileInternalNodes(H, Buffer.concat(base), 3);
    assert.equal(nodes.length, 6 * 32);
    for (const [level, count] of [
      [1, 4],
      [2, 2],
    ] as const) {
      for (let p = 0; p < count; p++)
        assert.equal(at(nodes, level, p), Buffer.from(node(level, p)).toString('hex'));
    }
  });

  it('a partial tile holds only the nodes over complete pairs', () => {
    const nodes = computeTileInternalNodes(H, Buffer.concat(base.slice(0, 5)), 3);
    assert.equal(at(nodes, 1, 1), Buffer.from(node(1, 1)).toString('hex'));
    assert.equal(at(nodes, 2, 0), Buffer.from(node(2, 0)).toString('hex'));
    assert.equal(at(nodes, 1, 2), '00'.repeat(32));
    throwsCode(() => computeTileInternalNodes(H, new Uint8Array(33), 3), 'MALFORMED_TILE');
    throwsCode(() => tileInternalNodeIndex(3, 0, 3), 'MALFORMED_TILE');
  });
});

describe('entry bundles', () => {
  it('round-trips uint16-length-prefixed entries and refuses truncation, trailing bytes, wrong counts', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 600 }), { maxLength: 20 }), (entries) => {
        const b = encodeEntryBundle(entries);
        assert.deepEqual(
          decodeEntryBundle(b, entries.length).map((e) => Buffer.from(e).toString('hex')),
          entries.map((e) => Buffer.from(e).toString('hex')),
        );
        if (b.length > 0)
          throwsCode(() => decodeEntryBundle(b.subarray(0, b.length - 1)), 'MALFORMED_ENTRY_BUNDLE');
        throwsCode(() => decodeEntryBundle(b, entries.length + 1), 'MALFORMED_ENTRY_BUNDLE');
      }),
    );
    throwsCode(() => decodeEntryBundle(Uint8Array.of(0, 2, 1)), 'MALFORMED_ENTRY_BUNDLE');
    throwsCode(() => encodeEntryBundle([new Uint8Array(65_536)]), 'MALFORMED_ENTRY_BUNDLE');
    assert.deepEqual(
      Buffer.from(encodeEntryBundle([Uint8Array.of(7), new Uint8Array(0)])).toString('hex'),
      '0001070000',
    );
  });
});
