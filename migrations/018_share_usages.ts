import type { Knex } from 'knex';

// Sharing queries at the hub (federation.md §3.6, §4.2): every call of /v1/share/* leaves one share_usages row per
// node whose licences it touched (a search without hits: one row under the hub's own id), in the transaction of
// its audit record. The five usage elements and the purpose (useFor) name the using side only; holder data never
// goes here. Distributed with the mirror's colocation group by owner_node_id (§4.4), so the key includes it.
// And at every node: a use relayed by the hub or made by another node's sync-peer token is recorded in
// licence_usages with the node that used it (user_node) and, for a relay, the node the hub asked for
// (requested_by); both null for an agency's own token, as before. A sync-peer token is bound to a node, which may
// be a ministry node `m-<USCC>` (§4.3): api_tokens.province widens to hold it.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE share_usages (
      owner_node_id    varchar(32) NOT NULL,
      id               bigint GENERATED ALWAYS AS IDENTITY,
      action           text NOT NULL CHECK (action IN ('search', 'record', 'file', 'copy')),
      identifier       text,
      requester_node   varchar(32) NOT NULL,
      actor_token_id   uuid,
      use_for          text NOT NULL,
      organization     text NOT NULL,
      user_name        text NOT NULL,
      item_name        text NOT NULL,
      item_code        text NOT NULL,
      business_number  text NOT NULL,
      at               timestamptz NOT NULL,
      PRIMARY KEY (owner_node_id, id))`);
  await knex.raw('CREATE INDEX share_usages_requester ON share_usages (requester_node, at)');
  await knex.raw('CREATE INDEX share_usages_identifier ON share_usages (owner_node_id, identifier)');
  await knex.raw(`
    ALTER TABLE licence_usages
      ADD COLUMN user_node varchar(32) NULL,
      ADD COLUMN requested_by varchar(32) NULL`);
  await knex.raw('ALTER TABLE api_tokens ALTER COLUMN province TYPE varchar(32)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE api_tokens ALTER COLUMN province TYPE varchar(2)');
  await knex.raw('ALTER TABLE licence_usages DROP COLUMN requested_by, DROP COLUMN user_node');
  await knex.raw('DROP TABLE share_usages');
}
