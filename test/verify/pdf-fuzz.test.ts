import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import { before, describe, it } from 'node:test';
import fc from 'fast-check';
import { CryptoInputError } from '../../src/crypto/crypto-input-error.js';
import { readEmbeddedFile } from '../../src/pdf/pdf-embedded-files.js';
import { PdfError } from '../../src/pdf/pdf-error.js';
import { PdfObjectIndex } from '../../src/pdf/pdf-object-index.js';
import { derElementLength, parseCmsSignedData, sniffCms } from '../../src/pki/cms-signed-data.js';
import { validateCmsSignature } from '../../src/verify/cms-validation.js';
import { validatePdf, ValidationTooComplex } from '../../src/verify/pdf-validation.js';
import { validateSesSignature } from '../../src/verify/ses-validation.js';
import { sesDerLength } from '../../src/seal/ses-decoder.js';
import {
  appendUpdate,
  basePdf,
  cmsSigner,
  kitTrust,
  licencePdf,
  only,
  seal,
  sealKit,
} from './pdf-verify-fixtures.js';

// Robustness of the verifier's readers against hostile input: mutated real files and random bytes end in a
// report or a typed error (PdfError, ValidationTooComplex, CryptoInputError), never anything else; every run
// is bounded by the readers' own limits (depth, sizes, object counts), and decompression cannot balloon.

let signed: Buffer;
let cmsPdf: Buffer;
let licence: Buffer;
let sesDer: Buffer;
let cmsDer: Buffer;

const RUNS = 120;

