import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openOfd } from '../../src/ofd/ofd-package.js';
import { validateOfd } from '../../src/verify/ofd-validation.js';
import type { Check, SignatureReport, ValidationReport } from '../../src/verify/report.js';
import {
  addSeal,
  entriesOf,
  mutate,
  SEAL_2,
  signer2,
  textOf,
  trustedCtx,
  unsignedFiles,
  zip,
  type Files,
} from './ofd-sealed-fixtures.js';

// The attack table of the design (§2.6, T11–T15, T19): each tampered OFD must not pass, and the report must
// name the check that catches it and the file concerned. Built twice: on OFDs sealed here with a trusted test
// PKI (so the untouched file is TOTAL_PASSED and any other outcome is the attack's doing), and on real files from
// ../shared/fixtures/ofd (untrusted: INDETERMINATE at best, so the named check is what matters).

const check = (s: SignatureReport, id: string): Check => {
  const c = s.checks.find((x) => x.id === id);
  assert.ok(c, `no ${id} check`);
  return c;
};
const PAGE = 'Doc_0/Pages/Page_0/Content.xml';
const editedPage = (xml: string) =>
  xml.replace('<ofd:Content/>', '<ofd:Content><ofd:Layer ID="8"/></ofd:Content>');

function sealed(o: Parameters<typeof addSeal>[1] = { lock: true }): Files {
  return addSeal(unsignedFiles(), o);
}

async function verify(bytes: Uint8Array): Promise<ValidationReport> {
  return validateOfd(bytes, trustedCtx());
}

/** Every non-signature file of Doc_0 copied to Doc_1 (the page edited), DocRoot pointed at the copy. */
function shadowDocument(files: Files, documentPath: string, pagePath: string): Files {
  const out: Files = new Map(files);
  for (const [name, data] of files)
    if (name.startsWith('Doc_0/') && !name.startsWith('Doc_0/Signs/'))
      out.set(
        'Doc_1/' + name.slice(6),
        name === pagePath
          ? new TextEncoder().encode(editedPage(textOf(files, name)) + '<!-- 99999.00 -->')
          : data,
      );
  const ofd = textOf(files, 'OFD.xml').replace(
    /(<(?:\w+:)?DocRoot>)[^<]*(<\/)/,
    `$1Doc_1/${documentPath.slice(6)}$2`,
  );
  out.set('OFD.xml', new TextEncoder().encode(ofd));
  return out;
}

describe('OFD sealed with our test PKI', () => {
  it('whole protection: TOTAL_PASSED, every check passed', async () => {
    const r = await verify(zip(sealed()));
    assert.equal(r.indication, 'TOTAL_PASSED', JSON.stringify(r.signatures[0]?.checks, null, 1));
    const s = r.signatures[0]!;
    assert.equal(s.format, 'OFD SES v4');
    assert.deepEqual(s.ofd, { id: 's001', type: 'Seal', signatureXml: '/Doc_0/Signs/Sign_0/Signature.xml' });
    for (const id of ['references', 'seal-file', 'property-info', 'stamp-annot', 'coverage', 'later-changes'])
      assert.equal(check(s, id).status, 'passed', id);
    assert.deepEqual(r.findings, []);
  });

  it('continue mode, countersigned by a second agency: both pass; the second covers the first', async () => {
    const files = addSeal(sealed({}), { seal: SEAL_2, by: signer2 });
    const r = await verify(zip(files));
    assert.equal(
      r.indication,
      'TOTAL_PASSED',
      JSON.stringify(
        r.signatures.map((s) => s.checks),
        null,
        1,
      ),
    );
    assert.equal(r.signatures.length, 2);
    assert.equal(check(r.signatures[0]!, 'later-changes').code, 'SIGNATURES_ADDED');
    assert.match(
      textOf(files, 'Doc_0/Signs/Sign_1/Signature.xml'),
      /FileRef="\/Doc_0\/Signs\/Sign_0\/SignedValue\.dat"/,
    );
  });
});

