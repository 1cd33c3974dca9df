import type { Knex } from 'knex';
import { sortFiles, type LicenceFileEntry, type LicenceFileFormat } from '../licence/licence-file-entry.js';
import type { Executor } from './database.js';
import { preparedRaw } from './prepared-statement.js';
import { toBuffer, toJson, toNumber } from './row-types.js';

// The layout files of licences (`licence_files`) and of annotated copies (`licence_copy_files`), migration 014:
// one row per record and format, the bytes encrypted by the caller (the store never sees them in clear).

/** A file as stored: its directory entry and its encrypted bytes. */
export interface StoredLicenceFile extends LicenceFileEntry {
  enc: Buffer;
}

type Row = Record<string, unknown>;

/**
 * The `files` column of a licence or copy listing: its entries as a JSON array (`db.raw`), so one query
 * reads a page of records with their files.
 */
export function filesColumn(
  db: Executor,
  table: 'licence_files' | 'licence_copy_files',
  key: 'identifier' | 'copy_id',
  outer: string,
): Knex.Raw {
  return db.raw(
    `(SELECT coalesce(json_agg(json_build_object('format', f.format, 'sm3', f.sm3, 'bytes', f.size)), '[]')
      FROM ?? AS f WHERE f.?? = ??) AS files`,
    [table, key, outer],
  );
}

/** The `files` value of a row read with `filesColumn`, in the directory's order. */
export function filesFromRow(v: unknown): LicenceFileEntry[] {
  const list = toJson<Array<{ format: LicenceFileFormat; sm3: string; bytes: unknown }>>(v) ?? [];
  return sortFiles(list.map((f) => ({ format: f.format, sm3: f.sm3, bytes: toNumber(f.bytes) })));
}

/** `n` rows of (owner, format, enc, sm3, size): the files go as a prepared statement (prepared-statement.ts). */
export const fileRows = (n: number): string =>
  Array.from({ length: n }, () => '(?, ?, ?::bytea, ?, ?::integer)').join(', ');

export async function insertLicenceFiles(
  db: Executor,
  identifier: string,
  files: readonly StoredLicenceFile[],
): Promise<void> {
  if (files.length === 0) return;
  await preparedRaw(
    db,
    `INSERT INTO licence_files (identifier, format, enc, sm3, size) VALUES ${fileRows(files.length)}`,
    files.flatMap((f) => [identifier, f.format, f.enc, f.sm3, f.bytes]),
  );
}

/** One file of a licence, encrypted; undefined when that format was not made (or no such licence). */
export async function findLicenceFile(
  db: Executor,
  identifier: string,
  format: LicenceFileFormat,
): Promise<StoredLicenceFile | undefined> {
  const row = (await db('licence_files').where({ identifier, format }).first()) as Row | undefined;
  return row && storedFromRow(row);
}

export async function insertLicenceCopyFiles(
  db: Executor,
  copyId: string,
  files: readonly StoredLicenceFile[],
): Promise<void> {
  if (files.length === 0) return;
  await preparedRaw(
    db,
    `INSERT INTO licence_copy_files (copy_id, format, enc, sm3, size) VALUES ${fileRows(files.length)}`,
    files.flatMap((f) => [copyId, f.format, f.enc, f.sm3, f.bytes]),
  );
}

export async function findLicenceCopyFile(
  db: Executor,
  copyId: string,
  format: LicenceFileFormat,
): Promise<StoredLicenceFile | undefined> {
  const row = (await db('licence_copy_files').where({ copy_id: copyId, format }).first()) as Row | undefined;
  return row && storedFromRow(row);
}

function storedFromRow(r: Row): StoredLicenceFile {
  return {
    format: r.format as LicenceFileFormat,
    sm3: r.sm3 as string,
    bytes: toNumber(r.size),
    enc: toBuffer(r.enc),
  };
}
