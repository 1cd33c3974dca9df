import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sm3 } from '../../src/crypto/sm3.js';
import { PKI_OID } from '../../src/pki/pki-oids.js';
import { buildTimestampToken } from '../../src/pki/timestamp.js';
import { CHECK_RULES } from '../../src/verify/checks/check-registry.js';
import { judgeRevocation } from '../../src/verify/checks/revocation-check.js';
import { sealStatusCheck } from '../../src/verify/checks/seal-status-check.js';
import { evaluateTimestamp } from '../../src/verify/checks/timestamp-evaluation.js';
import { validityCheck, type Window } from '../../src/verify/checks/validity-time.js';
import type { RevocationAnswer } from '../../src/verify/revocation/revocation-source.js';
import type { SealRegistryStatus } from '../../src/verify/validation-context.js';
import { issueTestCertificate } from '../helpers/test-pki.js';

// The time model, as tables (EN 319 102-1 §5.2.6, §5.2.8, §5.6.2): the claimed signing time is judged
// against validity windows, revocations and seal status; only a valid, trusted timestamp over the
// signature value (the best signature time) proves existence before a window closed or a revocation.

const NOW = new Date('2026-06-01T00:00:00Z');
const T = (iso: string) => new Date(`${iso}T00:00:00Z`);
const label = { zh: '签名时间', en: 'the signing time' };
const verdictOf = (id: keyof typeof CHECK_RULES, c: Parameters<(typeof CHECK_RULES)['chain']>[0]) => {
  const v = CHECK_RULES[id](c);
  return v ? `${v.indication}/${v.subIndication}` : 'neutral';
};

describe('time model: validity windows', () => {
  const win = (start: string, end: string): Window => ({
    zh: '证书',
    en: 'certificate',
    start: T(start),
    end: T(end),
  });
  const table: [string, Window[], string | null, string | null, string, string][] = [
    // name, windows, signing time, proof of existence, code, verdict
    [
      'inside an open window',
      [win('2026-01-01', '2027-01-01')],
      '2026-03-01',
      null,
      'WITHIN_VALIDITY',
      'neutral',
    ],
    [
      'before the window',
      [win('2026-04-01', '2027-01-01')],
      '2026-03-01',
      null,
      'NOT_YET_VALID',
      'TOTAL_FAILED/NOT_YET_VALID',
    ],
    [
      'after the window',
      [win('2025-01-01', '2026-01-01')],
      '2026-03-01',
      null,
      'EXPIRED',
      'TOTAL_FAILED/EXPIRED',
    ],
    [
      'closed window, claim only',
      [win('2025-01-01', '2026-04-01')],
      '2026-03-01',
      null,
      'OUT_OF_BOUNDS_NO_POE',
      'INDETERMINATE/OUT_OF_BOUNDS_NO_POE',
    ],
    [
      'closed window, proof before its end',
      [win('2025-01-01', '2026-04-01')],
      '2026-03-01',
      '2026-03-01',
      'WITHIN_VALIDITY',
      'neutral',
    ],
    [
      'closed window, proof after its end',
      [win('2025-01-01', '2026-04-01')],
      '2026-03-01',
      '2026-05-01',
      'OUT_OF_BOUNDS_NO_POE',
      'INDETERMINATE/OUT_OF_BOUNDS_NO_POE',
    ],
    [
      'proof before the window start',
      [win('2026-02-01', '2027-01-01')],
      '2026-03-01',
      '2026-01-15',
      'NOT_YET_VALID',
      'TOTAL_FAILED/NOT_YET_VALID',
    ],
    [
      'no time at all',
      [win('2026-01-01', '2027-01-01')],
      null,
      null,
      'SIGNING_TIME_UNKNOWN',
      'INDETERMINATE/SIG_CONSTRAINTS_FAILURE',
    ],
    [
      'unreadable window',
      [{ zh: '印章', en: 'seal', start: null, end: null }],
      '2026-03-01',
      null,
      'VALIDITY_UNKNOWN',
      'INDETERMINATE/OUT_OF_BOUNDS_NO_POE',
    ],
    [
      'one of two expired: failure wins',
      [win('2026-01-01', '2027-01-01'), win('2025-01-01', '2026-02-01')],
      '2026-03-01',
      null,
      'EXPIRED',
      'TOTAL_FAILED/EXPIRED',
    ],
  ];
  for (const [name, windows, t, best, code, verdict] of table)
    it(`${name}: ${code}`, () => {
      const c = validityCheck(windows, t ? T(t) : null, best ? T(best) : null, NOW, label);
      assert.equal(c.code, code);
      assert.equal(verdictOf('validity-time', c), verdict);
    });
});

