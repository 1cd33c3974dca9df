import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { buildCrl } from '../../src/pki/crl-builder.js';
import {
  buildCertId,
  buildOcspResponse,
  certificateSerialOctets,
  certificateSubjectDer,
  responderKeyHash,
  type OcspCertStatus,
} from '../../src/pki/ocsp.js';
import { validatePdf, type PdfValidationContext } from '../../src/verify/pdf-validation.js';
import type { ValidationReport } from '../../src/verify/report.js';
import { nodeRevocationSource } from '../../src/verify/revocation/node-revocation-source.js';
import type { RevocationView } from '../../src/verify/revocation/revocation-source.js';
import { SEALTRUST_POLICY } from '../../src/pki/sealtrust-policies.js';
import { issueTestCertificate, type TestCertificate } from '../helpers/test-pki.js';
import { basePdf, cmsSigner, firstProblem, seal, verdict, withDss } from './pdf-verify-fixtures.js';

// Revocation data for a CA that is not this node's: it counts only when fresh relative to the signing time
// (revocation-freshness.ts). Real CRLs of a CA made here, real signed PDFs, with and without a node whose
// own CA database is the live source (it has nothing to say about a foreign CA and must not stand in the way).

const H = 3_600_000;
const DAY = 24 * H;

let foreignRoot: TestCertificate;
let signer: TestCertificate;
let node: RevocationView;

function crl(o: { thisUpdate: Date; nextUpdate?: Date; revokedAt?: Date }): Buffer {
  return buildCrl(
    {
      issuerName: foreignRoot.name,
      issuerPublicKey: foreignRoot.key.publicKey,
      crlNumber: 7n,
      thisUpdate: o.thisUpdate,
      nextUpdate: o.nextUpdate ?? new Date(o.thisUpdate.getTime() + DAY),
      entries: o.revokedAt
        ? [
            {
              serial: Buffer.from(signer.info.serialHex, 'hex'),
              revokedAt: o.revokedAt,
              reason: 'keyCompromise',
            },
          ]
        : [],
    },
    foreignRoot.key.privateKey,
  );
}

/** An OCSP response of the foreign root (or `key`'s owner pretending to be it) about the signer. */
function ocsp(o: {
  thisUpdate: Date;
  nextUpdate?: Date;
  status?: OcspCertStatus;
  key?: TestCertificate;
}): Buffer {
  const responder = o.key ?? foreignRoot;
  return buildOcspResponse(
    {
      responderKeyHash: responderKeyHash(responder.key.publicKey),
      producedAt: o.thisUpdate,
      responses: [
        {
          certIdDer: buildCertId(
            'sm3',
            certificateSubjectDer(foreignRoot.der),
            foreignRoot.key.publicKey,
            certificateSerialOctets(signer.der),
          ),
          status: o.status ?? { kind: 'good' },
          thisUpdate: o.thisUpdate,
          nextUpdate: o.nextUpdate ?? new Date(o.thisUpdate.getTime() + DAY),
        },
      ],
      nonceExtnValue: null,
      certs: [],
    },
    responder.key.privateKey,
  );
}

/** A PDF signed (CMS) by the foreign signer at `signingTime`, carrying `crls` as told. */
async function signed(o: {
  signingTime?: Date;
  dssInSignedRevision?: Buffer[];
  cmsCrls?: Buffer[];
  cmsOcsps?: Buffer[];
}): Promise<Buffer> {
  const base = o.dssInSignedRevision
    ? await withDss(await basePdf(), o.dssInSignedRevision)
    : await basePdf();
  return seal(base, {
    sign: cmsSigner(signer, {
      ...(o.signingTime ? { signingTime: o.signingTime } : {}),
      ...(o.cmsCrls ? { crls: o.cmsCrls } : {}),
      ...(o.cmsOcsps ? { ocsps: o.cmsOcsps } : {}),
    }),
    subFilter: 'adbe.pkcs7.detached',
  });
}

