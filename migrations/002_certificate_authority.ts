import type { Knex } from 'knex';

// The certificate authority: issued certificates with their status history, CRLs, and the TSA's log.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('certificates', (t) => {
    t.bigIncrements('seq').primary();
    t.string('serial', 40).notNullable().unique(); // upper-case hex, as printed by openssl
    t.string('ca_id', 40).notNullable();
    t.uuid('agency_id').nullable().references('id').inTable('agencies');
    t.string('profile', 40).notNullable();
    t.text('subject').notNullable();
    t.timestamp('not_before', { useTz: true }).notNullable();
    t.timestamp('not_after', { useTz: true }).notNullable();
    t.string('status', 16).notNullable(); // good | hold | revoked
    t.timestamp('revoked_at', { useTz: true }).nullable();
    t.string('revocation_reason', 32).nullable();
    t.timestamp('invalidity_date', { useTz: true }).nullable();
    t.binary('public_key').notNullable();
    t.binary('der').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.index(['agency_id', 'seq']);
    t.index(['ca_id', 'status']);
  });

  // Every status change, so "was this certificate good at time T?" has an answer after a hold is released.
  await knex.schema.createTable('certificate_status_events', (t) => {
    t.bigIncrements('seq').primary();
    t.string('serial', 40).notNullable().references('serial').inTable('certificates');
    t.timestamp('at', { useTz: true }).notNullable();
    t.string('status', 16).notNullable();
    t.string('reason', 32).nullable();
    t.index(['serial', 'at']);
  });

  await knex.schema.createTable('crls', (t) => {
    t.string('ca_id', 40).notNullable();
    t.bigInteger('crl_number').notNullable();
    t.timestamp('this_update', { useTz: true }).notNullable();
    t.timestamp('next_update', { useTz: true }).notNullable();
    t.integer('entries').notNullable();
    t.binary('der').notNullable();
    t.primary(['ca_id', 'crl_number']);
  });

  // RFC 3161 serials: unique and increasing across restarts.
  await knex.raw('CREATE SEQUENCE tsa_serial_seq START 1');
  await knex.schema.createTable('timestamp_tokens', (t) => {
    t.bigInteger('serial').primary();
    t.string('ca_id', 40).notNullable();
    t.timestamp('gen_time', { useTz: true }).notNullable();
    t.string('hash_algorithm', 64).notNullable();
    t.binary('message_imprint').notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('timestamp_tokens');
  await knex.raw('DROP SEQUENCE tsa_serial_seq');
  await knex.schema.dropTable('crls');
  await knex.schema.dropTable('certificate_status_events');
  await knex.schema.dropTable('certificates');
}
