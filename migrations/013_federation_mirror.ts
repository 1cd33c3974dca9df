import type { Knex } from 'knex';

// The hub's mirror of every node's directory log and the national index built from it (federation.md §3.4,
// §4.2). Laid out for Citus already (§4.4), checked on plain PostgreSQL by test/federation/citus-readiness:
// - reference tables (copied to every worker): fed_nodes, national_agencies;
// - one colocation group distributed by node_id: mirror_state, mirror_entries, national_licences,
//   national_licence_events, national_seals, national_certificates, national_side_records, fed_alerts;
// - national_holder_index distributed by holder_index on its own, so a holder search is single-shard.
// Every primary key and unique constraint includes the distribution column, and foreign keys stay inside the
// group (with node_id) or point at reference tables. One replication batch touches one node_id only.
// Values taken from leaves are text, never varchar(n): a leaf is what a node asserted, and an over-long value
// must be stored and judged, not fail its batch forever.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE fed_nodes (
      node_id     varchar(32) PRIMARY KEY,
      origin      text NOT NULL,
      vkeys       text[] NOT NULL,
      url         text NOT NULL,
      status      text NOT NULL DEFAULT 'active',
      updated_at  timestamptz NOT NULL)`);
  await knex.raw(`
    CREATE TABLE mirror_state (
      node_id           varchar(32) PRIMARY KEY REFERENCES fed_nodes (node_id),
      size              bigint NOT NULL DEFAULT 0,
      root              bytea NOT NULL,
      compact_range     bytea NOT NULL,
      side_size         bigint NOT NULL DEFAULT 0,
      target_size       bigint NOT NULL DEFAULT 0,
      target_root       bytea,
      target_checkpoint text,
      state             text NOT NULL DEFAULT 'catching-up'
                        CHECK (state IN ('ok', 'catching-up', 'quarantined', 'forked', 'unreachable', 'withdrawn')),
      last_error        text,
      pulled_at         timestamptz,
      updated_at        timestamptz NOT NULL)`);
  await knex.raw(`
    CREATE TABLE mirror_entries (
      node_id    varchar(32) NOT NULL REFERENCES mirror_state (node_id),
      idx        bigint NOT NULL,
      leaf       bytea NOT NULL CHECK (octet_length(leaf) <= 4096),
      leaf_hash  bytea NOT NULL,
      PRIMARY KEY (node_id, idx))`);
  await knex.raw(`
    CREATE TABLE national_agencies (
      uscc        text PRIMARY KEY,
      node_id     varchar(32) NOT NULL REFERENCES fed_nodes (node_id),
      name        text NOT NULL,
      region      text NOT NULL,
      idx         bigint NOT NULL)`);
  await knex.raw('CREATE INDEX national_agencies_node ON national_agencies (node_id)');
  await knex.raw(`
    CREATE TABLE national_licences (
      node_id      varchar(32) NOT NULL REFERENCES mirror_state (node_id),
      identifier   text NOT NULL,
      type_code    text,
      issuer       text,
      version      integer,
      status       text NOT NULL,
      issue_date   text,
      valid_from   text,
      valid_to     text,
      pdf_sm3      text,
      pdf_bytes    integer,
      ofd_sm3      text,
      ofd_bytes    integer,
      signature_format text,
      es_id        text,
      signer       text,
      predecessor  text,
      successor    text,
      first_idx    bigint NOT NULL,
      last_idx     bigint NOT NULL,
      updated_at   timestamptz NOT NULL,
      flags        text[] NOT NULL DEFAULT '{}',
      PRIMARY KEY (node_id, identifier))`);
  await knex.raw(`
    CREATE TABLE national_licence_events (
      node_id      varchar(32) NOT NULL,
      idx          bigint NOT NULL,
      kind         text NOT NULL,
      identifier   text NOT NULL,
      op           text NOT NULL,
      from_status  text,
      to_status    text,
      related      text,
      at           timestamptz NOT NULL,
      flags        text[] NOT NULL DEFAULT '{}',
      PRIMARY KEY (node_id, idx),
      FOREIGN KEY (node_id, idx) REFERENCES mirror_entries (node_id, idx))`);
  await knex.raw(
    'CREATE INDEX national_licence_events_identifier ON national_licence_events (node_id, identifier, idx)',
  );
  await knex.raw(`
    CREATE TABLE national_seals (
      node_id     varchar(32) NOT NULL REFERENCES mirror_state (node_id),
      es_id       text NOT NULL,
      agency      text,
      type        text,
      status      text NOT NULL,
      valid_from  timestamptz,
      valid_to    timestamptz,
      maker       text,
      signers     text[],
      sm3         text,
      first_idx   bigint NOT NULL,
      last_idx    bigint NOT NULL,
      history     jsonb NOT NULL,
      flags       text[] NOT NULL DEFAULT '{}',
      PRIMARY KEY (node_id, es_id))`);
  await knex.raw(`
    CREATE TABLE national_certificates (
      node_id          varchar(32) NOT NULL REFERENCES mirror_state (node_id),
      serial           text NOT NULL,
      ca               text,
      profile          text,
      agency           text,
      status           text NOT NULL,
      not_before       timestamptz,
      not_after        timestamptz,
      sm3              text,
      reason           text,
      revoked_at       timestamptz,
      invalidity_date  timestamptz,
      first_idx        bigint NOT NULL,
      last_idx         bigint NOT NULL,
      history          jsonb NOT NULL,
      flags            text[] NOT NULL DEFAULT '{}',
      PRIMARY KEY (node_id, serial))`);
  // Holder data from the province side channel (§3.4): encrypted under the hub's KEK, kept only when leaf_hash
  // equals the verified leaf at (node_id, idx); never in a leaf.
  await knex.raw(`
    CREATE TABLE national_side_records (
      node_id           varchar(32) NOT NULL,
      idx               bigint NOT NULL,
      leaf_hash         bytea NOT NULL,
      identifier        text NOT NULL,
      holder_name_enc   bytea NOT NULL,
      holder_code_enc   bytea NOT NULL,
      holder_code_type  text NOT NULL,
      holder_masked     text NOT NULL,
      number_enc        bytea NOT NULL,
      type_name         text NOT NULL,
      issuer_name       text NOT NULL,
      received_at       timestamptz NOT NULL,
      PRIMARY KEY (node_id, idx),
      FOREIGN KEY (node_id, idx) REFERENCES mirror_entries (node_id, idx))`);
  await knex.raw(
    'CREATE INDEX national_side_records_identifier ON national_side_records (node_id, identifier)',
  );
  await knex.raw(`
    CREATE TABLE national_holder_index (
      holder_index  bytea NOT NULL,
      node_id       varchar(32) NOT NULL,
      identifier    text NOT NULL,
      PRIMARY KEY (holder_index, node_id, identifier))`);
  await knex.raw(`
    CREATE TABLE fed_alerts (
      node_id      varchar(32) NOT NULL REFERENCES fed_nodes (node_id),
      id           bigint GENERATED ALWAYS AS IDENTITY,
      kind         text NOT NULL,
      summary      text NOT NULL,
      evidence     jsonb NOT NULL,
      at           timestamptz NOT NULL,
      resolved_at  timestamptz,
      PRIMARY KEY (node_id, id))`);
  await knex.raw('CREATE INDEX fed_alerts_kind ON fed_alerts (kind, id)');
}

export async function down(knex: Knex): Promise<void> {
  for (const t of [
    'fed_alerts',
    'national_holder_index',
    'national_side_records',
    'national_certificates',
    'national_seals',
    'national_licence_events',
    'national_licences',
    'national_agencies',
    'mirror_entries',
    'mirror_state',
    'fed_nodes',
  ])
    await knex.raw(`DROP TABLE IF EXISTS ${t}`);
}