/** The next whole second: CRL and CMS times have no fractions, so "issued after signing" starts there. */
const nextSecond = () => new Date(Math.ceil(Date.now() / 1000) * 1000);

function revocation(r: ValidationReport) {
  return r.signatures[0]!.checks.find((c) => c.id === 'revocation')!;
}

function expectOutOfBounds(r: ValidationReport, code: string): void {
  const checks = r.signatures[0]!.checks.map((c) => `${c.id}:${c.status}:${c.code}`).join(' ');
  assert.equal(r.indication, 'INDETERMINATE', checks);
  // The engine maps these codes to their own sub-indications; until then every indeterminate revocation
  // check reads TRY_LATER.
  assert.ok([code, 'TRY_LATER'].includes(r.subIndication ?? ''), r.subIndication ?? '');
  assert.equal(firstProblem(r.signatures[0]!.checks), 'revocation', checks);
  assert.equal(revocation(r).code, code, checks);
}

before(() => {
  foreignRoot = issueTestCertificate('外省测试根 CA', null, { ca: true, organization: '外省 CA' });
  signer = issueTestCertificate('外省签章人', foreignRoot, {
    organization: '外省 CA',
    policies: [SEALTRUST_POLICY.sealSigner],
  });
  // This node: CAs of its own, an empty certificate store.
  const ownRoot = issueTestCertificate('本节点根 CA', null, { ca: true });
  const ownCa = issueTestCertificate('本节点签发 CA', ownRoot, { ca: true });
  const ownRootCrl = buildCrl(
    {
      issuerName: ownRoot.name,
      issuerPublicKey: ownRoot.key.publicKey,
      crlNumber: 1n,
      thisUpdate: new Date(Date.now() - DAY),
      nextUpdate: new Date(Date.now() + 365 * DAY),
      entries: [],
    },
    ownRoot.key.privateKey,
  );
  node = nodeRevocationSource(
    { root: { id: 'own-root', cert: ownRoot.info, crl: ownRootCrl }, issuing: [ownCa.info] },
    { find: async () => undefined, events: async () => [] },
  );
});

