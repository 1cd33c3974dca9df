import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { DataProtector } from '../../src/crypto/data-protection.js';
import { loadKek } from '../../src/service/ca/key-encryption-key.js';
import { HttpLogSource } from '../../src/service/federation/http-log-source.js';
import {
  NodeReplicator,
  type ReplicationOptions,
  type WitnessedTree,
} from '../../src/service/federation/replicator.js';
import { findFedAlert, listFedAlerts } from '../../src/store/fed-alert-repository.js';
import { countMirrorEntries, readMirrorState } from '../../src/store/mirror-repository.js';
import { countNationalEvents, findNationalLicence } from '../../src/store/national-index-repository.js';
import { listSideRecords } from '../../src/store/national-side-record-repository.js';
import { readDirectoryLeaf } from '../../src/tlog/directory-leaf-reader.js';
import { createTestDatabase } from '../helpers/test-database.js';
import { TlogReadService } from '../../src/service/federation/tlog-read-service.js';
import { readMirrorTiles } from '../../src/store/mirror-tile-repository.js';
import { verifyInclusionProof } from '../../src/tlog/inclusion-proof.js';
import { SM3_MERKLE_HASHER } from '../../src/tlog/merkle-hasher.js';
import { seedDirectory, SourceLog } from './source-log.js';

type TestDb = Awaited<ReturnType<typeof createTestDatabase>>;
const protector = new DataProtector(loadKek({ production: false }));

function replicator(
  db: TestDb,
  log: SourceLog,
  target: () => WitnessedTree | undefined,
  opts: Partial<ReplicationOptions> = {},
): NodeReplicator {
  const node = { nodeId: log.nodeId, origin: log.origin, vkey: log.vkey, url: log.url };
  const source = new HttpLogSource(node, { tileHeight: log.tileHeight, hubToken: 'hub-token' });
  return new NodeReplicator(db.knex, node, source, async () => target(), protector, {
    tileHeight: log.tileHeight,
    pullBatch: 20,
    pullDelayMs: 0,
    ...opts,
  });
}

async function licenceLeafCount(log: SourceLog, size: number): Promise<number> {
  return log.leaves.slice(0, size).filter((l) => {
    const k = readDirectoryLeaf(l, log.nodeId).kind;
    return k === 'licence' || k === 'licence-copy';
  }).length;
}

