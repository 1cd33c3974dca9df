import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { sm2SignDigest } from '../../src/crypto/sm2.js';
import { CryptoInputError } from '../../src/crypto/crypto-input-error.js';
import { buildCrl } from '../../src/pki/crl-builder.js';
import { buildCmsSignedData, parseCmsSignedData } from '../../src/pki/cms-signed-data.js';
import { buildOcspResponse, responderKeyHash } from '../../src/pki/ocsp.js';
import { issueTestCertificate } from '../helpers/test-pki.js';

// SignedData.crls (RFC 5652 §10.2.1, RFC 5940 §4.1): CertificateLists and OCSP responses as
// OtherRevocationInfoFormat, written by buildCmsSignedData and read back by parseCmsSignedData.

const ca = issueTestCertificate('CMS 吊销信息 CA', null, { ca: true });
const signer = issueTestCertificate('CMS 吊销信息签名者', ca);

const crl = (n: number) =>
  buildCrl(
    {
      issuerName: ca.name,
      issuerPublicKey: ca.key.publicKey,
      crlNumber: BigInt(n),
      thisUpdate: new Date(Date.UTC(2026, 0, 1, 0, 0, n)),
      nextUpdate: new Date(Date.UTC(2026, 0, 2)),
      entries: [],
    },
    ca.key.privateKey,
  );
const ocsp = (n: number) =>
  buildOcspResponse(
    {
      responderKeyHash: responderKeyHash(ca.key.publicKey),
      producedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, n)),
      responses: [],
      nonceExtnValue: null,
      certs: [],
    },
    ca.key.privateKey,
  );

const build = (crls: Buffer[], ocsps: Buffer[]) =>
  buildCmsSignedData({
    digest: Buffer.alloc(32, 1),
    signerCertDer: signer.der,
    signDigest: (e) => sm2SignDigest(signer.key.privateKey, e),
    oids: 'rfc5652',
    signingTime: new Date(Date.UTC(2026, 0, 1)),
    crls,
    ocsps,
  });

describe('CMS SignedData revocation info', () => {
  it('round-trips any mix of CRLs and OCSP responses, each kind in order', async () => {
    const crls = [1, 2, 3].map(crl);
    const ocsps = [1, 2, 3].map(ocsp);
    await fc.assert(
      fc.asyncProperty(fc.nat(3), fc.nat(3), async (nc, no) => {
        const parsed = parseCmsSignedData(await build(crls.slice(0, nc), ocsps.slice(0, no)));
        assert.deepEqual(parsed.crls, crls.slice(0, nc));
        assert.deepEqual(parsed.ocsps, ocsps.slice(0, no));
      }),
      { numRuns: 16 },
    );
  });

  it('other revocation info of an unknown format is skipped, not taken for an OCSP response', async () => {
    const der = await build([], [ocsp(1)]);
    // Rewrite id-ri-ocsp-response (…16.2) into …16.9, same length.
    const oid = Buffer.from('06082b06010505071002', 'hex');
    const at = der.indexOf(oid);
    assert.ok(at > 0);
    const other = Buffer.from(der);
    other[at + oid.length - 1] = 0x09;
    assert.deepEqual(parseCmsSignedData(other).ocsps, []);
  });

  it('random bytes in place of the revocation info never crash the parser', async () => {
    const one = crl(1);
    const der = await build([one], []);
    const start = der.indexOf(one);
    assert.ok(start > 0);
    await fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), fc.nat(), (junk, pos) => {
        const mutated = Buffer.from(der);
        const off = start + (pos % (one.length - junk.length));
        mutated.set(junk, off);
        try {
          const p = parseCmsSignedData(mutated);
          assert.ok(Array.isArray(p.crls) && Array.isArray(p.ocsps));
        } catch (err) {
          assert.ok(err instanceof CryptoInputError, String(err));
        }
      }),
      { numRuns: 200 },
    );
  });
});
