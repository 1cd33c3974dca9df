import type { Knex } from 'knex';

// The audit chain is hashed after commit (Tessera's split of sequencing and integration, federation.md §6.2):
// an append takes its seq and log indices under the audit_head row lock in one statement, and a background
// chainer fills prev_hash and hash in seq order. The head row lock is then held only from that statement to
// COMMIT on the server, not across client round trips for an SM3 that SQL cannot compute. The chained end
// moves to a row of its own, so the chainer never queues behind appenders for audit_head.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE audit_chain_head (
      id    smallint PRIMARY KEY CHECK (id = 1),
      seq   bigint NOT NULL,
      hash  bytea NOT NULL)`);
  await knex.raw(
    'INSERT INTO audit_chain_head (id, seq, hash) SELECT 1, seq, hash FROM audit_head WHERE id = 1',
  );
  await knex.raw('ALTER TABLE audit_head DROP COLUMN hash');
  await knex.raw(
    'ALTER TABLE audit_log ALTER COLUMN prev_hash DROP NOT NULL, ALTER COLUMN hash DROP NOT NULL',
  );
  // Both or neither: a half-chained record is never written.
  await knex.raw(
    'ALTER TABLE audit_log ADD CONSTRAINT audit_log_chained_whole CHECK ((prev_hash IS NULL) = (hash IS NULL))',
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE audit_log DROP CONSTRAINT audit_log_chained_whole');
  await knex.raw('ALTER TABLE audit_head ADD COLUMN hash bytea');
  await knex.raw('UPDATE audit_head SET hash = (SELECT hash FROM audit_chain_head WHERE id = 1)');
  await knex.raw('ALTER TABLE audit_head ALTER COLUMN hash SET NOT NULL');
  await knex.raw('DROP TABLE audit_chain_head');
}
