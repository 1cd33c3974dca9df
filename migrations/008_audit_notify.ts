import type { Knex } from 'knex';

// Every state change commits with an audit record, so "an audit record was committed" is the one signal a
// process needs to know that its cached database views may be stale. NOTIFY is transactional: listeners hear
// it only when (and if) the change commits. The payload is `<schema>:<target type>`: the schema, for
// deployments that share a database, and what changed (seal, certificate, token…), so a cache of seals is not
// voided by every licence issued.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE FUNCTION sealtrust_audit_notify() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_notify('sealtrust_audit', TG_TABLE_SCHEMA || ':' || COALESCE(NEW.target_type, ''));
      RETURN NULL;
    END $$`);
  await knex.raw(`CREATE TRIGGER audit_log_notify AFTER INSERT ON audit_log
                  FOR EACH ROW EXECUTE FUNCTION sealtrust_audit_notify()`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TRIGGER IF EXISTS audit_log_notify ON audit_log');
  await knex.raw('DROP FUNCTION IF EXISTS sealtrust_audit_notify()');
}
