import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { CompactRange, rangeNodes } from '../../src/tlog/compact-range.js';
import { generateConsistencyProof, verifyConsistencyProof } from '../../src/tlog/consistency-proof.js';
import { generateInclusionProof, verifyInclusionProof } from '../../src/tlog/inclusion-proof.js';
import { merkleHasherFrom, SM3_MERKLE_HASHER, type MerkleHasher } from '../../src/tlog/merkle-hasher.js';
import { merkleTreeRoot } from '../../src/tlog/merkle-tree-root.js';
import type { NodeHashSource } from '../../src/tlog/node-hash-source.js';
import { TlogError } from '../../src/tlog/tlog-error.js';
import { ReferenceTree, sha256Digest, sm3Digest } from './merkle-reference.js';
import { TiledTree } from './tree-fixture.js';

const SHA256_HASHER = merkleHasherFrom(32, (...parts) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
});

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const unhex = (s: string) => Buffer.from(s, 'hex');

// transparency-dev/merkle testonly/constants.go LeafInputs().
const VECTOR_LEAVES = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
].map(unhex);

/** 64 distinct leaves of varying length, the first eight being the published vectors' leaves. */
const LEAVES: Buffer[] = [
  ...VECTOR_LEAVES,
  ...Array.from({ length: 56 }, (_, i) => Buffer.from(`sealtrust leaf ${i + 8} ${'x'.repeat(i % 7)}`)),
];

function throwsCode(fn: () => unknown, code?: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof TlogError, `expected TlogError, got ${String(e)}`);
    if (code) assert.equal(e.code, code);
    return true;
  });
}

const CASES: { name: string; hasher: MerkleHasher; ref: ReferenceTree }[] = [
  { name: 'SM3', hasher: SM3_MERKLE_HASHER, ref: new ReferenceTree(sm3Digest) },
  { name: 'SHA-256', hasher: SHA256_HASHER, ref: new ReferenceTree(sha256Digest) },
];

