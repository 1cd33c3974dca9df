import type { CertificateRecord, CertificateStatus } from '../pki/certificate-record.js';
import type { CertificateStatusEvent } from '../pki/certificate-status-event.js';
import type { Executor } from './database.js';
import { toPage } from './page.js';
import type { Page, PageRequest } from '../paging/page.js';
import { toBuffer, toDate, toDateOrNull, toNumber } from './row-types.js';

interface Row {
  seq: unknown;
  serial: string;
  ca_id: string;
  agency_id: string | null;
  profile: string;
  subject: string;
  not_before: unknown;
  not_after: unknown;
  status: CertificateStatus;
  revoked_at: unknown;
  revocation_reason: string | null;
  invalidity_date: unknown;
  public_key: unknown;
  der: unknown;
  created_at: unknown;
}

function fromRow(r: Row): CertificateRecord {
  return {
    serial: r.serial,
    caId: r.ca_id,
    agencyId: r.agency_id,
    profile: r.profile,
    subject: r.subject,
    notBefore: toDate(r.not_before),
    notAfter: toDate(r.not_after),
    status: r.status,
    revokedAt: toDateOrNull(r.revoked_at),
    revocationReason: r.revocation_reason,
    invalidityDate: toDateOrNull(r.invalidity_date),
    publicKey: toBuffer(r.public_key),
    der: toBuffer(r.der),
    createdAt: toDate(r.created_at),
  };
}

/** Inserts the certificate and its first status event in one statement (one round trip on the hot path). */
export async function insertCertificate(db: Executor, c: CertificateRecord): Promise<void> {
  await db.raw(
    `WITH inserted AS (
       INSERT INTO certificates (serial, ca_id, agency_id, profile, subject, not_before, not_after, status, revoked_at,
                                 revocation_reason, invalidity_date, public_key, der, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       RETURNING serial)
     INSERT INTO certificate_status_events (serial, at, status, reason) SELECT serial, ?, ?, NULL FROM inserted`,
    [
      c.serial,
      c.caId,
      c.agencyId,
      c.profile,
      c.subject,
      c.notBefore,
      c.notAfter,
      c.status,
      c.revokedAt,
      c.revocationReason,
      c.invalidityDate,
      c.publicKey,
      c.der,
      c.createdAt,
      c.createdAt,
      c.status,
    ],
  );
}

export async function findCertificate(db: Executor, serial: string): Promise<CertificateRecord | undefined> {
  const row = (await db('certificates').where({ serial }).first()) as Row | undefined;
  return row ? fromRow(row) : undefined;
}

/** Locks the row for a status change in this transaction. */
export async function findCertificateForUpdate(
  db: Executor,
  serial: string,
): Promise<CertificateRecord | undefined> {
  const row = (await db('certificates').where({ serial }).forUpdate().first()) as Row | undefined;
  return row ? fromRow(row) : undefined;
}

/** Just what OCSP needs, without the DER. */
export async function findCertificateStatus(
  db: Executor,
  caId: string,
  serial: string,
): Promise<Pick<CertificateRecord, 'status' | 'revokedAt' | 'revocationReason' | 'notAfter'> | undefined> {
  const row = (await db('certificates')
    .select('status', 'revoked_at', 'revocation_reason', 'not_after')
    .where({ ca_id: caId, serial })
    .first()) as Pick<Row, 'status' | 'revoked_at' | 'revocation_reason' | 'not_after'> | undefined;
  return row
    ? {
        status: row.status,
        revokedAt: toDateOrNull(row.revoked_at),
        revocationReason: row.revocation_reason,
        notAfter: toDate(row.not_after),
      }
    : undefined;
}

export async function updateCertificateStatus(
  db: Executor,
  serial: string,
  change: {
    status: CertificateStatus;
    revokedAt: Date | null;
    reason: string | null;
    invalidityDate: Date | null;
    at: Date;
  },
): Promise<void> {
  await db('certificates').where({ serial }).update({
    status: change.status,
    revoked_at: change.revokedAt,
    revocation_reason: change.reason,
    invalidity_date: change.invalidityDate,
  });
  await insertStatusEvent(db, serial, change.at, change.status, change.reason);
}

async function insertStatusEvent(
  db: Executor,
  serial: string,
  at: Date,
  status: CertificateStatus,
  reason: string | null,
) {
  await db('certificate_status_events').insert({ serial, at, status, reason });
}

export async function listStatusEvents(db: Executor, serial: string): Promise<CertificateStatusEvent[]> {
  const rows = (await db('certificate_status_events').where({ serial }).orderBy('seq', 'asc')) as {
    at: unknown;
    status: CertificateStatus;
    reason: string | null;
  }[];
  return rows.map((r) => ({ at: toDate(r.at), status: r.status, reason: r.reason }));
}

export interface CertificateFilter {
  agencyId?: string | undefined;
  profile?: string | undefined;
  status?: CertificateStatus | undefined;
}

export async function listCertificates(
  db: Executor,
  filter: CertificateFilter,
  page: PageRequest,
): Promise<Page<CertificateRecord>> {
  const q = db('certificates')
    .orderBy('seq', 'asc')
    .limit(page.limit + 1);
  if (page.after !== undefined) q.where('seq', '>', page.after);
  if (filter.agencyId !== undefined) q.where('agency_id', filter.agencyId);
  if (filter.profile !== undefined) q.where('profile', filter.profile);
  if (filter.status !== undefined) q.where('status', filter.status);
  return toPage((await q) as Row[], page, fromRow, (r) => toNumber(r.seq));
}

/** Every entry a CRL must list: revoked and on hold, for one CA. */
export async function listRevokedForCrl(
  db: Executor,
  caId: string,
): Promise<{ serial: string; revokedAt: Date; reason: string; invalidityDate: Date | null }[]> {
  const rows = (await db('certificates')
    .select('serial', 'revoked_at', 'revocation_reason', 'invalidity_date')
    .where({ ca_id: caId })
    .whereIn('status', ['revoked', 'hold'])
    .orderBy('revoked_at', 'asc')) as {
    serial: string;
    revoked_at: unknown;
    revocation_reason: string;
    invalidity_date: unknown;
  }[];
  return rows.map((r) => ({
    serial: r.serial,
    revokedAt: toDate(r.revoked_at),
    reason: r.revocation_reason,
    invalidityDate: toDateOrNull(r.invalidity_date),
  }));
}
