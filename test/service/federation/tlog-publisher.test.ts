// The node's checkpoint publisher against a real hub witness: a SealTrust app on a loopback port, reached over
// real HTTP, with real SM2 keys and real databases (federation.md §3.2, §5.4 "hub down", equivocation check).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { createTestDatabase } from '../../helpers/test-database.js';
import { freePort } from '../../helpers/free-port.js';
import { DEV_KEYS_DIR, PROFILES_DIR } from '../../helpers/test-server.js';
import { DEV_KEYS_PASSPHRASE } from '../../../src/config.js';
import { loadCaNode } from '../../../src/service/ca/ca-node.js';
import { createServices } from '../../../src/service/services.js';
import { startServer, type RunningServer } from '../../../src/http/server.js';
import { TlogPublisher, type TlogPublisherOptions } from '../../../src/service/federation/tlog-publisher.js';
import { originSm3, type WitnessOptions } from '../../../src/service/federation/witness-service.js';
import { CheckpointVerifier } from '../../../src/tlog/checkpoint-verifier.js';
import {
  latestCheckpoint,
  latestPublishedCheckpoint,
} from '../../../src/store/tlog-checkpoint-repository.js';
import { openNote } from '../../../src/tlog/signed-note.js';
import type { Database } from '../../../src/store/database.js';
import { TestLog, testWitnessKey } from './witness-fixture.js';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
let now = Date.parse('2027-01-01T00:00:00Z');
const clock = () => new Date(now);
const witnessKey = testWitnessKey('hub.sealtrust.test/witness', () => Math.floor(now / 1000));
const zj = new TestLog('zj.sealtrust.test/directory', '33');
const witnessOptions: WitnessOptions = {
  logs: [{ nodeId: zj.nodeId, origin: zj.origin, vkeys: [zj.vkey] }],
  cosigner: witnessKey.signer,
  clock,
};

/** A SealTrust app on `port` over `db`; stopping it leaves the database open, so it can come back. */
async function startApp(db: Database, port: number, witness?: WitnessOptions): Promise<RunningServer> {
  const publicUrl = `http://127.0.0.1:${port}`;
  const node = loadCaNode(DEV_KEYS_DIR, DEV_KEYS_PASSPHRASE, PROFILES_DIR, publicUrl);
  const services = createServices(db.knex, node, logger, {
    publicUrl,
    productionWorkers: 0,
    witness,
    tlogPublishing: false,
  });
  return startServer({
    database: { close: async () => {} },
    services,
    logger,
    port,
    host: '127.0.0.1',
    publicUrl,
    bodyLimitBytes: 1024 * 1024,
  });
}

const hubDb = await createTestDatabase();
const provinceDb = await createTestDatabase();
const hubPort = await freePort();
const hubUrl = `http://127.0.0.1:${hubPort}`;
let hub: RunningServer | undefined = await startApp(hubDb, hubPort, witnessOptions);
const province = await startApp(provinceDb, await freePort());
after(async () => {
  await hub?.shutdown();
  await province.shutdown();
  await hubDb.drop();
  await provinceDb.drop();
});

function publisher(opts: Partial<TlogPublisherOptions> = {}, db = provinceDb): TlogPublisher {
  return new TlogPublisher(db.knex, {
    origin: zj.origin,
    logSigner: zj.signer,
    logVerifierKey: zj.vkey,
    integratedTree: zj.tree,
    consistencyProof: zj.consistencyProof,
    hub: { url: hubUrl, witnessKey: witnessKey.vkey },
    publishUnwitnessed: false,
    checkpointMs: 1000,
    clock,
    logger,
    ...opts,
  });
}

async function get(path: string): Promise<{ status: number; type: string; body: string }> {
  const res = await fetch(province.url + path);
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.text() };
}

/** A relying party's view: the published checkpoint must carry the log's signature and the hub's. */
const relyingParty = new CheckpointVerifier({
  origin: zj.origin,
  logVerifiers: [zj.verifier],
  witnesses: [witnessKey.verifier],
  requiredCosignatures: 1,
});

