import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { openOfd } from '../../src/ofd/ofd-package.js';
import { readZip } from '../../src/ofd/zip-reader.js';
import { minimalFiles } from './ofd-builder.js';
import {
  assertNoNewFindings,
  assertOriginalEntriesPreserved,
  signatureAt,
  sm3Base64,
  stamp,
} from './ofd-stamping-support.js';
import { type BuildEntry, buildZip, text } from './zip-builder.js';

// Whatever a generated minimal OFD holds — stored or deflated entries, data descriptors (signed or not),
// directory entries, an archive comment, stray files, signed or unsigned, in any entry order — stamping it (and
// stamping the result again) keeps every original entry byte-identical and every Reference right.

const NS = 'xmlns:ofd="http://www.ofdspec.org/2016"';
const UNSIGNED_OFD = `<?xml version="1.0" encoding="UTF-8"?><ofd:OFD ${NS} Version="1.0" DocType="OFD"><ofd:DocBody><ofd:DocInfo><ofd:DocID>abc</ofd:DocID></ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>`;

const entryShape = fc.record({
  method: fc.constantFrom<0 | 8>(0, 8),
  descriptor: fc.constantFrom<'signed' | 'unsigned' | undefined>(undefined, 'signed', 'unsigned'),
});

const packageArb = fc.record({
  signed: fc.boolean(),
  extras: fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 4 }),
  shapes: fc.array(entryShape, { minLength: 24, maxLength: 24 }),
  directories: fc.boolean(),
  comment: fc.string({ maxLength: 20 }).filter((s) => /^[\x20-\x7e]*$/.test(s)),
  order: fc.array(fc.nat(), { minLength: 24, maxLength: 24 }),
  lock: fc.boolean(),
});

type GeneratedPackage = typeof packageArb extends fc.Arbitrary<infer T> ? T : never;

function build(p: GeneratedPackage): Buffer {
  const files: Record<string, Uint8Array> = {};
  for (const [name, content] of Object.entries(minimalFiles())) {
    if (!p.signed && name.startsWith('Doc_0/Signs/')) continue;
    files[name] = text(!p.signed && name === 'OFD.xml' ? UNSIGNED_OFD : content);
  }
  p.extras.forEach((data, i) => (files[`Doc_0/Extra/stray_${i}.bin`] = data));
  const names = Object.keys(files);
  // a random but total order of the entries
  const order = names
    .map((n, i) => ({ n, k: p.order[i % p.order.length]! * 31 + i }))
    .sort((a, b) => a.k - b.k);
  const entries: BuildEntry[] = order.map(({ n }, i) => {
    const shape = p.shapes[i % p.shapes.length]!;
    return {
      name: n,
      data: files[n]!,
      method: shape.method,
      ...(shape.descriptor ? { descriptor: shape.descriptor } : {}),
    };
  });
  if (p.directories) entries.unshift({ name: 'Doc_0/', data: new Uint8Array(), method: 0 });
  return buildZip(entries, { comment: p.comment });
}

it('stamping any generated minimal OFD keeps every original entry byte-identical', () => {
  fc.assert(
    fc.property(packageArb, (p) => {
      const original = build(p);
      const first = stamp(original, { lock: p.lock && p.signed });
      const signs = p.signed ? 'Doc_0/Signs/Sign_1' : 'Doc_0/Signs/Sign_0';
      const added = [`${signs}/Seal.esl`, `${signs}/Signature.xml`, `${signs}/SignedValue.dat`];
      if (!p.signed) added.push('Doc_0/Signs/Signatures.xml');
      assertOriginalEntriesPreserved(
        original,
        first.out,
        p.signed ? ['Doc_0/Signs/Signatures.xml'] : ['OFD.xml'],
        added,
      );
      assertNoNewFindings(first.before, first.after);
      assert.deepEqual(Buffer.from(readZip(first.out).comment), Buffer.from(readZip(original).comment));

      // every Reference of every signature still matches the stamped package's bytes
      const zip = readZip(first.out);
      for (const r of first.after.documents[0]!.signatures) {
        if (r.signature?.path !== `${signs}/Signature.xml`) continue;
        for (const ref of r.signature.references)
          assert.equal(sm3Base64(zip.files.get(ref.fileRef.slice(1))!.data), ref.checkValue);
      }
      // countersigning keeps the first stamp's entries byte-identical as well
      if (!(p.lock && p.signed)) {
        const second = stamp(first.out);
        assertOriginalEntriesPreserved(
          first.out,
          second.out,
          ['Doc_0/Signs/Signatures.xml'],
          [
            `Doc_0/Signs/Sign_${p.signed ? 2 : 1}/Seal.esl`,
            `Doc_0/Signs/Sign_${p.signed ? 2 : 1}/Signature.xml`,
            `Doc_0/Signs/Sign_${p.signed ? 2 : 1}/SignedValue.dat`,
          ],
        );
        const ours = signatureAt(openOfd(second.out), `${signs}/Signature.xml`);
        assert.deepEqual(ours.bytes, first.prepared.signatureXml);
      }
    }),
    { numRuns: 60 },
  );
});
