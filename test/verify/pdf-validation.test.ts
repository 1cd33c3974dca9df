import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { before, describe, it } from 'node:test';
import { sm2PublicKeyToPem } from '../../src/crypto/sm2-keys.js';
import { sm3 } from '../../src/crypto/sm3.js';
import { decodeSesSignature, sesDerLength } from '../../src/seal/ses-decoder.js';
import { parseCmsSignedData } from '../../src/pki/cms-signed-data.js';
import { buildTimestampToken } from '../../src/pki/timestamp.js';
import { coveredBytes } from '../../src/pdf/pdf-byte-range.js';
import { validateCmsSignature } from '../../src/verify/cms-validation.js';
import { validatePdf, ValidationTooComplex } from '../../src/verify/pdf-validation.js';
import { opensslSync, scratchDir, sm2VerifyArgs } from '../helpers/openssl.js';
import { issueTestCertificate } from '../helpers/test-pki.js';
import {
  basePdf,
  cmsSigner,
  firstProblem,
  kitTrust,
  only,
  seal,
  sealKit,
  verdict,
} from './pdf-verify-fixtures.js';

// The PDF validation engine end to end on real signed files: one seal, three seals, CMS digital signatures
// (RFC 5652 and GB/T 35275 OIDs), a document without signatures, and the real-world GB/T 35275 fixtures.

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURES = join(REPO, '..', 'shared', 'fixtures', 'ses');
const noFixtures = existsSync(join(FIXTURES, 'MANIFEST.md'))
  ? false
  : `SES fixtures not found at ${FIXTURES}; skipping`;

let signed: Buffer;
let three: Buffer;