describe('attack table on an OFD sealed here (trusted: only the attack can spoil TOTAL_PASSED)', () => {
  it('an edited page content file: references failed naming the page', async () => {
    const files = sealed();
    files.set(PAGE, new TextEncoder().encode(editedPage(textOf(files, PAGE))));
    const s = (await verify(zip(files))).signatures[0]!;
    assert.equal(s.indication, 'TOTAL_FAILED');
    assert.equal(s.subIndication, 'HASH_FAILURE');
    const c = check(s, 'references');
    assert.equal(c.code, 'DIGEST_MISMATCH');
    assert.deepEqual(c.details?.mismatched, [PAGE]);
    assert.match(c.messageEn, /Page_0\/Content\.xml/);
  });

  for (const [what, seal] of [
    [
      'one byte of Seal.esl altered',
      (b: Uint8Array) => Buffer.from(b).fill(b[b.length - 1]! ^ 1, b.length - 1),
    ],
    ['Seal.esl swapped for another valid seal', () => SEAL_2],
  ] as const)
    it(`${what}: references and seal-file failed`, async () => {
      const files = sealed();
      files.set('Doc_0/Signs/Sign_0/Seal.esl', seal(files.get('Doc_0/Signs/Sign_0/Seal.esl')!));
      const s = (await verify(zip(files))).signatures[0]!;
      assert.equal(s.indication, 'TOTAL_FAILED');
      assert.deepEqual(check(s, 'references').details?.mismatched, ['Doc_0/Signs/Sign_0/Seal.esl']);
      assert.equal(check(s, 'seal-file').code, 'SEAL_FILE_MISMATCH');
    });

  it('a Reference dropped from Signature.xml: data-hash failed, the page uncovered', async () => {
    const files = sealed();
    const path = 'Doc_0/Signs/Sign_0/Signature.xml';
    const xml = textOf(files, path).replace(
      /<ofd:Reference FileRef="\/Doc_0\/Pages\/Page_0\/Content\.xml">.*?<\/ofd:Reference>/,
      '',
    );
    files.set(path, new TextEncoder().encode(xml));
    const s = (await verify(zip(files))).signatures[0]!;
    assert.equal(s.indication, 'TOTAL_FAILED');
    assert.equal(check(s, 'data-hash').status, 'failed');
    assert.equal(check(s, 'coverage').code, 'UNCOVERED_DISPLAYED');
    assert.deepEqual(check(s, 'coverage').details?.uncovered, ['/' + PAGE]);
  });

  it('a producer that leaves a page out of References: coverage failed naming it, all else passes', async () => {
    const s = (await verify(zip(sealed({ lock: true, omit: [PAGE] })))).signatures[0]!;
    assert.equal(s.indication, 'TOTAL_FAILED');
    assert.equal(s.subIndication, 'DOCUMENT_MODIFIED');
    assert.equal(check(s, 'references').status, 'passed');
    assert.equal(check(s, 'signature').status, 'passed');
    assert.deepEqual(check(s, 'coverage').details?.uncovered, ['/' + PAGE]);
  });

  it('a stray file nothing references and nobody signed: coverage indeterminate, never passed', async () => {
    const files = sealed();
    files.set('Doc_0/Res/smuggled.xml', new TextEncoder().encode('<x/>'));
    const r = await verify(zip(files));
    const s = r.signatures[0]!;
    assert.equal(s.indication, 'INDETERMINATE');
    assert.equal(check(s, 'references').status, 'passed');
    assert.equal(check(s, 'coverage').code, 'STRAY_UNSIGNED');
    assert.deepEqual(check(s, 'coverage').details?.strayUnsigned, ['/Doc_0/Res/smuggled.xml']);
    assert.ok(
      r.findings?.some((f) => f.code === 'package-stray-file' && f.path === 'Doc_0/Res/smuggled.xml'),
    );
  });

  it('a page added through Document.xml: references (Document.xml) and coverage (the new page) failed', async () => {
    const files = sealed();
    const doc = textOf(files, 'Doc_0/Document.xml').replace(
      '</ofd:Pages>',
      '<ofd:Page ID="20" BaseLoc="Pages/Page_1/Content.xml"/></ofd:Pages>',
    );
    files.set('Doc_0/Document.xml', new TextEncoder().encode(doc));
    files.set('Doc_0/Pages/Page_1/Content.xml', files.get(PAGE)!);
    const s = (await verify(zip(files))).signatures[0]!;
    assert.equal(s.indication, 'TOTAL_FAILED');
    assert.deepEqual(check(s, 'references').details?.mismatched, ['Doc_0/Document.xml']);
    assert.deepEqual(check(s, 'coverage').details?.uncovered, ['/Doc_0/Pages/Page_1/Content.xml']);
  });

  it('DocRoot repointed to an edited copy, OFD.xml covered: references (OFD.xml) and coverage failed', async () => {
    const files = shadowDocument(sealed(), 'Doc_0/Document.xml', PAGE);
    const s = (await verify(zip(files))).signatures[0]!;
    assert.equal(s.indication, 'TOTAL_FAILED');
    assert.deepEqual(check(s, 'references').details?.mismatched, ['OFD.xml']);
    const uncovered = check(s, 'coverage').details?.uncovered as string[];
    assert.ok(
      uncovered.includes('/Doc_1/Document.xml') && uncovered.includes('/Doc_1/Pages/Page_0/Content.xml'),
    );
  });

  it('DocRoot repointed when OFD.xml is not covered: every digest and the signature hold, coverage fails', async () => {
    const original = sealed({ lock: true, omit: ['OFD.xml'] });
    const before = (await verify(zip(original))).signatures[0]!;
    assert.equal(
      before.indication,
      'TOTAL_PASSED',
      'the untouched file passes (OFD.xml uncovered is a warning)',
    );
    assert.equal(check(before, 'coverage').status, 'warning');

    const s = (await verify(zip(shadowDocument(original, 'Doc_0/Document.xml', PAGE)))).signatures[0]!;
    // What a reference-only verifier (ofdrw) checks all holds: this is the forgery it passes.
    for (const id of ['references', 'data-hash', 'signature', 'seal-signature', 'seal-file'])
      assert.equal(check(s, id).status, 'passed', id);
    assert.equal(s.indication, 'TOTAL_FAILED');
    assert.equal(check(s, 'coverage').code, 'UNCOVERED_DISPLAYED');
    assert.match(check(s, 'coverage').messageEn, /\/Doc_1\/Pages\/Page_0\/Content\.xml/);
  });

  it('a signature appended after one that locked the document: named as such', async () => {
    const files = addSeal(sealed({ lock: true }), { seal: SEAL_2, by: signer2 });
    const r = await verify(zip(files));
    const [first, second] = r.signatures;
    assert.equal(r.indication, 'TOTAL_FAILED');
    assert.equal(first!.indication, 'TOTAL_FAILED');
    const c = check(first!, 'later-changes');
    assert.equal(c.status, 'failed');
    assert.equal(c.code, 'APPENDED_AFTER_LOCK');
    assert.match(c.messageEn, /a signature was appended after one that locked the document/);
    assert.deepEqual(check(first!, 'references').details?.mismatched, ['Doc_0/Signs/Signatures.xml']);
    assert.equal(second!.indication, 'TOTAL_PASSED', 'the appended signature itself is sound');
  });
});

