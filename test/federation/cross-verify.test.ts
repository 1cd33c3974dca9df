// Issue 15's cross-province acceptance (federation.md §3.5, §5.3 step 3): with the hub's signed trust list, a
// licence sealed in one province verifies TOTAL_PASSED at every other province and at the hub, over HTTP, with
// `licence-in-log` (its file's leaf proven under a hub-cosigned checkpoint) and `trust-list` passed; revoking it
// at home makes it TOTAL_FAILED elsewhere; a forged licence, or one sealed by a maker outside the list, never
// passes; the hub unreachable gives INDETERMINATE TRY_LATER, not FAILED.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  defineDemoTypes,
  expectJson,
  issueLicence,
  licenceEvent,
  provinceAgency,
  publishTrustList,
  waitFor,
  type ProvinceAgency,
} from './harness/fed-api.js';
import type { FedNode } from './harness/fed-node.js';
import { join } from 'node:path';
import { awaitTrustList } from '../../src/cli/federation-demo/trust-list-bootstrap.js';
import { runSealtrust } from '../../src/cli/federation-demo/node-process.js';
import {
  issueWithPdf,
  licenceCheck,
  reportSummary,
  waitForHubEvidence,
  type CrossReport,
} from './harness/cross-verify-fixture.js';
import { federationUnavailable, startFederation, type Federation } from './harness/federation.js';

type Report = CrossReport;

const skip = await federationUnavailable();
if (skip) process.stderr.write(`skipping the cross-province verification: ${skip}\n`);
const WAIT_MS = Number(process.env.FED_WAIT_MS ?? 90_000);

async function verifyAt(node: FedNode, pdf: Buffer): Promise<Report> {
  const res = await node.request('/v1/verify', {
    method: 'POST',
    headers: { 'content-type': 'application/pdf' },
    body: pdf,
  });
  return expectJson<Report>(res, 200, `verify at ${node.nodeId}`);
}

const check = licenceCheck;
const summary = reportSummary;

