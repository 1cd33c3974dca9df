import type { LicenceCopyRecord } from '../licence/licence-copy-record.js';
import type { Executor } from './database.js';
import { toDate } from './row-types.js';
import {
  filesColumn,
  filesFromRow,
  insertLicenceCopyFiles,
  type StoredLicenceFile,
} from './licence-file-repository.js';

type Row = Record<string, unknown>;
const COLUMNS = ['id', 'identifier', 'purpose', 'maker', 'maker_agency_id', 'made_at', 'expires_at'];

function columns(db: Executor) {
  return [...COLUMNS, filesColumn(db, 'licence_copy_files', 'copy_id', 'licence_copies.id')];
}

function fromRow(r: Row): LicenceCopyRecord {
  return {
    id: r.id as string,
    identifier: r.identifier as string,
    purpose: r.purpose as string,
    maker: r.maker as string,
    makerAgencyId: r.maker_agency_id as string,
    madeAt: toDate(r.made_at),
    expiresAt: toDate(r.expires_at),
    files: filesFromRow(r.files),
  };
}

/** The copy and its files (`files` must match `c.files`). */
export async function insertLicenceCopy(
  db: Executor,
  c: LicenceCopyRecord,
  files: readonly StoredLicenceFile[],
): Promise<void> {
  await db('licence_copies').insert({
    id: c.id,
    identifier: c.identifier,
    purpose: c.purpose,
    maker: c.maker,
    maker_agency_id: c.makerAgencyId,
    made_at: c.madeAt,
    expires_at: c.expiresAt,
  });
  await insertLicenceCopyFiles(db, c.id, files);
}

export async function listLicenceCopies(db: Executor, identifier: string): Promise<LicenceCopyRecord[]> {
  const rows = (await db('licence_copies')
    .select(...columns(db))
    .where({ identifier })
    .orderBy('seq')) as Row[];
  return rows.map(fromRow);
}

export async function findLicenceCopyBySm3(
  db: Executor,
  sm3: string,
): Promise<LicenceCopyRecord | undefined> {
  const row = (await db('licence_copies')
    .select(...columns(db))
    .whereIn('id', db('licence_copy_files').select('copy_id').where({ sm3 }))
    .first()) as Row | undefined;
  return row ? fromRow(row) : undefined;
}

export async function findLicenceCopy(db: Executor, id: string): Promise<LicenceCopyRecord | undefined> {
  const row = (await db('licence_copies')
    .select(...columns(db))
    .where({ id })
    .first()) as Row | undefined;
  return row ? fromRow(row) : undefined;
}
