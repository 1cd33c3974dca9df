import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadFederationConfig } from '../../src/config.js';
import { generateSm2KeyPair } from '../../src/crypto/sm2.js';
import { formatCheckpoint } from '../../src/tlog/checkpoint.js';
import { decodeEntryBundle } from '../../src/tlog/entry-bundle.js';
import { verifyInclusionProof } from '../../src/tlog/inclusion-proof.js';
import { SM3_MERKLE_HASHER } from '../../src/tlog/merkle-hasher.js';
import { parseProofBundle } from '../../src/tlog/proof-bundle.js';
import { openCheckpoint } from '../../src/tlog/signed-checkpoint.js';
import { signNote } from '../../src/tlog/signed-note.js';
import { sm2NoteSigner, sm2NoteVerifier } from '../../src/tlog/sm2-note-key.js';
import { entryBundlePath, tilePath, tilesForTreeSize } from '../../src/tlog/tiles.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { reference, TestLog } from '../service/federation/tlog-test-log.js';

// The §3.1 endpoints over real HTTP, on a log at tile height 3 (8-wide tiles, so 100 leaves span three tile
// levels and partial tiles), every proof checked against the RFC 9162 reference of test/tlog.
const HEIGHT = 3;
const SIZE = 100;
const LICENCE = 'L-1';
const LICENCE_AT = [5, 50, 90];

let srv: TestServer;
let log: TestLog;
let published = 0;
const checkpointed = new Set<number>();
let note: string | undefined;
const key = generateSm2KeyPair();

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');

async function json<T>(path: string, status = 200): Promise<T> {
  const res = await srv.request(path);
  const text = await res.text();
  assert.equal(res.status, status, `${path}: ${text}`);
  return JSON.parse(text) as T;
}

async function problem(path: string, status: number, type: string): Promise<void> {
  const res = await srv.request(path);
  assert.equal(res.status, status, path);
  assert.match(res.headers.get('content-type') ?? '', /application\/problem\+json/);
  const body = (await res.json()) as { type: string };
  assert.equal(body.type, `https://sealtrust.org.cn/problems/${type}`, path);
}

before(async () => {
  srv = await startTestServer({
    services: {
      federation: { ...loadFederationConfig({}), tileHeight: HEIGHT },
      tlogPublication: {
        publishedSize: async () => published,
        checkpointedSizeIn: async (lo, hi) => [...checkpointed].some((s) => s >= lo && s < hi),
        latestCheckpointText: async () => note,
      },
    },
  });
  // The test drives integration itself, pass by pass.
  await srv.services.tlogIntegrator.stop();
  // The node's own certificates were logged at start-up; this test writes its own log from index 0.
  await srv.database.knex.raw('TRUNCATE tlog_entries, tlog_tiles, tlog_state');
  log = new TestLog(srv.database.knex);
  await log.append(
    SIZE,
    (i) =>
      LICENCE_AT.includes(i)
        ? Buffer.from(
            JSON.stringify({
              at: `2026-12-0${LICENCE_AT.indexOf(i) + 1}T00:00:00.000Z`,
              kind: 'licence',
              licence: { status: ['valid', 'suspended', 'valid'][LICENCE_AT.indexOf(i)] },
              op: ['issue', 'suspend', 'resume'][LICENCE_AT.indexOf(i)],
            }),
          )
        : Buffer.from(`leaf ${i}`),
    (i) => (LICENCE_AT.includes(i) ? LICENCE : 'other'),
  );
  await srv.services.tlogIntegrator.catchUp();
  published = SIZE;
  checkpointed.add(37).add(SIZE);
});

after(async () => {
  await srv?.stop();
});