/** Byte-level mutations: overwrite, insert, delete, truncate. */
const mutation = fc.oneof(
  fc.record({ op: fc.constant('set' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({
    op: fc.constant('insert' as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }),
  }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), n: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(input: Buffer, ms: Mutation[]): Buffer {
  let b = Buffer.from(input);
  for (const m of ms) {
    if (b.length === 0) break;
    const at = m.at % b.length;
    if (m.op === 'set') b[at] = m.byte;
    else if (m.op === 'insert') b = Buffer.concat([b.subarray(0, at), m.bytes, b.subarray(at)]);
    else if (m.op === 'delete') b = Buffer.concat([b.subarray(0, at), b.subarray(at + m.n)]);
    else b = b.subarray(0, Math.max(at, 8));
  }
  return b;
}

/** Mutations that hit the interesting parts of a signed PDF: the signature dictionary and xref tail. */
function focused(input: Buffer, ms: Mutation[], from: number): Buffer {
  return mutate(
    input,
    ms.map((m) => ({ ...m, at: from + (m.at % Math.max(1, input.length - from)) })),
  );
}

async function validateTyped(pdf: Buffer): Promise<void> {
  try {
    const r = await validatePdf(pdf, { ...kitTrust(), deadline: Date.now() + 20_000 });
    assert.ok(['TOTAL_PASSED', 'TOTAL_FAILED', 'INDETERMINATE'].includes(r.indication));
    for (const s of r.signatures) for (const c of s.checks) assert.ok(c.message && c.messageEn && c.code);
  } catch (err) {
    if (err instanceof PdfError || err instanceof ValidationTooComplex) return;
    throw err;
  }
}

describe('PDF verifier fuzzing', () => {
  before(async () => {
    signed = await seal(await basePdf({ useObjectStreams: false }));
    cmsPdf = await seal(await basePdf(), {
      sign: cmsSigner(sealKit().signer),
      subFilter: 'adbe.pkcs7.detached',
    });
    licence = await seal(await licencePdf());
    const s = only(signed);
    sesDer = s.contents!.subarray(0, sesDerLength(s.contents!)!);
    const c = only(cmsPdf);
    cmsDer = c.contents!.subarray(0, derElementLength(c.contents!)!);
  });

  it('mutated signed PDFs: a report or a typed error', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 8 }), async (ms) => {
        await validateTyped(mutate(signed, ms));
      }),
      { numRuns: RUNS },
    );
  });

  it('mutations of the signature dictionary and the revision tail: a report or a typed error', async () => {
    const from = only(signed).dictOffset! - 200;
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 6 }), async (ms) => {
        await validateTyped(focused(signed, ms, from));
      }),
      { numRuns: RUNS },
    );
  });

  it('mutated CMS and licence PDFs: a report or a typed error', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.boolean(),
        fc.array(mutation, { minLength: 1, maxLength: 6 }),
        async (which, ms) => {
          await validateTyped(mutate(which ? cmsPdf : licence, ms));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('random bytes behind a PDF header: a report or a typed error', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 4096 }), async (bytes) => {
        await validateTyped(Buffer.concat([Buffer.from('%PDF-1.7\n'), bytes]));
      }),
      { numRuns: RUNS },
    );
  });

  it('random PDF-ish token soup: a report or a typed error', async () => {
    const token = fc.constantFrom(
      '1 0 obj',
      'endobj',
      '<<',
      '>>',
      '[',
      ']',
      '/Type /Sig',
      '/ByteRange [0 10 20 30]',
      '/Contents <3082>',
      'xref\n0 1\n0000000000 65535 f\r\n',
      'trailer << /Root 1 0 R /Size 2 >>',
      'startxref\n9\n%%EOF\n',
      'stream\n',
      'endstream',
      '2 0 R',
      '(string)',
      '/Filter /FlateDecode',
    );
    await fc.assert(
      fc.asyncProperty(fc.array(token, { maxLength: 60 }), async (tokens) => {
        await validateTyped(Buffer.from(`%PDF-1.7\n${tokens.join(' ')}`, 'latin1'));
      }),
      { numRuns: RUNS },
    );
  });

  it('mutated SES and CMS DER: engines report, parsers throw only CryptoInputError', async () => {
    await fc.assert(
      fc.asyncProperty(fc.boolean(), fc.array(mutation, { minLength: 1, maxLength: 6 }), async (cms, ms) => {
        const der = mutate(cms ? cmsDer : sesDer, ms);
        assert.ok(sniffCms(der) === null || typeof sniffCms(der) === 'string');
        try {
          parseCmsSignedData(der);
        } catch (err) {
          assert.ok(err instanceof CryptoInputError, String(err));
        }
        const ctx = { ...kitTrust(), data: Buffer.from('x') };
        const r = cms ? await validateCmsSignature(der, ctx) : await validateSesSignature(der, ctx);
        assert.ok(r.checks.length > 0);
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it('a decompression bomb in licence.json is refused, not inflated', async () => {
    const before = process.memoryUsage().rss;
    const bomb = deflateSync(Buffer.alloc(200 * 1024 * 1024), { level: 9 });
    const pdf = Buffer.from(await licencePdf());
    const index = new PdfObjectIndex(pdf);
    // Replace the embedded file stream with the bomb in an incremental update.
    const file = readEmbeddedFile(index, 'licence.json');
    assert.ok(file);
    const specNum = [...index.current.keys()].find((n) => {
      const r = index.resolve(n);
      return (
        r?.obj.value.kind === 'dict' &&
        r.obj.value.entries.get('Type')?.kind === 'name' &&
        (r.obj.value.entries.get('Type') as { value: string }).value === 'EmbeddedFile'
      );
    })!;
    const bombed = appendUpdate(pdf, [
      {
        num: specNum,
        body: Buffer.concat([
          Buffer.from(`<< /Type /EmbeddedFile /Filter /FlateDecode /Length ${bomb.length} >>\nstream\n`),
          bomb,
          Buffer.from('\nendstream'),
        ]),
      },
    ]);
    assert.throws(() => readEmbeddedFile(new PdfObjectIndex(bombed), 'licence.json'), PdfError);
    const sealedBomb = await seal(bombed);
    const r = await validatePdf(sealedBomb, { ...kitTrust() });
    assert.equal(r.licence?.checks[0]?.code, 'LICENCE_METADATA_UNREADABLE');
    assert.ok(process.memoryUsage().rss - before < 200 * 1024 * 1024, 'memory stays bounded');
  });

  it('deeply nested arrays and a huge object count claim end in typed errors or reports', async () => {
    const deep = Buffer.from(`%PDF-1.7\n1 0 obj\n${'['.repeat(100_000)}\nendobj\n`);
    await validateTyped(deep);
    const claim = Buffer.from(
      `%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\nxref\n0 999999999\n0000000000 65535 f\r\ntrailer\n<< /Size 999999999 /Root 1 0 R >>\nstartxref\n40\n%%EOF\n`,
    );
    await validateTyped(claim);
  });
});
