import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import knexFactory from 'knex';
import {
  AUDIT_GENESIS_HASH,
  AuditChainVerifier,
  auditHash,
  type AuditRecord,
} from '../../src/audit/audit-chain.js';
import { openDatabase, type Database } from '../../src/store/database.js';
import { AgencyService } from '../../src/service/access/agency-service.js';
import { TokenService } from '../../src/service/access/token-service.js';
import { AuditService } from '../../src/service/audit/audit-service.js';
import { runCli } from '../helpers/run-cli.js';

function chain(n: number): AuditRecord[] {
  const out: AuditRecord[] = [];
  let prev = AUDIT_GENESIS_HASH;
  for (let i = 1; i <= n; i++) {
    const e = {
      at: new Date(1_700_000_000_000 + i),
      actorTokenId: null,
      actorRole: 'admin',
      action: 'agency.create',
      targetType: 'agency',
      targetId: `a${i}`,
      requestId: `r${i}`,
      outcome: 'success' as const,
      details: { n: i, name: '机构' },
    };
    const hash = auditHash(prev, i, e);
    out.push({ ...e, seq: i, prevHash: prev, hash });
    prev = hash;
  }
  return out;
}

describe('audit chain', () => {
  test('an intact chain verifies', () => {
    const v = new AuditChainVerifier();
    for (const r of chain(20)) assert.equal(v.check(r), null);
    assert.equal(v.count, 20);
  });

  test('property: changing any field of any record is caught at that record', () => {
    const fields = ['at', 'actorRole', 'action', 'targetId', 'requestId', 'outcome', 'details'] as const;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9 }), fc.constantFrom(...fields), (idx, field) => {
        const records = chain(10);
        const r = records[idx]!;
        const edited: AuditRecord =
          field === 'at'
            ? { ...r, at: new Date(r.at.getTime() + 1) }
            : field === 'details'
              ? { ...r, details: { ...r.details, n: -1 } }
              : field === 'outcome'
                ? { ...r, outcome: r.outcome === 'success' ? 'denied' : 'success' }
                : { ...r, [field]: String(r[field]) + 'x' };
        records[idx] = edited;
        const v = new AuditChainVerifier();
        for (const rec of records) {
          const b = v.check(rec);
          if (b) return b.seq === idx + 1 && b.reason === 'hash-mismatch';
        }
        return false;
      }),
    );
  });

  test('a deleted record is a sequence gap', () => {
    const records = chain(5);
    records.splice(2, 1);
    const v = new AuditChainVerifier();
    const breaks = records.map((r) => v.check(r)).filter(Boolean);
    assert.deepEqual(breaks[0], { seq: 4, reason: 'sequence-gap' });
  });
});

describe('sealtrust audit verify against a real database', () => {
  let database: Database;
  let dataDir: string | undefined;
  let schema: string | undefined;
  let cliEnv: NodeJS.ProcessEnv;
  let cliArgs: string[];

  before(async () => {
    const url = process.env.DATABASE_URL;
    if (url) {
      schema = `test_${randomBytes(6).toString('hex')}`;
      database = await openDatabase({ databaseUrl: url, schema });
      cliEnv = { DATABASE_URL: url };
      cliArgs = ['--schema', schema];
    } else {
      dataDir = mkdtempSync(join(tmpdir(), 'sealtrust-audit-'));
      database = await openDatabase({ dataDir });
      cliEnv = { DATABASE_URL: '', SEALTRUST_DATA_DIR: dataDir };
      cliArgs = [];
    }
    const ctx = { principal: { kind: 'system' as const }, requestId: 'audit-test' };
    await new TokenService(database.knex).create(ctx, { role: 'admin' });
    await new AgencyService(database.knex).create(ctx, {
      name: '甲局',
      uscc: '113301000024902776',
      regionCode: '330100',
      province: '33',
    });
    await new AgencyService(database.knex).create(ctx, {
      name: '乙局',
      uscc: '113300000024821899',
      regionCode: '330000',
      province: '33',
    });
    await new TokenService(database.knex).create(ctx, { role: 'seal-maker' });
  });

  after(async () => {
    await database.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    if (schema) {
      const admin = knexFactory({
        client: 'pg',
        connection: process.env.DATABASE_URL!,
        pool: { min: 0, max: 1 },
      });
      await admin.raw('DROP SCHEMA IF EXISTS ?? CASCADE', [schema]);
      await admin.destroy();
    }
  });

  test('the chain written by the services verifies, in process and from the CLI', async () => {
    const result = await new AuditService(database.knex).verifyChain();
    assert.deepEqual(result, { ok: true, records: 4, pending: 0, firstBreak: null });
    const rows = await database.knex('audit_chain').orderBy('seq');
    assert.equal(rows.length, 4, 'every record chained, in its own table (migration 023)');
    assert.ok(Buffer.isBuffer(rows[0].hash) || rows[0].hash instanceof Uint8Array);
    if (dataDir) await database.close(); // PGlite allows one process at a time
    const cli = await runCli(['audit', 'verify', ...cliArgs], { env: cliEnv });
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stdout, /4 records/);
    if (dataDir) database = await openDatabase({ dataDir });
  });

  test('a record edited directly in the database is named by the CLI', async () => {
    await database
      .knex('audit_log')
      .where({ seq: 3 })
      .update({ details: JSON.stringify({ uscc: '91350100M000100Y43' }) });
    assert.deepEqual((await new AuditService(database.knex).verifyChain()).firstBreak, {
      seq: 3,
      reason: 'hash-mismatch',
    });
    if (dataDir) await database.close();
    const cli = await runCli(['audit', 'verify', ...cliArgs], { env: cliEnv });
    assert.equal(cli.code, 1);
    assert.match(cli.stderr, /seq=3 \(hash-mismatch\)/);
    if (dataDir) database = await openDatabase({ dataDir });
  });
});

test('a record deleted from the tail is caught by the chain head', async () => {
  const { createTestDatabase } = await import('../helpers/test-database.js');
  const db = await createTestDatabase();
  try {
    const ctx = { principal: { kind: 'system' as const }, requestId: 'tail-test' };
    await new TokenService(db.knex).create(ctx, { role: 'admin' });
    await new TokenService(db.knex).create(ctx, { role: 'seal-maker' });
    assert.deepEqual(await new AuditService(db.knex).verifyChain(), {
      ok: true,
      records: 2,
      pending: 0,
      firstBreak: null,
    });
    await db.knex('audit_log').where({ seq: 2 }).delete();
    assert.deepEqual(await new AuditService(db.knex).verifyChain(), {
      ok: false,
      records: 1,
      pending: 0,
      firstBreak: { seq: 2, reason: 'missing-tail' },
    });
  } finally {
    await db.drop();
  }
});