describe('hub replication of a node log (federation.md §3.4)', () => {
  let db: TestDb;
  const logs: SourceLog[] = [];

  before(async () => {
    db = await createTestDatabase();
  });
  after(async () => {
    for (const l of logs) await l.close();
    await db.drop();
  });

  async function newLog(nodeId: string, height: number, licences: number): Promise<SourceLog> {
    const log = new SourceLog(nodeId, height);
    seedDirectory(log, licences);
    await log.listen();
    logs.push(log);
    return log;
  }

  it('mirrors thousands of entries across bundles (height 3), then resumes to a larger target', async () => {
    const log = await newLog('31', 3, 1000);
    const total = log.leaves.length;
    assert.ok(total > 1500, `seeded ${total}`);
    let target = log.witnessed(log.checkpoint(1203)); // mid-bundle target: a partial bundle at the end
    const r = replicator(db, log, () => target, { pullBatch: 100 }); // 100 → 12 bundles of 8 = 96 per batch
    await r.register();
    const first = await r.pull();
    assert.equal(first.status, 'caught-up');
    let state = (await readMirrorState(db.knex, '31'))!;
    assert.equal(state.size, 1203);
    assert.deepEqual(state.root, Buffer.from(log.root(1203)));
    assert.equal(state.state, 'ok');
    target = log.witnessed(log.checkpoint());
    const second = await r.pull();
    assert.equal(second.status, 'caught-up');
    state = (await readMirrorState(db.knex, '31'))!;
    assert.equal(state.size, total);
    assert.deepEqual(state.root, Buffer.from(log.root()));
    assert.equal(await countMirrorEntries(db.knex, '31'), total);
    // Every licence and copy leaf is a national event; statuses follow the log.
    assert.equal(await countNationalEvents(db.knex, '31'), await licenceLeafCount(log, total));
    const revoked = await findNationalLicence(db.knex, '31', seededId('31', 3));
    assert.equal(revoked?.status, 'revoked');
    const renewedOld = await findNationalLicence(db.knex, '31', seededId('31', 2));
    assert.equal(renewedOld?.status, 'superseded');
    assert.equal(renewedOld?.successor, seededId('31', 2).replace('.001.F', '.002.F'));
    const renewedNew = await findNationalLicence(
      db.knex,
      '31',
      seededId('31', 2).replace('.001.F', '.002.F'),
    );
    assert.equal(renewedNew?.version, 2);
    assert.deepEqual(renewedNew?.flags, []);
    // A clean log raises no alert; every file-bearing licence leaf got its side record, encrypted.
    assert.deepEqual(
      (await listFedAlerts(db.knex, { nodeId: '31' }, { limit: 10 })).items.map((a) => a.summary),
      [],
    );
    const side = await listSideRecords(db.knex, '31', 0, total);
    assert.equal(side.length, log.side.size);
    const one = side[0]!;
    assert.equal(
      protector.decryptText(one.holderNameEnc, `national:31:${one.idx}:holder-name`),
      log.side.get(one.idx)!.holder.name,
    );
    assert.ok(!one.holderNameEnc.toString('latin1').includes('持证人'));
  });

  it('keeps mirror tiles that prove every leaf, rebuilding them for a mirror that predates them', async () => {
    const log = await newLog('38', 3, 200);
    const total = log.leaves.length;
    let target = log.witnessed(log.checkpoint(150));
    const r = replicator(db, log, () => target, { pullBatch: 40 });
    await r.register();
    assert.equal((await r.pull()).status, 'caught-up');
    // A mirror from before migration 015: entries but no tiles. The next batch rebuilds them.
    await db.knex('mirror_tiles').where({ node_id: '38' }).delete();
    target = log.witnessed(log.checkpoint());
    assert.equal((await r.pull()).status, 'caught-up');
    const state = (await readMirrorState(db.knex, '38'))!;
    assert.equal(state.completeCheckpoint, target.checkpoint);
    const proofs = new TlogReadService({
      db: db.knex,
      origin: log.origin,
      tileHeight: 3,
      publishedSize: async () => total,
      tileCacheSize: 0,
      readTiles: (refs) => readMirrorTiles(db.knex, '38', refs),
    });
    const root = log.root();
    for (const index of [0, 1, 7, 8, 63, 64, 149, 150, 151, total - 1]) {
      const p = await proofs.inclusionProof({ index, size: total });
      assert.deepEqual(
        p.leafHash,
        Buffer.from(SM3_MERKLE_HASHER.hashLeaf(log.leaves[index]!)),
        `leaf ${index}`,
      );
      verifyInclusionProof(SM3_MERKLE_HASHER, index, total, p.leafHash, p.hashes, root);
    }
  });

  it('resumes after a stop between batches and after a failed commit, with nothing doubled (height 2)', async () => {
    const log = await newLog('32', 2, 300);
    const target = log.witnessed(log.checkpoint());
    let fail = false;
    const r = replicator(db, log, () => target, {
      pullBatch: 10, // 2 bundles of 4 = 8 per batch
      beforeCommit: ({ start }) => {
        if (fail && start >= 80) throw new Error('injected crash before COMMIT');
      },
    });
    await r.register();
    const stopped = await r.pull({ maxBatches: 3 });
    assert.equal(stopped.status, 'stopped');
    assert.equal(stopped.size, 24);
    assert.equal(await countMirrorEntries(db.knex, '32'), 24);
    fail = true;
    await assert.rejects(r.pull(), /injected crash/);
    const mid = (await readMirrorState(db.knex, '32'))!;
    assert.equal(mid.size, 80, 'batches before the failing one committed, the failing one left nothing');
    assert.equal(await countMirrorEntries(db.knex, '32'), 80);
    assert.equal(await countNationalEvents(db.knex, '32'), await licenceLeafCount(log, 80));
    fail = false;
    assert.equal((await r.pull()).status, 'caught-up');
    const end = (await readMirrorState(db.knex, '32'))!;
    assert.equal(end.size, log.leaves.length);
    assert.deepEqual(end.root, Buffer.from(log.root()));
    assert.equal(await countMirrorEntries(db.knex, '32'), log.leaves.length);
    assert.equal(await countNationalEvents(db.knex, '32'), await licenceLeafCount(log, log.leaves.length));
    assert.equal((await listSideRecords(db.knex, '32', 0, log.leaves.length)).length, log.side.size);
  });

  it('stores nothing of a batch with one altered byte, quarantines and names the index', async () => {
    const log = await newLog('34', 3, 200);
    const target = log.witnessed(log.checkpoint());
    const bad = 133;
    log.alterServed.set(bad, (l) => {
      const i = l.indexOf('"valid"');
      l[i + 1] = 'V'.charCodeAt(0);
      return l;
    });
    const r = replicator(db, log, () => target, { pullBatch: 40 });
    await r.register();
    const res = await r.pull();
    assert.equal(res.status, 'quarantined');
    const state = (await readMirrorState(db.knex, '34'))!;
    assert.equal(state.state, 'quarantined');
    assert.equal(state.size, 120, 'the proven prefix before the bad batch stays; nothing of the batch');
    assert.equal(await countMirrorEntries(db.knex, '34'), 120);
    const alerts = await listFedAlerts(
      db.knex,
      { nodeId: '34', kind: 'entries-inconsistent' },
      { limit: 10 },
    );
    assert.equal(alerts.items.length, 1);
    const alert = (await findFedAlert(db.knex, '34', alerts.items[0]!.id))!;
    assert.equal(alert.evidence.firstDifferingIndex, bad);
    assert.equal(alert.evidence.checkpoint, target.checkpoint);
    // Quarantined: a further pull does nothing until released.
    assert.equal((await r.pull()).status, 'quarantined');
  });

  it('detects a truncated and re-appended log as a fork with both leaves and the first differing index', async () => {
    const log = await newLog('35', 2, 60);
    const r = replicator(db, log, () => target, { pullBatch: 16 });
    let target = log.witnessed(log.checkpoint(50));
    await r.register();
    assert.equal((await r.pull()).status, 'caught-up');
    const original10 = log.leaves[10]!.toString('utf8');
    // Rewrite history from index 10 on; the witness still holds an older, larger checkpoint of the old tree.
    target = log.witnessed(log.checkpoint());
    log.truncate(10);
    seedDirectory(log, 60);
    assert.ok(log.leaves.length > target.size);
    const res = await r.pull();
    assert.equal(res.status, 'forked');
    const state = (await readMirrorState(db.knex, '35'))!;
    assert.equal(state.state, 'forked');
    assert.equal(state.size, 50);
    const alerts = await listFedAlerts(db.knex, { nodeId: '35', kind: 'fork' }, { limit: 10 });
    assert.equal(alerts.items.length, 1);
    const ev = (await findFedAlert(db.knex, '35', alerts.items[0]!.id))!.evidence;
    assert.equal(ev.firstDifferingIndex, 10);
    assert.equal(ev.mirroredLeaf, original10);
    assert.equal(ev.servedLeaf, log.leaves[10]!.toString('utf8'));
    assert.ok(Array.isArray(ev.mirroredInclusionProof));
  });

  it('flags semantic violations and still applies the leaf; drops a side record that does not match', async () => {
    const log = new SourceLog('36', 2);
    logs.push(log);
    seedDirectory(log, 10);
    const id = seededId('36', 0);
    const issuer = `11360000MA0000001X`;
    const foreign = '11990000MA0000009Z';
    // An illegal transition (valid → resume), an unknown issuer, a renewal skipping a version.
    log.append({
      kind: 'licence',
      op: 'resume',
      subject: id,
      at: new Date(),
      body: { licence: { id, type: 'T', issuer, version: 1, status: 'valid', prev: 'valid', related: null } },
    });
    const fid = id.replace(issuer, foreign);
    const sideIdx = log.append(
      {
        kind: 'licence',
        op: 'issue',
        subject: fid,
        at: new Date(),
        body: {
          licence: {
            id: fid,
            type: 'T',
            issuer: foreign,
            version: 1,
            status: 'valid',
            prev: null,
            related: null,
            issueDate: '2026-12-01',
            validFrom: '2026-12-01',
            validTo: null,
            files: [{ format: 'pdf', sm3: 'aa'.repeat(32), bytes: 1 }],
            seal: { esID: 'x', signer: 'y' },
          },
        },
      },
      {
        identifier: fid,
        holder: { name: '张三', code: '330102199001011234', codeType: '111' },
        number: 'N',
        typeName: 'T',
        issuerName: 'I',
      },
    );
    log.alterSide.set(sideIdx, (rec) => ({
      ...rec,
      leafHash: rec.leafHash.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')),
    }));
    await log.listen();
    const target = log.witnessed(log.checkpoint());
    const r = replicator(db, log, () => target);
    await r.register();
    assert.equal((await r.pull()).status, 'caught-up');
    const alerts = await listFedAlerts(db.knex, { nodeId: '36', kind: 'semantic-violation' }, { limit: 10 });
    assert.deepEqual(alerts.items.map((a) => a.summary.split(':')[0]).sort(), [
      'illegal-transition',
      'unknown-agency',
    ]);
    assert.deepEqual((await findNationalLicence(db.knex, '36', id))?.flags, ['illegal-transition']);
    const f = await findNationalLicence(db.knex, '36', fid);
    assert.equal(f?.status, 'valid', 'applied although flagged');
    assert.deepEqual(f?.flags, ['unknown-agency']);
    const mismatch = await listFedAlerts(
      db.knex,
      { nodeId: '36', kind: 'side-record-mismatch' },
      { limit: 10 },
    );
    assert.equal(mismatch.items.length, 1);
    const ev = (await findFedAlert(db.knex, '36', mismatch.items[0]!.id))!.evidence;
    assert.equal(ev.index, sideIdx);
    assert.ok(!JSON.stringify(ev).includes('张三') && !JSON.stringify(ev).includes('330102199001011234'));
    const side = await listSideRecords(db.knex, '36', 0, log.leaves.length);
    assert.equal(side.length, log.side.size - 1, 'the mismatching record was dropped');
    assert.equal((await readMirrorState(db.knex, '36'))!.state, 'ok');
  });

  it('catches up the side channel with its own cursor after it was down', async () => {
    const log = await newLog('37', 3, 50);
    let target = log.witnessed(log.checkpoint(40));
    log.sideDown = true;
    const r = replicator(db, log, () => target);
    await r.register();
    assert.equal((await r.pull()).status, 'caught-up');
    let state = (await readMirrorState(db.knex, '37'))!;
    assert.equal(state.size, 40);
    assert.equal(state.sideSize, 0);
    log.sideDown = false;
    target = log.witnessed(log.checkpoint());
    assert.equal((await r.pull()).status, 'caught-up');
    state = (await readMirrorState(db.knex, '37'))!;
    assert.equal(state.sideSize, log.leaves.length);
    assert.equal((await listSideRecords(db.knex, '37', 0, log.leaves.length)).length, log.side.size);
  });
});

function seededId(nodeId: string, i: number): string {
  const issuer = i % 2 === 0 ? `11${nodeId}0000MA0000001X` : `11${nodeId}0000MA0000002Y`;
  return `1.2.156.3005.2.11100000000013338W001.${issuer}.${nodeId}${String(i).padStart(9, '0')}.001.F`;
}
