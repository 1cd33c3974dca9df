import type { LicenceCopyRecord } from '../licence/licence-copy-record.js';
import type { Executor } from './database.js';
import { toBuffer, toDate, toNumber } from './row-types.js';

type Row = Record<string, unknown>;
const COLUMNS = [
  'id',
  'identifier',
  'purpose',
  'maker',
  'maker_agency_id',
  'made_at',
  'expires_at',
  'pdf_sm3',
  'pdf_bytes',
];

function fromRow(r: Row): LicenceCopyRecord {
  return {
    id: r.id as string,
    identifier: r.identifier as string,
    purpose: r.purpose as string,
    maker: r.maker as string,
    makerAgencyId: r.maker_agency_id as string,
    madeAt: toDate(r.made_at),
    expiresAt: toDate(r.expires_at),
    pdfSm3: r.pdf_sm3 as string,
    pdfBytes: toNumber(r.pdf_bytes),
  };
}

export async function insertLicenceCopy(db: Executor, c: LicenceCopyRecord, pdfEnc: Buffer): Promise<void> {
  await db('licence_copies').insert({
    id: c.id,
    identifier: c.identifier,
    purpose: c.purpose,
    maker: c.maker,
    maker_agency_id: c.makerAgencyId,
    made_at: c.madeAt,
    expires_at: c.expiresAt,
    pdf_sm3: c.pdfSm3,
    pdf_enc: pdfEnc,
    pdf_bytes: c.pdfBytes,
  });
}

export async function listLicenceCopies(db: Executor, identifier: string): Promise<LicenceCopyRecord[]> {
  const rows = (await db('licence_copies').select(COLUMNS).where({ identifier }).orderBy('seq')) as Row[];
  return rows.map(fromRow);
}

export async function findLicenceCopyBySm3(
  db: Executor,
  sm3: string,
): Promise<LicenceCopyRecord | undefined> {
  const row = (await db('licence_copies').select(COLUMNS).where({ pdf_sm3: sm3 }).first()) as Row | undefined;
  return row ? fromRow(row) : undefined;
}

export async function findLicenceCopyPdf(db: Executor, id: string): Promise<Buffer | undefined> {
  const row = (await db('licence_copies').select('pdf_enc').where({ id }).first()) as Row | undefined;
  return row ? toBuffer(row.pdf_enc) : undefined;
}