for (const { name, hasher, ref } of CASES) {
  describe(`Merkle proofs against the RFC 9162 reference (${name})`, () => {
    const trees = [2, 3].map((h) => {
      const t = new TiledTree(hasher, h);
      for (const leaf of LEAVES) t.append(leaf);
      return t;
    });
    const roots = Array.from({ length: 65 }, (_, n) => ref.mth(LEAVES.slice(0, n)));

    it('computes MTH for every size 0..64 incrementally', () => {
      const range = new CompactRange(hasher);
      assert.equal(hex(range.rootHash()), hex(roots[0]!));
      for (let n = 1; n <= 64; n++) {
        range.append(hasher.hashLeaf(LEAVES[n - 1]!));
        assert.equal(hex(range.rootHash()), hex(roots[n]!), `size ${n}`);
        assert.deepEqual(
          range.nodes().map((x) => x.id),
          rangeNodes(0, n),
        );
        assert.equal(hex(merkleTreeRoot(hasher, LEAVES.slice(0, n))), hex(roots[n]!));
      }
    });

    for (const [tree, internal] of trees.flatMap(
      (t) =>
        [
          [t, false],
          [t, true],
        ] as const,
    )) {
      const from = `tiles of height ${tree.height}${internal ? ' with stored internal nodes' : ''}`;
      it(`inclusion proofs from ${from} equal PATH(m, D[n]) and verify, all 0 ≤ m < n ≤ 64`, () => {
        for (let n = 1; n <= 64; n++) {
          const source = tree.source(n, internal);
          for (let m = 0; m < n; m++) {
            const proof = generateInclusionProof(hasher, source, m, n);
            const expected = ref.path(m, LEAVES.slice(0, n));
            assert.deepEqual(proof.map(hex), expected.map(hex), `inclusion(${m}, ${n})`);
            verifyInclusionProof(hasher, m, n, ref.leafHash(LEAVES[m]!), expected, roots[n]!);
          }
        }
        assert.equal(tree.internalReads > 0, internal, 'stored internal nodes are read exactly when offered');
      });

      it(`consistency proofs from ${from} equal PROOF(m, D[n]) and verify, all 1 ≤ m ≤ n ≤ 64`, () => {
        for (let n = 1; n <= 64; n++) {
          const source = tree.source(n, internal);
          for (let m = 1; m <= n; m++) {
            const proof = generateConsistencyProof(hasher, source, m, n);
            const expected = ref.proof(m, LEAVES.slice(0, n));
            assert.deepEqual(proof.map(hex), expected.map(hex), `consistency(${m}, ${n})`);
            verifyConsistencyProof(hasher, m, n, roots[m]!, roots[n]!, expected);
          }
        }
      });
    }

    it('a compact range starting anywhere holds exactly the covering subtrees of [begin, end)', () => {
      for (let begin = 0; begin <= 64; begin++) {
        const range = new CompactRange(hasher, begin);
        for (let end = begin; end <= 64; end++) {
          if (end > begin) range.append(hasher.hashLeaf(LEAVES[end - 1]!));
          const nodes = range.nodes();
          assert.deepEqual(
            nodes.map((x) => x.id),
            rangeNodes(begin, end),
          );
          for (const { id, hash } of nodes) {
            const first = id.index * 2 ** id.level;
            assert.equal(hex(hash), hex(ref.mth(LEAVES.slice(first, first + 2 ** id.level))));
          }
          if (begin === 0) assert.equal(hex(range.rootHash()), hex(roots[end]!));
          // A range restored from its persisted nodes continues identically.
          const restored = new CompactRange(
            hasher,
            begin,
            end,
            nodes.map((x) => x.hash),
          );
          assert.equal(hex(restored.rootHash()), hex(range.rootHash()));
        }
      }
      throwsCode(() => new CompactRange(hasher, 0, 3, []), 'PROOF_LENGTH');
      throwsCode(() => rangeNodes(5, 4), 'INVALID_TREE_SIZE');
    });

    it('a tree of size n never reads a hash the tree of size n does not have (partial tiles)', () => {
      const tree = trees[0]!;
      // Built to 64, but served as size 13: nodes beyond 13 exist in memory and must not be asked for.
      const source = tree.source(13);
      const full = new TiledTree(hasher, 2);
      for (const leaf of LEAVES.slice(0, 13)) full.append(leaf);
      for (let m = 0; m < 13; m++) {
        assert.deepEqual(
          generateInclusionProof(hasher, source, m, 13).map(hex),
          generateInclusionProof(hasher, full.source(13), m, 13).map(hex),
        );
      }
      const missing: NodeHashSource = { nodeHash: () => undefined };
      throwsCode(() => generateInclusionProof(hasher, missing, 0, 2), 'MISSING_NODE');
    });
  });
}

