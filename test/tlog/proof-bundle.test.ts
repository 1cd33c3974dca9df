import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { formatProofBundle, parseProofBundle, PROOF_BUNDLE_HEADER } from '../../src/tlog/proof-bundle.js';
import { TlogError } from '../../src/tlog/tlog-error.js';

const CHECKPOINT =
  'zj.sealtrust.example/directory\n5\nuxDJlq7rvNxpvjcV/IRzRN53RC03pauCE9qfQXhbEDs=\n\n— zj.sealtrust.example/directory EcAmKDBFAiEA9rHVbuSuTqy5qfSRphVcnQm9Q+XppS3ez01B+O7pqJcCIA7olXAUhEj1oZLCAmVFJxo7a8dK3/P8mIA7ZCXRRGLl\n';

describe('tlog-proof-sm3@v1 bundles (federation.md §2.7)', () => {
  it('round-trips leaf, index, proof and checkpoint', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 300 }),
        fc.nat({ max: Number.MAX_SAFE_INTEGER }),
        fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { maxLength: 40 }),
        (leaf, index, proof) => {
          const text = formatProofBundle({ leaf, index, proof, checkpoint: CHECKPOINT });
          assert.ok(text.startsWith(`${PROOF_BUNDLE_HEADER}\nextra `));
          const back = parseProofBundle(text);
          assert.deepEqual(Buffer.from(back.leaf), Buffer.from(leaf));
          assert.equal(back.index, index);
          assert.deepEqual(
            back.proof.map((h) => Buffer.from(h)),
            proof.map((h) => Buffer.from(h)),
          );
          assert.equal(back.checkpoint, CHECKPOINT);
        },
      ),
    );
  });

  it('refuses other spellings', () => {
    const good = formatProofBundle({
      leaf: Buffer.from('leaf'),
      index: 3,
      proof: [Buffer.alloc(32, 7)],
      checkpoint: CHECKPOINT,
    });
    for (const bad of [
      good.replace(PROOF_BUNDLE_HEADER, 'c2sp.org/tlog-proof@v1'),
      good.replace('index 3', 'index 03'),
      good.replace('extra bGVhZg==', 'extra bGVhZh=='),
      good.replace(Buffer.alloc(32, 7).toString('base64'), Buffer.alloc(31, 7).toString('base64')),
      good.replace('\n\n', '\n'),
      good.replace(CHECKPOINT, 'not a note'),
    ])
      assert.throws(() => parseProofBundle(bad), TlogError, JSON.stringify(bad.slice(0, 80)));
  });
});
