import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { CONSTRUCTION_ENGINEER_2, DEMO_HOLDERS } from '../../../src/licence/demo-licence-types.js';
import { withAudit } from '../../../src/service/audit/audit-service.js';
import { listTlogEntries, type TlogEntry } from '../../../src/store/tlog-entry-repository.js';
import { SM3_MERKLE_HASHER } from '../../../src/tlog/merkle-hasher.js';
import {
  defineDemoTypes,
  expectJson,
  issueDemoLicence,
  setupIssuingAgency,
  type IssuingAgency,
} from '../../helpers/licence-fixtures.js';
import { startTestServer, type TestServer } from '../../helpers/test-server.js';

// The node id every leaf names (read by withAudit from the environment, as in production).
process.env.SEALTRUST_NODE_ID = '32';

let srv: TestServer;
let a: IssuingAgency;
const holder = DEMO_HOLDERS[CONSTRUCTION_ENGINEER_2.code]!;

interface Leaf {
  t: string;
  node: string;
  kind: string;
  op: string;
  at: string;
  [member: string]: unknown;
}

async function entries(): Promise<TlogEntry[]> {
  return listTlogEntries(srv.database.knex, 0, 100_000);
}

/** Runs `action` and returns the entries it appended, parsed. */
async function appendedBy(action: () => Promise<unknown>): Promise<{ rows: TlogEntry[]; leaves: Leaf[] }> {
  const before = (await entries()).length;
  await action();
  const rows = (await entries()).slice(before);
  return { rows, leaves: rows.map((r) => JSON.parse(r.leaf.toString('utf8')) as Leaf) };
}

const issue = () => issueDemoLicence(srv, a.issuer);

async function licenceEvent(
  identifier: string,
  body: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const res = await srv.request(`/v1/licences/${identifier}/events`, {
    method: 'POST',
    token: a.issuer,
    json: body,
  });
  return expectJson<Record<string, unknown>>(res, res.status === 201 ? 201 : 200);
}

before(async () => {
  srv = await startTestServer({ bodyLimitBytes: 4 * 1024 * 1024 });
});

after(async () => {
  await srv?.stop();
});

