import type { Knex } from 'knex';

// Electronic seals (GB/T 38540): the registry, each seal's bound signer certificates, and its status history.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('seals', (t) => {
    t.bigIncrements('seq').primary();
    t.string('es_id', 64).notNullable().unique(); // 印章编码
    t.uuid('agency_id').notNullable().references('id').inTable('agencies');
    t.text('name').notNullable(); // 印章名称
    t.string('type', 32).notNullable();
    t.integer('type_code').notNullable(); // SES_ESPropertyInfo.type
    t.string('status', 16).notNullable(); // active | suspended | revoked (expired is derived from valid_to)
    t.timestamp('valid_from', { useTz: true }).notNullable();
    t.timestamp('valid_to', { useTz: true }).notNullable();
    t.string('maker_certificate_serial', 40).notNullable();
    t.string('picture_type', 8).notNullable();
    t.integer('picture_width_mm').notNullable();
    t.integer('picture_height_mm').notNullable();
    t.binary('picture').notNullable();
    t.jsonb('picture_paths').nullable(); // vector outlines for drawing the stamp into PDFs
    t.binary('der').notNullable(); // SESeal as signed
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.index(['agency_id', 'seq']);
  });

  await knex.schema.createTable('seal_signers', (t) => {
    t.string('es_id', 64).notNullable().references('es_id').inTable('seals');
    t.string('certificate_serial', 40).notNullable().references('serial').inTable('certificates');
    t.primary(['es_id', 'certificate_serial']);
  });

  // Every status change, so a verifier can ask "was this seal valid when the document was stamped?".
  await knex.schema.createTable('seal_status_events', (t) => {
    t.bigIncrements('seq').primary();
    t.string('es_id', 64).notNullable().references('es_id').inTable('seals');
    t.timestamp('at', { useTz: true }).notNullable();
    t.string('status', 16).notNullable();
    t.text('reason').nullable();
    t.index(['es_id', 'at']);
  });

  // Seal codes: region code + a per-region sequence.
  await knex.schema.createTable('seal_code_sequences', (t) => {
    t.string('region_code', 6).primary();
    t.bigInteger('last_value').notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('seal_code_sequences');
  await knex.schema.dropTable('seal_status_events');
  await knex.schema.dropTable('seal_signers');
  await knex.schema.dropTable('seals');
}
