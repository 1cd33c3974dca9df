import type { Knex } from 'knex';

// The national trust list (federation.md §2.8, §3.3) as the hub keeps it: the admins' draft of the next list
// (one row) and every published list, kept for history and pivots (`/trust/lists/{seq}.json`), each as the
// exact bytes that were signed with their detached signature. Small reference data: never distributed (§4.4).
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE trust_list_draft (
      id          smallint PRIMARY KEY CHECK (id = 1),
      draft       jsonb NOT NULL,
      updated_at  timestamptz NOT NULL)`);
  await knex.raw(`
    CREATE TABLE trust_lists (
      seq          bigint PRIMARY KEY CHECK (seq > 0),
      bytes        bytea NOT NULL,
      p7s          bytea NOT NULL,
      sm3          char(64) NOT NULL UNIQUE,
      issued_at    timestamptz NOT NULL,
      next_update  timestamptz NOT NULL)`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE trust_lists');
  await knex.raw('DROP TABLE trust_list_draft');
}
