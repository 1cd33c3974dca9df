// The hub's daily republication (federation.md §2.8: nextUpdate ≤ 7 days, republished daily): the same content
// with a fresh nextUpdate before the latest list gets old, never the admins' pending draft.
import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import { after, before, describe, it } from 'node:test';
import { sm2SignDigest } from '../../../src/crypto/sm2.js';
import { sm3Hex } from '../../../src/crypto/sm3.js';
import { parseCertificate } from '../../../src/pki/certificate.js';
import { SEALTRUST_POLICY } from '../../../src/pki/sealtrust-policies.js';
import { logVerifierKeyOf } from '../../../src/service/federation/node-log-keys.js';
import { TrustListService } from '../../../src/service/federation/trust-list-service.js';
import { parseTrustList, type TrustListDraft } from '../../../src/trust-list/trust-list.js';
import { ensureMirrorNode } from '../../../src/store/mirror-repository.js';
import { writeNationalBatch } from '../../../src/store/national-index-repository.js';
import { createTestDatabase } from '../../helpers/test-database.js';
import { issueTestCertificate } from '../../helpers/test-pki.js';

const DAY = 86_400_000;
const T0 = new Date('2027-01-04T00:00:00.000Z');
const signerCert = issueTestCertificate('枢纽信任列表签名', null, {
  notBefore: new Date(T0.getTime() - 30 * DAY),
  notAfter: new Date(T0.getTime() + 3650 * DAY),
});
const admin = { principal: { kind: 'system' as const }, requestId: null };
/** The hub's trust-list signer: the test's signing certificate and its key. */
const hubSigner = () => ({
  certificateDer: signerCert.der,
  signDigest: (e: Buffer) => sm2SignDigest(signerCert.key.privateKey, e),
});
/** A hub's TrustListService on `db` whose clock reads `clock()`. */
const hubService = (db: { knex: Knex }, clock: () => Date) =>
  new TrustListService({ db: db.knex, isHub: true, signer: hubSigner, now: clock });

const node = (nodeId: string) => ({
  nodeId,
  kind: 'province' as const,
  name: `节点 ${nodeId}`,
  regionCode: `${nodeId}0000`,
  status: 'active' as const,
  statusHistory: [{ status: 'active' as const, since: '2026-12-01T00:00:00.000Z' }],
  endpoints: { base: `https://${nodeId}.example` },
  log: {
    origin: `sealtrust.org.cn/${nodeId}`,
    hash: 'SM3' as const,
    keys: [{ vkey: 'k', status: 'active' as const, since: '2026-12-01T00:00:00.000Z' }],
  },
  services: [],
});
const draft = (nodes = ['33']): TrustListDraft => ({
  historicalPeriodDays: 3650,
  operator: { nodeId: '00', name: '枢纽', uscc: '11100000000013338W', url: 'https://hub.example' },
  witnessPolicy: {
    witnesses: [{ name: 'hub.example/witness', vkey: 'v', url: 'https://hub.example/witness' }],
    quorum: 'hub.example/witness',
  },
  nodes: nodes.map(node),
});

describe('TrustListService.republishIfDue', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let now = T0;
  let svc: TrustListService;
  before(async () => {
    db = await createTestDatabase();
    svc = hubService(db, () => now);
  });
  after(() => db?.drop());

  it('republishes the published content daily, never the pending draft', async () => {
    assert.equal(await svc.republishIfDue(), undefined, 'nothing published yet');
    await svc.putDraft(admin, draft());
    const first = await svc.publish(admin, { nextUpdate: new Date(T0.getTime() + 7 * DAY) });
    now = new Date(T0.getTime() + 0.5 * DAY);
    assert.equal(await svc.republishIfDue(), undefined, 'six and a half days left: not due');
    // The admins add a node but have not published it.
    await svc.putDraft(admin, draft(['33', '44']));
    now = new Date(T0.getTime() + 1.5 * DAY);
    const again = (await svc.republishIfDue())!;
    assert.equal(again.sequenceNumber, first.sequenceNumber + 1);
    assert.equal(again.nextUpdate, new Date(now.getTime() + 7 * DAY).toISOString());
    const list = parseTrustList((await svc.current()).bytes);
    assert.deepEqual(
      list.nodes.map((n) => n.nodeId),
      ['33'],
      'the pending draft stays unpublished',
    );
    const actions = (await db
      .knex('audit_log')
      .whereLike('action', 'trust-list.%')
      .orderBy('seq')
      .pluck('action')) as string[];
    assert.deepEqual(actions, [
      'trust-list.draft.update',
      'trust-list.publish',
      'trust-list.draft.update',
      'trust-list.republish',
    ]);
    // Once republished it is not due again the same day.
    assert.equal(await svc.republishIfDue(), undefined);
    const published = await svc.publish(admin, { nextUpdate: new Date(now.getTime() + 7 * DAY) });
    assert.deepEqual(
      parseTrustList((await svc.current()).bytes).nodes.map((n) => n.nodeId),
      ['33', '44'],
      `list ${published.sequenceNumber} is the admins' draft`,
    );
  });
});

describe('TrustListService.signerNotAfter', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  before(async () => {
    db = await createTestDatabase();
  });
  after(() => db?.drop());

  it('is the hub signer certificate’s notAfter; a node without the hub role has none', () => {
    const signer = hubSigner;
    const hub = new TrustListService({ db: db.knex, isHub: true, signer });
    assert.equal(hub.signerNotAfter()?.toISOString(), new Date(T0.getTime() + 3650 * DAY).toISOString());
    assert.equal(new TrustListService({ db: db.knex, isHub: false, signer }).signerNotAfter(), undefined);
    assert.equal(
      new TrustListService({ db: db.knex, isHub: true, signer: () => undefined }).signerNotAfter(),
      undefined,
    );
  });
});

