// The licence layer of an OFD (issue 17, ofd.md §4.3/§4.4): licence.json read from the package's attachments
// and the file's SM3 matched against every file the directory lists, so either the PDF or the OFD of one
// issuance is "the directory's file", and nothing else is.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { before, test } from 'node:test';
import { openOfd } from '../../src/ofd/ofd-package.js';
import type { LicenceDirectoryRecord, LicenceDirectoryView } from '../../src/verify/licence-validation.js';
import { ofdLicenceLayer } from '../../src/verify/ofd-licence-layer.js';
import { DEMO_LICENCE_TYPES, sealedPair, type SealedPair } from '../licence/licence-ofd-support.js';

const sm3 = (b: Uint8Array) => createHash('sm3').update(b).digest('hex');
let pair: SealedPair;

before(async () => {
  pair = await sealedPair(DEMO_LICENCE_TYPES[0]!);
});

function view(over: Partial<LicenceDirectoryRecord>): LicenceDirectoryView {
  return {
    lookup: async (identifier) => ({
      identifier,
      status: 'valid',
      version: '001',
      latestVersion: identifier,
      successor: null,
      pdfSm3: sm3(pair.pdf),
      statusHistory: [{ at: '2026-01-01T00:00:00.000Z', status: 'valid', operation: 'issue' }],
      ...over,
    }),
  };
}

async function fileHash(bytes: Buffer, directory: LicenceDirectoryView) {
  const report = await ofdLicenceLayer(directory)({
    pkg: openOfd(bytes),
    signatures: [],
    fileSm3: sm3(bytes),
    now: new Date(),
  });
  assert.equal(report?.identifier, pair.metadata.identifier);
  return report!.checks.find((c) => c.id === 'licence-file-hash');
}

test('the OFD passes when the directory lists it beside the PDF, by its own SM3', async () => {
  const files = [
    { format: 'pdf', sm3: sm3(pair.pdf), bytes: pair.pdf.length },
    { format: 'ofd', sm3: sm3(pair.ofd).toUpperCase(), bytes: pair.ofd.length },
  ];
  const check = await fileHash(pair.ofd, view({ files }));
  assert.equal(check?.status, 'passed');
  assert.equal(check?.code, 'FILE_HASH_MATCH');
});

test('the OFD fails against a directory that knows only the PDF (a node before OFD licences)', async () => {
  const check = await fileHash(pair.ofd, view({}));
  assert.equal(check?.status, 'failed');
  assert.equal(check?.code, 'FILE_HASH_MISMATCH');
  const listed = await fileHash(
    pair.ofd,
    view({ files: [{ format: 'pdf', sm3: sm3(pair.pdf), bytes: pair.pdf.length }] }),
  );
  assert.equal(listed?.code, 'FILE_HASH_MISMATCH');
});

test("a copy's OFD is matched among the copy's files", async () => {
  const check = await fileHash(
    pair.ofd,
    view({
      copies: [
        {
          sm3: 'ab'.repeat(32),
          files: [{ format: 'ofd', sm3: sm3(pair.ofd), bytes: pair.ofd.length }],
          purpose: '办理贷款',
          expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
        },
      ],
    }),
  );
  assert.equal(check?.code, 'COPY_HASH_MATCH');
});

test('an OFD without licence.json has no licence layer', async () => {
  const { readZip } = await import('../../src/ofd/zip-reader.js');
  const { writeZip } = await import('../../src/ofd/zip-writer.js');
  const zip = readZip(pair.ofd);
  const stripped = Buffer.from(
    writeZip(
      zip.entries.filter((e) => !e.name.endsWith('licence.json')).map((e) => ({ copy: e })),
      { modified: new Date('2026-01-01T00:00:00Z') },
    ),
  );
  const report = await ofdLicenceLayer(view({}))({
    pkg: openOfd(stripped),
    signatures: [],
    fileSm3: sm3(stripped),
    now: new Date(),
  });
  assert.equal(report, undefined);
});