describe('validatePdf', () => {
  before(async () => {
    signed = await seal(await basePdf());
    three = await seal(await seal(signed, { x: 80 }), { x: 140 });
  });

  it('a sealed PDF passes, every check explained in both languages', async () => {
    const kit = sealKit();
    const r = await validatePdf(signed, kitTrust());
    assert.equal(verdict(r), 'TOTAL_PASSED/-');
    assert.equal(r.signatures.length, 1);
    const s = r.signatures[0]!;
    assert.equal(s.format, 'PDF SES v4');
    assert.equal(s.subFilter, 'GM.sm2seal');
    assert.equal(s.coversWholeDocument, true);
    assert.equal(s.revision, 1);
    assert.equal(s.seal?.esID, '33010000000001');
    assert.equal(s.signer?.serial, kit.signer.info.serialHex);
    assert.deepEqual(
      s.chain.map((c) => c.serial),
      [kit.signer.info.serialHex, kit.root.info.serialHex],
    );
    for (const id of [
      'byte-range',
      'format',
      'data-hash',
      'signature',
      'seal-signature',
      'signer-in-seal',
      'validity-time',
      'chain',
      'revocation',
      'seal-status',
      'timestamp',
      'modifications',
    ])
      assert.ok(
        s.checks.some((c) => c.id === id),
        `check ${id}`,
      );
    for (const c of s.checks) {
      assert.ok(c.code && c.message && c.messageEn, c.id);
      assert.match(c.message, /[\u4e00-\u9fff]/, `${c.id} message is Chinese`);
    }
    assert.equal(r.licence, undefined);
  });

  it('without trust anchors the same file is INDETERMINATE, not passed', async () => {
    const r = await validatePdf(signed, { anchors: [] });
    assert.equal(verdict(r), 'INDETERMINATE/NO_CERTIFICATE_CHAIN_FOUND');
  });

  it('three seals: each covers its revision, the earlier ones report only signatures added after them', async () => {
    const r = await validatePdf(three, kitTrust());
    assert.equal(verdict(r), 'TOTAL_PASSED/-');
    assert.deepEqual(
      r.signatures.map((s) => [s.revision, s.coversWholeDocument]),
      [
        [1, false],
        [2, false],
        [3, true],
      ],
    );
    const mods = r.signatures.map((s) => s.checks.find((c) => c.id === 'modifications')!.code);
    assert.deepEqual(mods, ['SIGNATURES_ADDED', 'SIGNATURES_ADDED', 'NO_MODIFICATIONS']);
  });

  it('a document without signatures is INDETERMINATE / NO_SIGNATURE_FOUND', async () => {
    const r = await validatePdf(await basePdf(), kitTrust());
    assert.equal(verdict(r), 'INDETERMINATE/NO_SIGNATURE_FOUND');
    assert.deepEqual(r.signatures, []);
  });

  it('not a PDF is a PdfError, a hopeless deadline a ValidationTooComplex', async () => {
    await assert.rejects(validatePdf(Buffer.from('hello'), { anchors: [] }), {
      name: 'PdfError',
      code: 'NOT_A_PDF',
    });
    await assert.rejects(
      validatePdf(signed, { anchors: [], deadline: Date.now() - 1 }),
      ValidationTooComplex,
    );
  });

  for (const oids of ['rfc5652', 'gbt35275'] as const) {
    it(`a CMS (${oids}) digital signature in adbe.pkcs7.detached passes`, async () => {
      const kit = sealKit();
      const pdf = await seal(await basePdf(), {
        sign: cmsSigner(kit.signer, { oids }),
        subFilter: 'adbe.pkcs7.detached',
      });
      const r = await validatePdf(pdf, kitTrust());
      assert.equal(verdict(r), 'TOTAL_PASSED/-');
      const s = r.signatures[0]!;
      assert.equal(s.format, oids === 'rfc5652' ? 'PDF CMS (RFC 5652)' : 'PDF CMS (GB/T 35275)');
      assert.equal(s.seal, null);
      assert.equal(s.checks.find((c) => c.id === 'data-hash')!.code, 'DATA_HASH_MATCH');
      assert.equal(s.checks.find((c) => c.id === 'signer-in-seal')!.status, 'skipped');
      assert.ok(s.signingTime);
    });
  }

  it('a CMS whose messageDigest is not the ByteRange digest is TOTAL_FAILED / HASH_FAILURE', async () => {
    const kit = sealKit();
    const pdf = await seal(await basePdf(), {
      sign: cmsSigner(kit.signer, { wrongDigest: true }),
      subFilter: 'adbe.pkcs7.detached',
    });
    const r = await validatePdf(pdf, kitTrust());
    assert.equal(verdict(r), 'TOTAL_FAILED/HASH_FAILURE');
    assert.equal(firstProblem(r.signatures[0]!.checks), 'data-hash');
    // The signature over the signed attributes itself is fine: only the binding to the document is wrong.
    assert.equal(r.signatures[0]!.checks.find((c) => c.id === 'signature')!.status, 'passed');
  });

  it('an SES in a file that claims adbe.pkcs7.detached is validated as SES and the mismatch reported', async () => {
    const pdf = await seal(await basePdf(), { subFilter: 'adbe.pkcs7.detached' });
    const r = await validatePdf(pdf, kitTrust());
    assert.equal(verdict(r), 'TOTAL_PASSED/-');
    assert.equal(r.signatures[0]!.format, 'PDF SES v4');
    assert.equal(r.signatures[0]!.checks.find((c) => c.id === 'sub-filter')!.code, 'SUBFILTER_MISMATCH');
  });

  it('ECDSA/RSA-signed CMS is out of scope: INDETERMINATE / CRYPTO_CONSTRAINTS_FAILURE', async () => {
    const kit = sealKit();
    const pdf = await seal(await basePdf(), {
      subFilter: 'adbe.pkcs7.detached',
      sign: async (digest) => {
        const der = await cmsSigner(kit.signer)(digest);
        // Swap the SM2-with-SM3 signature OID (the SignerInfo's, last) for ecdsa-with-SHA256: same length.
        const sm2 = Buffer.from('06082a811ccf55018375', 'hex');
        const ecdsa = Buffer.from('06082a8648ce3d040302', 'hex');
        const at = der.lastIndexOf(sm2);
        assert.ok(at > 0);
        return Buffer.concat([der.subarray(0, at), ecdsa, der.subarray(at + sm2.length)]);
      },
    });
    const r = await validatePdf(pdf, kitTrust());
    assert.equal(verdict(r), 'INDETERMINATE/CRYPTO_CONSTRAINTS_FAILURE');
    assert.equal(firstProblem(r.signatures[0]!.checks), 'signature');
  });

  it('OpenSSL verifies the SES signature and data hash the engine accepted', () => {
    const kit = sealKit();
    const s = only(signed);
    const der = s.contents!.subarray(0, sesDerLength(s.contents!)!);
    const ses = decodeSesSignature(der);
    assert.deepEqual(ses.dataHash, sm3(coveredBytes(signed, s.byteRange!)));
    const dir = scratchDir();
    try {
      const pub = dir.file('pub.pem', sm2PublicKeyToPem(kit.signer.key.publicKey));
      const r = opensslSync(
        sm2VerifyArgs(pub, dir.file('tbs.der', ses.tbsSignDer), dir.file('sig.der', ses.signature)),
      );
      assert.equal(r.status, 0, r.stderr);
      const bad = Buffer.from(ses.tbsSignDer);
      bad[bad.length - 1]! ^= 1;
      assert.notEqual(
        opensslSync(sm2VerifyArgs(pub, dir.file('bad.der', bad), dir.file('sig.der'))).status,
        0,
      );
      const md = opensslSync([
        'dgst',
        '-sm3',
        '-binary',
        dir.file('covered.bin', coveredBytes(signed, s.byteRange!)),
      ]);
      assert.deepEqual(md.stdout, ses.dataHash);
    } finally {
      dir.cleanup();
    }
  });

  it('a document timestamp (RFC 3161 token over the ByteRange) after a seal: both pass', async () => {
    const kit = sealKit();
    const tsa = issueTestCertificate('PDF 测试时间戳', kit.root, {
      eku: '1.3.6.1.5.5.7.3.8',
      notBefore: new Date(Date.now() - 86_400_000),
    });
    const stamp = (good: boolean) => async (digest: Buffer) =>
      buildTimestampToken(
        {
          policy: '1.2.3.4',
          hashAlgorithm: 'sm3',
          hashParamsNull: false,
          imprint: good ? digest : Buffer.alloc(32, 1),
          serial: 7n,
          genTime: new Date(),
          accuracy: { seconds: 1 },
          includeCertificate: true,
        },
        { cert: tsa.info, privateKey: tsa.key.privateKey },
      ).token;
    const pdf = await seal(signed, { x: 80, sign: stamp(true), subFilter: 'adbe.pkcs7.detached' });
    const r = await validatePdf(pdf, kitTrust());
    assert.equal(verdict(r), 'TOTAL_PASSED/-');
    assert.equal(r.signatures[1]!.format, 'PDF document timestamp');
    assert.ok(r.signatures[1]!.bestSignatureTime);
    const bad = await validatePdf(await seal(signed, { x: 80, sign: stamp(false) }), {
      ...kitTrust(),
    });
    assert.equal(verdict(bad), 'TOTAL_FAILED/HASH_FAILURE');
    assert.equal(firstProblem(bad.signatures[1]!.checks), 'data-hash');
  });

  it('a signer certificate from an unrelated hierarchy is not trusted', async () => {
    const stranger = issueTestCertificate('陌生签名者', null);
    const pdf = await seal(await basePdf(), { sign: cmsSigner(stranger), subFilter: 'adbe.pkcs7.detached' });
    const r = await validatePdf(pdf, kitTrust());
    assert.equal(verdict(r), 'INDETERMINATE/NO_CERTIFICATE_CHAIN_FOUND');
    assert.equal(firstProblem(r.signatures[0]!.checks), 'chain');
  });
});

