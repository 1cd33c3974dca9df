// C2SP tlog-witness semantics of the hub witness (federation.md §3.2, §5.2 "Witness unit tests"), over a real
// database, real SM2 keys, and proofs from the RFC 9162 reference implementation.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase } from '../../helpers/test-database.js';
import {
  WitnessService,
  originSm3,
  type WitnessAnswer,
  witnessFaultFromEnv,
} from '../../../src/service/federation/witness-service.js';
import { listWitnessEvidence } from '../../../src/store/witness-repository.js';
import { openCheckpoint } from '../../../src/tlog/signed-checkpoint.js';
import { formatAddCheckpointRequest } from '../../../src/tlog/add-checkpoint-request.js';
import { ServiceError } from '../../../src/service/service-error.js';
import { TestLog, testWitnessKey } from './witness-fixture.js';
import type { TrustListedLog } from '../../../src/service/federation/witness-service.js';

const db = await createTestDatabase();
after(() => db.drop());

const witnessKey = testWitnessKey();
const zj = new TestLog('zj.sealtrust.test/directory', '33');
const js = new TestLog('js.sealtrust.test/directory', '32');
const logs = [zj, js].map((l) => ({ nodeId: l.nodeId, origin: l.origin, vkeys: [l.vkey] }));
/** Every refusal the witness handed on as a possible fork (WitnessOptions.onSignedRefusal). */
const refusals: { origin: string; outcome: string; size: number }[] = [];
const witness = new WitnessService(db.knex, {
  logs,
  cosigner: witnessKey.signer,
  onSignedRefusal: ({ origin, outcome, size }) => refusals.push({ origin, outcome, size }),
});

function expectStatus(a: WitnessAnswer, status: number): void {
  assert.equal(a.status, status, JSON.stringify(a));
}

async function evidence(log: TestLog) {
  return listWitnessEvidence(db.knex, log.origin);
}

