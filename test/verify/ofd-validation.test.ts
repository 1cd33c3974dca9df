import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { OfdError } from '../../src/ofd/ofd-error.js';
import { OFD_LIMITS } from '../../src/ofd/ofd-limits.js';
import { CHECK_ORDER } from '../../src/verify/checks/check-registry.js';
import { validateOfd } from '../../src/verify/ofd-validation.js';
import { ValidationTooComplex } from '../../src/verify/pdf-validation.js';
import type { Check, CheckStatus, SignatureReport, ValidationReport } from '../../src/verify/report.js';
import { buildZip, text } from '../ofd/zip-builder.js';
import { addSeal, trustedCtx, unsignedFiles, zip } from './ofd-sealed-fixtures.js';
import { assertKnownCheck } from './pdf-verify-fixtures.js';

// T9: every real sealed OFD in ../shared/fixtures/ofd gets the result MANIFEST.md gives it, per signature and
// per check, without a trust anchor for any producer (so intact files end INDETERMINATE). Where MANIFEST.md says
// "SES ✓" the signer signature, signer-in-seal, maker signature and data-hash pass; "all References ✓" is the
// references check; "every displayed file covered" is coverage passed or only warning about non-displayed files.

const dir = fileURLToPath(new URL('../../../shared/fixtures/ofd/', import.meta.url));
const skip = existsSync(dir + 'MANIFEST.md')
  ? false
  : `fixtures absent: ${dir} (../shared/fixtures is not checked out next to the repo)`;

type Expected = Partial<Record<string, CheckStatus | `${CheckStatus} ${string}`>>;

/** "SES ✓" of MANIFEST.md. */
const SES_OK: Expected = {
  format: 'passed',
  references: 'passed REFERENCES_MATCH',
  'data-hash': 'passed',
  signature: 'passed',
  'signer-in-seal': 'passed',
  'seal-signature': 'passed',
  'property-info': 'passed',
  chain: 'indeterminate NO_CERTIFICATE_CHAIN_FOUND',
};
/** A GB/T 35275 digital signature whose digests and signature hold. */
const CMS_OK: Expected = {
  format: 'passed',
  references: 'passed REFERENCES_MATCH',
  'data-hash': 'passed',
  signature: 'passed',
  'signer-in-seal': 'skipped NOT_APPLICABLE',
  'seal-signature': 'skipped NOT_APPLICABLE',
  'seal-file': 'skipped NO_SEAL_FILE',
  'property-info': 'skipped NOT_APPLICABLE',
  'stamp-annot': 'skipped NOT_APPLICABLE',
  chain: 'indeterminate NO_CERTIFICATE_CHAIN_FOUND',
};

interface SigExpect {
  id: string;
  format: string;
  verdict: string;
  checks: Expected;
  details?: Record<string, Record<string, unknown>>;
}
interface FileExpect {
  verdict: string;
  signatures: SigExpect[];
  /** Document findings that must be present: code → path (or '' for any). */
  findings?: [string, string][];
}

const DZZZ = (missing: string[]): SigExpect[] => [
  {
    id: '1',
    format: 'OFD CMS (GB/T 35275)',
    verdict: 'INDETERMINATE NO_CERTIFICATE_CHAIN_FOUND',
    checks: { ...CMS_OK, coverage: 'warning COVERAGE_NOTES', 'later-changes': 'warning CHANGES_NOTED' },
    details: {
      coverage: {
        uncovered: [],
        ofdXmlCovered: false,
        coveredOnlyLater: ['/Doc_0/Annots/Annotations.xml'],
        missing,
      },
      'later-changes': {
        annotationsCoveredLater: ['/Doc_0/Annots/Annotations.xml'],
        otherCoveredLater: ['/OFD.xml'],
      },
    },
  },
  {
    id: '2',
    format: 'OFD CMS (GB/T 35275)',
    verdict: 'INDETERMINATE NO_CERTIFICATE_CHAIN_FOUND',
    checks: { ...CMS_OK, coverage: 'warning COVERAGE_NOTES', 'later-changes': 'passed NO_LATER_CHANGES' },
    details: { coverage: { uncovered: [], ofdXmlCovered: true, coveredOnlyLater: [], missing } },
  },
];

