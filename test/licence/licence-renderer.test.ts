import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import canonicalize from 'canonicalize';
import fc from 'fast-check';
import type { Glyph } from '@cantoo/fontkit';
import QRCode from 'qrcode';
import { PDFArray, PDFDict, PDFDocument, PDFName, PDFRawStream } from '@cantoo/pdf-lib';
import {
  BUSINESS_LICENCE,
  CONSTRUCTION_ENGINEER_2,
  DEMO_LICENCE_TYPES,
  REAL_ESTATE_TITLE,
  SAFETY_MANAGER,
  demoLicenceMetadata,
} from '../../src/licence/demo-licence-types.js';
import { licenceFont, type LicenceFontKey } from '../../src/licence/licence-fonts.js';
import {
  LICENCE_ATTACHMENT_NAME,
  SEALTRUST_XMP_NS,
  type LicenceMetadata,
} from '../../src/licence/licence-metadata.js';
import {
  checkFaceFits,
  LicenceRenderError,
  planLicenceFields,
  renderLicencePdf,
  type RenderedLicence,
} from '../../src/licence/licence-renderer.js';
import { loadTemplate, pageSize, type LicenceTemplate } from '../../src/licence/licence-template.js';
import type { LicenceTypeDefinition } from '../../src/licence/licence-type.js';
import { buildLicenceXmp } from '../../src/licence/licence-xmp.js';
import { countRed, qpdfCheck, renderPage } from '../pdf/page-render.js';
import { sealKit } from '../pdf/pdf-test-fixtures.js';
import { signPdfWithSeal } from '../../src/pdf/pdf-seal-signing.js';
import { readEmbeddedFile } from '../../src/pdf/pdf-embedded-files.js';
import { PdfObjectIndex } from '../../src/pdf/pdf-object-index.js';
import {
  countPixels,
  embeddedSubsets,
  pdffonts,
  pdftotext,
  qpdfAttachment,
  renderRegion,
  xmllint,
  xmpOf,
} from './licence-render-helpers.js';

const BASE_URL = 'https://sealtrust.example.gov.cn';
const CREATED = new Date('2024-03-15T02:00:00Z');
const COPY = {
  maker: '南京市政务服务中心',
  madeAt: '2025-01-10T09:30:00+08:00',
  purpose: '银行开户',
  expiresAt: '2025-02-10T23:59:59+08:00',
};

const fontKeyOf = (name: string): LicenceFontKey | undefined =>
  (['sans-regular', 'sans-bold', 'serif-regular', 'serif-bold'] as const).find(
    (k) => licenceFont(k.split('-')[0] as 'sans', k.split('-')[1] as 'regular').font.postscriptName === name,
  );

async function render(
  type: LicenceTypeDefinition,
  overrides: Partial<LicenceMetadata> = {},
): Promise<RenderedLicence & { metadata: LicenceMetadata; template: LicenceTemplate; verifyUrl: string }> {
  const template = loadTemplate(type.templateId);
  const metadata = demoLicenceMetadata(type.code, overrides);
  const verifyUrl = `${BASE_URL}/l/${metadata.identifier}`;
  const r = await renderLicencePdf({ template, type, metadata, verifyUrl, creationDate: CREATED });
  return { ...r, metadata, template, verifyUrl };
}

const dark = (r: number, g: number, b: number) => Math.max(r, g, b) < 90;

