// Citus readiness of the hub's tables (federation.md §4.4), checked on plain PostgreSQL: every primary key and
// unique constraint of a distributed table includes its distribution column; foreign keys stay inside the
// colocation group (with node_id on both sides) or point at reference tables; and the store's statements on
// distributed tables name node_id, except the few cross-shard listings named below.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { PROJECT_ROOT } from '../../src/config.js';
import { createTestDatabase } from '../helpers/test-database.js';

const REFERENCE = new Set(['fed_nodes', 'national_agencies']);
const GROUP = [
  'mirror_state',
  'mirror_entries',
  'mirror_tiles',
  'national_licences',
  'national_licence_events',
  'national_seals',
  'national_certificates',
  'national_side_records',
  'fed_alerts',
];
const DISTRIBUTION: Record<string, string> = {
  ...Object.fromEntries(GROUP.map((t) => [t, 'node_id'])),
  national_holder_index: 'holder_index',
  share_usages: 'owner_node_id',
};

interface Constraint {
  table: string;
  type: 'p' | 'u' | 'f';
  columns: string[];
  refTable: string | null;
  refColumns: string[] | null;
}

describe('Citus readiness of migration 013 (federation.md §4.4)', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let constraints: Constraint[];

  before(async () => {
    db = await createTestDatabase();
    const res = await db.knex.raw(
      `SELECT c.conrelid::regclass::text AS tbl, c.contype AS type,
         ARRAY(SELECT a.attname::text FROM unnest(c.conkey) k JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k) AS cols,
         CASE WHEN c.confrelid = 0 THEN NULL ELSE c.confrelid::regclass::text END AS reftbl,
         ARRAY(SELECT a.attname::text FROM unnest(c.confkey) k JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k) AS refcols
       FROM pg_constraint c WHERE c.contype IN ('p', 'u', 'f') AND c.connamespace = current_schema()::regnamespace`,
    );
    const bare = (t: string | null) => (t === null ? null : (t.split('.').pop() as string).replace(/"/g, ''));
    constraints = (
      res.rows as {
        tbl: string;
        type: 'p' | 'u' | 'f';
        cols: string[];
        reftbl: string | null;
        refcols: string[];
      }[]
    ).map((r) => ({
      table: bare(r.tbl) as string,
      type: r.type,
      columns: r.cols,
      refTable: bare(r.reftbl),
      refColumns: r.reftbl ? r.refcols : null,
    }));
  });
  after(async () => {
    await db.drop();
  });

  it('every primary key and unique constraint of a distributed table includes its distribution column', () => {
    for (const [table, column] of Object.entries(DISTRIBUTION)) {
      const keys = constraints.filter((c) => c.table === table && c.type !== 'f');
      assert.ok(
        keys.some((k) => k.type === 'p'),
        `${table} has a primary key`,
      );
      for (const k of keys)
        assert.ok(k.columns.includes(column), `${table} ${k.type} (${k.columns}) lacks ${column}`);
    }
  });

  it('foreign keys stay in the colocation group with node_id, or point at reference tables', () => {
    for (const table of [...Object.keys(DISTRIBUTION), ...REFERENCE]) {
      for (const fk of constraints.filter((c) => c.table === table && c.type === 'f')) {
        const ref = fk.refTable as string;
        if (REFERENCE.has(ref)) continue;
        assert.ok(!REFERENCE.has(table), `reference table ${table} references distributed ${ref}`);
        assert.ok(
          GROUP.includes(table) && GROUP.includes(ref),
          `${table} → ${ref} leaves the colocation group`,
        );
        const at = fk.columns.indexOf('node_id');
        assert.ok(at >= 0 && fk.refColumns?.[at] === 'node_id', `${table} → ${ref} does not join on node_id`);
      }
    }
  });

  it('store statements on distributed tables filter by node_id (cross-shard listings excepted)', () => {
    const files = [
      'mirror-repository.ts',
      'mirror-tile-repository.ts',
      'national-index-repository.ts',
      'national-side-record-repository.ts',
      'fed-alert-repository.ts',
      'share-repository.ts',
      'holder-index-repository.ts',
    ];
    // Admin listings that are cross-shard on purpose (small tables or rare reads).
    const crossShard = [
      /ORDER BY s\.node_id/,
      /GROUP BY kind/,
      /ORDER BY id DESC LIMIT/,
      /FROM national_holder_index WHERE holder_index/,
    ];
    for (const f of files) {
      const src = readFileSync(join(PROJECT_ROOT, 'src', 'store', f), 'utf8');
      const statements = [...src.matchAll(/`([^`]*)`/g)].map((m) => m[1] as string);
      for (const sql of statements) {
        const touches = [...Object.keys(DISTRIBUTION)].some((t) =>
          new RegExp(`\\b(FROM|UPDATE|INTO)\\s+${t}\\b`).test(sql),
        );
        if (!touches || crossShard.some((re) => re.test(sql))) continue;
        assert.ok(/node_id|holder_index/.test(sql), `${f}: statement without node_id: ${sql.slice(0, 80)}`);
      }
    }
  });
});
