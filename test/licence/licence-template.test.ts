import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  DEFAULT_TEMPLATES_DIR,
  isMetadataBinding,
  LicenceTemplateError,
  loadTemplate,
  loadTemplates,
  pageSize,
  parseTemplate,
} from '../../src/licence/licence-template.js';
import {
  BUSINESS_LICENCE,
  DEMO_FACE_DATA,
  DEMO_HOLDERS,
  DEMO_ISSUERS,
  DEMO_LICENCE_TYPES,
  DEV_BUSINESS_LICENCE_TYPE_CODE,
  demoLicenceMetadata,
} from '../../src/licence/demo-licence-types.js';
import { licenceFont } from '../../src/licence/licence-fonts.js';
import { checkFaceFits } from '../../src/licence/licence-renderer.js';
import { validateUscc } from '../../src/licence/uscc.js';
import { validateHolderCode } from '../../src/licence/holder-code.js';
import { validateLicenceIdentifier } from '../../src/licence/licence-identifier.js';

const PT = 72 / 25.4;

/** The demo construction template as plain JSON, to break in the tests. */
const base = (): Record<string, unknown> =>
  JSON.parse(readFileSync(join(DEFAULT_TEMPLATES_DIR, 'construction-engineer-2.json'), 'utf8')) as Record<
    string,
    unknown
  >;

function rejects(json: unknown, path: string, message?: RegExp): void {
  assert.throws(
    () => parseTemplate(json, 'templates/broken.json'),
    (err: unknown) => {
      assert.ok(err instanceof LicenceTemplateError, String(err));
      assert.equal(err.fieldPath, path, err.message);
      assert.match(err.message, /templates\/broken\.json/);
      assert.ok(err.message.includes(path), err.message);
      if (message) assert.match(err.message, message);
      return true;
    },
  );
}