describe('tiles and entry bundles', () => {
  it('serves every tile of each checkpointed size with the reference hashes, immutable', async () => {
    for (const size of checkpointed) {
      for (const t of tilesForTreeSize(size, HEIGHT)) {
        const res = await srv.request(`/tlog/${tilePath(t, HEIGHT)}`);
        assert.equal(res.status, 200, tilePath(t, HEIGHT));
        assert.equal(res.headers.get('cache-control'), 'public, max-age=31536000, immutable');
        assert.equal(res.headers.get('content-type'), 'application/octet-stream');
        assert.deepEqual(
          Buffer.from(await res.arrayBuffer()),
          log.expectedTile(t.level, t.index, t.width, HEIGHT),
        );
      }
    }
  });

  it('serves entry bundles gzip-encoded, holding the leaves', async () => {
    for (const [index, width] of [
      [0, 8],
      [4, 5], // size 37
      [11, 8],
      [12, 4], // size 100
    ] as const) {
      const path = `/tlog/${entryBundlePath(index, width, HEIGHT)}`;
      const res = await srv.request(path, { headers: { 'accept-encoding': 'gzip' } });
      assert.equal(res.status, 200, path);
      assert.equal(res.headers.get('content-encoding'), 'gzip');
      const leaves = decodeEntryBundle(new Uint8Array(await res.arrayBuffer()), width);
      assert.deepEqual(
        leaves.map((l) => Buffer.from(l)),
        log.leaves.slice(index * 8, index * 8 + width),
      );
    }
  });

  it('answers 404 tile-not-found for partial tiles at sizes never checkpointed, unpublished and malformed paths', async () => {
    for (const path of [
      '/tlog/tile/0/004.p/3', // size 35
      '/tlog/tile/entries/004.p/3',
      '/tlog/tile/1/001.p/3', // sizes 88–95
      '/tlog/tile/0/013', // beyond the published size
      '/tlog/tile/0/4',
      '/tlog/tile/0/004.p/8',
      '/tlog/tile/x/000',
    ])
      await problem(path, 404, 'tile-not-found');
  });
});

describe('proofs', () => {
  it('inclusion proofs for every (index, size ≤ 40) and random pairs up to 100 equal the reference', async () => {
    const pairs: [number, number][] = [];
    for (let n = 1; n <= 40; n++) for (let m = 0; m < n; m++) pairs.push([m, n]);
    for (let i = 0; i < 150; i++) {
      const n = 1 + Math.floor(Math.random() * SIZE);
      pairs.push([Math.floor(Math.random() * n), n]);
    }
    for (const [m, n] of pairs) {
      const r = await json<{
        origin: string;
        index: number;
        size: number;
        leafHash: string;
        hashes: string[];
      }>(`/v1/tlog/proofs/inclusion?index=${m}&size=${n}`);
      assert.deepEqual(
        r.hashes,
        reference.path(m, log.leaves.slice(0, n)).map(b64),
        `inclusion ${m} in ${n}`,
      );
      assert.equal(r.leafHash, b64(reference.leafHash(log.leaves[m]!)));
      assert.equal(r.origin, srv.services.tlog.origin);
    }
  });

  it('finds a leaf by its hash (base64url)', async () => {
    const m = 61;
    const r = await json<{ index: number; hashes: string[] }>(
      `/v1/tlog/proofs/inclusion?leafHash=${reference.leafHash(log.leaves[m]!).toString('base64url')}&size=${SIZE}`,
    );
    assert.equal(r.index, m);
    assert.deepEqual(r.hashes, reference.path(m, log.leaves).map(b64));
    await problem(
      `/v1/tlog/proofs/inclusion?leafHash=${reference.leafHash(Buffer.from('nope')).toString('base64url')}&size=${SIZE}`,
      404,
      'leaf-not-found',
    );
    // Present, but only at an index the smaller tree does not have.
    await problem(
      `/v1/tlog/proofs/inclusion?leafHash=${reference.leafHash(log.leaves[m]!).toString('base64url')}&size=${m}`,
      404,
      'leaf-not-found',
    );
  });

  it('consistency proofs for every 1 ≤ m ≤ n ≤ 40 and random pairs up to 100 equal the reference', async () => {
    const pairs: [number, number][] = [];
    for (let n = 1; n <= 40; n++) for (let m = 1; m <= n; m++) pairs.push([m, n]);
    for (let i = 0; i < 150; i++) {
      const n = 1 + Math.floor(Math.random() * SIZE);
      pairs.push([1 + Math.floor(Math.random() * n), n]);
    }
    for (const [m, n] of pairs) {
      const r = await json<{ from: number; to: number; hashes: string[] }>(
        `/v1/tlog/proofs/consistency?from=${m}&to=${n}`,
      );
      assert.deepEqual(
        r.hashes,
        reference.proof(m, log.leaves.slice(0, n)).map(b64),
        `consistency ${m} → ${n}`,
      );
    }
  });
});