describe('published vectors', () => {
  const SM3_ROOTS = [
    '1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b',
    '2daef60e7a0b8f5e024c81cd2ab3109f2b4f155cf83adeb2ae5532f74a157fdf',
    '0b990fe0c7ad70f1bf1a1262f2c7908ea48146b14253a6db99f2917ab1f5cc4d',
    '209ec96a210d662a964772680e8544d18cab7b88ffec3e00962220349b56ea56',
    '28e4e307ef6d2d0c62d84b11ef96e835efe490f35b93c8f024ecfe38c8dd4377',
    'bb10c996aeebbcdc69be3715fc847344de77442d37a5ab8213da9f41785b103b',
    '8723c1ab1f82ddfba4a3733ac0c80d936d9f4c208c7dbc8cc81ca9fff8584f66',
    'bd36c22a1ac6ff4308e0c3cc1a85bf0ffa30538ec60a55c70413ab15d45db4d2',
    'bc48ba7a709184b5f2a631e1adeb8dc2a0d4c018c1d6cc89b5664fe154c93b38',
  ];
  // transparency-dev/merkle testonly/constants.go RootHashes().
  const SHA256_ROOTS = [
    'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
    'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
    'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
    'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
    '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
    'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
    '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
  ];
  const SM3_INCLUSION: [number, number, string[]][] = [
    [
      0,
      8,
      [
        'af83a966222057ac761246a7543c580d9111014f4e5e3cb1281db33151160335',
        '2489bde054a243baddcdf4fca1bae37cc910a6d9d85fdb9e1a826d7fc114f9a8',
        '2064aa35c6f2961ab1667c4418188b13a7b2510104f71febbb67f19419cf8168',
      ],
    ],
    [
      5,
      8,
      [
        'a798bfdb4164a6c7b41a6faecc5c3155cf04d38929dcbd4fe21dea29071aac64',
        '155f6ed4ccfa83510c9416c99b48f41aa5b12e443546bee1b501a7b281e5132a',
        '28e4e307ef6d2d0c62d84b11ef96e835efe490f35b93c8f024ecfe38c8dd4377',
      ],
    ],
    [
      2,
      5,
      [
        '796e7bd749551d8e3dbd787d5fdbc62771c9a04db51a53bdbc004211f606ee6a',
        '0b990fe0c7ad70f1bf1a1262f2c7908ea48146b14253a6db99f2917ab1f5cc4d',
        'a798bfdb4164a6c7b41a6faecc5c3155cf04d38929dcbd4fe21dea29071aac64',
      ],
    ],
  ];
  const SM3_CONSISTENCY: [number, number, string[]][] = [
    [
      6,
      8,
      [
        '6f5566cd4dfab1605e73be3ce132f38de996be0094142731e1eb2ab2e001daca',
        '155f6ed4ccfa83510c9416c99b48f41aa5b12e443546bee1b501a7b281e5132a',
        '28e4e307ef6d2d0c62d84b11ef96e835efe490f35b93c8f024ecfe38c8dd4377',
      ],
    ],
    [
      2,
      5,
      [
        '2489bde054a243baddcdf4fca1bae37cc910a6d9d85fdb9e1a826d7fc114f9a8',
        'a798bfdb4164a6c7b41a6faecc5c3155cf04d38929dcbd4fe21dea29071aac64',
      ],
    ],
    [
      3,
      7,
      [
        'c93540f0356ca5170858329e6d483f335894dac0de71c64ff8b51cba68cce396',
        '796e7bd749551d8e3dbd787d5fdbc62771c9a04db51a53bdbc004211f606ee6a',
        '0b990fe0c7ad70f1bf1a1262f2c7908ea48146b14253a6db99f2917ab1f5cc4d',
        '6f59d73facf2001681a4932aa0ec3c8006b2911c498c6dda229de1b618670d4e',
      ],
    ],
    [4, 8, ['2064aa35c6f2961ab1667c4418188b13a7b2510104f71febbb67f19419cf8168']],
  ];
  // transparency-dev/merkle testonly/constants.go NodeHashes(), as cmd/proofgen writes the proofs.
  const SHA256_INCLUSION_0_8 = [
    '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
    '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
    '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
  ];
  const SHA256_CONSISTENCY_6_8 = [
    '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
    'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
    'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  ];

  const build = (hasher: MerkleHasher) => {
    const t = new TiledTree(hasher, 2);
    for (const leaf of VECTOR_LEAVES) t.append(leaf);
    return t;
  };

  it('SM3 roots of sizes 0..8 (§2.1)', () => {
    for (let n = 0; n <= 8; n++)
      assert.equal(hex(merkleTreeRoot(SM3_MERKLE_HASHER, VECTOR_LEAVES.slice(0, n))), SM3_ROOTS[n]);
  });

  it('SHA-256 roots reproduce transparency-dev/merkle RootHashes()', () => {
    for (let n = 0; n <= 8; n++)
      assert.equal(hex(merkleTreeRoot(SHA256_HASHER, VECTOR_LEAVES.slice(0, n))), SHA256_ROOTS[n]);
  });

  it('SM3 inclusion and consistency proofs (§2.1) are generated and verify', () => {
    const t = build(SM3_MERKLE_HASHER);
    for (const [m, n, proof] of SM3_INCLUSION) {
      assert.deepEqual(generateInclusionProof(SM3_MERKLE_HASHER, t.source(n), m, n).map(hex), proof);
      verifyInclusionProof(
        SM3_MERKLE_HASHER,
        m,
        n,
        SM3_MERKLE_HASHER.hashLeaf(VECTOR_LEAVES[m]!),
        proof.map(unhex),
        unhex(SM3_ROOTS[n]!),
      );
    }
    for (const [m, n, proof] of SM3_CONSISTENCY) {
      assert.deepEqual(generateConsistencyProof(SM3_MERKLE_HASHER, t.source(n), m, n).map(hex), proof);
      verifyConsistencyProof(
        SM3_MERKLE_HASHER,
        m,
        n,
        unhex(SM3_ROOTS[m]!),
        unhex(SM3_ROOTS[n]!),
        proof.map(unhex),
      );
    }
  });

  it('SHA-256 proofs reproduce cmd/proofgen', () => {
    const t = build(SHA256_HASHER);
    assert.deepEqual(generateInclusionProof(SHA256_HASHER, t.source(8), 0, 8).map(hex), SHA256_INCLUSION_0_8);
    assert.deepEqual(
      generateConsistencyProof(SHA256_HASHER, t.source(8), 6, 8).map(hex),
      SHA256_CONSISTENCY_6_8,
    );
  });
});

function flipBit(h: Uint8Array, bit: number): Buffer {
  const c = Buffer.from(h);
  c[bit >> 3]! ^= 1 << (bit & 7);
  return c;
}

describe('mutation probes (cmd/proofgen style): every one must fail', () => {
  const hasher = SM3_MERKLE_HASHER;
  const ref = new ReferenceTree(sm3Digest);
  const roots = Array.from({ length: 65 }, (_, n) => ref.mth(LEAVES.slice(0, n)));
  const leafHashes = LEAVES.map((l) => ref.leafHash(l));
  const garbage = Buffer.alloc(32, 0x5a);

  it('inclusion: flipped bits (n ≤ 16), removed, inserted, garbage, wrong index, wrong size, wrong root', () => {
    for (let n = 1; n <= 64; n++) {
      for (let m = 0; m < n; m++) {
        const proof = ref.path(m, LEAVES.slice(0, n));
        const leaf = leafHashes[m]!;
        const root = roots[n]!;
        const fails = (p: Uint8Array[], idx = m, size = n, lh: Uint8Array = leaf, r: Uint8Array = root) =>
          throwsCode(() => verifyInclusionProof(hasher, idx, size, lh, p, r));
        if (n <= 16) {
          for (let i = 0; i < proof.length; i++) {
            for (let bit = 0; bit < 256; bit++) fails(proof.map((h, j) => (j === i ? flipBit(h, bit) : h)));
          }
          for (let bit = 0; bit < 256; bit++) fails(proof, m, n, flipBit(leaf, bit));
        }
        for (let i = 0; i < proof.length; i++) {
          fails(proof.filter((_, j) => j !== i));
          fails([...proof.slice(0, i), garbage, ...proof.slice(i)]);
        }
        fails([garbage, ...proof]);
        fails([...proof, garbage]);
        fails([...proof, leaf]);
        for (const idx of [m - 1, m + 1, m ^ 2]) if (idx >= 0) fails(proof, idx);
        fails(proof, m, n * 2);
        if (Math.floor(n / 2) > m) fails(proof, m, Math.floor(n / 2));
        fails(proof, m, n, leaf, roots[n - 1]!);
        fails(proof, m, n, leaf, garbage);
      }
    }
  });

  it('consistency: flipped bits (n ≤ 16), removed, inserted, garbage, size1 = 0, swapped or wrong roots', () => {
    for (let n = 1; n <= 64; n++) {
      for (let m = 1; m <= n; m++) {
        const proof = ref.proof(m, LEAVES.slice(0, n));
        const fails = (
          p: Uint8Array[],
          s1 = m,
          s2 = n,
          r1: Uint8Array = roots[m]!,
          r2: Uint8Array = roots[n]!,
        ) => throwsCode(() => verifyConsistencyProof(hasher, s1, s2, r1, r2, p));
        if (n <= 16) {
          for (let i = 0; i < proof.length; i++) {
            for (let bit = 0; bit < 256; bit++) fails(proof.map((h, j) => (j === i ? flipBit(h, bit) : h)));
          }
        }
        for (let i = 0; i < proof.length; i++) {
          fails(proof.filter((_, j) => j !== i));
          fails([...proof.slice(0, i), garbage, ...proof.slice(i)]);
        }
        fails([garbage, ...proof]);
        fails([...proof, garbage]);
        fails(proof, 0, n);
        throwsCode(
          () => verifyConsistencyProof(hasher, 0, n, roots[0]!, roots[n]!, []),
          'CONSISTENCY_SIZE_ZERO',
        );
        if (m < n) {
          fails(proof, m, n, roots[n]!, roots[m]!);
          fails(proof, m, n, garbage);
          fails(proof, m, n, roots[m]!, garbage);
          fails(proof, n, m);
          fails(proof, m, n * 2);
          fails(proof, m, n, roots[m]!, roots[n - 1]!);
        } else {
          // Equal sizes: the empty proof with equal roots, nothing else.
          fails([], m, n, roots[m]!, garbage);
          fails([garbage]);
        }
      }
    }
  });

  it('malformed input is a TlogError, never a crash', () => {
    const root = roots[4]!;
    throwsCode(() => verifyInclusionProof(hasher, 4, 4, leafHashes[0]!, [], root), 'INDEX_OUT_OF_RANGE');
    throwsCode(() => verifyInclusionProof(hasher, -1, 4, leafHashes[0]!, [], root), 'INVALID_TREE_SIZE');
    throwsCode(() => verifyInclusionProof(hasher, 0.5, 4, leafHashes[0]!, [], root), 'INVALID_TREE_SIZE');
    throwsCode(() => verifyInclusionProof(hasher, 0, 2 ** 53, leafHashes[0]!, [], root), 'INVALID_TREE_SIZE');
    throwsCode(
      () => verifyInclusionProof(hasher, 0, 4, leafHashes[0]!, [Buffer.alloc(31)], root),
      'INVALID_HASH',
    );
    throwsCode(() => verifyInclusionProof(hasher, 0, 4, Buffer.alloc(33), [], root), 'INVALID_HASH');
    throwsCode(() =>
      verifyInclusionProof(hasher, 0, 4, leafHashes[0]!, 'x' as unknown as Uint8Array[], root),
    );
    throwsCode(() => verifyConsistencyProof(hasher, 5, 4, root, root, []), 'CONSISTENCY_SIZES_REVERSED');
    // Known limit, not a bug: an inclusion proof does not pin the tree size. Leaf 0's proof in the tree of 3 walks
    // the same left/right steps for size 4, so callers must take the size from the signed checkpoint.
    const p3 = ref.path(0, LEAVES.slice(0, 3));
    verifyInclusionProof(hasher, 0, 4, leafHashes[0]!, p3, roots[3]!);
    throwsCode(
      () => verifyConsistencyProof(hasher, 2, 4, root, root, [null as unknown as Uint8Array]),
      'INVALID_HASH',
    );
  });
});

describe('fast-check: random trees up to 2,000 leaves', () => {
  const hasher = SM3_MERKLE_HASHER;
  const leaves = Array.from({ length: 2000 }, (_, i) => Buffer.from(`leaf-${i}`));
  const tree = new TiledTree(hasher, 3);
  for (const l of leaves) tree.append(l);
  const rootOf = (n: number) => merkleTreeRoot(hasher, leaves.slice(0, n));

  it('inclusion and consistency proofs verify for random (m, n)', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 2000 })
          .chain((n) =>
            fc.tuple(fc.constant(n), fc.integer({ min: 0, max: n - 1 }), fc.integer({ min: 1, max: n })),
          ),
        ([n, i, m]) => {
          const source = tree.source(n);
          const rootN = rootOf(n);
          verifyInclusionProof(
            hasher,
            i,
            n,
            hasher.hashLeaf(leaves[i]!),
            generateInclusionProof(hasher, source, i, n),
            rootN,
          );
          verifyConsistencyProof(
            hasher,
            m,
            n,
            rootOf(m),
            rootN,
            generateConsistencyProof(hasher, source, m, n),
          );
        },
      ),
      { numRuns: 60 },
    );
  });
});
