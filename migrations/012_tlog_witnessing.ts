import type { Knex } from 'knex';

// Checkpoints and witnessing (federation.md §3.2, §4.2). On every node: the checkpoints its publisher signed
// and the cosignatures it collected for them, and its witnesses' last known sizes (C2SP tlog-witness: `old` is
// the witness's size as last learned, from a 200 or a 409 body). On the hub: the witness's state per origin,
// read, checked and written under a row lock (C2SP's rollback race), and the evidence of every validly signed
// request that failed a check (tlog-witness: "the witness MAY log the request … as it might be proof of log
// misbehavior"). Created everywhere, like the other federation tables, so a node can witness others later.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE tlog_checkpoints (
      size         bigint PRIMARY KEY CHECK (size >= 0),
      root         bytea NOT NULL CHECK (octet_length(root) = 32),
      note         text NOT NULL,
      cosigned     text,
      witness_time timestamptz,
      signed_at    timestamptz NOT NULL,
      published    boolean NOT NULL DEFAULT false)`);
  // GET /tlog/checkpoint reads the largest published size.
  await knex.raw('CREATE INDEX tlog_checkpoints_published ON tlog_checkpoints (size) WHERE published');
  await knex.raw(`
    CREATE TABLE tlog_witnesses (
      name       text PRIMARY KEY,
      url        text NOT NULL,
      last_size  bigint NOT NULL DEFAULT 0 CHECK (last_size >= 0),
      last_at    timestamptz,
      last_error text)`);
  await knex.raw(`
    CREATE TABLE witness_state (
      origin       text PRIMARY KEY,
      origin_sm3   bytea NOT NULL UNIQUE,
      size         bigint NOT NULL CHECK (size >= 0),
      root         bytea NOT NULL CHECK (octet_length(root) = 32),
      cosigned     text,
      last_outcome varchar(32),
      updated_at   timestamptz NOT NULL)`);
  await knex.raw(`
    CREATE TABLE witness_requests (
      id       bigserial PRIMARY KEY,
      origin   text NOT NULL,
      old_size bigint NOT NULL,
      new_size bigint NOT NULL,
      outcome  varchar(32) NOT NULL,
      body     bytea NOT NULL,
      at       timestamptz NOT NULL)`);
  await knex.raw('CREATE INDEX witness_requests_origin ON witness_requests (origin, id)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE IF EXISTS witness_requests');
  await knex.raw('DROP TABLE IF EXISTS witness_state');
  await knex.raw('DROP TABLE IF EXISTS tlog_witnesses');
  await knex.raw('DROP TABLE IF EXISTS tlog_checkpoints');
}
