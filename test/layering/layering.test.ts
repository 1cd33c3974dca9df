import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

// The layering rules of .dependency-cruiser.mjs, run as `npm run deps` runs them. Planted arrows go into a
// small tree under the system temp directory (never into src/), so parallel runs cannot see each other's plants.

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CONFIG = join(ROOT, '.dependency-cruiser.mjs');
const DEPCRUISE = join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');

interface Cruise {
  /** The number of error-severity violations (as `npm run deps` exits). */
  exitCode: number;
  /** The `err` report, one `error <rule>: <from> → <to>` per violation. */
  report: string;
}

/** The `npm run deps` command (err reporter) over `cwd`'s src/. */
function depcruise(cwd: string, ...args: string[]): Promise<Cruise> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [DEPCRUISE, 'src', '--config', CONFIG, '--output-type', 'err', ...args],
      { cwd, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const exitCode = error ? error.code : 0;
        // The err reporter always ends with its summary; without it the cruise itself failed.
        if (
          typeof exitCode !== 'number' ||
          !/dependency violations|no dependency violations found/.test(stdout)
        )
          reject(new Error(`depcruise did not run (${String(exitCode)}): ${stderr}`));
        else resolve({ exitCode, report: stdout });
      },
    );
  });
}

/** The `rule from → to` lines of an err report (single-line violations; cycles span several lines). */
const violations = (report: string): string[] =>
  [...report.matchAll(/^\s*error (\S+): (\S+) → (\S+)$/gm)].map((m) => `${m[1]} ${m[2]} → ${m[3]}`);

/** A tree with one module in each layer, every arrow pointing down. */
const CLEAN_TREE: Record<string, string> = {
  'tsconfig.json': JSON.stringify({
    compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true },
    include: ['src'],
  }),
  'src/config.ts': 'export const ROOT = "/";\n',
  'src/crypto/sm3.ts': 'export const sm3 = (b: Uint8Array): Uint8Array => b;\n',
  'src/pdf/pdf-xmp.ts': 'import { sm3 } from "../crypto/sm3.js";\nexport const xmp = sm3;\n',
  'src/licence/licence-metadata.ts':
    'import { xmp } from "../pdf/pdf-xmp.js";\nimport { ROOT } from "../config.js";\nexport const m = [xmp, ROOT];\n',
  'src/store/database.ts': 'import { m } from "../licence/licence-metadata.js";\nexport const db = m;\n',
  'src/service/services.ts': 'import { db } from "../store/database.js";\nexport const services = db;\n',
  'src/service/licences/licence-service.ts':
    'import type { services } from "../services.js";\nexport type S = typeof services;\n',
  'src/http/app.ts': 'import { services } from "../service/services.js";\nexport const app = services;\n',
  'src/cli/main.ts': 'import { app } from "../http/app.js";\nexport const main = app;\n',
};

/** Each plant with the violations it must raise (rule, from, to). */
const PLANTS: { file: string; source: string; expect: [string, string, string][] }[] = [
  {
    file: 'src/crypto/__planted.ts',
    source: 'import { services } from "../service/services.js";\nexport const x = services;\n',
    expect: [
      ['no-back-arrow-from-base', 'src/crypto/__planted.ts', 'src/service/services.ts'],
      ['crypto-imports-nothing-of-ours', 'src/crypto/__planted.ts', 'src/service/services.ts'],
    ],
  },
  {
    // Today's arrow before it was removed: a type-only import counts.
    file: 'src/pdf/__planted.ts',
    source: 'import type { m } from "../licence/licence-metadata.js";\nexport type M = typeof m;\n',
    expect: [['no-back-arrow-from-formats', 'src/pdf/__planted.ts', 'src/licence/licence-metadata.ts']],
  },
  {
    file: 'src/http/__planted.ts',
    source: 'import { db } from "../store/database.js";\nexport const x = db;\n',
    expect: [['http-not-store', 'src/http/__planted.ts', 'src/store/database.ts']],
  },
  {
    file: 'src/service/licences/__planted.ts',
    source: 'import type { Knex } from "knex";\nexport type K = Knex;\n',
    expect: [['domain-not-web-or-database', 'src/service/licences/__planted.ts', 'knex']],
  },
  {
    file: 'src/licence/__planted.ts',
    source: 'import Koa from "koa";\nexport const k = Koa;\n',
    expect: [['domain-not-web-or-database', 'src/licence/__planted.ts', 'koa']],
  },
];

async function writeTree(dir: string, files: Record<string, string>): Promise<void> {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
}

async function inTempTree<T>(files: Record<string, string>, run: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'sealtrust-layering-'));
  try {
    await writeTree(dir, files);
    return await run(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('layering check (dependency-cruiser)', () => {
  it('passes on the real tree (with the known violations file)', async () => {
    const { exitCode, report } = await depcruise(ROOT, '--ignore-known');
    assert.deepEqual(violations(report), []);
    assert.equal(exitCode, 0, report);
  });

  it('passes on a tree whose arrows all point down', async () => {
    const { exitCode, report } = await inTempTree(CLEAN_TREE, (dir) => depcruise(dir));
    assert.equal(exitCode, 0, report);
  });

  it('fails on planted back-arrows, naming each rule', async () => {
    const plants = Object.fromEntries(PLANTS.map((p) => [p.file, p.source]));
    const { exitCode, report } = await inTempTree({ ...CLEAN_TREE, ...plants }, (dir) => depcruise(dir));
    const expected = PLANTS.flatMap((p) => p.expect.map(([rule, from, to]) => `${rule} ${from} → ${to}`));
    assert.deepEqual(violations(report).sort(), expected.sort());
    assert.equal(exitCode, expected.length);
  });

  it('fails on a cycle', async () => {
    const cycle = {
      'src/seal/a.ts': 'import { b } from "./b.js";\nexport const a = () => b;\n',
      'src/seal/b.ts': 'import { a } from "./a.js";\nexport const b = () => a;\n',
    };
    const { exitCode, report } = await inTempTree({ ...CLEAN_TREE, ...cycle }, (dir) => depcruise(dir));
    assert.match(report, /error no-circular: src\/seal\/[ab]\.ts → /);
    assert.equal(exitCode, 1, report);
  });
});
