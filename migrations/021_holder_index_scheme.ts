import type { Knex } from 'knex';

// Holder-code search indices move from HMAC-SHA256 to HMAC-SM3 (federation.md §4.2: national_holder_index =
// HMAC-SM3(hub key, codeType ‖ ':' ‖ code); GM/T 0009 family throughout). A migration cannot compute them (the key
// comes from the KEK, which the database never sees), so it records which scheme the stored indices are in, and the
// service recomputes them from the encrypted codes at its next start (HolderIndexUpgrade). A database with nothing
// indexed yet starts on the new scheme.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE data_protection_state (
      id            smallint PRIMARY KEY CHECK (id = 1),
      holder_index  text NOT NULL CHECK (holder_index IN ('hmac-sha256', 'hmac-sm3')))`);
  await knex.raw(`
    INSERT INTO data_protection_state (id, holder_index)
    SELECT 1, CASE WHEN EXISTS (SELECT 1 FROM licences) OR EXISTS (SELECT 1 FROM national_holder_index)
                   THEN 'hmac-sha256' ELSE 'hmac-sm3' END`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE data_protection_state');
}
