import type { Knex } from 'knex';

// Electronic licences (GB/T 36901–36906): the catalogue, the directory with each licence's versions and
// lifecycle events, the per-type serial counters, the agencies' seal-signer keys (wrapped by the KEK),
// idempotency records and background jobs.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('licence_types', (t) => {
    t.string('code', 21).primary(); // 证照类型代码
    t.text('name').notNullable(); // 证照类型名称
    t.jsonb('authority').notNullable(); // 定义机构 {name, code, level}
    t.string('holder_category', 16).notNullable();
    t.jsonb('validity').notNullable();
    t.string('template_id', 64).notNullable();
    t.jsonb('fields').notNullable(); // 照面信息项
    t.jsonb('service_item').nullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
  });

  await knex.schema.createTable('licence_type_issuers', (t) => {
    t.string('type_code', 21).notNullable().references('code').inTable('licence_types');
    t.uuid('agency_id').notNullable().references('id').inTable('agencies');
    t.primary(['type_code', 'agency_id']);
  });

  // Serials are allocated from a row per (type, issuer, year), advanced with UPDATE … RETURNING, so
  // concurrent issuances never share one and a rolled-back issuance leaves no gap in committed serials.
  await knex.schema.createTable('licence_serial_sequences', (t) => {
    t.string('type_code', 21).notNullable();
    t.uuid('agency_id').notNullable();
    t.integer('year').notNullable();
    t.bigInteger('last_value').notNullable();
    t.primary(['type_code', 'agency_id', 'year']);
  });

  // Seal-signer private keys held for agencies: wrapped (AES-256-GCM) by the key-encryption key, never clear.
  await knex.schema.createTable('signer_keys', (t) => {
    t.uuid('id').primary();
    t.uuid('agency_id').notNullable().references('id').inTable('agencies');
    t.string('certificate_serial', 40).notNullable().unique().references('serial').inTable('certificates');
    t.binary('public_key').notNullable();
    t.binary('wrapped_key').notNullable();
    t.string('kek_id', 64).notNullable();
    t.string('status', 16).notNullable(); // active | retired
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('retired_at', { useTz: true }).nullable();
    t.index(['agency_id', 'status']);
  });

  await knex.schema.createTable('licences', (t) => {
    t.bigIncrements('seq').primary();
    t.string('identifier', 128).notNullable().unique(); // 证照标识
    t.string('type_code', 21).notNullable().references('code').inTable('licence_types');
    t.uuid('agency_id').notNullable().references('id').inTable('agencies');
    t.string('issuer_code', 18).notNullable(); // 证照颁发机构代码
    t.string('serial', 64).notNullable(); // 流水号
    t.integer('version').notNullable(); // 版本号
    t.text('number').notNullable(); // 证照编号
    t.text('holder_name').notNullable(); // 持证主体
    t.binary('holder_code_enc').notNullable(); // 持证主体代码, encrypted
    t.binary('holder_code_index').notNullable(); // keyed hash for exact-match search
    t.string('holder_code_masked', 64).notNullable();
    t.string('holder_code_type', 3).notNullable();
    t.string('issue_date', 10).notNullable();
    t.string('valid_from', 10).notNullable();
    t.string('valid_to', 10).nullable(); // null = 长期
    t.string('region_code', 6).notNullable();
    t.jsonb('metadata').notNullable(); // GB/T 36903 elements with the holder code masked
    t.binary('pdf_enc').notNullable(); // the sealed PDF, encrypted (it carries the holder code)
    t.string('pdf_sm3', 64).notNullable();
    t.integer('pdf_bytes').notNullable();
    t.string('es_id', 64).notNullable();
    t.string('signer_serial', 40).notNullable();
    t.string('signature_format', 16).notNullable(); // ses | cms
    t.string('status', 24).notNullable();
    t.text('status_reason').nullable();
    t.string('predecessor', 128).nullable(); // 关联证照标识 (replacement) or previous version
    t.string('successor', 128).nullable(); // newer version or replacement
    t.timestamp('signed_at', { useTz: true }).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.unique(['type_code', 'issuer_code', 'serial', 'version']);
    t.index(['agency_id', 'seq']);
    t.index(['type_code', 'seq']);
    t.index(['status', 'valid_to']);
    t.index(['holder_code_index']);
  });

  await knex.schema.createTable('licence_events', (t) => {
    t.bigIncrements('seq').primary();
    t.string('identifier', 128).notNullable().references('identifier').inTable('licences');
    t.string('operation', 24).notNullable();
    t.string('from_status', 24).nullable();
    t.string('to_status', 24).notNullable();
    t.text('reason').nullable();
    t.string('related_identifier', 128).nullable();
    t.string('actor_role', 24).notNullable();
    t.uuid('actor_token_id').nullable();
    t.timestamp('at', { useTz: true }).notNullable();
    t.index(['identifier', 'seq']);
  });

  await knex.schema.createTable('idempotency_keys', (t) => {
    t.string('scope', 64).notNullable(); // the token id
    t.string('key', 128).notNullable();
    t.string('request_sm3', 64).notNullable();
    t.integer('status_code').notNullable();
    t.jsonb('response').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.primary(['scope', 'key']);
  });

  await knex.schema.createTable('jobs', (t) => {
    t.uuid('id').primary();
    t.string('kind', 32).notNullable();
    t.uuid('agency_id').nullable();
    t.uuid('token_id').nullable();
    t.string('status', 24).notNullable(); // queued | running | succeeded | completed-with-errors | failed
    t.integer('total').notNullable();
    t.integer('processed').notNullable();
    t.integer('succeeded').notNullable();
    t.integer('failed').notNullable();
    t.jsonb('errors').notNullable(); // [{line, type, detail, field}]
    t.jsonb('results').notNullable(); // [{line, identifier}]
    t.binary('input').nullable(); // NDJSON, dropped when done
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('started_at', { useTz: true }).nullable();
    t.timestamp('finished_at', { useTz: true }).nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of [
    'jobs',
    'idempotency_keys',
    'licence_events',
    'licences',
    'signer_keys',
    'licence_serial_sequences',
    'licence_type_issuers',
    'licence_types',
  ])
    await knex.schema.dropTable(table);
}