describe('cross-province verification through the trust list', { skip }, () => {
  let fed: Federation;
  let seq: number;
  const agencies = new Map<string, ProvinceAgency>();
  const licences = new Map<string, { identifier: string; pdf: Buffer }>();

  const logged = (identifier: string) => waitForHubEvidence(fed.hub, identifier, WAIT_MS);
  /** 33's licences either side of its log key's withdrawal (set by that test, used by the rotation's). */
  let loggedAfterWithdrawal: { earlier: Buffer; after: Buffer } | undefined;

  /** A hub admin's edit of one node's draft entry, published at once; returns the new sequence number. */
  async function publishEdited<E>(nodeId: string, edit: (entry: E) => E, what: string): Promise<number> {
    const { draft } = (await (await fed.hub.admin('/v1/trust-list/draft')).json()) as {
      draft: { nodes: (E & { nodeId: string })[] };
    };
    const entry = draft.nodes.find((n) => n.nodeId === nodeId)!;
    await expectJson(
      await fed.hub.admin(`/v1/trust-list/draft/nodes/${nodeId}`, { method: 'PUT', json: edit(entry) }),
      200,
      what,
    );
    const nextUpdate = new Date(Date.now() + 5 * 86_400_000).toISOString();
    const { sequenceNumber } = await expectJson<{ sequenceNumber: number }>(
      await fed.hub.admin('/v1/trust-list/draft:publish', { method: 'POST', json: { nextUpdate } }),
      201,
      `publish (${what})`,
    );
    return sequenceNumber;
  }
  /** The report of `pdf` verified at `node` once the verification uses trust list `seq`. */
  const verifiedUnderList = (node: FedNode, pdf: Buffer, seq: number) =>
    waitFor(
      `a verification at ${node.nodeId} under list ${seq}`,
      async () => {
        const r = await verifyAt(node, pdf);
        const used = check(r, 'trust-list')?.details as { sequenceNumber?: number } | undefined;
        return used?.sequenceNumber === seq ? r : undefined;
      },
      WAIT_MS,
      1000,
    );
  /** Now, to the second, as trust-list times are written. */
  const nowSecond = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

  before(async () => {
    fed = await startFederation({
      trustList: true,
      env: { SEALTRUST_TLOG_CHECKPOINT_MS: '250' },
    });
    seq = await publishTrustList(fed);
    for (const p of fed.provinces) {
      const a = await provinceAgency(p);
      agencies.set(p.nodeId, a);
      await defineDemoTypes(p, [a.agencyId]);
      licences.set(p.nodeId, await issueWithPdf(p, a));
    }
    for (const { identifier } of licences.values()) await logged(identifier);
  });
  after(async () => {
    await fed?.stop();
  });

  it('the hub answers a licence of any node with proofs and a signed status statement', async () => {
    const { identifier } = licences.get('44')!;
    const body = await expectJson<{ node: string; statement: string; issueProof: string }>(
      await fed.hub.request(`/v1/federation/licences/${encodeURIComponent(identifier)}`),
      200,
    );
    assert.equal(body.node, '44');
    assert.match(body.statement, /^sealtrust\.org\.cn\/licence-status@v1\n/);
    assert.match(body.issueProof, /^sealtrust\.org\.cn\/tlog-proof-sm3@v1\n/);
    const missing = await fed.hub.request('/v1/federation/licences/1.2.156.3005.2.X');
    assert.equal(missing.status, 404);
  });

  it('a licence of each province is TOTAL_PASSED at the other two and at the hub', async () => {
    for (const [home, { identifier, pdf }] of licences) {
      for (const at of fed.nodes) {
        if (at.nodeId === home) continue;
        const r = await verifyAt(at, pdf);
        assert.equal(r.indication, 'TOTAL_PASSED', `${identifier} of ${home} at ${at.nodeId}: ${summary(r)}`);
        const inLog = check(r, 'licence-in-log')!;
        assert.equal(inLog.status, 'passed', `${home} at ${at.nodeId}`);
        assert.equal(inLog.details?.origin, `sealtrust.org.cn/${home}`);
        assert.ok(inLog.details?.witnessTime, 'the asOf witness time is reported');
        const trust = check(r, 'trust-list')!;
        assert.equal(trust.status, 'passed');
        assert.equal(trust.details?.sequenceNumber, seq);
        assert.equal(check(r, 'licence-status')!.status, 'passed');
        // The seal's status comes from its node's log through the hub, not "unknown here".
        const sealStatus = r.signatures[0]!.checks.find((c) => c.id === 'seal-status')!;
        assert.equal(
          sealStatus.code,
          'SEAL_ACTIVE',
          `${home} at ${at.nodeId}: ${JSON.stringify(sealStatus)}`,
        );
      }
      // At home the node's own directory answers: no log evidence is needed.
      const own = await verifyAt(fed.node(home), pdf);
      assert.equal(own.indication, 'TOTAL_PASSED', summary(own));
      assert.equal(check(own, 'licence-in-log')!.code, 'LOCAL_DIRECTORY');
    }
  });

  it('a file that is not the issued one fails the log check at another province', async () => {
    const { pdf } = licences.get('51')!;
    // One byte appended after %%EOF: the signatures still verify over their byte ranges, the file's SM3 changes.
    const altered = Buffer.concat([pdf, Buffer.from('\n')]);
    const r = await verifyAt(fed.node('33'), altered);
    assert.notEqual(r.indication, 'TOTAL_PASSED', summary(r));
    assert.equal(check(r, 'licence-in-log')!.status, 'failed', summary(r));
    assert.equal(check(r, 'licence-in-log')!.code, 'FILE_NOT_IN_LOG');
  });

  it('revoking the licence at home makes it TOTAL_FAILED (REVOKED) at another province', async () => {
    const { identifier, pdf } = licences.get('44')!;
    await licenceEvent(fed.node('44'), agencies.get('44')!, identifier, 'revoke');
    const r = await waitFor(
      'the revocation seen at 33',
      async () => {
        const r = await verifyAt(fed.node('33'), pdf);
        return r.indication === 'TOTAL_FAILED' ? r : undefined;
      },
      WAIT_MS,
      1000,
    );
    assert.equal(r.licence?.subIndication, 'LICENCE_REVOKED', summary(r));
    assert.equal(check(r, 'licence-in-log')!.status, 'passed');
  });

  it('a seal revoked at home is revoked at another province too', async () => {
    const { pdf } = licences.get('44')!;
    const a = agencies.get('44')!;
    await expectJson(
      await fed
        .node('44')
        .admin(`/v1/seals/${a.esID}/revoke`, { method: 'POST', json: { reason: '联邦测试注销' } }),
      200,
      'revoke seal',
    );
    const r = await waitFor(
      'the seal revocation seen at 51',
      async () => {
        const r = await verifyAt(fed.node('51'), pdf);
        const c = r.signatures[0]!.checks.find((c) => c.id === 'seal-status');
        return (c?.details as { currentStatus?: string } | undefined)?.currentStatus === 'revoked'
          ? r
          : undefined;
      },
      WAIT_MS,
      1000,
    );
    // Revoked after the sealing: the timestamp decides (SEAL_REVOKED_AFTER_POE) or it is INDETERMINATE; never unknown.
    const c = r.signatures[0]!.checks.find((c) => c.id === 'seal-status')!;
    assert.ok(['SEAL_REVOKED_AFTER_POE', 'REVOKED_NO_POE'].includes(c.code), JSON.stringify(c));
  });

  it('suspending shows the suspension with its time at another province', async () => {
    const { identifier, pdf } = licences.get('33')!;
    await licenceEvent(fed.node('33'), agencies.get('33')!, identifier, 'suspend');
    const r = await waitFor(
      'the suspension seen at 51',
      async () => {
        const r = await verifyAt(fed.node('51'), pdf);
        return check(r, 'licence-status')?.code === 'LICENCE_SUSPENDED' ? r : undefined;
      },
      WAIT_MS,
      1000,
    );
    assert.equal(r.indication, 'INDETERMINATE');
    const status = check(r, 'licence-status')!;
    const details = (status.details ?? {}) as { status?: string; since?: string };
    assert.equal(details.status, 'suspended');
    // With its time, from the suspension's log leaf.
    assert.ok(details.since && Date.parse(details.since) > Date.now() - 10 * 60_000, JSON.stringify(details));
    assert.ok(status.message?.includes(details.since), status.message);
  });

  it('with the hub unreachable, a new foreign licence is INDETERMINATE TRY_LATER, never FAILED', async () => {
    const a = agencies.get('51')!;
    const { pdf } = await issueWithPdf(fed.node('51'), a);
    await fed.hub.stop();
    try {
      const r = await verifyAt(fed.node('33'), pdf);
      assert.equal(r.indication, 'INDETERMINATE', summary(r));
      assert.equal(r.subIndication, 'TRY_LATER');
      assert.equal(check(r, 'licence-in-log')!.code, 'HUB_UNREACHABLE');
    } finally {
      await fed.hub.start();
    }
  });

  it('a stale trust list makes foreign licences INDETERMINATE (TRUST_LIST_EXPIRED); local ones still pass', async () => {
    // The hub publishes a list that expires in seconds (a changed operator name: the same content would be refused
    // as saying nothing new) and then nothing; 33 accepts it and sees it expire.
    const { draft } = (await (await fed.hub.admin('/v1/trust-list/draft')).json()) as {
      draft: Record<string, unknown>;
    };
    const operator = { ...(draft.operator as Record<string, unknown>), name: '电子证照信任枢纽（过期测试）' };
    await expectJson(
      await fed.hub.admin('/v1/trust-list/draft', { method: 'PUT', json: { ...draft, operator } }),
      200,
      'draft',
    );
    const nextUpdate = new Date(Date.now() + 8_000).toISOString();
    const { sequenceNumber } = await expectJson<{ sequenceNumber: number }>(
      await fed.hub.admin('/v1/trust-list/draft:publish', { method: 'POST', json: { nextUpdate } }),
      201,
      'publish',
    );
    const at33 = fed.node('33');
    await waitFor(`33 holds list ${sequenceNumber}`, async () => {
      await at33.admin('/v1/trust-list:refresh', { method: 'POST' });
      const s = (await (await at33.admin('/v1/trust-list/state')).json()) as { sequenceNumber: number };
      return s.sequenceNumber === sequenceNumber ? true : undefined;
    });
    await waitFor(
      'the list expires at 33',
      async () => {
        const s = (await (await at33.admin('/v1/trust-list/state')).json()) as { status: string };
        return s.status === 'expired' ? true : undefined;
      },
      WAIT_MS,
      500,
    );
    const foreign = await waitFor(
      'a foreign licence judged under the expired list',
      async () => {
        const r = await verifyAt(at33, licences.get('51')!.pdf);
        return check(r, 'trust-list')?.code === 'TRUST_LIST_EXPIRED' ? r : undefined;
      },
      WAIT_MS,
      1000,
    );
    assert.equal(foreign.indication, 'INDETERMINATE', summary(foreign));
    assert.ok(!foreign.licence?.checks.some((c) => c.status === 'failed'), summary(foreign));
    const a = agencies.get('33')!;
    const local = await issueLicence(at33, a);
    const pdf = Buffer.from(
      await (
        await at33.request(`/v1/licences/${encodeURIComponent(local)}/pdf`, { token: a.issuer })
      ).arrayBuffer(),
    );
    const own = await verifyAt(at33, pdf);
    assert.equal(own.indication, 'TOTAL_PASSED', summary(own));
    const metrics = await (await at33.request('/metrics')).text();
    assert.match(metrics, /^sealtrust_trust_list_expired 1$/m);
  });

  it('a withdrawn node: what it sealed before still verifies, what it seals after fails (NODE_WITHDRAWN)', async () => {
    type Entry = { status: string; statusHistory: { status: string; since: string }[] };
    // A fresh list (also ending the previous test's expired one).
    const sequenceNumber = await publishEdited<Entry>(
      '51',
      (entry) => ({
        ...entry,
        status: 'withdrawn',
        statusHistory: [...entry.statusHistory, { status: 'withdrawn', since: nowSecond() }],
      }),
      'withdraw 51',
    );
    const at33 = fed.node('33');
    await awaitTrustList(at33, sequenceNumber);
    // Sealed before the withdrawal: still vouched for by the node's status history (§2.8 rule 7).
    const before = await verifiedUnderList(at33, licences.get('51')!.pdf, sequenceNumber);
    assert.equal(before.indication, 'TOTAL_PASSED', summary(before));
    assert.equal(check(before, 'trust-list')!.code, 'NODE_WITHDRAWN_LATER');
    // Sealed after it: never passes.
    await new Promise((r) => setTimeout(r, 1100)); // the sealing time must be after `since` (one-second precision)
    const a = agencies.get('51')!;
    const { pdf } = await issueWithPdf(fed.node('51'), a);
    const after = await verifyAt(at33, pdf);
    assert.equal(after.indication, 'TOTAL_FAILED', summary(after));
    assert.equal(check(after, 'trust-list')!.code, 'NODE_WITHDRAWN');
  });

  it('a withdrawn log key: evidence cosigned before still verifies; nothing newer is cosigned (§5.4)', async () => {
    const home = fed.node('33');
    const at = fed.node('44');
    const earlier = await issueWithPdf(home, agencies.get('33')!);
    await logged(earlier.identifier);
    // `since` has one-second precision and the rule is "cosigned before": let the cosignature's second pass.
    await new Promise((r) => setTimeout(r, 1100));
    const since = nowSecond();
    type Entry = { log: { keys: { status: string; since: string }[] } };
    const sequenceNumber = await publishEdited<Entry>(
      '33',
      (entry) => ({
        ...entry,
        log: { ...entry.log, keys: entry.log.keys.map((k) => ({ ...k, status: 'withdrawn', since })) },
      }),
      'withdraw the log key',
    );
    await awaitTrustList(at, sequenceNumber);
    // The verifier's alert names the node and the time (§2.8 rule 6).
    const state = await expectJson<{
      alerts: { kind: string; detail: { nodeId?: string; since?: string } }[];
    }>(await at.admin('/v1/trust-list/state'), 200, 'trust list state at 44');
    assert.ok(
      state.alerts.some(
        (a) =>
          a.kind === 'trust-list-log-key-withdrawn' && a.detail.nodeId === '33' && a.detail.since === since,
      ),
      JSON.stringify(state.alerts),
    );
    assert.match(
      await (await at.request('/metrics')).text(),
      /^sealtrust_trust_list_alerts_total\{kind="trust-list-log-key-withdrawn"\} 1$/m,
    );
    // Cosigned before the withdrawal: still evidence, under the new list.
    const before = await verifiedUnderList(at, earlier.pdf, sequenceNumber);
    assert.equal(before.indication, 'TOTAL_PASSED', summary(before));
    assert.equal(check(before, 'licence-in-log')!.status, 'passed');
    // Sealed and logged after it: the hub's witness takes only the list's active keys, so no checkpoint covering
    // it is cosigned and it is never PASSED; the earlier evidence stays valid because the mirror does not move.
    await new Promise((r) => setTimeout(r, 1100)); // after `since`, which has one-second precision
    const after = await issueWithPdf(home, agencies.get('33')!);
    loggedAfterWithdrawal = { earlier: earlier.pdf, after: after.pdf };
    await new Promise((r) => setTimeout(r, 3000)); // a dozen of 33's publish cycles (250 ms)
    const r = await verifyAt(at, after.pdf);
    assert.notEqual(r.indication, 'TOTAL_PASSED', summary(r));
    assert.equal(check(r, 'licence-in-log')!.status, 'indeterminate', summary(r));
    const again = await verifyAt(at, earlier.pdf);
    assert.equal(again.indication, 'TOTAL_PASSED', summary(again));
  });

  it('a rotated log key: once the list names the new key, what 33 logged meanwhile passes (§5.4)', async () => {
    assert.ok(loggedAfterWithdrawal, 'the withdrawn-key test ran first');
    const home = fed.node('33');
    const at = fed.node('44');
    // The operator's rotation: stop, `sealtrust ca rotate-log-key`, start with the new key.
    await home.stop();
    const rotated = await runSealtrust(
      ['ca', 'rotate-log-key', '--config', join(fed.dir, 'ca-33.json'), '--keys', home.spec.keysDir],
      { SEALTRUST_CA_PASSPHRASE: home.spec.caPassphrase, SEALTRUST_NODE_ID: '33' },
    );
    assert.equal(rotated.code, 0, rotated.stderr);
    await home.start();
    // The node's own entry lists the retired key withdrawn and the new one active.
    const own = await expectJson<{ log: { keys: { vkey: string; status: string }[] } }>(
      await home.admin('/v1/federation/trust-entry'),
      200,
      'trust entry of 33',
    );
    assert.deepEqual(
      own.log.keys.map((k) => k.status),
      ['withdrawn', 'active'],
    );
    const fresh = own.log.keys.find((k) => k.status === 'active')!;
    // The hub's admin keeps the withdrawal time already published and adds the new key.
    const sequenceNumber = await publishEdited<{ log: { keys: unknown[] } }>(
      '33',
      (entry) => ({ ...entry, log: { ...entry.log, keys: [...entry.log.keys, fresh] } }),
      'add the new log key',
    );
    await awaitTrustList(at, sequenceNumber);
    // 33 signs its tree again with the new key; the hub's witness cosigns it; the licence logged while the old
    // key was withdrawn now has evidence the list vouches for.
    const r = await waitFor(
      'the licence logged after the withdrawal, under the new key',
      async () => {
        const r = await verifyAt(at, loggedAfterWithdrawal!.after);
        return r.indication === 'TOTAL_PASSED' ? r : undefined;
      },
      WAIT_MS,
      1000,
    );
    assert.equal(check(r, 'licence-in-log')!.status, 'passed');
    assert.equal(check(r, 'trust-list')!.details?.sequenceNumber, sequenceNumber);
    const earlier = await verifyAt(at, loggedAfterWithdrawal.earlier);
    assert.equal(earlier.indication, 'TOTAL_PASSED', summary(earlier));
  });
});
