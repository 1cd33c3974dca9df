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

/**
 * The INSERT of a record's files into `table`, keyed by `key` = `owner`: the statement text depends only on the
 * table and the number of files, so it is one prepared statement per shape (prepared-statement.ts).
 */
export function filesInsert(
  table: 'licence_files' | 'licence_copy_files',
  key: 'identifier' | 'copy_id',
  owner: string,
  files: readonly StoredLicenceFile[],
): { sql: string; bindings: unknown[] } {
  const rows = files.map(() => '(?, ?, ?::bytea, ?, ?::integer)').join(', ');
  return {
    sql: `INSERT INTO ${table} (${key}, format, enc, sm3, size) VALUES ${rows}`,
    bindings: files.flatMap((f) => [owner, f.format, f.enc, f.sm3, f.bytes]),
  };
}

export async function insertLicenceFiles(
  db: Executor,
  identifier: string,
  files: readonly StoredLicenceFile[],
): Promise<void> {
  if (files.length === 0) return;
  const { sql, bindings } = filesInsert('licence_files', 'identifier', identifier, files);
  await preparedRaw(db, sql, bindings);
}

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
  const { sql, bindings } = filesInsert('licence_copy_files', 'copy_id', copyId, files);
  await preparedRaw(db, sql, bindings);
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