const MANIFEST: Record<string, FileExpect> = {
  'ofdrw_v4_continue.ofd': {
    // MANIFEST.md: all References ✓, SES ✓, every displayed file covered. The seal (and signer certificate)
    // expired in 2022 and the signature claims 2026-08-04: signed after expiry, which no anchor can mend.
    verdict: 'TOTAL_FAILED EXPIRED',
    signatures: [
      {
        id: '1',
        format: 'OFD SES v4',
        verdict: 'TOTAL_FAILED EXPIRED',
        checks: {
          ...SES_OK,
          'validity-time': 'failed EXPIRED',
          'seal-file': 'passed SEAL_FILE_MATCH',
          'stamp-annot': 'passed',
          coverage: 'passed COVERS_DISPLAYED',
          'later-changes': 'passed NO_LATER_CHANGES',
        },
      },
    ],
  },
  'ofdrw_v4_whole.ofd': {
    verdict: 'INDETERMINATE NO_CERTIFICATE_CHAIN_FOUND',
    signatures: [
      {
        id: '001',
        format: 'OFD SES v4',
        verdict: 'INDETERMINATE NO_CERTIFICATE_CHAIN_FOUND',
        checks: {
          ...SES_OK,
          'seal-file': 'passed SEAL_FILE_MATCH',
          'stamp-annot': 'passed',
          coverage: 'passed COVERS_DISPLAYED',
          'later-changes': 'passed NO_LATER_CHANGES',
        },
      },
    ],
  },
  'ofdrw_v4_riding.ofd': {
    verdict: 'INDETERMINATE NO_CERTIFICATE_CHAIN_FOUND',
    signatures: [
      {
        id: 's001',
        format: 'OFD SES v4',
        verdict: 'INDETERMINATE NO_CERTIFICATE_CHAIN_FOUND',
        checks: {
          ...SES_OK,
          'seal-file': 'passed',
          'stamp-annot': 'passed STAMP_ANNOTS_OK',
          coverage: 'warning COVERAGE_NOTES',
          'later-changes': 'passed',
        },
        details: {
          coverage: { uncovered: [], missing: ['/Doc_0/PublicRes.xml'] },
        },
      },
    ],
    findings: [['loc-missing', 'Doc_0/Document.xml']],
  },
  'antchain_tax_noseal_file.ofd': {
    verdict: 'INDETERMINATE NO_CERTIFICATE_CHAIN_FOUND',
    signatures: [
      {
        id: '1',
        format: 'OFD SES v4',
        verdict: 'INDETERMINATE NO_CERTIFICATE_CHAIN_FOUND',
        checks: {
          ...SES_OK,
          'seal-file': 'skipped NO_SEAL_FILE',
          'stamp-annot': 'passed',
          coverage: 'warning COVERAGE_NOTES',
          'later-changes': 'passed',
        },
        details: { coverage: { uncovered: [], strayCovered: ['/Doc_0/Pages/Page_1/Content.xml'] } },
      },
    ],
    findings: [['package-stray-file', 'Doc_0/Pages/Page_1/Content.xml']],
  },
  'gomain_tax_invoice_chongqing.ofd': {
    verdict: 'INDETERMINATE NO_CERTIFICATE_CHAIN_FOUND',
    signatures: [
      {
        id: '1',
        format: 'OFD SES v4',
        verdict: 'INDETERMINATE NO_CERTIFICATE_CHAIN_FOUND',
        checks: {
          ...SES_OK,
          'seal-file': 'skipped NO_SEAL_FILE',
          'stamp-annot': 'passed',
          // Only the (signed) tag files are unreferenced: nothing displayed is uncovered.
          coverage: 'warning COVERAGE_NOTES',
          'later-changes': 'passed',
        },
        details: { coverage: { uncovered: [], ofdXmlCovered: true } },
      },
    ],
    findings: [['loc-case-mismatch', 'Doc_0/Document.xml']],
  },
  'shandong_oesplugin_edited.ofd': {
    verdict: 'TOTAL_FAILED HASH_FAILURE',
    signatures: [
      {
        id: '2',
        format: 'OFD SES v4',
        verdict: 'TOTAL_FAILED HASH_FAILURE',
        checks: {
          ...SES_OK,
          references: 'failed DIGEST_MISMATCH',
          'seal-file': 'passed',
          coverage: 'failed UNCOVERED_DISPLAYED',
          'later-changes': 'passed SIGNATURES_ADDED',
        },
        details: {
          references: { mismatched: ['OFD.xml', 'Doc_0/Document.xml', 'Doc_0/Pages/Page_0/Content.xml'] },
          coverage: {
            uncovered: ['/Doc_0/PublicRes.xml', '/Doc_0/Res/Font7.ttf', '/Doc_0/DocumentRes.xml'],
            missing: ['/Doc_0/Annotations.xml'],
          },
        },
      },
      {
        id: '4',
        format: 'OFD CMS (GB/T 35275)',
        verdict: 'TOTAL_FAILED HASH_FAILURE',
        checks: {
          ...CMS_OK,
          references: 'failed DIGEST_MISMATCH',
          coverage: 'failed UNCOVERED_DISPLAYED',
          'later-changes': 'passed NO_LATER_CHANGES',
        },
        details: {
          references: { mismatched: ['OFD.xml', 'Doc_0/Document.xml', 'Doc_0/Pages/Page_0/Content.xml'] },
          coverage: { uncovered: ['/Doc_0/PublicRes.xml', '/Doc_0/Res/Font7.ttf', '/Doc_0/DocumentRes.xml'] },
        },
      },
    ],
    findings: [
      ['package-stray-file', 'Doc_0/Signs/Sign_1/signFilePaths.dat'],
      ['loc-missing', 'Doc_0/Document.xml'],
    ],
  },
  'dms360_v1_nonconformant.ofd': {
    verdict: 'TOTAL_FAILED HASH_FAILURE',
    signatures: [
      {
        id: '0',
        format: 'OFD SES v1',
        verdict: 'TOTAL_FAILED HASH_FAILURE',
        checks: {
          format: 'warning OFD_FORMAT_NOTES',
          references: 'indeterminate UNSUPPORTED_CHECK_METHOD',
          'data-hash': 'failed DATA_HASH_MISMATCH',
          signature: 'failed SIGNATURE_INVALID',
          'seal-signature': 'passed',
          coverage: 'passed',
        },
      },
    ],
    findings: [['signature-provider-elements', 'Doc_0/Signs/Sign_0/Signature.xml']],
  },
  'dzzz_licence_two_sign_missing_image.ofd': {
    verdict: 'INDETERMINATE NO_CERTIFICATE_CHAIN_FOUND',
    signatures: DZZZ(['/Doc_0/Res_0/image_135.PNG']),
    findings: [
      ['package-stray-file', 'Doc_0/Document.xml'],
      ['loc-missing', ''],
    ],
  },
  'dzzz_licence_two_sign_old_namespace.ofd': {
    verdict: 'INDETERMINATE NO_CERTIFICATE_CHAIN_FOUND',
    signatures: DZZZ([]),
    findings: [
      ['package-stray-file', 'Doc_0/Document.xml'],
      ['xml-namespace-nonstandard', 'OFD.xml'],
    ],
  },
  'dzzz_licence_two_sign_pathclip.ofd': {
    verdict: 'INDETERMINATE NO_CERTIFICATE_CHAIN_FOUND',
    signatures: DZZZ([]),
    findings: [['package-stray-file', 'Doc_0/Document.xml']],
  },
  'ofdrw_plain_sm2_sign.ofd': {
    verdict: 'INDETERMINATE NO_SIGNING_CERTIFICATE_FOUND',
    signatures: [
      {
        id: 's001',
        format: 'OFD SM2',
        verdict: 'INDETERMINATE NO_SIGNING_CERTIFICATE_FOUND',
        checks: {
          format: 'passed BARE_SM2_SIGNATURE',
          references: 'passed REFERENCES_MATCH',
          signature: 'indeterminate BARE_SM2_NO_KEY',
          'seal-file': 'skipped',
          coverage: 'passed',
          'later-changes': 'passed',
        },
      },
    ],
  },
  'ofdrw_integrity_protection.ofd': {
    verdict: 'INDETERMINATE NO_SIGNATURE_FOUND',
    signatures: [],
    findings: [['package-integrity-protection', 'OFDEntries.xml']],
  },
};

