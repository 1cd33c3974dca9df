import type { Knex } from 'knex';

// Evidence is kept once per distinct refused request (insertWitnessEvidence looks for the same one first): the
// look-up reads one origin's requests for one size, not every request the origin ever made.
export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE INDEX witness_requests_origin_size ON witness_requests (origin, new_size)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX witness_requests_origin_size');
}