describe('directory events appended with their audit record', () => {
  it('agency, signer key (nested certificate), seal and licence types each write their leaves', async () => {
    const setup = await appendedBy(async () => {
      a = await setupIssuingAgency(srv, {
        name: '江苏省住房和城乡建设厅',
        uscc: '11320100014000714D',
        regionCode: '320000',
      });
    });
    assert.deepEqual(
      setup.leaves.map((l) => `${l.kind}/${l.op}`),
      ['agency/register', 'certificate/issue', 'seal/make'],
    );
    for (const l of setup.leaves) {
      assert.equal(l.t, 'sealtrust.directory.v1');
      assert.equal(l.node, '32');
    }
    assert.equal((setup.leaves[0]!.agency as { uscc: string }).uscc, '11320100014000714D');
    assert.equal((setup.leaves[1]!.cert as { agency: string }).agency, '11320100014000714D');
    assert.equal(setup.rows[1]!.subject, a.signerSerial);
    assert.equal(setup.rows[2]!.subject, a.esID);

    const types = await appendedBy(() => defineDemoTypes(srv, [a.agencyId]));
    assert.ok(types.leaves.length > 0);
    assert.ok(types.leaves.every((l) => l.kind === 'licence-type' && l.op === 'define'));
  });

  it('issue, lifecycle events and expire write one leaf each; renew and replace write two in order', async () => {
    const id = await issue();
    const issued = await appendedBy(async () => {});
    assert.equal(issued.rows.length, 0);
    const last = (await entries()).at(-1)!;
    const issueLeaf = JSON.parse(last.leaf.toString('utf8')) as Leaf & { licence: Record<string, unknown> };
    assert.equal(issueLeaf.op, 'issue');
    assert.equal(last.subject, id);
    assert.equal(issueLeaf.licence.prev, null);
    assert.equal((issueLeaf.licence.seal as { esID: string }).esID, a.esID);

    const suspend = await appendedBy(() =>
      licenceEvent(id, { operation: 'suspend', reason: '涉嫌违规，暂扣' }),
    );
    assert.deepEqual(
      suspend.leaves.map((l) => [
        l.op,
        (l.licence as { prev: string }).prev,
        (l.licence as { status: string }).status,
      ]),
      [['suspend', 'valid', 'suspended']],
    );
    assert.ok(!suspend.rows[0]!.leaf.toString('utf8').includes('涉嫌违规'), 'no reason in a leaf');
    await appendedBy(() => licenceEvent(id, { operation: 'resume', reason: '期满发还' }));

    const renew = await appendedBy(() => licenceEvent(id, { operation: 'renew', reason: '延续' }));
    assert.deepEqual(
      renew.leaves.map((l) => l.op),
      ['renew', 'renew'],
    );
    const [fresh, pred] = renew.leaves.map((l) => l.licence as Record<string, unknown>);
    assert.equal(fresh!.prev, null, 'the new identifier first, with its files');
    assert.ok(Array.isArray(fresh!.files) && fresh!.files.length > 0);
    assert.equal(fresh!.related, id);
    assert.equal(pred!.id, id);
    assert.equal(pred!.prev, 'valid');
    assert.equal(pred!.related, fresh!.id);
    assert.equal(pred!.files, undefined);
    assert.equal(renew.rows[0]!.auditSeq, renew.rows[1]!.auditSeq, 'one transaction, one audit record');

    const newId = fresh!.id as string;
    const replace = await appendedBy(() => licenceEvent(newId, { operation: 'replace', reason: '污损换发' }));
    assert.deepEqual(
      replace.leaves.map((l) => [l.op, (l.licence as { id: string }).id === newId]),
      [
        ['replace', false],
        ['replace', true],
      ],
    );

    // Expiry runs through the scheduler's path: one leaf per licence expired.
    const due = await issue();
    await srv.database.knex('licences').where({ identifier: due }).update({ valid_to: '2020-01-01' });
    const expired = await appendedBy(() => srv.services.licences.expireDue());
    assert.deepEqual(
      expired.leaves.map((l) => [l.op, (l.licence as { id: string }).id]),
      [['expire', due]],
    );
  });

  it('a copy writes a licence-copy leaf without its purpose or maker', async () => {
    const id = await issue();
    const copy = await appendedBy(async () => {
      const res = await srv.request(`/v1/licences/${id}/copies`, {
        method: 'POST',
        token: a.issuer,
        json: {
          purpose: '办理公积金贷款',
          expiresAt: new Date(Date.now() + 30 * 86_400_000).toISOString(),
          maker: '江苏省住房和城乡建设厅政务服务窗口',
        },
      });
      assert.equal(res.status, 201, await res.clone().text());
    });
    assert.deepEqual(
      copy.leaves.map((l) => `${l.kind}/${l.op}`),
      ['licence-copy/make'],
    );
    const text = copy.rows[0]!.leaf.toString('utf8');
    assert.ok(!text.includes('公积金') && !text.includes('政务服务窗口'));
  });

  it('seal and certificate status changes log only when they change something', async () => {
    const suspend = () =>
      srv.request(`/v1/seals/${a.esID}/suspend`, {
        method: 'POST',
        token: srv.adminToken,
        json: { reason: '遗失' },
      });
    const first = await appendedBy(async () => assert.equal((await suspend()).status, 200));
    assert.deepEqual(
      first.leaves.map((l) => [l.kind, l.op, (l.seal as { status: string }).status]),
      [['seal', 'suspend', 'suspended']],
    );
    const again = await appendedBy(async () => assert.equal((await suspend()).status, 200));
    assert.equal(again.rows.length, 0);
    await appendedBy(async () =>
      assert.equal(
        (
          await srv.request(`/v1/seals/${a.esID}/resume`, {
            method: 'POST',
            token: srv.adminToken,
            json: { reason: '已找回' },
          })
        ).status,
        200,
      ),
    );

    const hold = () =>
      srv.request(`/v1/certificates/${a.signerSerial}/revoke`, {
        method: 'POST',
        token: srv.adminToken,
        json: { reason: 'certificateHold' },
      });
    const held = await appendedBy(async () => assert.equal((await hold()).status, 200));
    assert.deepEqual(
      held.leaves.map((l) => [l.op, (l.cert as { status: string }).status]),
      [['hold', 'hold']],
    );
    assert.equal((await appendedBy(async () => assert.equal((await hold()).status, 200))).rows.length, 0);
    const released = await appendedBy(async () =>
      assert.equal(
        (
          await srv.request(`/v1/certificates/${a.signerSerial}/release`, {
            method: 'POST',
            token: srv.adminToken,
          })
        ).status,
        200,
      ),
    );
    assert.deepEqual(
      released.leaves.map((l) => [l.op, (l.cert as { status: string }).status]),
      [['release', 'good']],
    );
  });

  it('a change that fails rolls back its leaves and the counter with it', async () => {
    const head = async () =>
      (await srv.database.knex('audit_head').where({ id: 1 }).first()) as { seq: string; tlog_next: string };
    const before = await head();
    const count = (await entries()).length;
    const ctx = { principal: { kind: 'system' as const }, requestId: 'rollback-test' };
    await assert.rejects(
      withAudit(srv.database.knex, ctx, 'agency.create', async (trx) => {
        await trx('agencies').insert({
          id: '00000000-0000-4000-8000-000000000001',
          name: '回滚测试机构',
          uscc: '91320000MA1ROLLBK5',
          region_code: '320000',
          province: '32',
          created_at: new Date(),
        });
        return {
          result: undefined,
          target: { type: 'agency', id: 'x' },
          // Over 4,096 bytes: refused after the change ran, inside the transaction.
          directory: [
            { kind: 'agency', op: 'register', subject: 'x', at: new Date(), body: { pad: 'x'.repeat(5000) } },
          ],
        };
      }),
      /4096/,
    );
    const afterHead = await head();
    assert.equal(String(afterHead.tlog_next), String(before.tlog_next));
    assert.equal(String(afterHead.seq), String(before.seq));
    assert.equal((await entries()).length, count);
    assert.equal(await srv.database.knex('agencies').where({ name: '回滚测试机构' }).first(), undefined);
    // A refused request (an agency that exists) leaves nothing either.
    const dup = await appendedBy(async () => {
      const res = await srv.request('/v1/agencies', {
        method: 'POST',
        token: srv.adminToken,
        json: { name: '重复', uscc: '11320100014000714D', regionCode: '320000', province: '32' },
      });
      assert.equal(res.status, 409);
    });
    assert.equal(dup.rows.length, 0);
  });

  it('20 concurrent issuances get gap-free indices, each cross-linked to its audit record', async () => {
    const before = (await entries()).length;
    const ids = await Promise.all(Array.from({ length: 20 }, () => issue()));
    const all = await entries();
    const fresh = all.slice(before);
    assert.deepEqual(fresh.map((e) => e.subject).sort(), [...ids].sort());
    assert.equal(new Set(fresh.map((e) => e.auditSeq)).size, 20);
  });

  it('the whole log is gap-free, hashed, cross-linked and free of holder data', async () => {
    const all = await entries();
    assert.ok(all.length > 20);
    all.forEach((e, i) => assert.equal(e.idx, i, 'gap-free from 0'));
    const head = (await srv.database.knex('audit_head').where({ id: 1 }).first()) as { tlog_next: string };
    assert.equal(Number(head.tlog_next), all.length);
    for (const e of all) {
      assert.deepEqual(e.leafHash, Buffer.from(SM3_MERKLE_HASHER.hashLeaf(e.leaf)));
      const text = e.leaf.toString('utf8');
      assert.ok(!text.includes(holder.name), `holder name in leaf ${e.idx}`);
      assert.ok(!text.includes(holder.code), `holder code in leaf ${e.idx}`);
    }
    // Every audit record that caused leaves names exactly their range.
    const bySeq = new Map<number, number[]>();
    for (const e of all) bySeq.set(e.auditSeq, [...(bySeq.get(e.auditSeq) ?? []), e.idx]);
    const records = (await srv.database.knex('audit_log').whereIn('seq', [...bySeq.keys()])) as {
      seq: string | number;
      details: unknown;
    }[];
    assert.equal(records.length, bySeq.size);
    for (const r of records) {
      const details = (typeof r.details === 'string' ? JSON.parse(r.details) : r.details) as {
        tlog: number[];
      };
      const idx = bySeq.get(Number(r.seq))!;
      assert.deepEqual(details.tlog, [idx[0], idx.at(-1)]);
    }
    const chain = await srv.services.audit.verifyChain();
    assert.equal(chain.ok, true);
  });
});
