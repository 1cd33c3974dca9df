import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import type { ActionContext } from '../../../src/service/access/principal.js';
import { LicenceStatusCommitter } from '../../../src/service/licences/licence-status-committer.js';
import {
  defineDemoTypes,
  issueDemoLicence,
  setupIssuingAgency,
  type IssuingAgency,
} from '../../helpers/licence-fixtures.js';
import { startTestServer, type TestServer } from '../../helpers/test-server.js';

// Status changes that arrive together are committed in groups (LicenceStatusCommitter). These tests submit them
// in one turn of the event loop, so groups certainly form, and check that each change still lands exactly as a
// change of its own would: its event, its audit record, its one directory leaf, and nothing for a refused one.

process.env.SEALTRUST_NODE_ID = '32';

let srv: TestServer;
let a: IssuingAgency;
let b: IssuingAgency;
let ctxA: ActionContext;
let ctxB: ActionContext;

async function contextOf(token: string): Promise<ActionContext> {
  const principal = await srv.services.tokens.authenticate(token);
  assert.ok(principal);
  return { principal, requestId: `committer-test-${token.slice(0, 6)}` };
}

async function licences(n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push(await issueDemoLicence(srv, a.issuer));
  return ids;
}

function change(
  ctx: ActionContext,
  identifier: string,
  operation: 'suspend' | 'resume',
  reason = '批量测试',
) {
  return srv.services.licences.applyEvent(ctx, identifier, { operation, reason }).then((r) => r.licence);
}

interface AuditRow {
  seq: string;
  action: string;
  target_id: string;
  details: { tlog?: [number, number]; from?: string; to?: string };
  xmin: string;
}

/** The audit records written after `afterSeq`, with the transaction that wrote each (xmin). */
async function auditAfter(afterSeq: number): Promise<AuditRow[]> {
  const r = (await srv.database.knex.raw(
    `SELECT seq, action, target_id, details, xmin::text AS xmin FROM audit_log WHERE seq > ? ORDER BY seq`,
    [afterSeq],
  )) as { rows: AuditRow[] };
  return r.rows.map((row) => ({
    ...row,
    details: typeof row.details === 'string' ? JSON.parse(row.details) : row.details,
  }));
}

async function lastSeq(): Promise<number> {
  const row = (await srv.database.knex('audit_head').where({ id: 1 }).first()) as { seq: string };
  return Number(row.seq);
}

async function eventsOf(
  identifier: string,
): Promise<{ operation: string; from_status: string; to_status: string }[]> {
  return (await srv.database
    .knex('licence_events')
    .where({ identifier })
    .whereNot({ operation: 'issue' })
    .orderBy('seq')) as { operation: string; from_status: string; to_status: string }[];
}

async function statusOf(identifier: string): Promise<string> {
  return ((await srv.database.knex('licences').where({ identifier }).first()) as { status: string }).status;
}

before(async () => {
  srv = await startTestServer({ bodyLimitBytes: 4 * 1024 * 1024 });
  a = await setupIssuingAgency(srv, {
    name: '江苏省住房和城乡建设厅',
    uscc: '11320100014000714D',
    regionCode: '320000',
  });
  b = await setupIssuingAgency(srv, {
    name: '浙江省住房和城乡建设厅',
    uscc: '113300000024821899',
    regionCode: '330000',
  });
  await defineDemoTypes(srv, [a.agencyId, b.agencyId]);
  ctxA = await contextOf(a.issuer);
  ctxB = await contextOf(b.issuer);
});

after(async () => {
  await srv?.stop();
});

