import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { CLI, runCli } from '../helpers/run-cli.js';

const dataDir = mkdtempSync(join(tmpdir(), 'sealtrust-serve-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

interface Started {
  child: ChildProcess;
  port: number;
  stdout: string[];
  exit: Promise<number | null>;
}

/** Starts `sealtrust serve` as npm start would, on the embedded database, and waits for it to listen. */
function serve(env: NodeJS.ProcessEnv, dir = dataDir): Promise<Started> {
  const child = spawn(process.execPath, [CLI, 'serve'], {
    env: {
      ...process.env,
      DATABASE_URL: '',
      PORT: '0',
      HOST: '127.0.0.1',
      SEALTRUST_DATA_DIR: dir,
      SEALTRUST_ADMIN_TOKEN: '',
      SEALTRUST_DEMO: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      stdout.push(line);
      if (line.includes('SealTrust listening')) {
        resolve({ child, port: (JSON.parse(line) as { port: number }).port, stdout, exit });
      }
    });
    void exit.then((code) => reject(new Error(`serve exited ${code}: ${stderr}`)));
  });
}

test('production mode refuses the embedded database and development keys', async () => {
  const noDb = await runCli(['serve'], { env: { NODE_ENV: 'production', DATABASE_URL: '' } });
  assert.notEqual(noDb.code, 0);
  assert.match(noDb.stderr, /DATABASE_URL/);
  const devKeys = await runCli(['serve'], {
    env: {
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
      SEALTRUST_KEYS_DIR: '',
    },
  });
  assert.notEqual(devKeys.code, 0);
  assert.match(devKeys.stderr, /development keys/);
  assert.doesNotMatch(devKeys.stderr + noDb.stderr, /\n\s+at /, 'no stack trace');
});

test('first start prints an admin token once; SIGTERM stops cleanly; a configured token is registered', async () => {
  const first = await serve({});
  const printed = first.stdout.join('\n').match(/\b(st_[A-Za-z0-9_-]{43})\b/);
  assert.ok(printed, 'the first start prints an admin token');
  const base = `http://127.0.0.1:${first.port}`;
  assert.equal((await fetch(`${base}/healthz`)).status, 200);
  assert.equal((await fetch(`${base}/readyz`)).status, 200);
  assert.equal(
    (await fetch(`${base}/v1/audit`, { headers: { authorization: `Bearer ${printed[1]}` } })).status,
    200,
  );
  first.child.kill('SIGTERM');
  assert.equal(await first.exit, 0);

  const configured = 'st_' + Buffer.alloc(32, 7).toString('base64url');
  const second = await serve({ SEALTRUST_ADMIN_TOKEN: configured });
  assert.ok(!second.stdout.join('\n').match(/\bst_[A-Za-z0-9_-]{43}\b/), 'no second token is printed');
  const audit = await fetch(`http://127.0.0.1:${second.port}/v1/audit`, {
    headers: { authorization: `Bearer ${configured}` },
  });
  assert.equal(audit.status, 200);
  const actions = ((await audit.json()) as { items: { action: string }[] }).items
    .map((i) => i.action)
    .filter((a) => a.startsWith('token.'));
  assert.deepEqual(actions, ['token.create', 'token.bootstrap']);
  second.child.kill('SIGTERM');
  assert.equal(await second.exit, 0);
});

test('npm start on an empty database seeds demo licences once, and they can be fetched', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sealtrust-demo-'));
  try {
    const admin = 'st_' + Buffer.alloc(32, 9).toString('base64url');
    const first = await serve({ SEALTRUST_DEMO: '1', SEALTRUST_ADMIN_TOKEN: admin }, dir);
    const printed = first.stdout.join('\n');
    assert.match(printed, /演示数据已生成/);
    const base = `http://127.0.0.1:${first.port}`;
    const list = await fetch(`${base}/v1/licences?limit=100`, {
      headers: { authorization: `Bearer ${admin}` },
    });
    const items = ((await list.json()) as { items: { identifier: string; status: string }[] }).items;
    assert.equal(items.length, 12);
    assert.ok(items.every((l) => l.status === 'valid'));
    for (const l of items)
      assert.ok(printed.includes(l.identifier), `the start-up output names ${l.identifier}`);
    const pdf = await fetch(`${base}/v1/licences/${items[0]!.identifier}/pdf`, {
      headers: { authorization: `Bearer ${admin}` },
    });
    assert.equal(pdf.status, 200);
    assert.equal(
      Buffer.from(await pdf.arrayBuffer())
        .subarray(0, 5)
        .toString(),
      '%PDF-',
    );
    first.child.kill('SIGTERM');
    assert.equal(await first.exit, 0);

    const second = await serve({ SEALTRUST_DEMO: '1', SEALTRUST_ADMIN_TOKEN: admin }, dir);
    assert.doesNotMatch(second.stdout.join('\n'), /演示数据已生成/, 'seeded only once');
    second.child.kill('SIGTERM');
    assert.equal(await second.exit, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
