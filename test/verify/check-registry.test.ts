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
import { MESSAGES } from '../../src/verify/checks/messages.js';
import type { SignatureReport } from '../../src/verify/report.js';
import { validateCmsSignature } from '../../src/verify/cms-validation.js';
import { validateSesSeal, validateSesSignature } from '../../src/verify/ses-validation.js';

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
  for (const c of r.checks) {
    assert.ok(isCheckId(c.id), `${r.format}: check id ${c.id} is not registered`);
    assert.ok(c.message && c.messageEn, `${r.format}: ${c.id} has both languages`);
  }
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