describe('TlogPublisher with the hub witness over HTTP', () => {
  const p = publisher();
  before(() => zj.grow(5));

  it('signs, collects the cosignature and publishes; /tlog/checkpoint serves it', async () => {
    assert.equal((await get('/tlog/checkpoint')).status, 404);
    const step = await p.tick();
    assert.deepEqual({ signed: step.signed, cosigned: step.cosigned }, { signed: 5, cosigned: 5 });
    const res = await get('/tlog/checkpoint');
    assert.equal(res.status, 200);
    assert.match(res.type, /^text\/plain/);
    const opened = relyingParty.update(res.body);
    assert.equal(opened.checkpoint.size, 5);
    assert.equal(opened.witnessedBy[0]?.timestamp, Math.floor(now / 1000));
    const byHub = await fetch(`${hubUrl}/witness/${originSm3(zj.origin).toString('hex')}/checkpoint`);
    assert.equal(byHub.status, 200);
    assert.equal(
      new CheckpointVerifier({
        origin: zj.origin,
        logVerifiers: [zj.verifier],
        witnesses: [witnessKey.verifier],
        requiredCosignatures: 1,
      }).update(await byHub.text()).checkpoint.size,
      5,
    );
    const stored = await get('/v1/tlog/checkpoints/5');
    assert.equal(stored.status, 200);
    const json = JSON.parse(stored.body) as { size: number; checkpoint: string; witnessTime: string };
    assert.equal(json.size, 5);
    assert.equal(json.checkpoint, res.body);
    assert.equal(json.witnessTime, new Date(now).toISOString());
    assert.equal((await get('/v1/tlog/checkpoints/4')).status, 404);
  });

  it('signs at most once per checkpointMs, then proves the growth to the witness', async () => {
    zj.grow(8); // 13
    now += 500;
    assert.deepEqual(await p.tick(), {});
    now += 500;
    const step = await p.tick();
    assert.deepEqual({ signed: step.signed, cosigned: step.cosigned }, { signed: 13, cosigned: 13 });
    relyingParty.update((await get('/tlog/checkpoint')).body, zj.proof(5, 13));
  });

  it("learns the witness's size from a 409 when its own record of it is lost", async () => {
    await provinceDb.knex('tlog_witnesses').update({ last_size: 0 });
    zj.grow(3); // 16
    now += 1000;
    const step = await p.tick();
    assert.equal(step.cosigned, 16, JSON.stringify(step));
    const w = (await provinceDb.knex('tlog_witnesses').first()) as { last_size: number };
    assert.equal(Number(w.last_size), 16);
    relyingParty.update((await get('/tlog/checkpoint')).body, zj.proof(13, 16));
  });

  it('refreshes the cosignature without growth once it is older than the republish interval', async () => {
    now += 60_000;
    assert.deepEqual(await p.tick(), {});
    now += 10 * 60_000;
    const step = await p.tick();
    assert.equal(step.cosigned, 16);
    const cp = await latestPublishedCheckpoint(provinceDb.knex);
    assert.equal(cp?.witnessTime?.getTime(), now);
  });

  it('keeps signing while the hub is down and publishes the jump when it returns', async () => {
    await hub?.shutdown();
    hub = undefined;
    zj.grow(4); // 20
    now += 1000;
    const down = await p.tick();
    assert.equal(down.signed, 20);
    assert.equal(down.cosigned, undefined);
    assert.match(down.witnessError ?? '', /unreachable/);
    zj.grow(10); // 30: issuance goes on
    now += 1000;
    assert.equal((await p.tick()).signed, 30);
    assert.equal(
      relyingParty.open((await get('/tlog/checkpoint')).body).checkpoint.size,
      16,
      'still the last cosigned',
    );
    const latest = await get('/tlog/checkpoint?state=latest');
    assert.match(latest.body, /\n30\n/);
    hub = await startApp(hubDb, hubPort, witnessOptions);
    now += 1000;
    const back = await p.tick();
    assert.equal(back.cosigned, 30, JSON.stringify(back));
    relyingParty.update((await get('/tlog/checkpoint')).body, zj.proof(16, 30));
  });

  it('refuses a cosignature that does not verify under the configured hub witness key', async () => {
    const other = testWitnessKey('hub.sealtrust.test/witness');
    const db = await createTestDatabase();
    try {
      const wrong = publisher({ hub: { url: hubUrl, witnessKey: other.vkey } }, db);
      const step = await wrong.tick();
      assert.equal(step.signed, 30);
      // The hub answers 409 (it holds 30) then 200, but its cosignature is not by `other`.
      assert.match(step.witnessError ?? '', /no valid cosignature/);
      assert.equal(await latestPublishedCheckpoint(db.knex), undefined);
    } finally {
      await db.drop();
    }
  });
});

