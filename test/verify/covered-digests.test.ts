import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { sm3 } from '../../src/crypto/sm3.js';
import { coveredBytes, coveredRanges } from '../../src/pdf/pdf-byte-range.js';
import { CoveredDigests } from '../../src/verify/covered-digests.js';

// A file, and ByteRanges [0 a b c] inside it, as signatures of successive revisions would have them.
const fileAndRanges = fc.uint8Array({ minLength: 1, maxLength: 4096 }).chain((file) =>
  fc.tuple(
    fc.constant(Buffer.from(file)),
    fc.array(
      fc
        .tuple(fc.nat({ max: file.length }), fc.nat({ max: file.length }), fc.nat({ max: file.length }))
        .map(([x, y, z]) => {
          const [a, b, end] = [x, y, z].sort((p, q) => p - q) as [number, number, number];
          return [0, a, b, end - b];
        }),
      { minLength: 1, maxLength: 4 },
    ),
    fc.boolean(),
  ),
);

test('the shared-prefix digests equal plain SM3 of the concatenated ranges and of the whole file', () => {
  fc.assert(
    fc.property(fileAndRanges, ([file, byteRanges, wholeFirst]) => {
      const d = new CoveredDigests(file);
      if (wholeFirst) assert.deepEqual(d.wholeFile(), sm3(file));
      for (const br of byteRanges) {
        assert.deepEqual(d.ofRanges(coveredRanges(file, br)), sm3(coveredBytes(file, br)));
        assert.deepEqual(d.wholeFile(), sm3(file), 'the whole-file digest after a prefix was kept');
      }
    }),
  );
});

test('a file that is a view of a larger buffer hashes only its own bytes', () => {
  const backing = Buffer.from('junk-before|%PDF-1.7 signed part|<contents>|tail|junk-after');
  const start = backing.indexOf('%PDF');
  const file = backing.subarray(start, backing.indexOf('|junk-after'));
  const a = file.indexOf('<');
  const b = file.indexOf('|tail');
  const br = [0, a, b, file.length - b];
  const d = new CoveredDigests(file);
  assert.deepEqual(d.ofRanges(coveredRanges(file, br)), sm3(coveredBytes(file, br)));
  assert.deepEqual(d.wholeFile(), sm3(Buffer.from(file)));
});

test('ranges that do not fit the file are refused before any hashing', () => {
  const file = Buffer.alloc(100);
  assert.throws(() => coveredRanges(file, [0, 10, 5, 10]), /does not fit/);
  assert.throws(() => coveredRanges(file, [0, 10, 20, 81]), /does not fit/);
  assert.throws(() => coveredRanges(file, [0, 10, 20]), /does not fit/);
});