for (const type of DEMO_LICENCE_TYPES) {
  describe(`${type.name} (${type.templateId})`, () => {
    let out: Awaited<ReturnType<typeof render>>;
    before(async () => {
      out = await render(type);
    });

    // Unsealed; the embedded subsets are the standalone files the OFD carries too (cmap, OS/2, name, post: about
    // 2 KB more than a PDF-only subset). Issue 17 allows 100 KB per sealed file.
    it('is a structurally sound PDF of at most 64 KB with embedded subset fonts', () => {
      qpdfCheck(out.pdf);
      assert.ok(out.pdf.length <= 64 * 1024, `${out.pdf.length} bytes`);
      const lines = pdffonts(out.pdf).trim().split('\n').slice(2);
      assert.ok(lines.length >= 2, pdffonts(out.pdf));
      for (const line of lines)
        assert.match(line, /^[A-Z]{6}\+\S+\s+CID TrueType\s+Identity-H\s+yes yes yes/, line);
      assert.deepEqual(out.sealBox, {
        page: 0,
        centreXMm: out.template.seal.centreXMm,
        centreYMm: out.template.seal.centreYMm,
      });
    });

    it('renders the same bytes for the same input', async () => {
      const again = await render(type);
      assert.deepEqual(Buffer.from(again.pdf), Buffer.from(out.pdf));
    });

    it('has every printed character in its embedded font subset, with the glyph of the original font', async () => {
      // Read each embedded TrueType subset back with fontkit; a character's glyph is found through the font's
      // /ToUnicode CMap (character → CID) and /CIDToGIDMap (CID → glyph), i.e. the way a viewer maps it, and
      // must have a non-empty outline identical to the original font's glyph for that character.
      const subsets = await embeddedSubsets(out.pdf);
      const byKey = new Map(subsets.map((s) => [fontKeyOf(s.name), s]));
      for (const s of subsets) assert.equal(s.length1, s.fileLength, `${s.name} /Length1`);
      const { issues, fields } = planLicenceFields(out.template, type, out.metadata);
      assert.deepEqual(issues, []);
      const printed: [LicenceFontKey, string][] = fields.flatMap((f) =>
        f.lines.map((l) => [f.font, l] as [LicenceFontKey, string]),
      );
      for (const t of out.template.texts) printed.push([`${t.font}-${t.weight}`, t.text]);
      for (const f of out.template.fields)
        if (f.label) printed.push([`${f.label.font ?? f.font}-${f.label.weight}`, f.label.text]);
      let checked = 0;
      for (const [key, text] of printed) {
        const subset = byKey.get(key);
        assert.ok(subset, `font ${key} is not embedded`);
        const original = licenceFont(key.split('-')[0] as 'sans', key.split('-')[1] as 'regular').font;
        for (const ch of text) {
          if (/\s|\u3000/u.test(ch)) continue;
          const cid = subset.cidOf.get(ch);
          assert.ok(cid !== undefined && cid > 0, `"${ch}" is not in the ${key} subset's /ToUnicode`);
          const glyph: Glyph | null = subset.font.getGlyph(subset.gidOf(cid));
          assert.ok(glyph, `"${ch}": no glyph ${cid}`);
          assert.ok(glyph.path.commands.length > 0, `"${ch}" has an empty outline in the ${key} subset`);
          assert.equal(glyph.path.toSVG(), original.glyphForCodePoint(ch.codePointAt(0)!)!.path.toSVG(), ch);
          checked++;
        }
      }
      assert.ok(checked > 40, `only ${checked} characters checked`);
    });

    it('shows ink in every field box and its text is extractable', () => {
      const dpi = 100;
      const page = renderRegion(out.pdf, { dpi });
      const px = (mm: number) => (mm / 25.4) * dpi;
      const { fields } = planLicenceFields(out.template, type, out.metadata);
      for (const box of out.template.fields) {
        const planned = fields.find((f) => f.field === box.field);
        if (!planned || planned.lines.length === 0) continue;
        const x0 = box.xMm + (box.label ? box.label.widthMm + box.label.gapMm : 0);
        const n = countPixels(
          page,
          [px(x0), px(box.yMm), px(box.xMm + box.widthMm), px(box.yMm + box.heightMm)],
          (r, g, b) => (box.color === '#000000' ? dark(r, g, b) : Math.max(r, g, b) < 140),
        );
        assert.ok(n > 3 * planned.lines.join('').length, `${box.field}: ${n} dark pixels`);
      }
      // A box's neighbourhood without text (the page margin) is not dark: the check can fail.
      assert.equal(countPixels(page, [px(1), px(1), px(5), px(5)], dark), 0);
      const text = pdftotext(out.pdf).replace(/\s+/g, '');
      for (const f of fields)
        if (f.lines.length === 1 && f.lines[0]!.length < 40)
          assert.ok(text.includes(f.lines[0]!.replace(/\s+/g, '')), f.lines[0]);
    });

    it('prints a QR code whose modules are those of the verify URL', () => {
      // No QR decoder is installed: sample the rendered code at every module centre instead and compare with
      // the matrix qrcode computes for the URL, which is exactly what a scanner reads.
      const { qr } = out.template;
      const expected = QRCode.create(out.verifyUrl, { errorCorrectionLevel: 'M' }).modules;
      const dpi = 600;
      const img = renderRegion(out.pdf, {
        dpi,
        xMm: qr.xMm,
        yMm: qr.yMm,
        widthMm: qr.sizeMm,
        heightMm: qr.sizeMm,
      });
      const modulePx = ((qr.sizeMm / 25.4) * dpi) / (expected.size + 4);
      const x0 = (qr.xMm / 25.4) * dpi - img.originXPx;
      const y0 = (qr.yMm / 25.4) * dpi - img.originYPx;
      // Module (r, c) of the matrix; the code sits inside a two-module quiet zone (r, c = -2 … size + 1).
      const isDark = (r: number, c: number) => {
        const [R, G, B] = img.rgb(
          Math.floor(x0 + (c + 2.5) * modulePx),
          Math.floor(y0 + (r + 2.5) * modulePx),
        );
        return R + G + B < 3 * 128;
      };
      let mismatches = 0;
      for (let r = -2; r < expected.size + 2; r++)
        for (let c = -2; c < expected.size + 2; c++) {
          const inside = r >= 0 && c >= 0 && r < expected.size && c < expected.size;
          if (isDark(r, c) !== (inside && Boolean(expected.get(r, c)))) mismatches++;
        }
      assert.equal(mismatches, 0);
    });

    it('takes the seal by incremental update at its seal box', async () => {
      const kit = sealKit();
      const { widthMm, heightMm } = kit.picture;
      const sealed = await signPdfWithSeal(out.pdf, {
        placements: [
          {
            page: out.sealBox.page,
            xMm: out.sealBox.centreXMm - widthMm / 2,
            yMm: out.sealBox.centreYMm - heightMm / 2,
            widthMm,
            heightMm,
          },
        ],
        appearance: kit.picture,
        sign: kit.sign,
      });
      qpdfCheck(sealed);
      assert.deepEqual(Buffer.from(sealed.subarray(0, out.pdf.length)), Buffer.from(out.pdf));
      const page = renderPage(sealed);
      const cx = (out.sealBox.centreXMm / 25.4) * 72;
      const cy = (out.sealBox.centreYMm / 25.4) * 72;
      const box = [cx - 40, cy - 40, cx + 40, cy + 40] as const;
      assert.ok(countRed(renderPage(out.pdf), ...box) < 20, 'seal red before sealing');
      assert.ok(countRed(page, ...box) > 500, 'the seal is not where the template put it');
      const attached = readEmbeddedFile(new PdfObjectIndex(Buffer.from(sealed)), LICENCE_ATTACHMENT_NAME);
      assert.equal(JSON.parse(attached!.data.toString('utf8')).metadata.identifier, out.metadata.identifier);
    });

    it('carries the metadata as XMP and as licence.json (canonical JSON, AFRelationship Data)', async () => {
      const xmp = await xmpOf(out.pdf);
      assert.ok(xmp.includes(out.metadata.identifier));
      assert.ok(xmp.includes(out.metadata.holderName));
      assert.ok(xmp.includes(`xmlns:stl="${SEALTRUST_XMP_NS}"`));
      const lint = xmllint(xmp);
      if (lint) assert.ok(lint.ok, lint.output);
      else
        console.log('# xmllint (libxml2-utils) is not installed: XMP well-formedness checked by pdf.js only');
      const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
      const doc = await pdfjs.getDocument({
        data: new Uint8Array(out.pdf),
        isEvalSupported: false,
        useSystemFonts: false,
      }).promise;
      const meta = await doc.getMetadata();
      assert.ok(meta.metadata, 'pdf.js could not parse the XMP');
      assert.equal(meta.metadata.get('dc:title'), out.metadata.name);
      assert.equal((meta.info as Record<string, unknown>).Subject, out.metadata.identifier);
      assert.equal((meta.info as Record<string, unknown>).Producer, 'SealTrust');
      await doc.destroy();

      const json = qpdfAttachment(out.pdf, LICENCE_ATTACHMENT_NAME);
      const parsed = JSON.parse(json.toString('utf8')) as {
        metadata: LicenceMetadata;
        face: Record<string, string>;
      };
      assert.deepEqual(parsed, {
        metadata: JSON.parse(JSON.stringify(out.metadata)),
        face: out.metadata.face,
      });
      assert.equal(json.toString('utf8'), canonicalize(parsed));

      const pdf = await PDFDocument.load(out.pdf, { updateMetadata: false });
      const names = pdf.catalog
        .lookup(PDFName.of('Names'), PDFDict)
        .lookup(PDFName.of('EmbeddedFiles'), PDFDict);
      const spec = names.lookup(PDFName.of('Names'), PDFArray).lookup(1, PDFDict);
      assert.equal(spec.get(PDFName.of('AFRelationship'))?.toString(), '/Data');
      assert.ok(pdf.catalog.lookup(PDFName.of('Metadata')) instanceof PDFRawStream);
    });
  });
}