describe("comparing the hub's view of this log with its own checkpoints", () => {
  const p = publisher();
  const hex = originSm3(zj.origin).toString('hex');
  const setHubView = (note: string) =>
    hubDb.knex('witness_state').where({ origin: zj.origin }).update({ cosigned: note });

  it('finds nothing wrong when the hub serves a checkpoint this node signed', async () => {
    assert.equal(await p.checkHubView({ url: hubUrl }), undefined);
  });

  it('alerts when the hub serves another root for a size this node signed (equivocation)', async () => {
    const honest = await (await fetch(`${hubUrl}/witness/${hex}/checkpoint`)).text();
    // A second history under the node's own key (e.g. a stolen key) that the hub cosigned and shows to others.
    const forked = zj.checkpoint(30, { root: Buffer.alloc(32, 9) });
    const cosig = witnessKey.signer.sign(
      new TextEncoder().encode(forked.slice(0, forked.indexOf('\n\n') + 1)),
    );
    const line = `— ${witnessKey.name} ${Buffer.concat([Buffer.from(witnessKey.signer.keyId.toString(16).padStart(8, '0'), 'hex'), Buffer.from(cosig)]).toString('base64')}\n`;
    await setHubView(forked + line);
    const auditBefore = Number(
      ((await provinceDb.knex('audit_log').count('* as n').first()) as { n: unknown }).n,
    );
    assert.equal(await p.checkHubView({ url: hubUrl }), 'hub-equivocation');
    const audit = (await provinceDb.knex('audit_log').orderBy('seq', 'desc').first()) as {
      action: string;
      details: unknown;
    };
    assert.equal(audit.action, 'tlog.hub-alert');
    assert.equal(
      Number(((await provinceDb.knex('audit_log').count('* as n').first()) as { n: unknown }).n),
      auditBefore + 1,
    );
    const metrics = await p.alerts.get();
    assert.equal(metrics.values.find((v) => v.labels.kind === 'hub-equivocation')?.value, 1);
    await setHubView(honest);
  });

  it('alerts when the hub serves a checkpoint that does not verify, or one of a size never signed', async () => {
    const honest = await (await fetch(`${hubUrl}/witness/${hex}/checkpoint`)).text();
    await setHubView(honest.replace('\n30\n', '\n31\n'));
    assert.equal(await p.checkHubView({ url: hubUrl }), 'hub-checkpoint-invalid');
    const never = zj.checkpoint(29);
    const cosig = witnessKey.signer.sign(new TextEncoder().encode(never.slice(0, never.indexOf('\n\n') + 1)));
    const keyId = Buffer.alloc(4);
    keyId.writeUInt32BE(witnessKey.signer.keyId);
    await setHubView(
      `${never}— ${witnessKey.name} ${Buffer.concat([keyId, Buffer.from(cosig)]).toString('base64')}\n`,
    );
    assert.equal(await p.checkHubView({ url: hubUrl }), 'hub-checkpoint-unknown');
    await setHubView(honest);
  });

  it('alerts when the hub shows an older checkpoint than it cosigned for this node (rollback)', async () => {
    const honest = await (await fetch(`${hubUrl}/witness/${hex}/checkpoint`)).text();
    const old = (await provinceDb.knex('tlog_checkpoints').where({ size: 16 }).first()) as {
      cosigned: string;
    };
    await setHubView(old.cosigned);
    assert.equal(await p.checkHubView({ url: hubUrl }), 'hub-rollback');
    await setHubView(honest);
    assert.equal(await p.checkHubView({ url: hubUrl }), undefined);
  });
});