const verdict = (v: { indication: string; subIndication: string | null }) =>
  `${v.indication}${v.subIndication ? ' ' + v.subIndication : ''}`;

function assertChecks(file: string, s: SignatureReport, e: SigExpect): void {
  const where = `${file} signature ${e.id}`;
  assert.equal(s.ofd?.id, e.id, where);
  assert.equal(s.format, e.format, where);
  assert.equal(
    verdict(s),
    e.verdict,
    `${where}: ${JSON.stringify(s.checks.map((c) => [c.id, c.status, c.code]))}`,
  );
  for (const [id, want] of Object.entries(e.checks)) {
    const c = s.checks.find((x) => x.id === id);
    assert.ok(c, `${where}: no ${id}`);
    const [status, code] = want!.split(' ');
    assert.equal(c.status, status, `${where} ${id}: ${c.code} ${c.messageEn}`);
    if (code) assert.equal(c.code, code, `${where} ${id}`);
  }
  for (const [id, want] of Object.entries(e.details ?? {})) {
    const c = s.checks.find((x) => x.id === id)!;
    for (const [k, v] of Object.entries(want)) assert.deepEqual(c.details?.[k], v, `${where} ${id}.${k}`);
  }
  // Every check registered and catalogued, each once, in the ofd-signature order.
  const order: readonly string[] = CHECK_ORDER['ofd-signature'];
  s.checks.forEach(assertKnownCheck);
  const ids = s.checks.map((c: Check) => c.id);
  assert.equal(new Set(ids).size, ids.length, `${where}: duplicate check ids`);
  assert.deepEqual(
    ids,
    [...ids].sort((a, b) => order.indexOf(a) - order.indexOf(b)),
    `${where}: order`,
  );
  for (const id of ['references', 'seal-file', 'property-info', 'stamp-annot', 'coverage', 'later-changes'])
    assert.ok(ids.includes(id), `${where}: ${id} reported`);
}

