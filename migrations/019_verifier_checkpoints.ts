import type { Knex } from 'knex';

// The largest checkpoint of each log this node has verified (federation.md §3.5: verifiers keep it per origin and
// never go backwards, Go sumdb's client timeline). Kept across restarts, so a restarted node cannot be shown an
// older or forked tree it had already moved past. Node-local: not one of the hub's distributed tables.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE verifier_checkpoints (
      origin      text PRIMARY KEY,
      size        bigint NOT NULL CHECK (size >= 0),
      note        text NOT NULL,
      updated_at  timestamptz NOT NULL)`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE verifier_checkpoints');
}
