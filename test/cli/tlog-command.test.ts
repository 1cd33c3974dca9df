import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TlogIntegrator } from '../../src/service/federation/tlog-integrator.js';
import { createTestDatabase } from '../helpers/test-database.js';
import { runCli } from '../helpers/run-cli.js';
import { reference, TestLog } from '../service/federation/tlog-test-log.js';

// The CLI works on a database schema, so it needs PostgreSQL (the embedded database is one process's).
const url = process.env.DATABASE_URL;
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let log: TestLog;
const env = { SEALTRUST_TLOG_TILE_HEIGHT: '3' };
const cli = (...args: string[]) => runCli(['tlog', ...args, '--schema', db.schema!], { env });

describe('sealtrust tlog', { skip: !url && 'needs DATABASE_URL' }, () => {
  before(async () => {
    db = await createTestDatabase();
    log = new TestLog(db.knex);
    await log.append(77);
    await new TlogIntegrator(db.knex, { tileHeight: 3, maxPerPass: 20 }).integrateOnce();
    await new TlogIntegrator(db.knex, { tileHeight: 3, maxPerPass: 20 }).integrateOnce();
  });
  after(async () => {
    await db?.drop();
  });

  it('status reports entries, integrated size and root', async () => {
    const r = await cli('status', '--json');
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout) as {
      entries: number;
      integratedSize: number;
      backlog: number;
      root: string;
    };
    assert.equal(s.integratedSize, 40);
    assert.equal(s.root, reference.mth(log.leaves.slice(0, 40)).toString('base64'));
  });

  it('verify-log passes on an intact log and names what was tampered with', async () => {
    let r = await cli('verify-log');
    assert.equal(r.code, 0, r.stderr);
    await db.knex.raw(
      "UPDATE tlog_tiles SET hashes = overlay(hashes placing '\\xff'::bytea from 1) WHERE level = 0 AND idx = 2",
    );
    await db.knex.raw("UPDATE tlog_entries SET leaf = 'forged' WHERE idx = 60");
    r = await cli('verify-log');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /tile 0\/2 hashes differ/);
    assert.match(r.stderr, /entry 60: leaf_hash is not SM3/);
    await db.knex.raw('UPDATE tlog_entries SET leaf = ? WHERE idx = 60', [log.leaves[60]!]);
  });

  it('rebuild recomputes tiles and state from the entries', async () => {
    const r = await cli('rebuild');
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      new RegExp(`size 77, root ${reference.mth(log.leaves).toString('base64').replace(/[+/]/g, '\\$&')}`),
    );
    const v = await cli('verify-log');
    assert.equal(v.code, 0, v.stderr);
  });
});
