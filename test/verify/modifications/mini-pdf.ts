// A tiny PDF writer for the whitelist rule tables: revisions of hand-written objects, each with a classic
// xref table chained by /Prev, read back with the verifier's own parser. A body containing SIG_PLACEHOLDER
// becomes a signature dictionary whose /ByteRange covers exactly its revision (its /Contents the gap).
import { PdfObjectIndex } from '../../../src/pdf/pdf-object-index.js';
import type { PdfValue } from '../../../src/pdf/pdf-object-scanner.js';
import { RevisionReader, snapshotAt } from '../../../src/verify/modifications/revision-reader.js';
import { RuleContext, type WhitelistRule } from '../../../src/verify/modifications/rule.js';

export type Objects = Record<number, string>;

const BR = `[0 ${'0'.repeat(10)} ${'0'.repeat(10)} ${'0'.repeat(10)}]`;
/** Put this in a body: /ByteRange and /Contents of a signature over the object's own revision. */
export const SIG_PLACEHOLDER = `/ByteRange ${BR} /Contents <${'00'.repeat(16)}>`;

export function stream(data: string, dict = ''): string {
  return `<< ${dict} /Length ${data.length} >>\nstream\n${data}\nendstream`;
}

/** The file made of `revisions` (the first is the original document). */
export function miniPdf(revisions: Objects[], opts: { root?: number; info?: number } = {}): Buffer {
  let out = Buffer.from('%PDF-1.7\n', 'latin1');
  let prev: number | null = null;
  let size = 1;
  for (const [k, objs] of revisions.entries()) {
    const entries: [number, number][] = [];
    let sigAt = -1;
    for (const [n, body] of Object.entries(objs)) {
      const num = Number(n);
      entries.push([num, out.length]);
      const text = `${num} 0 obj\n${body}\nendobj\n`;
      if (body.includes(SIG_PLACEHOLDER)) sigAt = out.length + text.indexOf(SIG_PLACEHOLDER);
      out = Buffer.concat([out, Buffer.from(text, 'latin1')]);
      size = Math.max(size, num + 1);
    }
    const xrefAt = out.length;
    const lines = ['xref'];
    if (k === 0) lines.push('0 1', '0000000000 65535 f\r');
    for (const [num, off] of entries.sort((a, b) => a[0] - b[0]))
      lines.push(`${num} 1`, `${String(off).padStart(10, '0')} 00000 n\r`);
    const info = opts.info !== undefined ? ` /Info ${opts.info} 0 R` : '';
    const prevText = prev !== null ? ` /Prev ${prev}` : '';
    lines.push(
      `trailer\n<< /Size ${size} /Root ${opts.root ?? 1} 0 R${info}${prevText} >>\nstartxref\n${xrefAt}\n%%EOF\n`,
    );
    out = Buffer.concat([out, Buffer.from(lines.join('\n'), 'latin1')]);
    if (sigAt >= 0) {
      const a = sigAt + SIG_PLACEHOLDER.indexOf('<');
      const b = a + 2 + 32;
      out.write(
        `[0 ${a} ${b} ${out.length - b}]`.padEnd(BR.length, ' '),
        sigAt + '/ByteRange '.length,
        'latin1',
      );
    }
    prev = xrefAt;
  }
  return out;
}

/** A one-page document: catalog 1, pages 2, page 3 (600×800, content 4, /Annots [10]), AcroForm 5, info 6,
 * XMP metadata 7, a text field widget 10 named "amount", a signed signature field 11 with its dictionary 12. */
export const BASE: Objects = {
  1: '<< /Type /Catalog /Pages 2 0 R /AcroForm 5 0 R /Metadata 7 0 R >>',
  2: '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
  3: '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 600 800] /Contents 4 0 R /Annots [10 0 R 11 0 R] >>',
  4: stream('BT /F1 12 Tf 72 700 Td (pay 1,000) Tj ET'),
  5: '<< /Fields [10 0 R 11 0 R] /SigFlags 3 >>',
  6: '<< /Producer (mini) >>',
  7: stream('<x:xmpmeta/>', '/Type /Metadata /Subtype /XML'),
  10: '<< /Type /Annot /Subtype /Widget /FT /Tx /T (amount) /Rect [50 50 250 70] /P 3 0 R >>',
  11: '<< /Type /Annot /Subtype /Widget /FT /Sig /T (Seal1) /V 12 0 R /Rect [0 0 0 0] /P 3 0 R >>',
  12: `<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /GM.sm2seal ${SIG_PLACEHOLDER} >>`,
};

/** Applies one rule to object `num` of the second revision of `[BASE, update]`: its category or null. */
export function applyRule(rule: WhitelistRule, update: Objects, num: number): string | null {
  const pdf = miniPdf([BASE, update], { info: 6 });
  const index = new PdfObjectIndex(pdf);
  const [r0, r1] = index.revisions;
  if (!r0?.xref || !r1?.xref) throw new Error('the mini PDF does not read back');
  const reader = new RevisionReader(index);
  const prev = snapshotAt(index, r0.startxref, r0.xref.trailer);
  const next = snapshotAt(index, r1.startxref, r1.xref.trailer);
  const ctx = new RuleContext(reader, prev, next, 1);
  const value: PdfValue | undefined = reader.value(num, next.view);
  if (!value) throw new Error(`object ${num} does not read back`);
  const old = prev.view.has(num) ? reader.value(num, prev.view) : undefined;
  return rule.apply({ num, value, old }, ctx)?.category ?? null;
}