describe('a checkpoint the witness refuses', () => {
  it('is offered again only after a wait that doubles, not every tick', async () => {
    const db = await createTestDatabase();
    let posts = 0;
    const counting: typeof fetch = (input, init) => {
      if (String(input).endsWith('/witness/add-checkpoint')) posts++;
      return fetch(input, init);
    };
    // A proof that cannot verify: the witness answers 422 for this tree, every time.
    const bad = new TlogPublisher(db.knex, {
      origin: zj.origin,
      logSigner: zj.signer,
      logVerifierKey: zj.vkey,
      integratedTree: zj.tree,
      consistencyProof: async (from, to) =>
        (await zj.consistencyProof(from, to)).map(() => Buffer.alloc(32, 1)),
      hub: { url: hubUrl, witnessKey: witnessKey.vkey },
      publishUnwitnessed: false,
      checkpointMs: 1000,
      clock,
      logger,
      fetch: counting,
    });
    try {
      zj.grow(3);
      const first = await bad.tick();
      assert.match(first.witnessError ?? '', /422/);
      const afterFirst = posts;
      assert.ok(afterFirst >= 1);
      now += 1_000;
      assert.match((await bad.tick()).witnessError ?? '', /422/, 'still refused, and says so');
      assert.equal(posts, afterFirst, 'not offered again within 30 s');
      now += 30_000;
      await bad.tick();
      assert.equal(posts, afterFirst + 1, 'offered again after 30 s');
      now += 30_000;
      await bad.tick();
      assert.equal(posts, afterFirst + 1, 'then the wait doubles to 60 s');
      now += 30_000;
      await bad.tick();
      assert.equal(posts, afterFirst + 2);
    } finally {
      await db.drop();
    }
  });
});

describe('a single node without a hub', () => {
  it('signs checkpoints but publishes them only with the development switch', async () => {
    const single = new TestLog('single.sealtrust.test/directory', '44').grow(3);
    for (const publishUnwitnessed of [false, true]) {
      const db = await createTestDatabase();
      try {
        const p = new TlogPublisher(db.knex, {
          origin: single.origin,
          logSigner: single.signer,
          logVerifierKey: single.vkey,
          integratedTree: single.tree,
          consistencyProof: single.consistencyProof,
          publishUnwitnessed,
          checkpointMs: 1000,
          clock,
        });
        assert.equal((await p.tick()).signed, 3);
        const published = await latestPublishedCheckpoint(db.knex);
        assert.equal(published?.size, publishUnwitnessed ? 3 : undefined);
      } finally {
        await db.drop();
      }
    }
  });

  it('after a log-key rotation signs the uncosigned latest checkpoint again with the new key, once', async () => {
    const log = new TestLog('rotating.sealtrust.test/directory', '44').grow(3);
    const rotated = new TestLog(log.origin, '44'); // the same origin's next key
    const db = await createTestDatabase();
    const options = (signer: TestLog, retired: string[] = []) => ({
      origin: log.origin,
      logSigner: signer.signer,
      logVerifierKey: signer.vkey,
      retiredLogVerifierKeys: retired,
      integratedTree: log.tree,
      consistencyProof: log.consistencyProof,
      publishUnwitnessed: false,
      checkpointMs: 1000,
      clock,
    });
    try {
      assert.equal((await new TlogPublisher(db.knex, options(log)).tick()).signed, 3);
      const before = (await latestCheckpoint(db.knex))!;
      assert.doesNotThrow(() => openNote(before.note, [log.verifier]));
      const next = new TlogPublisher(db.knex, options(rotated, [log.vkey]));
      assert.equal((await next.tick()).signed, 3, 'the same tree, signed again');
      const after = (await latestCheckpoint(db.knex))!;
      assert.equal(after.size, 3);
      assert.deepEqual(after.root, before.root);
      assert.doesNotThrow(() => openNote(after.note, [rotated.verifier]));
      assert.throws(() => openNote(after.note, [log.verifier]), 'the retired key no longer signs it');
      assert.equal((await next.tick()).signed, undefined, 'nothing more to sign');
    } finally {
      await db.drop();
    }
  });
});
