import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openOfd, type OfdPackage } from '../../src/ofd/ofd-package.js';
import type { OfdSignatureXml } from '../../src/ofd/ofd-signatures.js';
import { type OfdSealOptions, prepareOfdSeal, type PreparedOfdSeal } from '../../src/ofd/ofd-stamping.js';
import { readZip } from '../../src/ofd/zip-reader.js';
import { buildOfd, minimalFiles } from './ofd-builder.js';

/** Shared by the OFD stamping tests: fixtures, a minimal unsigned OFD, and independent checks of a stamp. */

export const FIXTURES = fileURLToPath(new URL('../../../shared/fixtures/ofd/', import.meta.url));
export const fixturesSkip = existsSync(FIXTURES)
  ? false
  : `fixtures absent: ${FIXTURES} (../shared/fixtures is not checked out next to the repo)`;
export const fixture = (name: string): Buffer => readFileSync(FIXTURES + name);

const NS = 'xmlns:ofd="http://www.ofdspec.org/2016"';

/** The minimal package of ofd-builder.ts without any signature: OFD.xml has no Signatures element. */
export function unsignedOfd(changes: Record<string, string | null> = {}): Buffer {
  const drop: Record<string, null> = {};
  for (const k of Object.keys(minimalFiles())) if (k.startsWith('Doc_0/Signs/')) drop[k] = null;
  return buildOfd({
    'OFD.xml': `<?xml version="1.0" encoding="UTF-8"?><ofd:OFD ${NS} Version="1.0" DocType="OFD"><ofd:DocBody><ofd:DocInfo><ofd:DocID>abc</ofd:DocID></ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>`,
    ...drop,
    ...changes,
  });
}

/** A DER-shaped placeholder seal and signed value: the format layer does not judge them. */
export const DUMMY_SEAL = new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01]);
export const DUMMY_SIGNED_VALUE = new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x02]);
export const SIGN_DATE = new Date('2026-12-04T02:14:12Z');

export const baseOptions = (o: Partial<OfdSealOptions> = {}): OfdSealOptions => ({
  placements: [{ page: 0, xMm: 20, yMm: 30, widthMm: 40, heightMm: 40 }],
  picture: { widthMm: 40, heightMm: 40 },
  sealFile: DUMMY_SEAL,
  provider: { name: 'SealTrust', company: 'SealTrust', version: '0.1.0' },
  signDate: SIGN_DATE,
  ...o,
});

export function stamp(
  bytes: Uint8Array,
  o: Partial<OfdSealOptions> = {},
): { out: Uint8Array; prepared: PreparedOfdSeal; before: OfdPackage; after: OfdPackage } {
  const before = openOfd(bytes);
  const prepared = prepareOfdSeal(before, baseOptions(o));
  const out = prepared.finish(DUMMY_SIGNED_VALUE);
  return { out, prepared, before, after: openOfd(out) };
}

/** The signature whose Signature.xml is at `path`. */
export function signatureAt(pkg: OfdPackage, path: string): OfdSignatureXml {
  const s = pkg.documents.flatMap((d) => d.signatures).find((r) => r.signature?.path === path)?.signature;
  assert.ok(s, `no signature at ${path}`);
  return s;
}

/**
 * Every entry of `original` other than `replaced` is in `stamped` with its local record (header, data,
 * descriptor) byte-identical and its central record identical but for the local-header offset; `stamped`
 * adds exactly `added`.
 */
export function assertOriginalEntriesPreserved(
  original: Uint8Array,
  stamped: Uint8Array,
  replaced: readonly string[],
  added: readonly string[],
): void {
  const a = readZip(original);
  const b = readZip(stamped);
  const byName = new Map(b.entries.map((e) => [e.name, e]));
  for (const e of a.entries) {
    const s = byName.get(e.name);
    assert.ok(s, `entry ${e.name} lost`);
    if (replaced.includes(e.name)) continue;
    assert.ok(
      Buffer.from(s.localRecord).equals(Buffer.from(e.localRecord)),
      `local record of ${e.name} changed`,
    );
    const c1 = Buffer.from(e.centralRecord);
    const c2 = Buffer.from(s.centralRecord);
    assert.ok(
      c1.subarray(0, 42).equals(c2.subarray(0, 42)) && c1.subarray(46).equals(c2.subarray(46)),
      `central record of ${e.name} changed beyond its offset`,
    );
  }
  const extra = b.entries.map((e) => e.name).filter((n) => !a.entries.some((e) => e.name === n));
  assert.deepEqual(extra.sort(), [...added].sort());
}

/** Our reader finds nothing in the stamped package that it did not find in the original. */
export function assertNoNewFindings(before: OfdPackage, after: OfdPackage): void {
  const key = (f: { code: string; path?: string }) => `${f.code} ${f.path ?? ''}`;
  const old = new Set(before.findings.map(key));
  assert.deepEqual(
    after.findings.map(key).filter((k) => !old.has(k)),
    [],
  );
}

/** Python's zipfile and Info-ZIP's unzip accept the archive; returns a function reading an entry with unzip -p. */
export function withExternalTools<T>(bytes: Uint8Array, body: (read: (name: string) => Buffer) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'ofd-stamp-'));
  try {
    const file = join(dir, 'stamped.ofd');
    writeFileSync(file, bytes);
    execFileSync(
      'python3',
      [
        '-c',
        'import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\nbad = z.testzip()\nassert bad is None, bad',
        file,
      ],
      { stdio: 'pipe' },
    );
    execFileSync('unzip', ['-tq', file], { stdio: 'pipe' });
    // Info-ZIP matches non-ASCII names only under a UTF-8 locale.
    const env = { ...process.env, LC_ALL: 'C.UTF-8' };
    return body((name) => execFileSync('unzip', ['-p', file, name], { maxBuffer: 256 * 1024 * 1024, env }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const sm3Base64 = (b: Uint8Array): string => createHash('sm3').update(b).digest('base64');

/** Every Reference of `signature` recomputed from `read` (independent of src/ofd) matches. */
export function assertReferencesMatch(signature: OfdSignatureXml, read: (name: string) => Buffer): void {
  assert.ok(signature.references.length > 0);
  for (const r of signature.references) {
    assert.ok(r.fileRef.startsWith('/'), `FileRef ${r.fileRef} is not absolute`);
    assert.equal(sm3Base64(read(r.fileRef.slice(1))), r.checkValue, `CheckValue of ${r.fileRef}`);
  }
}
