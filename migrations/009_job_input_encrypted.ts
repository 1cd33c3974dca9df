import type { Knex } from 'knex';

// A batch job's input holds holder codes (持证主体代码), personal data that is encrypted at rest everywhere
// else. From here on it is written encrypted with the data protector; the flag tells the rows written
// before (plain NDJSON, read as such until they finish and their input is dropped) from the new ones.
// Jobs may also end as `cancelled` (their issuer token was revoked): the status column already fits it.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('jobs', (t) => {
    t.boolean('input_encrypted').notNullable().defaultTo(false);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('jobs', (t) => {
    t.dropColumn('input_encrypted');
  });
}
