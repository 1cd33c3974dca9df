// The licence layer's federation checks (federation.md §3.5, §2.8 rule 7, §5.4): what a record judged from the
// hub's evidence makes of `licence-in-log` and `trust-list`, and the licence verdict that follows. A node
// withdrawn from the trust list still vouches for what it sealed before; nothing that could not be judged
// (no list, an expired one, the hub away) is ever FAILED or PASSED.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LicenceMetadata } from '../../src/licence/licence-metadata.js';
import {
  validateLicence,
  type LicenceDirectoryRecord,
  type LicenceFederationEvidence,
} from '../../src/verify/licence-validation.js';

const ID = '1.2.156.3005.2.11100000000013338W001.11440100MB00010112.20260000001.001.Y';
const SM3 = 'a'.repeat(64);
const NOW = new Date('2027-01-10T00:00:00Z');

const list = (state: 'valid' | 'expired' = 'valid') => ({
  sequenceNumber: 3,
  issuedAt: '2027-01-05T00:00:00Z',
  nextUpdate: state === 'valid' ? '2027-01-12T00:00:00Z' : '2027-01-09T00:00:00Z',
  state,
});

function record(federation: LicenceFederationEvidence): LicenceDirectoryRecord {
  return {
    identifier: ID,
    status: 'valid',
    version: '001',
    latestVersion: null,
    successor: null,
    pdfSm3: SM3,
    files: [{ format: 'pdf', sm3: SM3, bytes: 1 }],
    statusHistory: [{ at: '2027-01-01T00:00:00Z', status: 'valid', operation: 'issue' }],
    federation,
  };
}

const passedLog: LicenceFederationEvidence['log'] = {
  outcome: 'passed',
  code: 'LICENCE_IN_LOG',
  why: null,
  origin: 'sealtrust.org.cn/44',
  treeSize: 12,
  witnessTime: '2027-01-02T00:00:00.000Z',
  leafIndex: 3,
};

const node = (history: { status: string; since: string }[]) => ({
  id: '44',
  name: '广东省',
  statusHistory: history,
});

async function judge(r: LicenceDirectoryRecord, signingTime = new Date('2027-01-01T00:00:00Z')) {
  const report = await validateLicence({
    attachment: { metadata: { identifier: ID } as LicenceMetadata },
    fileSm3: SM3,
    signingTime,
    now: NOW,
    directory: { lookup: async () => structuredClone(r) },
  });
  const c = (id: string) => report.checks.find((x) => x.id === id)!;
  return { report, inLog: c('licence-in-log'), trust: c('trust-list') };
}

describe('licence federation checks', () => {
  it('a verified record of a listed, active node passes both, naming the list and the witness time', async () => {
    const { report, inLog, trust } = await judge(
      record({
        source: 'hub',
        node: node([{ status: 'active', since: '2026-01-01T00:00:00Z' }]),
        trustList: list(),
        log: passedLog,
      }),
    );
    assert.equal(report.indication, 'TOTAL_PASSED');
    assert.equal(inLog.status, 'passed');
    assert.match(inLog.message, /2027-01-02/);
    assert.equal(trust.code, 'TRUST_LIST_VALID');
    assert.match(trust.message, /第 3 号信任列表/);
  });

  it('a node withdrawn after the sealing still vouches; one withdrawn before fails (NODE_WITHDRAWN)', async () => {
    const history = [
      { status: 'active', since: '2026-01-01T00:00:00Z' },
      { status: 'withdrawn', since: '2027-01-05T00:00:00Z' },
    ];
    const f = { source: 'hub' as const, node: node(history), trustList: list(), log: passedLog };
    const before = await judge(record(f), new Date('2027-01-01T00:00:00Z'));
    assert.equal(before.trust.code, 'NODE_WITHDRAWN_LATER');
    assert.equal(before.report.indication, 'TOTAL_PASSED');
    const after = await judge(record(f), new Date('2027-01-06T00:00:00Z'));
    assert.equal(after.trust.status, 'failed');
    assert.equal(after.report.indication, 'TOTAL_FAILED');
    assert.equal(after.report.subIndication, 'NODE_WITHDRAWN');
  });

  it('an invalid log proof fails the licence even when the rest of the record looks right', async () => {
    const { report, inLog } = await judge(
      record({
        source: 'hub',
        node: node([{ status: 'active', since: '2026-01-01T00:00:00Z' }]),
        trustList: list(),
        log: { ...passedLog, outcome: 'failed', code: 'PROOF_INVALID', why: 'leaf 3' },
      }),
    );
    assert.equal(inLog.status, 'failed');
    assert.equal(report.indication, 'TOTAL_FAILED');
    assert.equal(report.subIndication, 'LICENCE_NOT_IN_LOG');
  });

  it('an expired list, no list or the hub away is INDETERMINATE, never FAILED or PASSED', async () => {
    const unavailable = (code: string, trustList: LicenceFederationEvidence['trustList']) =>
      record({
        source: 'hub',
        node: null,
        trustList,
        log: { ...passedLog, outcome: 'indeterminate', code, why: code, leafIndex: null },
        unavailable: { code, why: code },
      });
    const expired = await judge(unavailable('TRUST_LIST_EXPIRED', list('expired')));
    assert.equal(expired.report.indication, 'INDETERMINATE');
    assert.equal(expired.trust.code, 'TRUST_LIST_EXPIRED');
    assert.ok(expired.report.checks.some((c) => c.id === 'trust-list' && c.status === 'indeterminate'));
    const none = await judge(unavailable('TRUST_LIST_MISSING', null));
    assert.equal(none.report.indication, 'INDETERMINATE');
    assert.equal(none.trust.code, 'TRUST_LIST_MISSING');
    const away = await judge(unavailable('HUB_UNREACHABLE', list()));
    assert.equal(away.report.indication, 'INDETERMINATE');
    assert.equal(away.report.subIndication, 'TRY_LATER');
    assert.equal(away.inLog.code, 'HUB_UNREACHABLE');
    for (const r of [expired, none, away])
      assert.ok(!r.report.checks.some((c) => c.status === 'failed'), JSON.stringify(r.report.checks));
  });

  it('an unknown code from the view reads as the evidence being wrong, not as a pass', async () => {
    const { inLog, report } = await judge(
      record({
        source: 'hub',
        node: node([{ status: 'active', since: '2026-01-01T00:00:00Z' }]),
        trustList: list(),
        log: { ...passedLog, outcome: 'indeterminate', code: 'SOMETHING_NEW', why: 'x' },
      }),
    );
    assert.equal(inLog.status, 'failed');
    assert.equal(report.indication, 'TOTAL_FAILED');
  });
});
