import type { Knex } from 'knex';

// Encrypted blobs do not compress: storing them EXTERNAL (out of line, no pglz attempt) spares PostgreSQL a
// compression pass over every stored licence PDF that can only fail.
export async function up(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE licences ALTER COLUMN pdf_enc SET STORAGE EXTERNAL');
  await knex.raw('ALTER TABLE licence_copies ALTER COLUMN pdf_enc SET STORAGE EXTERNAL');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE licences ALTER COLUMN pdf_enc SET STORAGE EXTENDED');
  await knex.raw('ALTER TABLE licence_copies ALTER COLUMN pdf_enc SET STORAGE EXTENDED');
}