describe('licence templates', () => {
  const templates = loadTemplates();

  it('every file in templates/ validates, and there is one per demo type', () => {
    assert.deepEqual([...templates.keys()].sort(), DEMO_LICENCE_TYPES.map((t) => t.templateId).sort());
    for (const [id, t] of templates) assert.equal(t.id, id);
    assert.equal(loadTemplate('business-licence').page, 'A4-landscape');
    assert.deepEqual(pageSize(loadTemplate('business-licence').page), { widthMm: 297, heightMm: 210 });
    // Cached: the same object each time.
    assert.equal(loadTemplate('business-licence'), loadTemplate('business-licence'));
  });

  for (const type of DEMO_LICENCE_TYPES) {
    it(`${type.templateId} binds only known fields, shows every required face field and fits its static texts`, () => {
      const t = templates.get(type.templateId)!;
      const keys = new Set(type.fields.map((f) => f.key));
      for (const f of t.fields) assert.ok(keys.has(f.field) || isMetadataBinding(f.field), f.field);
      for (const f of type.fields) {
        assert.ok(!isMetadataBinding(f.key), `face key ${f.key} collides with a metadata binding`);
        if (f.required)
          assert.ok(
            t.fields.some((b) => b.field === f.key),
            `${f.key} is not on the licence`,
          );
      }
      for (const b of ['holderName', 'number', 'issuerName', 'issueDate', 'identifier'])
        assert.ok(
          t.fields.some((f) => f.field === b),
          `${b} is not on the licence`,
        );
      for (const text of t.texts) {
        const font = licenceFont(text.font, text.weight);
        const width =
          font.widthPt(text.text, text.sizePt) + text.letterSpacingMm * PT * ([...text.text].length - 1);
        assert.ok(width <= text.widthMm * PT + 0.01, `"${text.text}" is wider than its box`);
        assert.deepEqual(font.missing(text.text), []);
      }
      for (const f of t.fields)
        if (f.label) {
          const font = licenceFont(f.label.font ?? f.font, f.label.weight);
          const width = font.widthPt(f.label.text, f.label.sizePt ?? f.sizePt);
          assert.ok(width <= f.label.widthMm * PT, `label "${f.label.text}" is wider than its column`);
        }
      const { widthMm, heightMm } = pageSize(t.page);
      assert.ok(t.seal.centreXMm > 0 && t.seal.centreXMm < widthMm && t.seal.centreYMm < heightMm);
    });

    it(`${type.templateId}: the demo data is valid and fits`, () => {
      const m = demoLicenceMetadata(type.code);
      assert.deepEqual(checkFaceFits(templates.get(type.templateId)!, type, m), []);
      assert.equal(validateLicenceIdentifier(m.identifier).valid, true);
      const holder = DEMO_HOLDERS[type.code]!;
      assert.deepEqual(validateHolderCode(holder.code, holder.codeType).errors, []);
      assert.equal(validateUscc(DEMO_ISSUERS[type.code]!.code).valid, true);
      assert.deepEqual(Object.keys(DEMO_FACE_DATA[type.code]!).sort(), type.fields.map((f) => f.key).sort());
    });
  }

  it('the development business-licence type code is a check-valid USCC plus three digits', () => {
    assert.equal(DEV_BUSINESS_LICENCE_TYPE_CODE.length, 21);
    assert.match(DEV_BUSINESS_LICENCE_TYPE_CODE, /\d{3}$/);
    const r = validateUscc(DEV_BUSINESS_LICENCE_TYPE_CODE.slice(0, 18));
    assert.equal(r.valid, true);
    assert.equal(r.warning, undefined);
    assert.equal(BUSINESS_LICENCE.code, DEV_BUSINESS_LICENCE_TYPE_CODE);
  });

  describe('broken templates are rejected naming the file and the field', () => {
    it('a size out of range', () => {
      const t = base();
      (t.fields as Record<string, unknown>[])[1]!.sizePt = 200;
      rejects(t, 'fields[1].sizePt');
    });

    it('an unknown decoration kind', () => {
      const t = base();
      (t.background as Record<string, unknown>[])[2] = { kind: 'hologram' };
      rejects(t, 'background[2].kind');
    });

    it('a misspelt key', () => {
      const t = base();
      const text = (t.texts as Record<string, unknown>[])[0]!;
      text.fontSize = text.sizePt;
      rejects(t, 'texts[0]', /fontSize/);
    });

    it('a missing QR box', () => {
      const t = base();
      delete t.qr;
      rejects(t, 'qr');
    });

    it('shrink without a minimum size', () => {
      const t = base();
      const f = (t.fields as Record<string, unknown>[])[4]!;
      assert.equal(f.overflow, 'shrink');
      delete f.minSizePt;
      rejects(t, 'fields[4].minSizePt', /minSizePt/);
    });

    it('a box beyond the page', () => {
      const t = base();
      (t.fields as Record<string, unknown>[])[3]!.yMm = 295;
      rejects(t, 'fields[3]', /beyond/);
    });

    it('a bad colour and a label wider than its box', () => {
      const t = base();
      (t.background as Record<string, unknown>[])[0]!.fill = 'red';
      rejects(t, 'background[0].fill', /#rrggbb/);
      const u = base();
      ((u.fields as Record<string, unknown>[])[0]!.label as Record<string, unknown>).widthMm = 150;
      rejects(u, 'fields[0].label.widthMm');
    });

    describe('files', () => {
      const dir = mkdtempSync(join(tmpdir(), 'sealtrust-templates-'));
      after(() => rmSync(dir, { recursive: true, force: true }));

      it('unreadable JSON, a wrong id and a path-like id', () => {
        writeFileSync(join(dir, 'bad-json.json'), '{ "id": ');
        assert.throws(
          () => loadTemplate('bad-json', dir),
          (e: unknown) => {
            assert.ok(e instanceof LicenceTemplateError);
            assert.match(e.message, /bad-json\.json/);
            return true;
          },
        );
        writeFileSync(join(dir, 'other.json'), JSON.stringify(base()));
        assert.throws(() => loadTemplate('other', dir), /does not match its file name/);
        assert.throws(() => loadTemplate('../templates/business-licence'), /invalid template id/);
        assert.throws(() => loadTemplates(dir), LicenceTemplateError);
      });
    });
  });
});
