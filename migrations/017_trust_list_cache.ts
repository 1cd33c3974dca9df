import type { Knex } from 'knex';

// The trust list a node accepted last (federation.md §2.8 rule 4): the exact bytes and signature it verified,
// which it serves at /trust/list.json and judges foreign signatures by, and the signers the next list may be
// signed with (pinned ∪ announced). Replaced atomically; a refused list never touches it.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE trust_list_cache (
      id           smallint PRIMARY KEY CHECK (id = 1),
      seq          bigint NOT NULL,
      bytes        bytea NOT NULL,
      p7s          bytea NOT NULL,
      sm3          char(64) NOT NULL,
      signers      bytea[] NOT NULL,
      issued_at    timestamptz NOT NULL,
      next_update  timestamptz NOT NULL,
      verified_at  timestamptz NOT NULL)`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE trust_list_cache');
}
