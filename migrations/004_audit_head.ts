import type { Knex } from 'knex';

// The audit chain's head in one row: appending locks and advances it in a single UPDATE … RETURNING
// (instead of an advisory lock plus a read of the last record), and it pins the chain's end, so a record
// deleted from the tail no longer goes unnoticed.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('audit_head', (t) => {
    t.smallint('id').primary();
    t.bigInteger('seq').notNullable();
    t.binary('hash').notNullable();
  });
  await knex.raw('ALTER TABLE audit_head ADD CONSTRAINT audit_head_single_row CHECK (id = 1)');
  await knex.raw(
    `INSERT INTO audit_head (id, seq, hash)
     SELECT 1, COALESCE((SELECT max(seq) FROM audit_log), 0),
            COALESCE((SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1), decode(repeat('00', 32), 'hex'))`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('audit_head');
}