describe('face data that does not fit', () => {
  const type = CONSTRUCTION_ENGINEER_2;
  const template = loadTemplate(type.templateId);
  const face = demoLicenceMetadata(type.code).face;
  const attempt = (overrides: Partial<LicenceMetadata>) =>
    renderLicencePdf({
      template,
      type,
      metadata: demoLicenceMetadata(type.code, overrides),
      verifyUrl: `${BASE_URL}/l/x`,
    });
  const expectError = async (overrides: Partial<LicenceMetadata>, code: string, field: string) => {
    await assert.rejects(attempt(overrides), (err: unknown) => {
      assert.ok(err instanceof LicenceRenderError, String(err));
      assert.equal(err.code, code, err.message);
      assert.equal(err.field, field, err.message);
      assert.match(err.message, /[\u4e00-\u9fff].* \/ [A-Za-z]/u);
      return true;
    });
  };

  it('a value too long for its box after shrinking names the field', async () => {
    // 60 characters are within maxLength (60) but cannot fit 116 mm even at the 8 pt minimum.
    await expectError(
      { face: { ...face, employer: '江苏锦华建设集团有限公司'.repeat(5) } },
      'too-long',
      'fields.employer',
    );
    await expectError({ holderName: '王'.repeat(60) }, 'too-long', 'holder.name');
  });

  it('shrink reduces the font size within the template limits', () => {
    const box = template.fields.find((f) => f.field === 'employer')!;
    const fits = (employer: string) =>
      planLicenceFields(
        template,
        type,
        demoLicenceMetadata(type.code, { face: { ...face, employer } }),
      ).fields.find((f) => f.field === 'employer')!;
    assert.equal(fits('江苏锦华建设集团有限公司').sizePt, box.sizePt);
    const shrunk = fits('江苏锦华建设集团有限公司南京分公司第三工程项目部及其下属单位联合体');
    assert.ok(shrunk.sizePt < box.sizePt && shrunk.sizePt >= box.minSizePt!, String(shrunk.sizePt));
    const w = licenceFont('sans', 'regular').widthPt(shrunk.lines[0]!, shrunk.sizePt);
    assert.ok(w <= (box.widthMm - box.label!.widthMm - box.label!.gapMm) * (72 / 25.4));
  });

  it('missing, unknown and malformed values', async () => {
    const { gender: _gender, ...noGender } = face;
    await expectError({ face: noGender }, 'missing', 'fields.gender');
    await expectError({ face: { ...face, bogus: 'x' } }, 'unknown', 'fields.bogus');
    await expectError({ face: { ...face, birthDate: '1985/06/12' } }, 'bad-format', 'fields.birthDate');
    await expectError({ face: { ...face, birthDate: '1985-02-30' } }, 'bad-format', 'fields.birthDate');
    await expectError({ face: { ...face, gender: '男性别' } }, 'too-long', 'fields.gender');
    await expectError({ face: { ...face, employer: '江苏\u0007公司' } }, 'bad-format', 'fields.employer');
    await expectError({ issueDate: '20240315' }, 'bad-format', 'issueDate');
    await expectError({ copy: { ...COPY, purpose: '' } }, 'missing', 'copy.purpose');
    await expectError({ copy: { ...COPY, maker: '南'.repeat(61) } }, 'too-long', 'copy.maker');
    await expectError({ copy: { ...COPY, expiresAt: 'tomorrow' } }, 'bad-format', 'copy.expiresAt');
    await expectError({ holderName: '王'.repeat(100_000) }, 'too-long', 'holder.name');
    await expectError({ holderName: '王\n建国' }, 'bad-format', 'holder.name');
  });

  it('a character no licence font can draw', async () => {
    await expectError({ face: { ...face, employer: '江苏\uE000建设' } }, 'bad-format', 'fields.employer');
    const issues = checkFaceFits(template, type, demoLicenceMetadata(type.code, { holderName: '王𠀀国' }));
    // U+20000 (CJK Extension B) is outside Noto Sans SC's coverage.
    assert.deepEqual(licenceFont('sans', 'bold').missing('𠀀'), ['𠀀']);
    assert.deepEqual(
      issues.map((i) => [i.code, i.field]),
      [['bad-format', 'holder.name']],
    );
  });

  it('multiline text wraps inside its box and optional fields may be absent', async () => {
    const t = loadTemplate(REAL_ESTATE_TITLE.templateId);
    const { remarks: _r, ...face2 } = demoLicenceMetadata(REAL_ESTATE_TITLE.code).face;
    const m = demoLicenceMetadata(REAL_ESTATE_TITLE.code, { face: face2 });
    const plan = planLicenceFields(t, REAL_ESTATE_TITLE, m);
    assert.deepEqual(plan.issues, []);
    const other = plan.fields.find((f) => f.field === 'otherStatus')!;
    assert.ok(other.lines.length >= 4, JSON.stringify(other.lines));
    assert.equal(plan.fields.find((f) => f.field === 'remarks')!.lines.length, 0);
    const r = await renderLicencePdf({
      template: t,
      type: REAL_ESTATE_TITLE,
      metadata: m,
      verifyUrl: `${BASE_URL}/l/x`,
    });
    qpdfCheck(r.pdf);
  });

  it('the business scope holds its maximum length', () => {
    const t = loadTemplate(BUSINESS_LICENCE.templateId);
    const scope = BUSINESS_LICENCE.fields.find((f) => f.key === 'businessScope')!;
    const m = demoLicenceMetadata(BUSINESS_LICENCE.code);
    const long = demoLicenceMetadata(BUSINESS_LICENCE.code, {
      face: { ...m.face, businessScope: '经营范围：技术服务。'.repeat(scope.maxLength / 10) },
    });
    assert.deepEqual(checkFaceFits(t, BUSINESS_LICENCE, long), []);
  });
});

