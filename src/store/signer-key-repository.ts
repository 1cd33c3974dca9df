import type { Executor } from './database.js';
import type { CertificateStatus } from '../pki/certificate-record.js';
import { toBuffer, toDate, toDateOrNull } from './row-types.js';

export type SignerKeyStatus = 'active' | 'retired';

/** An agency's seal-signer key as stored: the private key only ever wrapped by the KEK. */
export interface SignerKeyRecord {
  id: string;
  agencyId: string;
  certificateSerial: string;
  /** 65-byte uncompressed SM2 point. */
  publicKey: Buffer;
  /** AES-256-GCM blob from KeyEncryptionKey.wrap, bound to this row. */
  wrappedKey: Buffer;
  kekId: string;
  status: SignerKeyStatus;
  createdAt: Date;
  retiredAt: Date | null;
}

/** A key with what its certificate says now (listings, and choosing a key to sign with). */
export interface SignerKeyWithCertificate extends SignerKeyRecord {
  certificate: { status: CertificateStatus; notBefore: Date; notAfter: Date; der: Buffer };
}

interface Row {
  id: string;
  agency_id: string;
  certificate_serial: string;
  public_key: unknown;
  wrapped_key: unknown;
  kek_id: string;
  status: SignerKeyStatus;
  created_at: unknown;
  retired_at: unknown;
}

interface JoinedRow extends Row {
  cert_status: CertificateStatus;
  cert_not_before: unknown;
  cert_not_after: unknown;
  cert_der: unknown;
}

function fromRow(r: Row): SignerKeyRecord {
  return {
    id: r.id,
    agencyId: r.agency_id,
    certificateSerial: r.certificate_serial,
    publicKey: toBuffer(r.public_key),
    wrappedKey: toBuffer(r.wrapped_key),
    kekId: r.kek_id,
    status: r.status,
    createdAt: toDate(r.created_at),
    retiredAt: toDateOrNull(r.retired_at),
  };
}

function fromJoinedRow(r: JoinedRow): SignerKeyWithCertificate {
  return {
    ...fromRow(r),
    certificate: {
      status: r.cert_status,
      notBefore: toDate(r.cert_not_before),
      notAfter: toDate(r.cert_not_after),
      der: toBuffer(r.cert_der),
    },
  };
}

const JOINED_COLUMNS = [
  'k.*',
  'c.status as cert_status',
  'c.not_before as cert_not_before',
  'c.not_after as cert_not_after',
  'c.der as cert_der',
];

export async function insertSignerKey(db: Executor, k: SignerKeyRecord): Promise<void> {
  await db('signer_keys').insert({
    id: k.id,
    agency_id: k.agencyId,
    certificate_serial: k.certificateSerial,
    public_key: k.publicKey,
    wrapped_key: k.wrappedKey,
    kek_id: k.kekId,
    status: k.status,
    created_at: k.createdAt,
    retired_at: k.retiredAt,
  });
}

/**
 * Serialises key changes of one agency (two concurrent rotations must not both leave a key active): locks
 * the agency row for the rest of the transaction. False when there is no such agency.
 */
export async function lockAgencyForKeyChange(trx: Executor, agencyId: string): Promise<boolean> {
  const row = (await trx('agencies').select('id').where({ id: agencyId }).forNoKeyUpdate().first()) as
    { id: string } | undefined;
  return row !== undefined;
}

export async function findSignerKey(db: Executor, id: string): Promise<SignerKeyRecord | undefined> {
  const row = (await db('signer_keys').where({ id }).first()) as Row | undefined;
  return row ? fromRow(row) : undefined;
}

export async function findSignerKeyForUpdate(db: Executor, id: string): Promise<SignerKeyRecord | undefined> {
  const row = (await db('signer_keys').where({ id }).forUpdate().first()) as Row | undefined;
  return row ? fromRow(row) : undefined;
}

/** Every key of the agency, newest first, with its certificate's status and validity. */
export async function listSignerKeys(db: Executor, agencyId: string): Promise<SignerKeyWithCertificate[]> {
  const rows = (await db('signer_keys as k')
    .join('certificates as c', 'c.serial', 'k.certificate_serial')
    .select(JOINED_COLUMNS)
    .where('k.agency_id', agencyId)
    .orderBy([
      { column: 'k.created_at', order: 'desc' },
      { column: 'k.id', order: 'desc' },
    ])) as JoinedRow[];
  return rows.map(fromJoinedRow);
}

/** Marks every active key of the agency retired; returns their ids. */
export async function retireActiveSignerKeys(trx: Executor, agencyId: string, at: Date): Promise<string[]> {
  const rows = (await trx('signer_keys')
    .where({ agency_id: agencyId, status: 'active' })
    .update({ status: 'retired', retired_at: at })
    .returning('id')) as { id: string }[];
  return rows.map((r) => r.id);
}

export async function retireSignerKey(trx: Executor, id: string, at: Date): Promise<void> {
  await trx('signer_keys').where({ id }).update({ status: 'retired', retired_at: at });
}

/**
 * The agency's active keys that may sign with the seal at `now`: the certificate is listed in the seal
 * (seal_signers), good and within its validity. Newest first; one round trip on the signing path.
 */
export async function findUsableSignerKeys(
  db: Executor,
  agencyId: string,
  esID: string,
  now: Date,
): Promise<SignerKeyWithCertificate[]> {
  const rows = (await db('signer_keys as k')
    .join('certificates as c', 'c.serial', 'k.certificate_serial')
    .join('seal_signers as s', 's.certificate_serial', 'k.certificate_serial')
    .select(JOINED_COLUMNS)
    .where({ 'k.agency_id': agencyId, 'k.status': 'active', 's.es_id': esID, 'c.status': 'good' })
    .andWhere('c.not_before', '<=', now)
    .andWhere('c.not_after', '>=', now)
    .orderBy([
      { column: 'k.created_at', order: 'desc' },
      { column: 'k.id', order: 'desc' },
    ])) as JoinedRow[];
  return rows.map(fromJoinedRow);
}