describe(
  'OFD validation: every fixture gets its MANIFEST.md result, per signature and per check',
  { skip },
  () => {
    it('MANIFEST.md and this table name the same twelve files', () => {
      const files = readdirSync(dir)
        .filter((f) => f.endsWith('.ofd'))
        .sort();
      assert.deepEqual(files, Object.keys(MANIFEST).sort());
      const manifest = readFileSync(dir + 'MANIFEST.md', 'utf8');
      for (const f of files) assert.ok(manifest.includes(f), f);
    });

    for (const [file, e] of Object.entries(MANIFEST))
      it(file, async () => {
        const r: ValidationReport = await validateOfd(readFileSync(dir + file), { anchors: [] });
        assert.equal(verdict(r), e.verdict, file);
        assert.notEqual(r.indication, 'TOTAL_PASSED');
        assert.equal(r.signatures.length, e.signatures.length, file);
        e.signatures.forEach((se, i) => assertChecks(file, r.signatures[i]!, se));
        for (const [code, path] of e.findings ?? [])
          assert.ok(
            r.findings?.some((f) => f.code === code && (path === '' || f.path === path)),
            `${file}: finding ${code} ${path} in ${JSON.stringify(r.findings?.map((f) => [f.code, f.path]))}`,
          );
        for (const f of r.findings ?? []) {
          assert.ok(f.message && f.messageEn, file);
          assert.match(f.message, /[\u4e00-\u9fff]/, `${file}: ${f.code} zh`);
        }
      });

    it('integrity protection is reported as present and not evaluated, never "no problems found"', async () => {
      const r = await validateOfd(readFileSync(dir + 'ofdrw_integrity_protection.ofd'), { anchors: [] });
      const f = r.findings!.find((x) => x.code === 'package-integrity-protection')!;
      assert.equal(f.severity, 'warning');
      assert.match(f.messageEn, /present, not evaluated/);
      assert.match(f.message, /未评估/);
    });
  },
);