const dir = fileURLToPath(new URL('../../../shared/fixtures/ofd/', import.meta.url));
const skip = existsSync(dir + 'MANIFEST.md')
  ? false
  : `fixtures absent: ${dir} (../shared/fixtures is not checked out next to the repo)`;

describe('attack table on real files (../shared/fixtures/ofd)', { skip }, () => {
  const whole = () => readFileSync(dir + 'ofdrw_v4_whole.ofd');
  const wholePage = 'Doc_0/Pages/Page_0/Content.xml';
  const sigXml = 'Doc_0/Signs/Sign_0/Signature.xml';
  const run = async (bytes: Uint8Array) => {
    const r = await validateOfd(bytes, { anchors: [] });
    assert.notEqual(r.indication, 'TOTAL_PASSED');
    return r;
  };

  it('baseline: the untouched ofdrw whole-mode file has every OFD check passed', async () => {
    const s = (await run(whole())).signatures[0]!;
    for (const id of ['references', 'seal-file', 'coverage', 'later-changes'])
      assert.equal(check(s, id).status, 'passed', id);
  });

  it('edited page → references failed', async () => {
    const files = entriesOf(whole());
    const s = (await run(mutate(whole(), { [wholePage]: textOf(files, wholePage) + '<!-- edited -->' })))
      .signatures[0]!;
    assert.deepEqual(check(s, 'references').details?.mismatched, [wholePage]);
    assert.equal(s.indication, 'TOTAL_FAILED');
  });

  it('one Seal.esl byte → references and seal-file failed', async () => {
    const seal = Buffer.from(entriesOf(whole()).get('Doc_0/Signs/Sign_0/Seal.esl')!);
    seal[seal.length - 1]! ^= 0x01;
    const s = (await run(mutate(whole(), { 'Doc_0/Signs/Sign_0/Seal.esl': seal }))).signatures[0]!;
    assert.equal(check(s, 'references').status, 'failed');
    assert.equal(check(s, 'seal-file').status, 'failed');
  });

  it('dropped Reference → data-hash and coverage failed', async () => {
    const xml = textOf(entriesOf(whole()), sigXml).replace(
      /<ofd:Reference FileRef="\/Doc_0\/Pages\/Page_0\/Content\.xml">.*?<\/ofd:Reference>/,
      '',
    );
    const s = (await run(mutate(whole(), { [sigXml]: xml }))).signatures[0]!;
    assert.equal(check(s, 'data-hash').status, 'failed');
    assert.deepEqual(check(s, 'coverage').details?.uncovered, ['/' + wholePage]);
  });

  it('stray file → coverage indeterminate and a document finding', async () => {
    const r = await run(mutate(whole(), { 'Doc_0/extra.txt': 'x' }));
    assert.equal(check(r.signatures[0]!, 'coverage').code, 'STRAY_UNSIGNED');
    assert.ok(r.findings?.some((f) => f.code === 'package-stray-file'));
  });

  it('page added via Document.xml → references and coverage failed', async () => {
    const doc = textOf(entriesOf(whole()), 'Doc_0/Document.xml').replace(
      '</ofd:Pages>',
      '<ofd:Page ID="9" BaseLoc="Pages/Page_1/Content.xml"/></ofd:Pages>',
    );
    const s = (
      await run(
        mutate(whole(), {
          'Doc_0/Document.xml': doc,
          'Doc_0/Pages/Page_1/Content.xml': entriesOf(whole()).get(wholePage)!,
        }),
      )
    ).signatures[0]!;
    assert.deepEqual(check(s, 'references').details?.mismatched, ['Doc_0/Document.xml']);
    assert.deepEqual(check(s, 'coverage').details?.uncovered, ['/Doc_0/Pages/Page_1/Content.xml']);
  });

  it('DocRoot repointed (OFD.xml covered) → references (OFD.xml) and coverage failed', async () => {
    const s = (await run(zip(shadowDocument(entriesOf(whole()), 'Doc_0/Document.xml', wholePage))))
      .signatures[0]!;
    assert.deepEqual(check(s, 'references').details?.mismatched, ['OFD.xml']);
    assert.equal(check(s, 'coverage').status, 'failed');
  });

  it('signature appended after the locking ofdrw seal → later-changes failed (APPENDED_AFTER_LOCK)', async () => {
    const files = entriesOf(whole());
    const list = textOf(files, 'Doc_0/Signs/Signatures.xml').replace(
      '<ofd:MaxSignId>',
      '<ofd:Signature ID="003" Type="Seal" BaseLoc="/Doc_0/Signs/Sign_1/Signature.xml"/><ofd:MaxSignId>',
    );
    const changes: Record<string, Uint8Array | string> = { 'Doc_0/Signs/Signatures.xml': list };
    for (const f of ['Signature.xml', 'SignedValue.dat', 'Seal.esl'])
      changes[`Doc_0/Signs/Sign_1/${f}`] = files.get(`Doc_0/Signs/Sign_0/${f}`)!;
    const r = await run(mutate(whole(), changes));
    assert.equal(r.signatures.length, 2);
    const c = check(r.signatures[0]!, 'later-changes');
    assert.equal(c.code, 'APPENDED_AFTER_LOCK');
    assert.equal(c.status, 'failed');
    assert.equal(r.signatures[0]!.indication, 'TOTAL_FAILED');
  });

  it('DocRoot repointed to an edited copy where the first signature leaves OFD.xml uncovered (dzzz): its digests all hold, coverage fails', async () => {
    const bytes = readFileSync(dir + 'dzzz_licence_two_sign_old_namespace.ofd');
    const pkg = openOfd(bytes);
    const doc = pkg.documents[0]!;
    const forged = zip(shadowDocument(entriesOf(bytes), doc.documentPath, doc.pages[0]!.path!));
    const r = await run(forged);
    const [first, second] = r.signatures;
    assert.equal(
      check(first!, 'references').status,
      'passed',
      'a reference-only verifier passes the first signature',
    );
    assert.equal(check(first!, 'signature').status, 'passed');
    assert.equal(check(first!, 'coverage').status, 'failed');
    assert.equal(first!.indication, 'TOTAL_FAILED');
    assert.match(check(first!, 'coverage').messageEn, /\/Doc_1\//);
    assert.deepEqual(check(second!, 'references').details?.mismatched, ['OFD.xml']);
    assert.equal(r.indication, 'TOTAL_FAILED');
  });
});

describe('later changes and odd signatures (sealed here, trusted)', () => {
  it('a shadow document countersigned by the forger: the first signature fails DOCUMENT_ROOT_REPLACED', async () => {
    // The first seal leaves OFD.xml open (continue mode, KingGrid shape); the forger repoints DocRoot to an
    // edited copy and seals everything with a key of their own, so every copied file is "covered" by someone.
    const first = sealed({ omit: ['OFD.xml'] });
    const files = addSeal(shadowDocument(first, 'Doc_0/Document.xml', PAGE), { seal: SEAL_2, by: signer2 });
    const r = await verify(zip(files));
    const s = r.signatures[0]!;
    assert.equal(check(s, 'references').status, 'passed');
    assert.equal(check(s, 'coverage').status, 'warning', 'the copy is covered, by the later signature only');
    const c = check(s, 'later-changes');
    assert.equal(c.code, 'DOCUMENT_ROOT_REPLACED');
    assert.equal(c.status, 'failed');
    assert.match(c.messageEn, /\/Doc_1\/Document\.xml/);
    assert.equal(s.indication, 'TOTAL_FAILED');
    assert.equal(r.indication, 'TOTAL_FAILED');
  });

  it('a displayed file only a later signature covers: later-changes indeterminate, never passed', async () => {
    const files = addSeal(sealed({ omit: [PAGE] }), { seal: SEAL_2, by: signer2 });
    const r = await verify(zip(files));
    const [first, second] = r.signatures;
    assert.equal(check(first!, 'coverage').status, 'warning');
    assert.deepEqual(check(first!, 'coverage').details?.coveredOnlyLater, ['/' + PAGE]);
    assert.equal(check(first!, 'later-changes').code, 'CONTENT_COVERED_LATER');
    assert.equal(first!.indication, 'INDETERMINATE');
    assert.equal(second!.indication, 'TOTAL_PASSED');
  });

  it('Type="Sign" over an SES value: validated as what it holds, with a format note', async () => {
    const s = (await verify(zip(sealed({ lock: true, type: 'Sign' })))).signatures[0]!;
    assert.equal(s.format, 'OFD SES v4');
    assert.equal(check(s, 'format').code, 'OFD_FORMAT_NOTES');
    assert.equal(check(s, 'format').status, 'warning');
    assert.match(check(s, 'format').messageEn, /Type="Sign" does not match/);
    assert.equal(s.indication, 'TOTAL_PASSED');
  });

  it('an unreadable Signature.xml or a missing SignedValue is a failed format check, not an exception', async () => {
    for (const [name, content] of [
      ['Doc_0/Signs/Sign_0/Signature.xml', '<ofd:Signature'],
      ['Doc_0/Signs/Sign_0/SignedValue.dat', null],
    ] as const) {
      const files = sealed();
      if (content === null) files.delete(name);
      else files.set(name, new TextEncoder().encode(content));
      const r = await verify(zip(files));
      const s = r.signatures[0]!;
      assert.equal(s.indication, 'TOTAL_FAILED', name);
      assert.equal(s.subIndication, 'FORMAT_FAILURE', name);
      assert.equal(check(s, 'format').status, 'failed', name);
    }
  });

  it('GM/T 0099 encryption and integrity files are document findings ("present, not evaluated")', async () => {
    const files = sealed();
    files.set(
      'Encryptions.xml',
      new TextEncoder().encode('<ofd:Encryptions xmlns:ofd="http://www.ofdspec.org/2016"/>'),
    );
    const r = await verify(zip(files));
    const f = r.findings?.find((x) => x.code === 'package-encryption');
    assert.ok(f, JSON.stringify(r.findings));
    assert.match(f.messageEn, /not evaluated/);
    assert.equal(f.path, 'Encryptions.xml');
  });
});

describe('References as written (sealed here, trusted)', () => {
  it('CheckMethod "sm3" in any case is SM3', async () => {
    const s = (await verify(zip(sealed({ lock: true, checkMethod: 'sm3' })))).signatures[0]!;
    assert.equal(s.indication, 'TOTAL_PASSED');
  });

  it('no CheckMethod means MD5 (the 2016 XSD default): matching, but weak — never passed', async () => {
    const s = (await verify(zip(sealed({ lock: true, checkMethod: null, digest: 'md5' })))).signatures[0]!;
    const c = check(s, 'references');
    assert.equal(c.status, 'indeterminate');
    assert.equal(c.code, 'WEAK_CHECK_METHOD');
    assert.equal(s.indication, 'INDETERMINATE');
    assert.equal(s.subIndication, 'CRYPTO_CONSTRAINTS_FAILURE');
  });

  it('a duplicate or self-referencing FileRef makes the list invalid (FORMAT_FAILURE)', async () => {
    for (const extra of ['Doc_0/Document.xml', 'Doc_0/Signs/Sign_0/SignedValue.dat']) {
      const s = (await verify(zip(sealed({ lock: true, extraRefs: [extra] })))).signatures[0]!;
      const c = check(s, 'references');
      assert.equal(c.code, 'REFERENCES_INVALID', extra);
      assert.match(c.messageEn, new RegExp(extra.replace(/[./]/g, '\\$&')));
      assert.equal(s.subIndication, 'FORMAT_FAILURE', extra);
    }
  });
});
