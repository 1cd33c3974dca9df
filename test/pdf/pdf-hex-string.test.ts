// PDF hex strings (ISO 32000-1 §7.3.4.3) as the object scanner reads them: white space ignored, a final odd digit
// taken as followed by 0, anything else skipped and the string marked unclean. Long runs of bare digits (a
// signature's /Contents) take a native fast path; both paths must read every string the same way as this
// reference, written from the clause.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { PdfObjectScanner } from '../../src/pdf/pdf-object-scanner.js';

function reference(body: string): { bytes: Buffer; clean: boolean } {
  const out: number[] = [];
  let high = -1;
  let clean = true;
  for (const ch of body) {
    const v = /[0-9A-Fa-f]/.test(ch) ? parseInt(ch, 16) : -1;
    if (v < 0) {
      if (!/[\0\t\n\f\r ]/.test(ch)) clean = false;
      continue;
    }
    if (high < 0) high = v;
    else {
      out.push(high * 16 + v);
      high = -1;
    }
  }
  if (high >= 0) {
    clean = false;
    out.push(high * 16);
  }
  return { bytes: Buffer.from(out), clean };
}

function scan(body: string) {
  const v = new PdfObjectScanner(Buffer.from(`<${body}>`, 'latin1')).parse(0);
  assert.equal(v.kind, 'string');
  return v as Extract<typeof v, { kind: 'string' }>;
}

describe('PDF hex strings', () => {
  it('long bare hex (the fast path) and anything else read as the clause says', () => {
    const digit = fc.constantFrom(...'0123456789abcdefABCDEF');
    const other = fc.constantFrom(' ', '\n', '\r', '\t', 'x', 'G', '\u00ff', '(');
    fc.assert(
      fc.property(
        fc.oneof(
          fc.array(digit, { minLength: 60, maxLength: 300 }),
          fc.array(fc.oneof({ weight: 20, arbitrary: digit }, { weight: 1, arbitrary: other }), {
            maxLength: 300,
          }),
        ),
        (chars) => {
          const body = chars.join('');
          const got = scan(body);
          const want = reference(body);
          assert.ok(got.bytes.equals(want.bytes), body);
          assert.equal(got.clean, want.clean, body);
          assert.equal(got.hex, true);
          assert.equal(got.end, body.length + 2);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('a 32 KB signature /Contents decodes to its bytes', () => {
    const bytes = Buffer.from(Array.from({ length: 16_384 }, (_, i) => (i * 131) & 0xff));
    const got = scan(bytes.toString('hex').toUpperCase());
    assert.ok(got.bytes.equals(bytes));
    assert.equal(got.clean, true);
  });
});
