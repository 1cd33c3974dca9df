import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  combineRevocationAnswers,
  combineRevocationSources,
} from '../../src/verify/revocation/combine-revocation-sources.js';
import type { RevocationAnswer, RevocationView } from '../../src/verify/revocation/revocation-source.js';
import { issueTestCertificate } from '../helpers/test-pki.js';

// The combination rule, pair by pair: the issuer's live record against data from elsewhere, and two
// sources of which neither is authoritative.

type Status = RevocationAnswer['status'];
const STATUSES: Status[] = ['good', 'revoked', 'hold', 'unknown', 'no-source'];

const answer = (status: Status, source: string, authoritative = false): RevocationAnswer => ({
  status,
  source,
  ...(status === 'revoked' || status === 'hold' ? { revokedAt: new Date(Date.UTC(2026, 0, 1)) } : {}),
  ...(authoritative ? { authoritative: true } : {}),
});

// Row: the first source's answer; column: the second's, in STATUSES order.
const NEITHER_AUTHORITATIVE: Record<Status, Status[]> = {
  good: ['good', 'revoked', 'hold', 'unknown', 'good'],
  revoked: ['revoked', 'revoked', 'revoked', 'revoked', 'revoked'],
  hold: ['hold', 'revoked', 'hold', 'hold', 'hold'],
  unknown: ['unknown', 'revoked', 'hold', 'unknown', 'unknown'],
  // Every source silent: unknown (EN 319 102-1: no revocation data is INDETERMINATE), never "not checked".
  'no-source': ['good', 'revoked', 'hold', 'unknown', 'unknown'],
};

// Row: the live record (authoritative); column: data carried in the document. Only a revocation adds to it.
const LIVE_AGAINST_EMBEDDED: Record<Status, Status[]> = {
  good: ['good', 'revoked', 'good', 'good', 'good'],
  revoked: ['revoked', 'revoked', 'revoked', 'revoked', 'revoked'],
  hold: ['hold', 'revoked', 'hold', 'hold', 'hold'],
  unknown: ['unknown', 'revoked', 'unknown', 'unknown', 'unknown'],
  'no-source': ['unknown', 'revoked', 'unknown', 'unknown', 'unknown'],
};

describe('combineRevocationAnswers', () => {
  for (const a of STATUSES)
    STATUSES.forEach((b, i) => {
      it(`neither authoritative: ${a} + ${b} → ${NEITHER_AUTHORITATIVE[a][i]}`, () => {
        const r = combineRevocationAnswers([answer(a, 'one'), answer(b, 'two')]);
        assert.equal(r.status, NEITHER_AUTHORITATIVE[a][i]);
        assert.equal(r.source, 'one; two', 'every source stays named');
        assert.equal(r.authoritative, undefined);
        // The order of the sources does not matter.
        assert.equal(combineRevocationAnswers([answer(b, 'two'), answer(a, 'one')]).status, r.status);
      });
      it(`live ${a} + embedded ${b} → ${LIVE_AGAINST_EMBEDDED[a][i]}`, () => {
        const r = combineRevocationAnswers([answer(a, 'ca-database', true), answer(b, 'crl:embedded')]);
        assert.equal(r.status, LIVE_AGAINST_EMBEDDED[a][i]);
        assert.equal(r.source, 'ca-database; crl:embedded');
        assert.equal(r.authoritative, true);
        const swapped = combineRevocationAnswers([answer(b, 'crl:embedded'), answer(a, 'ca-database', true)]);
        assert.equal(swapped.status, r.status);
      });
    });

  it('an embedded "good" never beats a known revocation, and the earliest revocation time is kept', () => {
    const live: RevocationAnswer = {
      status: 'revoked',
      revokedAt: new Date('2026-03-01T00:00:00Z'),
      reason: 'superseded',
      source: 'ca-database',
      authoritative: true,
    };
    const embeddedRevoked: RevocationAnswer = {
      status: 'revoked',
      revokedAt: new Date('2026-02-01T00:00:00Z'),
      reason: 'keyCompromise',
      source: 'crl:embedded',
    };
    assert.equal(combineRevocationAnswers([answer('good', 'crl:embedded'), live]).status, 'revoked');
    const r = combineRevocationAnswers([live, embeddedRevoked]);
    assert.equal(r.revokedAt?.toISOString(), '2026-02-01T00:00:00.000Z');
    assert.equal(r.reason, 'keyCompromise');
  });

  it('an unknown keeps its code (REVOCATION_OUT_OF_BOUNDS_NO_POE, TRY_LATER) through the combination', () => {
    const stale: RevocationAnswer = {
      status: 'unknown',
      code: 'REVOCATION_OUT_OF_BOUNDS_NO_POE',
      source: 'crl:embedded',
    };
    assert.equal(combineRevocationAnswers([answer('no-source', 'ca-database'), stale]).code, stale.code);
    assert.equal(combineRevocationAnswers([]).status, 'unknown');
  });

  it('silence is unknown, unless the certificate names no revocation source at all ("not checked")', () => {
    const noCdp: RevocationAnswer = {
      status: 'no-source',
      code: 'NO_REVOCATION_SOURCE',
      source: 'no-crl-url',
    };
    const silent = answer('no-source', 'crl:embedded');
    assert.equal(combineRevocationAnswers([silent, silent]).status, 'unknown');
    assert.deepEqual(combineRevocationAnswers([silent, noCdp]), {
      ...noCdp,
      source: 'crl:embedded; no-crl-url',
    });
    // Any data at all outweighs "names no source".
    assert.equal(combineRevocationAnswers([noCdp, answer('revoked', 'crl:embedded')]).status, 'revoked');
    assert.equal(combineRevocationAnswers([noCdp, answer('good', 'crl:embedded')]).status, 'good');
  });
});

