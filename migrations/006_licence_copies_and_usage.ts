import type { Knex } from 'knex';

// Annotated copies (加注件: a purpose-bound derived file, not a new version) and usage records (用证: each
// use of a licence by another agency, with the five elements).
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('licence_copies', (t) => {
    t.bigIncrements('seq').primary();
    t.uuid('id').notNullable().unique();
    t.string('identifier', 128).notNullable().references('identifier').inTable('licences');
    t.text('purpose').notNullable(); // 制作事由
    t.text('maker').notNullable(); // 加注件制作者
    t.uuid('maker_agency_id').notNullable();
    t.timestamp('made_at', { useTz: true }).notNullable(); // 加注件制作时间
    t.timestamp('expires_at', { useTz: true }).notNullable(); // 有效期截止时间
    t.string('pdf_sm3', 64).notNullable().unique();
    t.binary('pdf_enc').notNullable();
    t.integer('pdf_bytes').notNullable();
    t.index(['identifier', 'seq']);
  });

  await knex.schema.createTable('licence_usages', (t) => {
    t.bigIncrements('seq').primary();
    t.string('identifier', 128).notNullable().references('identifier').inTable('licences');
    t.uuid('owner_agency_id').notNullable(); // the issuing agency, who may list the uses
    t.uuid('user_agency_id').nullable(); // the agency whose token fetched it
    t.string('action', 16).notNullable(); // record | file | copy
    t.text('organization').notNullable(); // 用证机构
    t.text('user_name').notNullable(); // 用证人
    t.text('item_name').notNullable(); // 事项名称
    t.string('item_code', 64).notNullable(); // 事项编码
    t.string('business_number', 64).notNullable(); // 业务流水号
    t.uuid('actor_token_id').nullable();
    t.timestamp('at', { useTz: true }).notNullable();
    t.index(['owner_agency_id', 'seq']);
    t.index(['identifier', 'seq']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('licence_usages');
  await knex.schema.dropTable('licence_copies');
}