describe('witness add-checkpoint (C2SP tlog-witness)', () => {
  before(() => {
    zj.grow(5);
    js.grow(3);
  });

  it('200: cosigns a first checkpoint with old 0, and the cosignature verifies with the witness vkey', async () => {
    const a = await witness.addCheckpoint(zj.request(0));
    expectStatus(a, 200);
    assert.ok(a.status === 200);
    assert.match(a.cosignatures, /^— hub\.sealtrust\.test\/witness [A-Za-z0-9+/=]+\n$/);
    const opened = openCheckpoint(
      zj.checkpoint() + a.cosignatures,
      zj.origin,
      [zj.verifier],
      [witnessKey.verifier],
    );
    assert.equal(opened.witnessedBy.length, 1);
    assert.equal(opened.checkpoint.size, 5);
    const stored = await witness.cosignedCheckpoint(originSm3(zj.origin).toString('hex'));
    assert.ok(stored);
    assert.equal(
      openCheckpoint(stored, zj.origin, [zj.verifier], [witnessKey.verifier]).witnessedBy.length,
      1,
    );
  });

  it('200: a larger tree with PROOF(old, new), and the same tree again with an empty proof', async () => {
    zj.grow(8); // 13, neither size a power of two
    expectStatus(await witness.addCheckpoint(zj.request(5)), 200);
    expectStatus(await witness.addCheckpoint(zj.request(13)), 200);
    zj.grow(3); // 16: the old root is itself a node of the new tree
    expectStatus(await witness.addCheckpoint(zj.request(13)), 200);
  });

  it('409 with the stored size when old is not the size the witness holds; kept as evidence', async () => {
    const before = (await evidence(zj)).length;
    const a = await witness.addCheckpoint(zj.request(0));
    expectStatus(a, 409);
    assert.ok(a.status === 409);
    assert.equal(a.size, 16);
    expectStatus(await witness.addCheckpoint(zj.request(5)), 409);
    const ev = await evidence(zj);
    assert.equal(ev.length, before + 2);
    assert.equal(ev.at(-1)?.outcome, 'conflict');
    assert.equal(ev.at(-1)?.oldSize, 5);
    assert.equal(ev.at(-1)?.newSize, 16);
  });

  it('400: malformed bodies, too many proof lines, and old beyond the checkpoint size', async () => {
    for (const body of [
      'garbage',
      'old 5\n',
      `old 05\n\n${zj.checkpoint()}`,
      `old 1\nnot-base64\n\n${zj.checkpoint()}`,
      `old 1\n${'AAAA'.repeat(10)}\n\n${zj.checkpoint()}`,
      `old 0\n\nzj.sealtrust.test/directory\n5\n`,
      `old 0\n\n${zj.checkpoint().replace('\n16\n', '\n016\n')}`,
    ]) {
      expectStatus(await witness.addCheckpoint(Buffer.from(body)), 400);
    }
    const tooMany = `old 16\n${`${Buffer.alloc(32).toString('base64')}\n`.repeat(64)}\n${zj.checkpoint()}`;
    expectStatus(await witness.addCheckpoint(Buffer.from(tooMany)), 400);
    expectStatus(await witness.addCheckpoint(Buffer.alloc(64 * 1024 + 1, 0x41)), 400);
    const before = (await evidence(zj)).length;
    expectStatus(await witness.addCheckpoint(zj.request(17, 16, { proof: [] })), 400);
    const ev = await evidence(zj);
    assert.equal(ev.length, before + 1, 'validly signed, so kept');
    assert.equal(ev.at(-1)?.outcome, 'old-after-new');
  });

  it('403: signed by an unknown key, or a known key whose signature fails', async () => {
    const impostor = new TestLog(zj.origin); // same origin name, another key
    expectStatus(
      await witness.addCheckpoint(
        zj.request(16, 16, { note: impostor.checkpoint(16, { root: zj.root(16) }) }),
      ),
      403,
    );
    const note = zj.checkpoint();
    const line = note.split('\n').at(-2) as string;
    const raw = Buffer.from(line.split(' ')[2] as string, 'base64');
    raw.writeUInt8(raw.readUInt8(raw.length - 3) ^ 1, raw.length - 3);
    const tampered = note.replace(line, `${line.split(' ').slice(0, 2).join(' ')} ${raw.toString('base64')}`);
    expectStatus(await witness.addCheckpoint(zj.request(16, 16, { note: tampered })), 403);
    // Signed with js's key under js's name: no signature by a key of zj's origin.
    const foreign = zj.checkpoint(16, { signer: js.signer });
    expectStatus(await witness.addCheckpoint(zj.request(16, 16, { note: foreign })), 403);
    assert.equal(
      (await evidence(zj)).filter((e) => e.outcome === 'conflict').length,
      2,
      'no evidence for 403',
    );
  });

  it('404: unknown origin', async () => {
    const unknown = new TestLog('nowhere.sealtrust.test/directory').grow(2);
    expectStatus(await witness.addCheckpoint(unknown.request(0)), 404);
  });

  it('422: a bad proof, a proof from 0, a bad empty root, same size with another root; each kept as evidence', async () => {
    const proof = zj.proof(16, 16);
    assert.equal(proof.length, 0);
    zj.grow(4); // 20
    const good = zj.proof(16, 20);
    const flipped = good.map((h, i) =>
      i === 0 ? Buffer.from(h.map((b, j) => (j === 0 ? b ^ 0x80 : b))) : h,
    );
    expectStatus(await witness.addCheckpoint(zj.request(16, 20, { proof: flipped })), 422);
    expectStatus(await witness.addCheckpoint(zj.request(16, 20, { proof: good.slice(1) })), 422);
    // A proof from 0 (js has never been cosigned).
    expectStatus(await witness.addCheckpoint(js.request(0, 3, { proof: [js.root(1)] })), 422);
    // A size-0 checkpoint whose root is not SM3("").
    expectStatus(
      await witness.addCheckpoint(js.request(0, 0, { note: js.checkpoint(0, { root: js.root(3) }) })),
      422,
    );
    // Same size, different root (C2SP: 422, not 409).
    const fork = zj.checkpoint(16, { root: Buffer.alloc(32, 7) });
    expectStatus(await witness.addCheckpoint(zj.request(16, 16, { note: fork })), 422);
    const outcomes = [...(await evidence(zj)), ...(await evidence(js))].map((e) => e.outcome);
    for (const o of ['bad-proof', 'proof-from-zero', 'bad-empty-root', 'same-size-other-root']) {
      assert.ok(outcomes.includes(o), `${o} in ${outcomes.join(',')}`);
    }
    // Each validly signed 422 goes on to the mirror's fork investigation, with the checkpoint's size; the 400,
    // 403 and 404 answers above never did.
    assert.deepEqual(
      refusals.map((r) => [r.origin, r.size]),
      [
        [zj.origin, 20],
        [zj.origin, 20],
        [js.origin, 3],
        [js.origin, 0],
        [zj.origin, 16],
      ],
    );
    assert.match(refusals.at(-1)!.outcome, /root/);
    // The same refused request again is answered the same, and kept once: a log retrying cannot grow the table.
    const kept = (await evidence(zj)).length;
    for (let i = 0; i < 3; i++)
      expectStatus(await witness.addCheckpoint(zj.request(16, 16, { note: fork })), 422);
    assert.equal((await evidence(zj)).length, kept);
    refusals.splice(-3);
    const forkEvidence = (await evidence(zj)).find((e) => e.outcome === 'same-size-other-root');
    assert.ok(forkEvidence?.body.toString().includes(fork), 'the raw body is kept');
    // Nothing moved.
    const state = (await witness.state({ kind: 'system' })).items.find((i) => i.origin === zj.origin);
    assert.equal(state?.size, 16);
    assert.equal(state?.lastOutcome, 'same-size-other-root');
    expectStatus(await witness.addCheckpoint(zj.request(16, 20)), 200);
  });

  it('two concurrent requests from the same old size: exactly one advances, the other gets 409', async () => {
    const base = zj.size; // 20, cosigned
    const a = zj.request(base, base, {});
    zj.grow(5);
    const b = zj.request(base, zj.size);
    zj.grow(5);
    const c = zj.request(base, zj.size);
    const answers = await Promise.all([witness.addCheckpoint(b), witness.addCheckpoint(c)]);
    const statuses = answers.map((x) => x.status).sort();
    assert.deepEqual(statuses, [200, 409]);
    const winner = answers[0]?.status === 200 ? base + 5 : base + 10;
    const loser = answers.find((x) => x.status === 409);
    assert.ok(loser?.status === 409);
    assert.equal(loser.size, winner);
    const state = (await witness.state({ kind: 'system' })).items.find((i) => i.origin === zj.origin);
    assert.equal(state?.size, winner);
    expectStatus(await witness.addCheckpoint(a), 409);
    // The loser retries with the witness's size, as a publisher does.
    expectStatus(await witness.addCheckpoint(zj.request(winner, zj.size)), 200);
  });

  it('two first requests for a new origin race on the row too', async () => {
    const fresh = new TestLog('fresh.sealtrust.test/directory', '44').grow(4);
    const w = new WitnessService(db.knex, {
      logs: [{ nodeId: '44', origin: fresh.origin, vkeys: [fresh.vkey] }],
      cosigner: witnessKey.signer,
    });
    const r1 = fresh.request(0, 2);
    const r2 = fresh.request(0, 4);
    const statuses = (await Promise.all([w.addCheckpoint(r1), w.addCheckpoint(r2)]))
      .map((x) => x.status)
      .sort();
    assert.deepEqual(statuses, [200, 409]);
  });

  it('429 with Retry-After when too many requests are in flight', async () => {
    const w = new WitnessService(db.knex, { logs, cosigner: witnessKey.signer, maxInFlight: 1 });
    const first = w.addCheckpoint(zj.request(zj.size));
    const second = await w.addCheckpoint(zj.request(zj.size));
    expectStatus(second, 429);
    assert.ok(second.status === 429 && second.retryAfterSeconds > 0);
    expectStatus(await first, 200);
  });

  it('a witness killed between persisting and answering: the next attempt gets 409 with the new size', async () => {
    const w = new WitnessService(db.knex, {
      logs,
      cosigner: witnessKey.signer,
      afterPersist: () => {
        throw new Error('killed');
      },
    });
    const old = zj.size;
    zj.grow(3);
    await assert.rejects(w.addCheckpoint(zj.request(old)), /killed/);
    // The client never saw the answer and retries with its old size: 409 names the persisted size.
    const a = await witness.addCheckpoint(zj.request(old));
    assert.ok(a.status === 409);
    assert.equal(a.size, zj.size, 'no rollback of the witness state');
    expectStatus(await witness.addCheckpoint(zj.request(zj.size)), 200);
  });

  it('the state listing is for admins (and the service itself)', async () => {
    await assert.rejects(
      witness.state({ kind: 'anonymous' }),
      (e: unknown) => e instanceof ServiceError && e.kind === 'forbidden',
    );
    const items = (await witness.state({ kind: 'system' })).items;
    const z = items.find((i) => i.origin === zj.origin);
    assert.equal(z?.nodeId, '33');
    assert.equal(z?.root, zj.root().toString('base64'));
  });

  it('an add-checkpoint body round-trips through its codec', () => {
    const body = formatAddCheckpointRequest({ oldSize: 3, proof: zj.proof(3, 8), note: zj.checkpoint(8) });
    assert.ok(body.startsWith('old 3\n'));
  });

  it('the kill-after-persist fault switch is off by default and refused in production', () => {
    const env = { SEALTRUST_FAULT_WITNESS_KILL_AFTER_PERSIST: '1' };
    assert.equal(witnessFaultFromEnv({}, false), undefined);
    assert.equal(typeof witnessFaultFromEnv(env, false), 'function');
    assert.throws(() => witnessFaultFromEnv(env, true), /refused in production/);
  });

  it('the published trust list decides the keys of the logs it names: withdrawn key or node → 403', async () => {
    const hn = new TestLog('hn.sealtrust.test/directory', '43').grow(3);
    const ah = new TestLog('ah.sealtrust.test/directory', '34').grow(3);
    const rotated = new TestLog('ah.sealtrust.test/directory', '34'); // the same origin's next key
    let listed: TrustListedLog[] = [
      // 43 is not in the configuration: the list adds it.
      { nodeId: '43', origin: hn.origin, nodeStatus: 'active', vkeys: [hn.vkey] },
      // 34: only its new key is active; its old key was withdrawn in the list.
      { nodeId: '34', origin: ah.origin, nodeStatus: 'active', vkeys: [rotated.vkey] },
    ];
    const w = new WitnessService(db.knex, {
      logs: [...logs, { nodeId: '34', origin: ah.origin, vkeys: [ah.vkey] }],
      cosigner: witnessKey.signer,
      trustListed: async () => listed,
    });
    expectStatus(await w.addCheckpoint(hn.request(0)), 200);
    // Signed with the withdrawn key: no valid signature of a trusted key, though the configuration knew it.
    expectStatus(await w.addCheckpoint(ah.request(0)), 403);
    listed = [{ ...listed[0]!, nodeStatus: 'withdrawn' }];
    const refused = await w.addCheckpoint(hn.grow(1).request(3));
    expectStatus(refused, 403);
    assert.match((refused as { reason: string }).reason, /withdrawn in the trust list/);
    // Origins the list does not name keep the configuration's keys.
    expectStatus(await w.addCheckpoint(ah.request(0)), 200);
  });
});