describe('OFD validation: limits, refusals and the deadline', () => {
  it('a ZIP that is no OFD, and ZIP tricks, are OfdErrors (422), not reports', async () => {
    const notOfd = buildZip([{ name: 'a.txt', data: text('x') }]);
    await assert.rejects(
      validateOfd(notOfd, { anchors: [] }),
      (e: unknown) => e instanceof OfdError && e.code === 'not-an-ofd',
    );
    const files = addSeal(unsignedFiles(), { lock: true });
    const entries = [...files].map(([name, data]) => ({ name, data }));
    const dup = buildZip([...entries, { name: 'OFD.xml', data: files.get('OFD.xml')! }]);
    await assert.rejects(
      validateOfd(dup, { anchors: [] }),
      (e: unknown) => e instanceof OfdError && e.reason === 'zip-duplicate-name',
    );
    const crc = buildZip(
      entries.map((x) => (x.name === 'OFD.xml' ? { ...x, central: { crc: 1 }, local: { crc: 1 } } : x)),
    );
    await assert.rejects(
      validateOfd(crc, { anchors: [] }),
      (e: unknown) => e instanceof OfdError && e.reason === 'zip-crc-mismatch',
    );
  });

  it('bytes before the first entry are a document finding, the signature still judged on its own', async () => {
    const files = addSeal(unsignedFiles(), { lock: true });
    const bytes = buildZip(
      [...files].map(([name, data]) => ({ name, data })),
      { prefix: text('%PDF-1.7 polyglot?') },
    );
    const r = await validateOfd(bytes, trustedCtx());
    assert.ok(
      r.findings?.some((f) => f.code === 'zip-prefix-bytes'),
      JSON.stringify(r.findings),
    );
    assert.equal(r.signatures[0]!.checks.find((c) => c.id === 'references')?.status, 'passed');
  });

  it('too many signatures is too-complex', async () => {
    const files = unsignedFiles();
    for (let i = 0; i < 3; i++) addSeal(files);
    await assert.rejects(
      validateOfd(zip(files), {
        anchors: [],
        limits: { ...OFD_LIMITS, maxSignatures: 2 },
      }),
      (e: unknown) => e instanceof OfdError && e.code === 'too-complex',
    );
  });

  it('past the deadline: ValidationTooComplex("deadline")', async () => {
    const bytes = zip(addSeal(unsignedFiles(), { lock: true }));
    await assert.rejects(
      validateOfd(bytes, { ...trustedCtx(), deadline: Date.now() - 1 }),
      (e: unknown) => e instanceof ValidationTooComplex && e.limit === 'deadline',
    );
  });

  it('the licence hook is called with the package and the signature reports', async () => {
    const bytes = zip(addSeal(unsignedFiles(), { lock: true }));
    let seen: number | null = null;
    const r = await validateOfd(bytes, {
      ...trustedCtx(),
      licenceLayer: async ({ pkg, signatures, fileSm3 }) => {
        seen = signatures.length;
        assert.ok(pkg.file('Doc_0/Attachs/licence.json'));
        assert.match(fileSm3, /^[0-9a-f]{64}$/);
        return undefined;
      },
    });
    assert.equal(seen, 1);
    assert.equal(r.indication, 'TOTAL_PASSED');
    assert.equal(r.licence, undefined);
  });
});