describe('combineRevocationSources', () => {
  const ca = issueTestCertificate('组合测试 CA', null, { ca: true });
  const leaf = issueTestCertificate('组合测试签章者', ca);
  const view = (a: RevocationAnswer | Error): RevocationView => ({
    async statusAt() {
      if (a instanceof Error) throw a;
      return a;
    },
  });

  it('no source at all is undefined (the check says "not checked"); a source that throws is TRY_LATER', async () => {
    assert.equal(combineRevocationSources([undefined, undefined]), undefined);
    const v = combineRevocationSources([view(new Error('ECONNREFUSED')), view(answer('good', 'crl:x'))])!;
    const r = await v.statusAt(leaf.info, ca.info, new Date());
    assert.equal(r.status, 'unknown');
    assert.equal(r.code, 'TRY_LATER');
    assert.match(r.source, /ECONNREFUSED/);
  });

  it('passes the signing time and POE to every source', async () => {
    const seen: unknown[] = [];
    const spy: RevocationView = {
      async statusAt(_c, _i, _at, times) {
        seen.push(times);
        return answer('good', 'spy');
      },
    };
    const times = { signingTime: new Date(1000), poe: null };
    await combineRevocationSources([spy, spy])!.statusAt(leaf.info, ca.info, new Date(), times);
    assert.deepEqual(seen, [times, times]);
  });

  it('a combination given as a source is flattened: a live record inside it still outranks later data', async () => {
    const inner = combineRevocationSources([
      view(answer('revoked', 'ca-database', true)),
      view(answer('no-source', 'crl:dss')),
    ]);
    const outer = combineRevocationSources([inner, view(answer('good', 'crl:cms'))])!;
    const r = await outer.statusAt(leaf.info, ca.info, new Date());
    assert.equal(r.status, 'revoked');
    assert.equal(r.source, 'ca-database; crl:dss; crl:cms');
    // Flattened, silence inside the inner combination does not turn into an unknown that outweighs a good.
    const silentInner = combineRevocationSources([view(answer('no-source', 'ca-database'))]);
    const r2 = await combineRevocationSources([silentInner, view(answer('good', 'crl:cms'))])!.statusAt(
      leaf.info,
      ca.info,
      new Date(),
    );
    assert.equal(r2.status, 'good');
  });
});