describe('time model: revocation at time', () => {
  const who = { zh: '签章者证书', en: 'signer certificate' };
  const table: [string, Omit<RevocationAnswer, 'source'>, string | null, string | null, string, string][] = [
    ['good', { status: 'good' }, '2026-03-01', null, '-', 'neutral'],
    [
      'revoked before the claimed time',
      { status: 'revoked', revokedAt: T('2026-02-01') },
      '2026-03-01',
      null,
      'REVOKED',
      'TOTAL_FAILED/REVOKED',
    ],
    [
      'revoked at the claimed time',
      { status: 'revoked', revokedAt: T('2026-03-01') },
      '2026-03-01',
      null,
      'REVOKED',
      'TOTAL_FAILED/REVOKED',
    ],
    [
      'revoked later, claim only',
      { status: 'revoked', revokedAt: T('2026-04-01') },
      '2026-03-01',
      null,
      'REVOKED_NO_POE',
      'INDETERMINATE/REVOKED_NO_POE',
    ],
    [
      'revoked later, proof before',
      { status: 'revoked', revokedAt: T('2026-04-01') },
      '2026-03-01',
      '2026-03-01',
      'REVOKED_AFTER_POE',
      'neutral',
    ],
    [
      'revoked later, proof after',
      { status: 'revoked', revokedAt: T('2026-04-01') },
      '2026-03-01',
      '2026-05-01',
      'REVOKED_NO_POE',
      'INDETERMINATE/REVOKED_NO_POE',
    ],
    [
      'on hold at signing',
      { status: 'hold', revokedAt: T('2026-02-01') },
      '2026-03-01',
      null,
      'CERT_ON_HOLD',
      'INDETERMINATE/TRY_LATER',
    ],
    ['unknown', { status: 'unknown' }, '2026-03-01', null, 'REVOCATION_UNKNOWN', 'INDETERMINATE/TRY_LATER'],
    [
      'stale data, no proof of existence',
      { status: 'unknown', code: 'REVOCATION_OUT_OF_BOUNDS_NO_POE' },
      '2026-03-01',
      null,
      'REVOCATION_OUT_OF_BOUNDS_NO_POE',
      'INDETERMINATE/TRY_LATER',
    ],
    [
      'source unreachable',
      { status: 'unknown', code: 'TRY_LATER' },
      '2026-03-01',
      null,
      'TRY_LATER',
      'INDETERMINATE/TRY_LATER',
    ],
    [
      'a source reason the catalogue does not word',
      { status: 'unknown', code: 'SOMETHING_ELSE' },
      '2026-03-01',
      null,
      'SOMETHING_ELSE',
      'INDETERMINATE/TRY_LATER',
    ],
    ['no source named', { status: 'no-source' }, '2026-03-01', null, 'NO_REVOCATION_SOURCE', 'neutral'],
  ];
  for (const [name, answer, claimed, best, code, verdict] of table)
    it(`${name}: ${code}`, () => {
      const c = judgeRevocation(
        'revocation',
        { ...answer, source: 'table' },
        { claimed: claimed ? T(claimed) : null, best: best ? T(best) : null },
        who,
      );
      assert.equal(c?.code ?? '-', code);
      assert.equal(c ? verdictOf('revocation', c) : 'neutral', verdict);
      if (c) assert.ok(c.message && c.messageEn);
    });
});

