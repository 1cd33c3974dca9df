import type { Knex } from 'knex';

// The integrated tree over tlog_entries (federation.md §2.6, §4.1–§4.2), written by the TlogIntegrator
// outside the request path and derived entirely from tlog_entries (`sealtrust tlog rebuild` recomputes it).
//
// tlog_state: the one row the integrator advances per pass: the size integrated so far, its root, and the
// compact range (the hashes of the perfect subtrees covering [0, size), left to right, back to back; their ids
// follow from the size), so a pass extends the tree without reading old entries. tile_height is kept because
// stored tiles are only meaningful at the height they were cut at. No row yet means the empty tree.
//
// tlog_tiles: hash tiles (tlog-tiles layout, SM3 profile) with their tile-internal nodes (254 hashes per full
// tile at height 8), so a proof reads siblings instead of rehashing up to 255 base hashes per tile level.
// Full tiles (width = 2^height) are immutable. Beyond the spec, each level's right-edge partial tile is kept
// too and rewritten as it grows (at most one row per level): a partial tile at any smaller width is a prefix
// of it, so tiles and proofs at every size up to the integrated one come from this table alone.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE tlog_state (
      id              smallint PRIMARY KEY CHECK (id = 1),
      integrated_size bigint NOT NULL CHECK (integrated_size >= 0),
      root            bytea NOT NULL CHECK (octet_length(root) = 32),
      compact_range   bytea NOT NULL CHECK (octet_length(compact_range) % 32 = 0),
      tile_height     smallint NOT NULL CHECK (tile_height BETWEEN 1 AND 8),
      updated_at      timestamptz NOT NULL)`);
  await knex.raw(`
    CREATE TABLE tlog_tiles (
      level    smallint NOT NULL CHECK (level >= 0),
      idx      bigint NOT NULL CHECK (idx >= 0),
      width    smallint NOT NULL CHECK (width BETWEEN 1 AND 256),
      hashes   bytea NOT NULL CHECK (octet_length(hashes) = 32 * width),
      internal bytea NOT NULL,
      PRIMARY KEY (level, idx))`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE IF EXISTS tlog_tiles');
  await knex.raw('DROP TABLE IF EXISTS tlog_state');
}
