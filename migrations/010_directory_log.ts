import type { Knex } from 'knex';

// The directory log's entries (RFC 9162 leaves). Indices come from the audit head row, the lock every state
// change already takes, so the append stays in the change's transaction without a second lock whose order
// nested audited changes could invert; a rollback rolls the counter back too, so indices are gap-free and
// commit in index order (the argument 004 makes for audit_head.seq). Tiles, checkpoints and witnesses are
// built from these rows later and get their own tables then.
export async function up(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE audit_head ADD COLUMN tlog_next bigint NOT NULL DEFAULT 0');
  await knex.raw(`
    CREATE TABLE tlog_entries (
      idx        bigint PRIMARY KEY,
      leaf       bytea NOT NULL CHECK (octet_length(leaf) <= 4096),
      leaf_hash  bytea NOT NULL,
      kind       varchar(16) NOT NULL,
      subject    varchar(128) NOT NULL,
      audit_seq  bigint NOT NULL,
      at         timestamptz NOT NULL)`);
  await knex.raw('CREATE INDEX tlog_entries_subject ON tlog_entries (subject, idx)');
  await knex.raw('CREATE INDEX tlog_entries_leaf_hash ON tlog_entries (leaf_hash)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE IF EXISTS tlog_entries');
  await knex.raw('ALTER TABLE audit_head DROP COLUMN IF EXISTS tlog_next');
}