describe('status changes committed in groups', () => {
  it('gives every change of a group its own event, audit record and leaf, in contiguous seqs and indices', async () => {
    const ids = await licences(20);
    const from = await lastSeq();
    const changed = await Promise.all(ids.map((id) => change(ctxA, id, 'suspend')));
    assert.deepEqual(
      changed.map((l) => [l.identifier, l.status]),
      ids.map((id) => [id, 'suspended']),
    );
    for (const id of ids) {
      assert.equal(await statusOf(id), 'suspended');
      assert.deepEqual(
        (await eventsOf(id)).map((e) => [e.operation, e.from_status, e.to_status]),
        [['suspend', 'valid', 'suspended']],
      );
    }
    const records = await auditAfter(from);
    assert.equal(records.length, ids.length);
    assert.deepEqual(records.map((r) => r.target_id).sort(), [...ids].sort());
    assert.deepEqual(
      records.map((r) => Number(r.seq)),
      ids.map((_, i) => from + i + 1),
      'seqs follow on without gaps',
    );
    // Each record names its own one leaf; the leaves follow on and each names the record's licence.
    const indices = records.map((r) => r.details.tlog);
    for (const [i, t] of indices.entries()) {
      assert.ok(t, `record ${i} names its leaf`);
      assert.equal(t[0], t[1]);
      if (i > 0) assert.equal(t[0], indices[i - 1]![0] + 1);
    }
    const entries = (await srv.database
      .knex('tlog_entries')
      .whereIn(
        'idx',
        indices.map((t) => t![0]),
      )
      .orderBy('idx')) as { idx: string; subject: string; audit_seq: string; leaf: Buffer }[];
    assert.equal(entries.length, ids.length);
    for (const [i, e] of entries.entries()) {
      assert.equal(Number(e.audit_seq), Number(records[i]!.seq), 'each leaf points back at its own record');
      const leaf = JSON.parse(Buffer.from(e.leaf).toString('utf8')) as {
        op: string;
        id: string;
        status: string;
      };
      assert.equal(leaf.op, 'suspend');
      assert.equal(e.subject, records[i]!.target_id);
    }
    // Fewer transactions than changes: the changes were grouped (rows of one transaction share xmin).
    const transactions = new Set(records.map((r) => r.xmin));
    assert.ok(
      transactions.size < records.length,
      `${transactions.size} transactions for ${records.length} changes`,
    );
  });

  it('answers a refused change alone and lands its neighbours', async () => {
    const ids = await licences(6);
    const from = await lastSeq();
    const results = await Promise.allSettled([
      change(ctxA, ids[0]!, 'suspend'),
      change(ctxA, ids[1]!, 'resume'), // valid: resume is not a legal transition
      change(ctxA, ids[2]!, 'suspend'),
      change(ctxB, ids[3]!, 'suspend'), // another agency's licence
      change(ctxA, '12100000000000000X', 'suspend'), // no such licence
      change(ctxA, ids[4]!, 'suspend', '含有\u0000的原因'), // text PostgreSQL cannot store
      change(ctxA, ids[5]!, 'suspend'),
    ]);
    const outcome = results.map((r) =>
      r.status === 'fulfilled' ? r.value.status : ((r.reason as { code?: string }).code ?? String(r.reason)),
    );
    assert.deepEqual(outcome, [
      'suspended',
      'invalid-transition',
      'suspended',
      'licence-of-another-agency',
      'licence-not-found',
      'invalid-text',
      'suspended',
    ]);
    const records = await auditAfter(from);
    assert.deepEqual(records.map((r) => r.target_id).sort(), [ids[0], ids[2], ids[5]].sort());
    for (const id of [ids[1]!, ids[3]!, ids[4]!]) {
      assert.equal(await statusOf(id), 'valid');
      assert.deepEqual(await eventsOf(id), []);
    }
  });

  it('applies two changes of one licence in the order they came, each checked against the one before', async () => {
    const [x, y] = await licences(2);
    const results = await Promise.allSettled([
      change(ctxA, x!, 'suspend'),
      change(ctxA, x!, 'resume'),
      change(ctxA, y!, 'suspend'),
      change(ctxA, y!, 'suspend'),
    ]);
    assert.deepEqual(
      results.map((r) => (r.status === 'fulfilled' ? r.value.status : (r.reason as { code?: string }).code)),
      ['suspended', 'valid', 'suspended', 'invalid-transition'],
    );
    assert.deepEqual(
      (await eventsOf(x!)).map((e) => e.operation),
      ['suspend', 'resume'],
    );
    assert.equal(await statusOf(x!), 'valid');
    assert.deepEqual(
      (await eventsOf(y!)).map((e) => e.operation),
      ['suspend'],
    );
  });

  it('keeps a licence out of a second group while a first one is changing it', async () => {
    // Two groups in flight (the service runs one at a time; the rule matters when it runs more). The first group,
    // [x, z], waits on z's row, held here, before it reaches x (rows lock in identifier order, z < x). A later
    // change of x in a second group would lock x first and be checked against x before the first change.
    const committer = new LicenceStatusCommitter(srv.database.knex, { groups: 2, groupSize: 2 });
    const [z, x] = (await licences(2)).sort();
    const go = (id: string, operation: 'suspend' | 'resume') =>
      committer.change({ ctx: ctxA, identifier: id, operation, reason: '并发分组' }).then(
        (l) => l.status,
        (err: { code?: string }) => err.code,
      );
    const holder = await srv.database.knex.transaction();
    let outcome: (string | undefined)[];
    try {
      await holder('licences').where({ identifier: z }).forUpdate().first();
      const pending = Promise.all([go(x!, 'suspend'), go(z!, 'suspend'), go(x!, 'resume')]);
      await new Promise((r) => setTimeout(r, 300)); // room for a second group to run ahead, were it allowed to
      await holder.commit();
      outcome = await pending;
    } finally {
      if (!holder.isCompleted()) await holder.rollback();
    }
    assert.deepEqual(outcome, ['suspended', 'suspended', 'valid']);
    assert.deepEqual(
      (await eventsOf(x!)).map((e) => e.operation),
      ['suspend', 'resume'],
    );
  });

  it('retries a group the database refuses change by change: only the change at fault fails', async () => {
    const ids = await licences(5);
    const k = srv.database.knex;
    // A real refusal from the server for one change of the group: a trigger that rejects one reason.
    await k.raw(`CREATE FUNCTION refuse_reason() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.reason = '数据库拒绝' THEN RAISE EXCEPTION 'refused by test trigger' USING ERRCODE = 'P0001'; END IF;
        RETURN NEW;
      END $$`);
    await k.raw(
      `CREATE TRIGGER refuse_reason BEFORE INSERT ON licence_events FOR EACH ROW EXECUTE FUNCTION refuse_reason()`,
    );
    try {
      const from = await lastSeq();
      const results = await Promise.allSettled(
        ids.map((id, i) => change(ctxA, id, 'suspend', i === 2 ? '数据库拒绝' : '批量测试')),
      );
      assert.deepEqual(
        results.map((r) => r.status),
        ['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled'],
      );
      assert.match(String((results[2] as PromiseRejectedResult).reason), /refused by test trigger/);
      const records = await auditAfter(from);
      assert.deepEqual(records.map((r) => r.target_id).sort(), [ids[0], ids[1], ids[3], ids[4]].sort());
      assert.equal(await statusOf(ids[2]!), 'valid');
      assert.deepEqual(await eventsOf(ids[2]!), []);
      // Nothing of the refused group is left half-written: the log's counter matches its entries.
      const head = (await k('audit_head').where({ id: 1 }).first()) as { tlog_next: string };
      const count = (await k('tlog_entries').count({ n: '*' }).first()) as { n: string | number };
      assert.equal(Number(head.tlog_next), Number(count.n));
    } finally {
      await k.raw('DROP TRIGGER refuse_reason ON licence_events');
      await k.raw('DROP FUNCTION refuse_reason()');
    }
  });
});
