// A node following the hub's trust list (federation.md §2.8 consumption rules) over real HTTP from a test hub
// whose files the test controls: the first list from the bootstrap signers, the .sm3 short-cut, lists that go
// forward, a rotation walked through the hub's history, and every attack (rollback, equivocation, a changed
// byte, an unannounced signer, an oversized answer, the hub away, an expired list) refused with its alert while
// the accepted list stays as it was.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { after, before, beforeEach, describe, it } from 'node:test';
import { sm2SignDigest } from '../../../src/crypto/sm2.js';
import { TrustListConsumer } from '../../../src/service/federation/trust-list-consumer.js';
import { ServiceError } from '../../../src/service/service-error.js';
import { encodeTrustList, type TrustList } from '../../../src/trust-list/trust-list.js';
import { nextTrustList } from '../../../src/trust-list/trust-list-draft.js';
import { signTrustList } from '../../../src/trust-list/trust-list-signature.js';
import { createTestDatabase } from '../../helpers/test-database.js';
import { testTrustListDraft } from '../../helpers/trust-list-hub.js';
import { freePort } from '../../helpers/free-port.js';
import { issueTestCertificate, type TestCertificate } from '../../helpers/test-pki.js';

const DAY = 86_400_000;
const T0 = new Date('2027-01-04T00:00:00.000Z');
const at = (days: number) => new Date(T0.getTime() + days * DAY);
const root = issueTestCertificate('信任列表测试根', null, {
  ca: true,
  notBefore: at(-60),
  notAfter: at(3650),
});
const A = issueTestCertificate('枢纽签名者 A', root, { notBefore: at(-30), notAfter: at(3650) });
const B = issueTestCertificate('枢纽签名者 B', root, { notBefore: at(-30), notAfter: at(3650) });
const b64 = (t: TestCertificate) => t.der.toString('base64');
const sm3 = (b: Uint8Array) => createHash('sm3').update(b).digest('hex');

const draft = testTrustListDraft;

/** The test hub: path → bytes, changed by each test. */
const files = new Map<string, Buffer>();
let server: Server;
let url: string;
let now = T0;
let db: Awaited<ReturnType<typeof createTestDatabase>>;

async function publish(list: TrustList, by: TestCertificate): Promise<{ bytes: Buffer; p7s: Buffer }> {
  const bytes = encodeTrustList(list);
  const p7s = await signTrustList(
    bytes,
    { certificateDer: by.der, signDigest: (e) => sm2SignDigest(by.key.privateKey, e) },
    { signingTime: new Date(list.issuedAt) },
  );
  files.set(`/trust/lists/${list.sequenceNumber}.json`, bytes);
  files.set(`/trust/lists/${list.sequenceNumber}.json.p7s`, p7s);
  serve(bytes, p7s);
  return { bytes, p7s };
}
function serve(bytes: Buffer, p7s: Buffer): void {
  files.set('/trust/list.json', bytes);
  files.set('/trust/list.json.p7s', p7s);
  files.set('/trust/list.json.sm3', Buffer.from(sm3(bytes) + '\n'));
}
const consumer = () =>
  new TrustListConsumer({ db: db.knex, url, bootstrapSigners: [A.der], pollMs: 60_000, now: () => now });
let auditFrom = 0;
const auditKinds = async () =>
  (
    (await db
      .knex('audit_log')
      .where({ action: 'trust-list.alert' })
      .where('seq', '>', auditFrom)
      .orderBy('seq')
      .select('details')) as {
      details: { kind: string };
    }[]
  ).map(
    (r) => (typeof r.details === 'string' ? (JSON.parse(r.details) as { kind: string }) : r.details).kind,
  );

const list1 = () => nextTrustList(undefined, draft(), { now: T0, nextUpdate: at(7), signers: [b64(A)] });