for (const live of [false, true])
  describe(`a foreign CA's revocation data (${live ? "with this node's CA database live" : 'offline'})`, () => {
    const ctx = (): PdfValidationContext => ({
      anchors: [foreignRoot.info],
      ...(live ? { revocation: node } : {}),
    });

    it('a CRL issued before the signing time, inside the signed revision: INDETERMINATE / REVOCATION_OUT_OF_BOUNDS_NO_POE', async () => {
      const pdf = await signed({ dssInSignedRevision: [crl({ thisUpdate: new Date(Date.now() - H) })] });
      expectOutOfBounds(await validatePdf(pdf, ctx()), 'REVOCATION_OUT_OF_BOUNDS_NO_POE');
    });

    it('the same CRL as CMS crls: INDETERMINATE / REVOCATION_OUT_OF_BOUNDS_NO_POE', async () => {
      const pdf = await signed({ cmsCrls: [crl({ thisUpdate: new Date(Date.now() - H) })] });
      expectOutOfBounds(await validatePdf(pdf, ctx()), 'REVOCATION_OUT_OF_BOUNDS_NO_POE');
    });

    it('a CRL issued after the claimed signing time but expired, no timestamp: INDETERMINATE / TRY_LATER', async () => {
      const pdf = await signed({
        signingTime: new Date(Date.now() - 10 * DAY),
        cmsCrls: [
          crl({ thisUpdate: new Date(Date.now() - 9 * DAY), nextUpdate: new Date(Date.now() - 8 * DAY) }),
        ],
      });
      expectOutOfBounds(await validatePdf(pdf, ctx()), 'TRY_LATER');
    });

    it('a fresh CRL added after signing passes the revocation check: TOTAL_PASSED', async () => {
      const stale = await signed({ dssInSignedRevision: [crl({ thisUpdate: new Date(Date.now() - H) })] });
      const pdf = await withDss(stale, [crl({ thisUpdate: nextSecond() })], { incremental: true });
      const r = await validatePdf(pdf, ctx());
      assert.equal(verdict(r), 'TOTAL_PASSED/-', JSON.stringify(r.signatures[0]!.checks));
      assert.equal(revocation(r).status, 'passed');
      assert.equal(revocation(r).code, 'NOT_REVOKED');
      assert.match(revocation(r).message, /crl:embedded/);
      if (live) assert.match(revocation(r).message, /ca-database/, 'every source is named');
    });

    it('a CRL listing the serial, revoked before signing: TOTAL_FAILED / REVOKED, however old the CRL', async () => {
      const pdf = await signed({
        cmsCrls: [crl({ thisUpdate: new Date(Date.now() - 2 * H), revokedAt: new Date(Date.now() - 3 * H) })],
      });
      const r = await validatePdf(pdf, ctx());
      assert.equal(verdict(r), 'TOTAL_FAILED/REVOKED');
      assert.equal(firstProblem(r.signatures[0]!.checks), 'revocation');
      assert.equal(revocation(r).code, 'REVOKED');
    });

    it('a CRL of the foreign CA forged with another key is no evidence: INDETERMINATE', async () => {
      const forger = issueTestCertificate('伪造者', null, { ca: true });
      const forged = buildCrl(
        {
          issuerName: foreignRoot.name,
          issuerPublicKey: forger.key.publicKey,
          crlNumber: 8n,
          thisUpdate: nextSecond(),
          nextUpdate: new Date(Date.now() + DAY),
          entries: [],
        },
        forger.key.privateKey,
      );
      const pdf = await withDss(await signed({}), [forged], { incremental: true });
      const r = await validatePdf(pdf, ctx());
      assert.equal(r.indication, 'INDETERMINATE');
      assert.equal(revocation(r).code, 'REVOCATION_UNKNOWN');
    });
    it('OCSP in CMS crls (id-ri-ocsp-response): issued before signing REVOCATION_OUT_OF_BOUNDS_NO_POE, revoked REVOKED', async () => {
      const old = await signed({ cmsOcsps: [ocsp({ thisUpdate: new Date(Date.now() - H) })] });
      expectOutOfBounds(await validatePdf(old, ctx()), 'REVOCATION_OUT_OF_BOUNDS_NO_POE');
      const revoked = await signed({
        cmsOcsps: [
          ocsp({
            thisUpdate: new Date(Date.now() - H),
            status: { kind: 'revoked', revokedAt: new Date(Date.now() - 2 * H), reason: 'keyCompromise' },
          }),
        ],
      });
      const r = await validatePdf(revoked, ctx());
      assert.equal(verdict(r), 'TOTAL_FAILED/REVOKED');
      assert.match((revocation(r).details as { source: string }).source, /ocsp:embedded/);
    });

    it('a fresh OCSP response in /DSS /OCSPs next to a stale CRL: the fresh evidence counts, TOTAL_PASSED', async () => {
      const stale = await signed({ dssInSignedRevision: [crl({ thisUpdate: new Date(Date.now() - H) })] });
      const pdf = await withDss(stale, [], {
        incremental: true,
        ocsps: [ocsp({ thisUpdate: nextSecond() })],
      });
      const r = await validatePdf(pdf, ctx());
      assert.equal(verdict(r), 'TOTAL_PASSED/-', JSON.stringify(r.signatures[0]!.checks));
      assert.match(revocation(r).message, /ocsp:embedded/);
    });

    it('an OCSP response signed by a key the CA never certified is no evidence: INDETERMINATE', async () => {
      const forger = issueTestCertificate('伪造的 OCSP', null, { ca: true });
      const pdf = await signed({ cmsOcsps: [ocsp({ thisUpdate: nextSecond(), key: forger })] });
      const r = await validatePdf(pdf, ctx());
      assert.equal(r.indication, 'INDETERMINATE');
      assert.equal(revocation(r).code, 'REVOCATION_UNKNOWN');
    });
  });
