import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI } from '../helpers/run-cli.js';

// A start-up that fails after the database is open (here: a malformed SEALTRUST_ADMIN_TOKEN, refused when it
// is registered) must end the process with a non-zero status, so a supervisor restarts it or alerts; before,
// the open database and workers kept a process alive that never listened.

const dataDir = mkdtempSync(join(tmpdir(), 'sealtrust-serve-fail-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

/** Far beyond a start-up (tsx included); only a process that never exits reaches it. */
const NEVER_MS = 60_000;

test('serve with a malformed SEALTRUST_ADMIN_TOKEN says why and exits non-zero', async () => {
  const child = spawn(process.execPath, [CLI, 'serve'], {
    env: {
      ...process.env,
      DATABASE_URL: '',
      PORT: '0',
      HOST: '127.0.0.1',
      SEALTRUST_DATA_DIR: dataDir,
      SEALTRUST_ADMIN_TOKEN: 'admin',
      SEALTRUST_DEMO: '0',
      LOG_LEVEL: 'silent',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let killed = false;
  const never = setTimeout(() => {
    killed = true;
    child.kill('SIGKILL');
  }, NEVER_MS);
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  clearTimeout(never);
  assert.equal(killed, false, 'the process never exited');
  assert.equal(code, 1);
  assert.match(stderr, /SEALTRUST_ADMIN_TOKEN/);
  assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
  assert.doesNotMatch(stdout, /SealTrust listening/);
});