describe('time model: seal status at time', () => {
  const ESID = '33010000000001';
  const registry = (history: [string, SealRegistryStatus][]) => ({
    async sealStatusAt(esID: string, at: Date) {
      if (esID !== ESID) return { known: false };
      const cur = [...history].reverse().find(([from]) => T(from) <= at);
      const revoked = history.find(([, s]) => s === 'revoked');
      return {
        known: true,
        ...(cur ? { status: cur[1], changedAt: T(cur[0]) } : {}),
        currentStatus: history[history.length - 1]![1],
        ...(revoked ? { revokedAt: T(revoked[0]) } : {}),
      };
    },
  });
  const table: [string, [string, SealRegistryStatus][], string | null, string | null, string, string][] = [
    ['active then and now', [['2026-01-01', 'active']], '2026-03-01', null, 'SEAL_ACTIVE', 'neutral'],
    [
      'revoked at signing',
      [
        ['2026-01-01', 'active'],
        ['2026-02-01', 'revoked'],
      ],
      '2026-03-01',
      null,
      'SEAL_REVOKED',
      'TOTAL_FAILED/SEAL_REVOKED',
    ],
    [
      'suspended at signing',
      [
        ['2026-01-01', 'active'],
        ['2026-02-01', 'suspended'],
      ],
      '2026-03-01',
      null,
      'SEAL_SUSPENDED',
      'TOTAL_FAILED/SEAL_SUSPENDED',
    ],
    [
      'revoked later, claim only',
      [
        ['2026-01-01', 'active'],
        ['2026-04-01', 'revoked'],
      ],
      '2026-03-01',
      null,
      'REVOKED_NO_POE',
      'INDETERMINATE/REVOKED_NO_POE',
    ],
    [
      'revoked later, proof before',
      [
        ['2026-01-01', 'active'],
        ['2026-04-01', 'revoked'],
      ],
      '2026-03-01',
      '2026-03-01',
      'SEAL_REVOKED_AFTER_POE',
      'neutral',
    ],
    [
      'signed before registration',
      [['2026-04-01', 'active']],
      '2026-03-01',
      null,
      'SEAL_STATUS_UNKNOWN',
      'INDETERMINATE/TRY_LATER',
    ],
  ];
  for (const [name, history, claimed, best, code, verdict] of table)
    it(`${name}: ${code}`, async () => {
      const c = await sealStatusCheck(
        ESID,
        Buffer.from('seal'),
        registry(history),
        { claimed: claimed ? T(claimed) : null, best: best ? T(best) : null },
        NOW,
      );
      assert.equal(c.code, code);
      assert.equal(verdictOf('seal-status', c), verdict);
    });
  it('unknown to the registry: skipped for another node’s maker, SEAL_NOT_REGISTERED failed for its own', async () => {
    const claim = { claimed: T('2026-03-01'), best: null };
    const other = await sealStatusCheck('99', Buffer.from('seal'), registry([]), claim, NOW);
    assert.deepEqual(
      [other.status, other.code, verdictOf('seal-status', other)],
      ['skipped', 'SEAL_NOT_REGISTERED', 'neutral'],
    );
    const own = await sealStatusCheck('99', Buffer.from('seal'), registry([]), claim, NOW, {
      ownMaker: true,
    });
    assert.deepEqual(
      [own.status, own.code, verdictOf('seal-status', own)],
      ['failed', 'SEAL_NOT_REGISTERED', 'TOTAL_FAILED/SEAL_NOT_REGISTERED'],
    );
    const offline = await sealStatusCheck('99', Buffer.from('seal'), undefined, claim, NOW, {
      ownMaker: true,
    });
    assert.equal(offline.code, 'NO_REGISTRY');
  });
});

describe('time model: a timestamp as the best signature time', () => {
  const root = issueTestCertificate('时间模型根 CA', null, { ca: true, pathLen: 0 });
  const tsa = issueTestCertificate('时间模型 TSA', root, {
    usage: ['digitalSignature', 'nonRepudiation'],
    eku: PKI_OID.kpTimeStamping,
  });
  const signature = Buffer.from('the signature value');
  const token = (genTime: Date, imprint = sm3(signature)) =>
    buildTimestampToken(
      {
        policy: '1.2.3',
        hashAlgorithm: 'sm3',
        hashParamsNull: false,
        imprint,
        serial: 1n,
        genTime,
        accuracy: { seconds: 1 },
        includeCertificate: true,
      },
      { cert: tsa.info, privateKey: tsa.key.privateKey },
    ).token;
  const now = new Date();
  const past = new Date(now.getTime() - 3_600_000);
  const table: [string, Buffer | undefined, boolean, string, Date | null][] = [
    ['valid and trusted: proves existence at genTime', token(past), true, 'TIMESTAMP_VALID', past],
    ['from an untrusted TSA: proves nothing', token(past), false, 'TIMESTAMP_UNTRUSTED', null],
    [
      'over other bytes: proves nothing',
      token(past, sm3(Buffer.from('other'))),
      true,
      'TIMESTAMP_IMPRINT_MISMATCH',
      null,
    ],
    [
      'genTime in the future: ignored',
      token(new Date(now.getTime() + 3_600_000)),
      true,
      'TIMESTAMP_INVALID',
      null,
    ],
    ['no token', undefined, true, 'NO_TIMESTAMP', null],
  ];
  for (const [name, tok, trusted, code, best] of table)
    it(`${name}: ${code}`, () => {
      const o = evaluateTimestamp(
        { timeStamp: tok, signature, version: 4, notes: [] },
        { anchors: trusted ? [root.info] : [] },
        now,
      );
      assert.equal(o.check.code, code);
      assert.equal(o.best?.getTime() ?? null, best ? best.getTime() : null);
      assert.equal(verdictOf('timestamp', o.check), 'neutral');
    });
});
