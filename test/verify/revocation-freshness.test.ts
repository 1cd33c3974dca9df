import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildCrl } from '../../src/pki/crl-builder.js';
import { parseCrl } from '../../src/pki/crl.js';
import { crlAnswer } from '../../src/verify/revocation/crl-revocation.js';
import { revocationFreshness } from '../../src/verify/revocation/revocation-freshness.js';
import { issueTestCertificate, type TestCertificate } from '../helpers/test-pki.js';

// The freshness rule for revocation data that is not the issuer's live record, and what a set of real CRLs
// says under it.

const H = 3_600_000;
const NOW = new Date(Date.UTC(2026, 5, 1, 12));
const t = (hours: number) => new Date(NOW.getTime() + hours * H);

describe('revocationFreshness', () => {
  const cases: {
    name: string;
    thisUpdate: Date;
    nextUpdate: Date | null;
    signingTime?: Date | null;
    poe?: Date | null;
    want: true | 'REVOCATION_OUT_OF_BOUNDS_NO_POE' | 'TRY_LATER';
  }[] = [
    {
      name: 'issued after the claim, still current',
      thisUpdate: t(-2),
      nextUpdate: t(22),
      signingTime: t(-3),
      want: true,
    },
    {
      name: 'issued at the claimed second',
      thisUpdate: t(-3),
      nextUpdate: t(22),
      signingTime: t(-3),
      want: true,
    },
    {
      name: 'issued before the claim',
      thisUpdate: t(-4),
      nextUpdate: t(20),
      signingTime: t(-3),
      want: 'REVOCATION_OUT_OF_BOUNDS_NO_POE',
    },
    {
      name: 'issued after the claim, expired, no POE',
      thisUpdate: t(-48),
      nextUpdate: t(-24),
      signingTime: t(-72),
      want: 'TRY_LATER',
    },
    {
      name: 'issued after the POE, expired since: long-term evidence',
      thisUpdate: t(-48),
      nextUpdate: t(-24),
      signingTime: t(-72),
      poe: t(-60),
      want: true,
    },
    {
      name: 'issued before the POE (a backdated claim does not help)',
      thisUpdate: t(-48),
      nextUpdate: t(24),
      signingTime: t(-72),
      poe: t(-24),
      want: 'REVOCATION_OUT_OF_BOUNDS_NO_POE',
    },
    { name: 'no claim, no POE: current is enough', thisUpdate: t(-48), nextUpdate: t(1), want: true },
    { name: 'no claim, no POE, expired', thisUpdate: t(-48), nextUpdate: t(-1), want: 'TRY_LATER' },
    {
      name: 'no nextUpdate, issued after the claim',
      thisUpdate: t(-1),
      nextUpdate: null,
      signingTime: t(-2),
      want: true,
    },
  ];
  for (const c of cases)
    it(`${c.name} → ${c.want === true ? 'fresh' : c.want}`, () => {
      const f = revocationFreshness(c.thisUpdate, c.nextUpdate, NOW, {
        signingTime: c.signingTime ?? null,
        poe: c.poe ?? null,
      });
      assert.equal(f.fresh ? true : f.code, c.want);
    });
});

describe('crlAnswer over real CRLs', () => {
  const ca = issueTestCertificate('新鲜度测试 CA', null, { ca: true });
  const other = issueTestCertificate('另一个 CA', null, { ca: true });
  const leaf = issueTestCertificate('新鲜度测试签章者', ca);
  const crl = (
    o: {
      thisUpdate: Date;
      nextUpdate?: Date;
      entries?: { reason: 'keyCompromise' | 'certificateHold'; at: Date }[];
    },
    signer: TestCertificate = ca,
  ) =>
    parseCrl(
      buildCrl(
        {
          issuerName: ca.name,
          issuerPublicKey: signer.key.publicKey,
          crlNumber: 1n,
          thisUpdate: o.thisUpdate,
          nextUpdate: o.nextUpdate ?? new Date(o.thisUpdate.getTime() + 24 * H),
          entries: (o.entries ?? []).map((e) => ({
            serial: Buffer.from(leaf.info.serialHex, 'hex'),
            revokedAt: e.at,
            reason: e.reason,
          })),
        },
        signer.key.privateKey,
      ),
    );
  const ask = (crls: ReturnType<typeof crl>[], times = { signingTime: t(-3) }, authoritative = false) =>
    crlAnswer(crls, leaf.info, ca.info, NOW, times, { source: 'crl:test', authoritative });

  it('a fresh CRL not listing the serial: good', () => {
    assert.equal(ask([crl({ thisUpdate: t(-1) })]).status, 'good');
  });

  it('the last CRL before the signing time: unknown / REVOCATION_OUT_OF_BOUNDS_NO_POE', () => {
    const a = ask([crl({ thisUpdate: t(-4) })]);
    assert.deepEqual([a.status, a.code], ['unknown', 'REVOCATION_OUT_OF_BOUNDS_NO_POE']);
  });

  it("the same CRL from the issuer's live publication (authoritative): good while current", () => {
    assert.equal(ask([crl({ thisUpdate: t(-4) })], undefined, true).status, 'good');
    const stale = ask([crl({ thisUpdate: t(-30), nextUpdate: t(-6) })], undefined, true);
    assert.deepEqual([stale.status, stale.code], ['unknown', 'TRY_LATER']);
  });

  it('a listed serial is revoked however old the CRL, a hold only while the newest CRL lists it', () => {
    const revoked = ask([crl({ thisUpdate: t(-400), entries: [{ reason: 'keyCompromise', at: t(-500) }] })]);
    assert.equal(revoked.status, 'revoked');
    assert.equal(revoked.revokedAt?.getTime(), Math.floor(t(-500).getTime() / 1000) * 1000);
    const held = crl({ thisUpdate: t(-10), entries: [{ reason: 'certificateHold', at: t(-11) }] });
    assert.equal(ask([held], { signingTime: t(-20) }).status, 'hold');
    assert.equal(ask([held, crl({ thisUpdate: t(-1) })]).status, 'good', 'released in the newer CRL');
  });

  it('a CRL with a bad signature, or of another issuer, is no evidence: no-source', () => {
    const forged = crl({ thisUpdate: t(-1), entries: [] }, other);
    assert.equal(ask([forged]).status, 'no-source');
    const notMine = issueTestCertificate('别家签章者', other);
    const a = crlAnswer([crl({ thisUpdate: t(-1) })], notMine.info, other.info, NOW, {}, { source: 'x' });
    assert.equal(a.status, 'no-source');
  });
});
