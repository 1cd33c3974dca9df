import type { Knex } from 'knex';

// The hub's hash tiles of every mirrored log (federation.md §2.6 layout, per node), written by the replicator
// in each batch's transaction, so the hub answers an inclusion proof for any national record from its own
// mirror, under the last checkpoint it cosigned and holds completely (`complete_checkpoint`), even while the
// node is down. In the node_id colocation group (§4.4): the key includes node_id, the foreign key stays inside
// the group.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE mirror_tiles (
      node_id   varchar(32) NOT NULL REFERENCES mirror_state (node_id),
      level     smallint NOT NULL,
      idx       bigint NOT NULL,
      width     integer NOT NULL,
      hashes    bytea NOT NULL,
      internal  bytea NOT NULL,
      PRIMARY KEY (node_id, level, idx))`);
  // The latest cosigned checkpoint (signed note, verbatim) whose whole tree the mirror holds: proofs are served
  // under it. target_checkpoint is where a catch-up is heading, which the mirror may not hold yet.
  await knex.raw('ALTER TABLE mirror_state ADD COLUMN complete_checkpoint text');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE mirror_state DROP COLUMN complete_checkpoint');
  await knex.raw('DROP TABLE mirror_tiles');
}