before(async () => {
  db = await createTestDatabase();
  const port = await freePort();
  server = createServer((req, res) => {
    const body = files.get(req.url ?? '');
    if (req.url === '/huge/list.json.sm3') {
      res.writeHead(200);
      res.end('0'.repeat(64));
      return;
    }
    if (req.url?.startsWith('/huge/')) {
      // An answer that never ends within the bound: streamed, no Content-Length.
      res.writeHead(200);
      const chunk = Buffer.alloc(1 << 20, 0x20);
      let sent = 0;
      const push = () => {
        while (sent < 12 && res.write(chunk)) sent++;
        if (sent >= 12) res.end();
        else res.once('drain', push);
      };
      push();
      return;
    }
    if (!body) {
      res.writeHead(404);
      res.end();
      return;
    }
    res.writeHead(200);
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  url = `http://127.0.0.1:${port}/trust/list.json`;
});
after(async () => {
  server?.close();
  await db?.drop();
});
beforeEach(async () => {
  files.clear();
  now = T0;
  await db.knex.raw('DELETE FROM trust_list_cache');
  auditFrom = Number(((await db.knex('audit_log').max({ m: 'seq' })) as { m: unknown }[])[0]?.m ?? 0);
});

describe('TrustListConsumer', () => {
  it('accepts the first list from the bootstrap signers, skips unchanged digests, and goes forward', async () => {
    const c = consumer();
    const { bytes } = await publish(list1(), A);
    const s1 = await c.refresh();
    assert.equal(s1.sequenceNumber, 1);
    assert.equal(s1.status, 'valid');
    assert.equal(s1.sm3, sm3(bytes));
    assert.ok((await c.cached())!.bytes.equals(bytes), 'the exact bytes it verified');
    // Unchanged .sm3: the list is not fetched again (a broken list.json would otherwise be noticed).
    files.set('/trust/list.json', Buffer.from('garbage'));
    now = at(0.5);
    assert.equal((await c.refresh()).sequenceNumber, 1);
    assert.deepEqual(await auditKinds(), []);
    now = at(1);
    const l2 = nextTrustList(list1(), draft('浙江省（更名）'), {
      now: at(1),
      nextUpdate: at(8),
      signers: [b64(A)],
    });
    await publish(l2, A);
    assert.equal((await c.refresh()).sequenceNumber, 2);
  });

  it('refuses a rollback, an equivocation, a changed byte and an unannounced signer, keeping the accepted list', async () => {
    const c = consumer();
    const one = await publish(list1(), A);
    const l2 = nextTrustList(list1(), draft('浙江省（更名）'), {
      now: at(1),
      nextUpdate: at(8),
      signers: [b64(A)],
    });
    now = at(1);
    await publish(l2, A);
    await c.refresh();
    const accepted = (await c.cached())!.sm3;
    serve(one.bytes, one.p7s); // the hub (or a man in the middle) serves list 1 again
    await c.refresh();
    const forked = { ...l2, operator: { ...l2.operator, name: '另一个枢纽' } };
    await publish(forked, A);
    await c.refresh();
    const l3 = nextTrustList(l2, draft('浙江'), { now: at(1), nextUpdate: at(8), signers: [b64(A)] });
    const p3 = await publish(l3, A);
    // One ASCII byte changed: still canonical JSON of a valid list, so only the signature can catch it.
    const changed = Buffer.from(
      p3.bytes.toString('utf8').replace('https://hub.example', 'https://hvb.example'),
    );
    assert.notDeepEqual(changed, p3.bytes);
    serve(changed, p3.p7s);
    await c.refresh();
    await publish(nextTrustList(l2, draft('浙'), { now: at(1), nextUpdate: at(8), signers: [b64(B)] }), B);
    await c.refresh();
    assert.equal((await c.cached())!.sm3, accepted, 'nothing refused replaced the accepted list');
    assert.deepEqual(await auditKinds(), [
      'trust-list-rollback',
      'trust-list-equivocation',
      'trust-list-signature-invalid',
      'trust-list-signature-invalid',
    ]);
    assert.equal(c.alertCounts().get('trust-list-rollback'), 1);
  });

  it('walks a rotation through the hub history: list 2 announces B, list 3 is signed by B', async () => {
    const c = consumer();
    await publish(list1(), A);
    await c.refresh();
    now = at(1);
    const l2 = nextTrustList(list1(), draft(), {
      now: at(1),
      nextUpdate: at(8),
      signers: [b64(A)],
      announceSigners: [b64(B)],
    });
    await publish(l2, A);
    const l3 = nextTrustList(l2, draft(), { now: at(2), nextUpdate: at(9), signers: [b64(B)] });
    await publish(l3, B);
    const l4 = nextTrustList(l3, draft('浙江省 4'), { now: at(3), nextUpdate: at(10), signers: [b64(B)] });
    await publish(l4, B);
    now = at(3);
    // The node never saw 2 or 3: it reads them from /trust/lists/ and accepts 4 signed by B.
    const s = await c.refresh();
    assert.equal(s.sequenceNumber, 4);
    assert.deepEqual(await auditKinds(), []);
  });

  it('reports the hub away as trust-list-unreachable, refuses an oversized answer, and marks an expired list', async () => {
    const c = consumer();
    await assert.rejects(
      c.refresh(),
      (e: unknown) => e instanceof ServiceError && e.code === 'trust-list-unreachable',
    );
    const big = new TrustListConsumer({
      db: db.knex,
      url: url.replace('/trust/', '/huge/'),
      bootstrapSigners: [A.der],
      pollMs: 60_000,
      now: () => now,
    });
    await big.refresh();
    await publish(list1(), A);
    await c.refresh();
    now = at(7);
    const s = await c.refresh();
    assert.equal(s.status, 'expired');
    assert.deepEqual(await auditKinds(), [
      'trust-list-unreachable',
      'trust-list-unreachable',
      'trust-list-expired',
    ]);
    assert.match(JSON.stringify(s.alerts.at(-1)), /trust-list-expired/);
  });
});