describe('GB/T 35275 SignedData fixtures through the CMS engine', { skip: noFixtures }, () => {
  for (const dir of ['gomain_gbt35275_signeddata_authattrs', 'tongz_gbt35275_signeddata_raw64']) {
    it(`${dir}: signature and data hash verify; no anchor, so not passed`, async () => {
      const der = readFileSync(join(FIXTURES, 'gbt35275', dir, 'SignedValue.dat'));
      const xml = readFileSync(join(FIXTURES, 'gbt35275', dir, 'Signature.xml'));
      assert.equal(parseCmsSignedData(der).flavour, 'gbt35275');
      const r = await validateCmsSignature(der, {
        anchors: [],
        data: xml,
        now: new Date('2022-12-01T00:00:00Z'),
      });
      const by = (id: string) => r.checks.find((c) => c.id === id)!;
      assert.equal(by('signature').code, 'SIGNATURE_VALID');
      assert.equal(by('data-hash').code, 'DATA_HASH_MATCH');
      assert.equal(by('chain').code, 'NO_CERTIFICATE_CHAIN_FOUND');
      assert.notEqual(r.indication, 'TOTAL_PASSED');
      const wrong = await validateCmsSignature(der, { anchors: [], data: Buffer.from('other data') });
      assert.ok(
        wrong.checks.some((c) => (c.id === 'data-hash' || c.id === 'signature') && c.status === 'failed'),
      );
      assert.equal(wrong.indication, 'TOTAL_FAILED');
    });
  }
});