describe('TrustListService.state at the hub', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  before(async () => {
    db = await createTestDatabase();
  });
  after(() => db?.drop());

  /** Node 33's entry with its own CA and a log-signer certificate of its log key that ends 40 days after T0. */
  function loggedNode() {
    const root = issueTestCertificate('节点 33 根证书', null, {
      ca: true,
      notBefore: new Date(T0.getTime() - DAY),
    });
    const log = issueTestCertificate('节点 33 日志签名', root, {
      policies: [SEALTRUST_POLICY.logSigner],
      notBefore: new Date(T0.getTime() - DAY),
      notAfter: new Date(T0.getTime() + 40 * DAY),
    });
    const since = '2027-01-01T00:00:00.000Z';
    const entry = {
      ...node('33'),
      log: {
        origin: 'sealtrust.org.cn/33',
        hash: 'SM3' as const,
        keys: [
          {
            vkey: logVerifierKeyOf(log.key.publicKey, 'sealtrust.org.cn/33'),
            certificate: log.der.toString('base64'),
            status: 'active' as const,
            since,
          },
        ],
      },
      services: [
        {
          type: 'root-ca' as const,
          certificate: root.der.toString('base64'),
          sm3: sm3Hex(root.der),
          status: 'granted' as const,
          history: [{ status: 'granted' as const, since }],
        },
      ],
    };
    return { entry, log };
  }

  /** Publishes a list of `entry` at a hub on `db`; returns its state's alerts as [kind, node, code]. */
  async function listed(
    db: { knex: Knex },
    entry: ReturnType<typeof loggedNode>['entry'],
    clock: () => Date,
  ) {
    const svc = hubService(db, clock);
    await svc.putDraft(admin, { ...draft(), nodes: [entry] });
    await svc.publish(admin, { nextUpdate: new Date(T0.getTime() + 7 * DAY) });
    return async () =>
      (await svc.state(admin.principal)).alerts.map((a) => [a.kind, a.detail.nodeId, a.detail.code]);
  }

  it('names a listed log key whose certificate is about to expire, then one that has', async () => {
    const { entry } = loggedNode();
    let now = T0;
    const alerts = await listed(db, entry, () => now);
    assert.deepEqual(await alerts(), [], 'forty days left');
    assert.deepEqual(await hubService(db, () => now).logKeyAlertCounts(), new Map());
    now = new Date(T0.getTime() + 15 * DAY);
    assert.deepEqual(await alerts(), [['trust-list-log-key-certificate-expiring', '33', 'CHAIN_INVALID']]);
    now = new Date(T0.getTime() + 41 * DAY);
    assert.deepEqual(await alerts(), [['trust-list-log-key-certificate-invalid', '33', 'CHAIN_INVALID']]);
  });

  it('names a listed log key its own node revoked and no longer witnesses it, as the mirrored log says', async (t) => {
    // A hub of its own: the other test has listed node 33 with other certificates (a service's history only grows).
    const db = await createTestDatabase();
    t.after(() => db.drop());
    const { entry, log } = loggedNode();
    const logCert = parseCertificate(log.der);
    const now = T0;
    const alerts = await listed(db, entry, () => now);
    await ensureMirrorNode(
      db.knex,
      { nodeId: '33', origin: 'sealtrust.org.cn/33', vkeys: [], url: 'https://33.example' },
      Buffer.alloc(32),
      now,
    );
    const certificate = (status: 'good' | 'revoked', lastIdx: number) => ({
      serial: logCert.serialHex,
      ca: 'ca-33',
      profile: 'log-signer',
      agency: null,
      status,
      notBefore: logCert.notBefore.toISOString(),
      notAfter: logCert.notAfter.toISOString(),
      sm3: null,
      reason: status === 'revoked' ? 'keyCompromise' : null,
      revokedAt: status === 'revoked' ? new Date(T0.getTime() - DAY).toISOString() : null,
      invalidityDate: null,
      firstIdx: 0,
      lastIdx,
      history: [],
    });
    const batch = (c: ReturnType<typeof certificate>) => ({
      events: [],
      licences: [],
      seals: [],
      certificates: [c],
      agencies: [],
    });
    // The keys the witness takes for node 33 (a new service each time: the list's cache lasts a minute).
    const witnessed = async () =>
      (await hubService(db, () => now).listedLogs())?.find((l) => l.nodeId === '33')?.vkeys;
    await writeNationalBatch(db.knex, '33', batch(certificate('good', 0)));
    assert.deepEqual(await alerts(), [], 'logged, in good standing');
    assert.deepEqual(await witnessed(), [entry.log.keys[0]!.vkey]);
    await writeNationalBatch(db.knex, '33', batch(certificate('revoked', 5)));
    assert.deepEqual(await alerts(), [['trust-list-log-key-certificate-revoked', '33', 'REVOKED']]);
    assert.deepEqual(await witnessed(), [], 'its checkpoints are no longer cosigned');
    assert.deepEqual(
      await hubService(db, () => now).logKeyAlertCounts(),
      new Map([['trust-list-log-key-certificate-revoked', 1]]),
      'the metric counts it',
    );
  });
});
