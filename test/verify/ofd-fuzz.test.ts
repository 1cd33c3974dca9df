import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { OfdError } from '../../src/ofd/ofd-error.js';
import { readZip } from '../../src/ofd/zip-reader.js';
import { validateOfd } from '../../src/verify/ofd-validation.js';
import { addSeal, trustedCtx, unsignedFiles, zip } from './ofd-sealed-fixtures.js';

// T20: random byte flips in a sealed OFD, trusted and TOTAL_PASSED untouched, never yield TOTAL_PASSED and never
// throw anything but the format layer's OfdError (a 422): neither inside an entry (the ZIP re-written, CRCs
// right: the validator's checks must catch it) nor in the archive bytes (the ZIP reader's).

const files = addSeal(unsignedFiles(), { lock: true });
const names = [...files.keys()];
const ctx = trustedCtx();

async function outcome(bytes: Uint8Array): Promise<string> {
  try {
    return (await validateOfd(bytes, ctx)).indication;
  } catch (err) {
    if (err instanceof OfdError) return 'refused';
    throw err;
  }
}

describe('OFD fuzz: byte flips never pass and never crash', () => {
  it('the untouched file passes (the property below is not vacuous)', async () => {
    assert.equal(await outcome(zip(files)), 'TOTAL_PASSED');
  });

  it('a flipped byte in any entry', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...names),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        async (name, pos, xor) => {
          const data = Buffer.from(files.get(name)!);
          data[pos % data.length]! ^= xor;
          const copy = new Map(files).set(name, data);
          assert.notEqual(await outcome(zip(copy)), 'TOTAL_PASSED', `${name}[${pos % data.length}] ^ ${xor}`);
        },
      ),
      { numRuns: 80, seed: 16 },
    );
  });

  it('a flipped byte anywhere in the archive', async () => {
    const bytes = zip(files);
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.integer({ min: 1, max: 255 }), async (pos, xor) => {
        const b = Buffer.from(bytes);
        b[pos % b.length]! ^= xor;
        const o = await outcome(b);
        // A flip in the ZIP comment length or similar slack may leave every entry intact: then it may pass.
        if (o === 'TOTAL_PASSED') {
          const z = readZip(b);
          for (const [n, d] of files) assert.ok(Buffer.from(z.files.get(n)!.data).equals(Buffer.from(d)), n);
        }
      }),
      { numRuns: 80, seed: 16 },
    );
  });
});