describe('entries and licence look-up', () => {
  it('lists entries [start, end)', async () => {
    const r = await json<{
      start: number;
      end: number;
      entries: { index: number; leaf: string; leafHash: string }[];
    }>('/v1/tlog/entries?start=7&end=19');
    assert.deepEqual(
      r.entries,
      log.leaves
        .slice(7, 19)
        .map((l, i) => ({ index: 7 + i, leaf: b64(l), leafHash: b64(reference.leafHash(l)) })),
    );
  });

  it("returns a licence's entries and a proof bundle that verifies against the signed checkpoint", async () => {
    const origin = srv.services.tlog.origin;
    const text = formatCheckpoint({
      origin,
      size: SIZE,
      rootHash: reference.mth(log.leaves),
      extensions: [],
    });
    note = signNote(text, [sm2NoteSigner(origin, key.privateKey)]);
    const r = await json<{
      identifier: string;
      entries: { index: number; op: string; status: string }[];
      proof: string;
    }>(`/v1/tlog/licences/${LICENCE}`);
    assert.deepEqual(
      r.entries.map((e) => [e.index, e.op, e.status]),
      [
        [5, 'issue', 'valid'],
        [50, 'suspend', 'suspended'],
        [90, 'resume', 'valid'],
      ],
    );
    const bundle = parseProofBundle(r.proof);
    assert.equal(bundle.index, 90);
    assert.deepEqual(Buffer.from(bundle.leaf), log.leaves[90]);
    assert.equal(bundle.checkpoint, note);
    const cp = openCheckpoint(bundle.checkpoint, origin, [sm2NoteVerifier(origin, key.publicKey)]).checkpoint;
    assert.deepEqual(
      bundle.proof.map((h) => Buffer.from(h)),
      reference.path(90, log.leaves),
    );
    verifyInclusionProof(
      SM3_MERKLE_HASHER,
      90,
      cp.size,
      reference.leafHash(Buffer.from(bundle.leaf)),
      bundle.proof,
      cp.rootHash,
    );
    await problem('/v1/tlog/licences/L-2', 404, 'licence-not-logged');
  });
});

describe('bad requests', () => {
  it('answers 400 and 404 with the spec problem types', async () => {
    const cases: [string, number, string][] = [
      ['/v1/tlog/entries?start=5&end=5', 400, 'invalid-range'],
      ['/v1/tlog/entries?start=0&end=1025', 400, 'invalid-range'],
      ['/v1/tlog/entries?start=-1&end=3', 400, 'invalid-range'],
      ['/v1/tlog/entries?start=0', 400, 'invalid-range'],
      ['/v1/tlog/entries?start=1e2&end=200', 400, 'invalid-range'],
      ['/v1/tlog/entries?start=90&end=101', 404, 'beyond-integrated-size'],
      ['/v1/tlog/proofs/inclusion?index=3', 400, 'invalid-parameter'],
      ['/v1/tlog/proofs/inclusion?size=10', 400, 'invalid-parameter'],
      ['/v1/tlog/proofs/inclusion?index=01&size=10', 400, 'invalid-parameter'],
      ['/v1/tlog/proofs/inclusion?index=1&leafHash=AA&size=10', 400, 'invalid-parameter'],
      ['/v1/tlog/proofs/inclusion?leafHash=AA&size=10', 400, 'invalid-parameter'],
      ['/v1/tlog/proofs/inclusion?index=10&size=10', 404, 'index-out-of-range'],
      ['/v1/tlog/proofs/inclusion?index=0&size=0', 404, 'index-out-of-range'],
      [`/v1/tlog/proofs/inclusion?index=0&size=${SIZE + 1}`, 404, 'size-not-published'],
      ['/v1/tlog/proofs/consistency?from=0&to=10', 400, 'consistency-from-zero'],
      ['/v1/tlog/proofs/consistency?from=11&to=10', 400, 'from-after-to'],
      ['/v1/tlog/proofs/consistency?from=x&to=10', 400, 'invalid-parameter'],
      [`/v1/tlog/proofs/consistency?from=1&to=${SIZE + 1}`, 404, 'size-not-published'],
    ];
    for (const [path, status, type] of cases) await problem(path, status, type);
  });
});
