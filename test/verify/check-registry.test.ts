import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { PROJECT_ROOT } from '../../src/config.js';
import { SEALTRUST_POLICY, sealTrustProfileOf } from '../../src/pki/sealtrust-policies.js';
import {
  CHECK_IDS,
  CHECK_ORDER,
  CHECK_REGISTRY,
  CHECK_RULES,
  isCheckId,
} from '../../src/verify/checks/check-registry.js';
import { isCatalogued, MESSAGES } from '../../src/verify/checks/messages.js';
import type { SignatureReport } from '../../src/verify/report.js';
import { validateCmsSignature } from '../../src/verify/cms-validation.js';
import { validateSesSeal, validateSesSignature } from '../../src/verify/ses-validation.js';
import { assertKnownCheck } from './pdf-verify-fixtures.js';

// The check registry is the one place a check exists: every id has a title and a rule, every report kind's
// order names only registered checks, every catalogued code has both languages, and no engine emits a check
// the registry does not know (asserted here over the real-world fixtures and malformed input, and in every
// PDF test through pdf-verify-fixtures' verdict()).

/** Stands for any parameter: every property, call and string conversion yields something. */
const anything: unknown = new Proxy(function () {}, {
  get: (_t, k) =>
    k === Symbol.toPrimitive
      ? () => 'x'
      : k === 'map'
        ? (f: (v: unknown) => unknown) => [f(anything)]
        : anything,
  apply: () => anything,
});

describe('check registry', () => {
  it('every id is registered once, with a zh and en title and a rule', () => {
    assert.equal(new Set(CHECK_IDS).size, CHECK_IDS.length);
    for (const id of CHECK_IDS) {
      const d = CHECK_REGISTRY[id];
      assert.equal(d.id, id);
      assert.ok(d.title.zh && d.title.en, id);
      assert.equal(typeof CHECK_RULES[id], 'function', id);
    }
    assert.equal(isCheckId('maker-authority'), true);
    assert.equal(isCheckId('toString'), false);
    assert.equal(isCheckId('made-up'), false);
  });

  it('every report kind orders registered checks only, each once', () => {
    for (const [kind, ids] of Object.entries(CHECK_ORDER)) {
      assert.equal(new Set(ids).size, ids.length, kind);
      for (const id of ids) assert.ok(isCheckId(id), `${kind}: ${id}`);
    }
  });

  it('every catalogued code has a Chinese and an English message', () => {
    let n = 0;
    for (const [section, codes] of Object.entries(MESSAGES)) {
      if (section !== 'common') assert.ok(isCheckId(section), `catalogue section ${section}`);
      for (const [code, f] of Object.entries(
        codes as Record<string, (p: unknown) => { zh: string; en: string }>,
      )) {
        const t = f(anything);
        assert.ok(typeof t.zh === 'string' && t.zh.length > 0, `${section}/${code} zh`);
        assert.ok(typeof t.en === 'string' && t.en.length > 0, `${section}/${code} en`);
        // Messages made only of their parameters (a list of reasons) have no words of their own.
        if (!/^[x；;, ]*$/.test(t.zh))
          assert.ok(/[\u4e00-\u9fff]/.test(t.zh), `${section}/${code}: the zh message is Chinese`);
        n++;
      }
    }
    assert.ok(n > 50, `${n} messages`);
  });

  it('isCatalogued knows the codes of a section and the common ones, nothing else', () => {
    assert.equal(isCatalogued('modifications', 'DOCMDP_VIOLATION'), true);
    assert.equal(isCatalogued('modifications', 'NOT_RUN'), true);
    assert.equal(isCatalogued('chain', 'NOT_RUN'), true);
    assert.equal(isCatalogued('chain', 'DOCMDP_VIOLATION'), false);
    assert.equal(isCatalogued('common', 'NOT_RUN'), false);
    assert.equal(isCatalogued('modifications', 'toString'), false);
  });

  it('no check in src/verify is built with inline text', () => {
    // Checks are made by emit() from the catalogue. withText() passes on text a lower layer already worded
    // (certificate chain validator, SES codec, /ByteRange reader) or a catalogued message under a derived
    // code (LICENCE_<STATUS>); each use is listed here so that a new one is a reviewed decision.
    const WITH_TEXT: Record<string, number> = {
      'checks/chain-check.ts': 1,
      'ses-signature-engine.ts': 1,
      'pdf-validation.ts': 1,
      'licence-validation.ts': 1,
    };
    const root = join(PROJECT_ROOT, 'src', 'verify');
    const sources = (d: string): string[] =>
      readdirSync(join(root, d), { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? sources(join(d, e.name)) : e.name.endsWith('.ts') ? [join(d, e.name)] : [],
      );
    const files = sources('.');
    assert.ok(files.length > 20, `${files.length} sources`);
    for (const f of files) {
      if (f === 'checks/messages.ts') continue;
      const code = readFileSync(join(root, f), 'utf8')
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/\/\/.*$/gm, '');
      // A check object or the old check(id, status, code, zh, en) helper spelled out anywhere but the catalogue.
      assert.doesNotMatch(code, /(?<![.\w])check\(\s*'/, `${f}: check('…', …) with inline text`);
      assert.doesNotMatch(code, /\bmessageEn\s*:\s*[`'"]/, `${f}: a message literal outside the catalogue`);
      assert.equal((code.match(/\bwithText\(/g) ?? []).length, WITH_TEXT[f] ?? 0, `${f}: withText uses`);
    }
  });

  it('SEALTRUST_POLICY is what ca/profiles says', () => {
    const dir = join(PROJECT_ROOT, 'ca', 'profiles');
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.json'))) {
      const p = JSON.parse(readFileSync(join(dir, f), 'utf8')) as { id: string; policies: string[] };
      assert.equal(p.policies.length, 1, p.id);
      assert.equal(sealTrustProfileOf(p.policies[0]!), p.id, `${p.id}: ${p.policies[0]}`);
    }
    assert.equal(sealTrustProfileOf(SEALTRUST_POLICY.issuingCa), null);
    assert.equal(sealTrustProfileOf('1.2.3.4'), null);
  });
});

const FIXTURES = join(PROJECT_ROOT, '..', 'shared', 'fixtures', 'ses');
const skip = existsSync(join(FIXTURES, 'MANIFEST.md')) ? false : 'no ../shared/fixtures/ses';

function assertRegistered(r: SignatureReport): void {
  for (const c of r.checks) assertKnownCheck(c);
}

describe('no engine emits an unregistered check', { skip }, () => {
  it('real-world seals, signatures and CMS, and undecodable input', async () => {
    const files = (d: string): string[] =>
      readdirSync(join(FIXTURES, d), { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? files(join(d, e.name)) : [join(d, e.name)],
      );
    let n = 0;
    for (const f of files('.')) {
      const bytes = readFileSync(join(FIXTURES, f));
      for (const v of [validateSesSignature, validateSesSeal, validateCmsSignature]) {
        assertRegistered(await v(bytes, { anchors: [], data: Buffer.from('x') }));
        n++;
      }
    }
    assert.ok(n > 20);
    for (const garbage of [Buffer.alloc(0), Buffer.from('30030201ff', 'hex')]) {
      assertRegistered(await validateSesSignature(garbage, { anchors: [] }));
      assertRegistered(await validateSesSeal(garbage, { anchors: [] }));
      assertRegistered(await validateCmsSignature(garbage, { anchors: [] }));
    }
  });
});
