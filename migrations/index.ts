import type { Knex } from 'knex';
import * as m001 from './001_foundation.js';
import * as m002 from './002_certificate_authority.js';
import * as m003 from './003_seals.js';
import * as m004 from './004_audit_head.js';
import * as m005 from './005_licences.js';
import * as m006 from './006_licence_copies_and_usage.js';
import * as m007 from './007_encrypted_blobs_uncompressed.js';
import * as m008 from './008_audit_notify.js';
import * as m009 from './009_job_input_encrypted.js';
import * as m010 from './010_directory_log.js';
import * as m011 from './011_tlog_integration.js';
import * as m012 from './012_tlog_witnessing.js';
import * as m013 from './013_federation_mirror.js';
import * as m014 from './014_licence_files.js';
import * as m015 from './015_mirror_tiles.js';
import * as m016 from './016_trust_lists.js';
import * as m017 from './017_trust_list_cache.js';
import * as m018 from './018_share_usages.js';
import * as m019 from './019_verifier_checkpoints.js';
import * as m020 from './020_audit_chain_after_commit.js';
import * as m021 from './021_holder_index_scheme.js';
import * as m022 from './022_witness_request_lookup.js';
import * as m023 from './023_audit_chain_table.js';

/** Numbered migrations, listed statically so they load the same under tsx, compiled, and bundled. */
export const migrations: ReadonlyArray<{ name: string; module: Knex.Migration }> = [
  { name: '001_foundation', module: m001 },
  { name: '002_certificate_authority', module: m002 },
  { name: '003_seals', module: m003 },
  { name: '004_audit_head', module: m004 },
  { name: '005_licences', module: m005 },
  { name: '006_licence_copies_and_usage', module: m006 },
  { name: '007_encrypted_blobs_uncompressed', module: m007 },
  { name: '008_audit_notify', module: m008 },
  { name: '009_job_input_encrypted', module: m009 },
  { name: '010_directory_log', module: m010 },
  { name: '011_tlog_integration', module: m011 },
  { name: '012_tlog_witnessing', module: m012 },
  { name: '013_federation_mirror', module: m013 },
  { name: '014_licence_files', module: m014 },
  { name: '015_mirror_tiles', module: m015 },
  { name: '016_trust_lists', module: m016 },
  { name: '017_trust_list_cache', module: m017 },
  { name: '018_share_usages', module: m018 },
  { name: '019_verifier_checkpoints', module: m019 },
  { name: '020_audit_chain_after_commit', module: m020 },
  { name: '021_holder_index_scheme', module: m021 },
  { name: '022_witness_request_lookup', module: m022 },
  { name: '023_audit_chain_table', module: m023 },
];