describe('annotated copy (加注件)', () => {
  let plain: Awaited<ReturnType<typeof render>>;
  let copy: Awaited<ReturnType<typeof render>>;
  before(async () => {
    plain = await render(REAL_ESTATE_TITLE);
    copy = await render(REAL_ESTATE_TITLE, { copy: COPY });
  });

  it('draws a visible watermark across the page', () => {
    const dpi = 50;
    const px = (mm: number) => (mm / 25.4) * dpi;
    // The register table is white and green: any reddish pixel there is the watermark.
    const reddish = (r: number, g: number, b: number) => r > 150 && r - Math.max(g, b) > 25;
    const table: [number, number, number, number] = [px(64), px(64), px(188), px(228)];
    const before = countPixels(renderRegion(plain.pdf, { dpi }), table, reddish);
    const after = countPixels(renderRegion(copy.pdf, { dpi }), table, reddish);
    assert.equal(before, 0);
    assert.ok(after > 400, `${after} watermark pixels`);
    const { widthMm, heightMm } = pageSize(copy.template.page);
    // Spread over the page, not in one spot: every quarter of the table has some.
    const [x0, y0, x1, y1] = table;
    const mx = (x0 + x1) / 2;
    const my = (y0 + y1) / 2;
    for (const q of [
      [x0, y0, mx, my],
      [mx, y0, x1, my],
      [x0, my, mx, y1],
      [mx, my, x1, y1],
    ] as [number, number, number, number][])
      assert.ok(countPixels(renderRegion(copy.pdf, { dpi }), q, reddish) > 50);
    assert.ok(widthMm > 0 && heightMm > 0);
    const text = pdftotext(copy.pdf).replace(/\s+/g, '');
    assert.ok(text.includes('加注件制作事由：银行开户'), 'caption box');
  });

  it('records the copy in XMP and licence.json', async () => {
    const xmp = await xmpOf(copy.pdf);
    assert.match(xmp, /<stl:purpose>银行开户<\/stl:purpose>/);
    assert.match(xmp, /<stl:expiresAt>2025-02-10T23:59:59\+08:00<\/stl:expiresAt>/);
    assert.doesNotMatch(await xmpOf(plain.pdf), /stl:copy/);
    const json = JSON.parse(qpdfAttachment(copy.pdf, LICENCE_ATTACHMENT_NAME).toString('utf8')) as {
      metadata: LicenceMetadata;
    };
    assert.deepEqual(json.metadata.copy, COPY);
    qpdfCheck(copy.pdf);
    assert.ok(copy.pdf.length <= 60 * 1024);
  });
});

describe('XMP packet', () => {
  it('escapes any text into well-formed XML that gives the text back', (t) => {
    if (!xmllint('<a/>')) {
      t.skip('xmllint (libxml2-utils) is not installed');
      return;
    }
    const m = demoLicenceMetadata(SAFETY_MANAGER.code);
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 40 }),
        fc.string({ maxLength: 20 }),
        (holderName, purpose) => {
          const xml = buildLicenceXmp(
            {
              ...m,
              holderName,
              copy: { ...COPY, purpose },
              face: { ...m.face, jobTitle: `<&>"'${purpose}` },
            },
            { producer: 'SealTrust', createDate: CREATED },
          );
          const lint = xmllint(xml, "string(//*[local-name()='holderName'])");
          assert.ok(lint?.ok, lint?.output);
          // XML cannot carry some control characters: they are dropped, everything else survives.
          const expected = holderName.replace(
            /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu,
            '',
          );
          assert.equal(lint.output, expected.replace(/\r\n?/g, '\n'));
        },
      ),
      { numRuns: 25 },
    );
  });
});
