import type { Knex } from 'knex';

// Foundation: agencies, API tokens and the hash-chained audit trail.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('agencies', (t) => {
    t.bigIncrements('seq').primary();
    t.uuid('id').notNullable().unique();
    t.text('name').notNullable(); // 机构名称
    t.string('uscc', 18).notNullable().unique(); // 统一社会信用代码
    t.string('region_code', 6).notNullable(); // GB/T 2260 行政区划代码
    t.string('province', 2).notNullable(); // 省级行政区划代码 (first two digits)
    t.timestamp('created_at', { useTz: true }).notNullable();
  });

  await knex.schema.createTable('api_tokens', (t) => {
    t.bigIncrements('seq').primary();
    t.uuid('id').notNullable().unique();
    t.binary('token_hash').notNullable().unique(); // SM3 of the token; the token itself is never stored
    t.string('role', 32).notNullable();
    t.uuid('agency_id').nullable().references('id').inTable('agencies');
    t.string('province', 2).nullable();
    t.text('label').nullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('revoked_at', { useTz: true }).nullable();
  });

  await knex.schema.createTable('audit_log', (t) => {
    t.bigInteger('seq').primary(); // assigned under the chain lock, gap-free
    t.timestamp('at', { useTz: true }).notNullable();
    t.uuid('actor_token_id').nullable();
    t.string('actor_role', 32).notNullable();
    t.string('action', 64).notNullable();
    t.string('target_type', 64).notNullable();
    t.text('target_id').nullable();
    t.text('request_id').nullable();
    t.string('outcome', 16).notNullable();
    t.jsonb('details').notNullable();
    t.binary('prev_hash').notNullable();
    t.binary('hash').notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('audit_log');
  await knex.schema.dropTable('api_tokens');
  await knex.schema.dropTable('agencies');
}
