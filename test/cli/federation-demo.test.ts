// `sealtrust demo --federation --exit-after-ready` (issue 15): a hub and provinces 33 and 44 as three separate
// `sealtrust serve` processes on their own PGlite directories. Afterwards the directories are opened here, so what
// is asserted is what the nodes stored, not what the demo printed: the hub's national index holds every licence
// of both provinces, the printed 44 licence is 44's and its saved PDF the one the hub indexed, and no process
// is left behind.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { sm3Hex } from '../../src/crypto/sm3.js';
import { LISTENING_MESSAGE } from '../../src/cli/serve-command.js';
import { DEMO_STATE_FILE, type FederationDemoState } from '../../src/cli/federation-demo/federation-demo.js';
import { openDatabase } from '../../src/store/database.js';
import { runCli } from '../helpers/run-cli.js';

const root = mkdtempSync(join(tmpdir(), 'sealtrust-fed-demo-test-'));
after(() => rmSync(root, { recursive: true, force: true }));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function rows<T>(dataDir: string, sql: string, bindings: string[] = []): Promise<T[]> {
  const db = await openDatabase({ dataDir });
  try {
    return ((await db.knex.raw(sql, bindings)) as { rows: T[] }).rows;
  } finally {
    await db.close();
  }
}

test(
  'the federation demo starts a hub and two provinces on PGlite, mirrors both, and stops them all',
  {
    timeout: 240_000,
  },
  async () => {
    const dir = join(root, 'demo');
    // A PostgreSQL URL in the caller's environment (as CI sets one) must not pull the nodes off PGlite.
    const r = await runCli(['demo', '--federation', '--dir', dir, '--licences', '2', '--exit-after-ready'], {
      env: { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/not-used' },
    });
    assert.equal(r.code, 0, `demo failed:\n${r.stdout}\n${r.stderr}`);

    const state = JSON.parse(readFileSync(join(dir, DEMO_STATE_FILE), 'utf8')) as FederationDemoState;
    assert.deepEqual(
      state.nodes.map((n) => [n.nodeId, n.role]),
      [
        ['00', 'hub'],
        ['33', 'node'],
        ['44', 'node'],
      ],
    );
    // Three processes, each its own, each listening on the embedded database in its own directory.
    const pids = state.nodes.map((n) => n.pid!);
    assert.equal(new Set(pids).size, 3, `pids ${pids.join(',')}`);
    assert.equal(new Set(state.nodes.map((n) => n.url)).size, 3);
    for (const n of state.nodes) {
      const log = readFileSync(n.logFile, 'utf8');
      assert.ok(log.includes(LISTENING_MESSAGE), `${n.nodeId} never listened:\n${log.slice(-2000)}`);
      assert.match(log, /"database":"pglite"/, `${n.nodeId} did not run on PGlite`);
      assert.ok(existsSync(join(n.dataDir, 'PG_VERSION')), `${n.dataDir} holds no PGlite database`);
    }
    // All of them gone once the demo returned.
    assert.deepEqual(
      pids.filter((p) => alive(p)),
      [],
      'processes left running',
    );

    // What was printed: the 44 licence, its PDF in the demo directory, and where to verify it at 33.
    const { identifier, pdf } = state.example;
    assert.equal(state.example.nodeId, '44');
    assert.ok(r.stdout.includes(`证照标识 / licence identifier: ${identifier}`), r.stdout);
    assert.ok(r.stdout.includes(pdf), r.stdout);
    const at33 = state.nodes.find((n) => n.nodeId === '33')!.url;
    assert.ok(r.stdout.includes(`${at33}/verify`), r.stdout);
    assert.ok(r.stdout.includes(`curl -F file=@${pdf} ${at33}/v1/verify`), r.stdout);
    for (const n of state.nodes)
      assert.ok(r.stdout.includes(n.adminToken), `${n.nodeId}'s token not printed`);
    assert.ok(state.licences['44']!.includes(identifier));
    assert.equal(state.licences['33']!.length, 2);
    assert.equal(state.licences['44']!.length, 2);

    // The licence exists at province 44, with the PDF the demo saved.
    const node = (id: string) => state.nodes.find((n) => n.nodeId === id)!;
    const pdfBytes = readFileSync(pdf);
    assert.equal(pdfBytes.subarray(0, 5).toString(), '%PDF-');
    const at44 = await rows<{ identifier: string; pdf_sm3: string }>(
      node('44').dataDir,
      `SELECT l.identifier, f.sm3 AS pdf_sm3 FROM licences l
       JOIN licence_files f ON f.identifier = l.identifier AND f.format = 'pdf'
     WHERE l.identifier = ?`,
      [identifier],
    );
    assert.equal(at44.length, 1, `${identifier} is not a licence of province 44`);
    assert.equal(at44[0]!.pdf_sm3, sm3Hex(pdfBytes), 'the saved PDF is not the one 44 issued');
    const in33 = await rows(node('33').dataDir, 'SELECT 1 FROM licences WHERE identifier = ?', [identifier]);
    assert.equal(in33.length, 0, 'province 33 issued the 44 licence?');

    // The hub's national index: every licence of both provinces, under the province that issued it.
    const indexed = await rows<{ node_id: string; identifier: string; pdf_sm3: string | null }>(
      node('00').dataDir,
      'SELECT node_id, identifier, pdf_sm3 FROM national_licences ORDER BY node_id, identifier',
    );
    const byNode = (id: string) =>
      indexed
        .filter((x) => x.node_id === id)
        .map((x) => x.identifier)
        .sort();
    assert.deepEqual(byNode('33'), [...state.licences['33']!].sort());
    assert.deepEqual(byNode('44'), [...state.licences['44']!].sort());
    assert.equal(indexed.find((x) => x.identifier === identifier)!.pdf_sm3, sm3Hex(pdfBytes));
  },
);
