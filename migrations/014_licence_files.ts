import type { Knex } from 'knex';

// A licence (and an annotated copy, 加注件) is issued in several layout files, one per format (ofd.md §4.3):
// `licence_files` / `licence_copy_files` hold each file encrypted, with its SM3 and size, in place of the
// single PDF columns.
//
// The existing PDFs move here in this migration rather than through a read-through fallback: a ciphertext's
// associated data names the record and purpose (`licence:<identifier>:pdf`, `licence-copy:<id>:pdf`), not the
// table or column, so the encrypted bytes move unchanged — no key is needed and nothing is decrypted — and
// afterwards there is one read path and one place a file's SM3 lives. The old columns are dropped.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('licence_files', (t) => {
    t.string('identifier', 128).notNullable().references('identifier').inTable('licences');
    t.string('format', 8).notNullable(); // pdf | ofd
    t.binary('enc').notNullable(); // the sealed file, encrypted (it carries the holder code)
    t.string('sm3', 64).notNullable();
    t.integer('size').notNullable();
    t.primary(['identifier', 'format']);
    t.index(['sm3']);
  });
  await knex.schema.createTable('licence_copy_files', (t) => {
    t.uuid('copy_id').notNullable().references('id').inTable('licence_copies');
    t.string('format', 8).notNullable();
    t.binary('enc').notNullable();
    t.string('sm3', 64).notNullable().unique(); // a copy is found by its file's SM3
    t.integer('size').notNullable();
    t.primary(['copy_id', 'format']);
  });
  // Encrypted bytes do not compress (as migration 007 for the old columns).
  await knex.raw('ALTER TABLE licence_files ALTER COLUMN enc SET STORAGE EXTERNAL');
  await knex.raw('ALTER TABLE licence_copy_files ALTER COLUMN enc SET STORAGE EXTERNAL');

  await knex.raw(
    `INSERT INTO licence_files (identifier, format, enc, sm3, size)
     SELECT identifier, 'pdf', pdf_enc, pdf_sm3, pdf_bytes FROM licences`,
  );
  await knex.raw(
    `INSERT INTO licence_copy_files (copy_id, format, enc, sm3, size)
     SELECT id, 'pdf', pdf_enc, pdf_sm3, pdf_bytes FROM licence_copies`,
  );
  await knex.schema.alterTable('licences', (t) => {
    t.dropColumns('pdf_enc', 'pdf_sm3', 'pdf_bytes');
  });
  await knex.schema.alterTable('licence_copies', (t) => {
    t.dropColumns('pdf_enc', 'pdf_sm3', 'pdf_bytes');
  });
}

// Down keeps what the old schema can hold: the PDFs. A licence or copy issued without a PDF cannot go back.
export async function down(knex: Knex): Promise<void> {
  for (const [table, files, key] of [
    ['licences', 'licence_files', 'identifier'],
    ['licence_copies', 'licence_copy_files', 'copy_id'],
  ] as const) {
    await knex.schema.alterTable(table, (t) => {
      t.binary('pdf_enc').nullable();
      t.string('pdf_sm3', 64).nullable();
      t.integer('pdf_bytes').nullable();
    });
    const own = table === 'licences' ? 'identifier' : 'id';
    await knex.raw(
      `UPDATE ?? AS l SET pdf_enc = f.enc, pdf_sm3 = f.sm3, pdf_bytes = f.size
       FROM ?? AS f WHERE f.?? = l.?? AND f.format = 'pdf'`,
      [table, files, key, own],
    );
    await knex.raw(`ALTER TABLE ?? ALTER COLUMN pdf_enc SET STORAGE EXTERNAL`, [table]);
    for (const c of ['pdf_enc', 'pdf_sm3', 'pdf_bytes'])
      await knex.raw('ALTER TABLE ?? ALTER COLUMN ?? SET NOT NULL', [table, c]);
    await knex.schema.dropTable(files);
  }
  await knex.raw('ALTER TABLE licence_copies ADD CONSTRAINT licence_copies_pdf_sm3_unique UNIQUE (pdf_sm3)');
}
