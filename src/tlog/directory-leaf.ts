import canonicalize from 'canonicalize';

import { sm3Hex } from '../crypto/sm3.js';
import type { Agency } from '../access/agency.js';
import type { LicenceEvent } from '../licence/licence-event.js';
import type { LicenceCopyRecord } from '../licence/licence-copy-record.js';
import type { LicenceSummary } from '../licence/licence-record.js';
import type { LicenceTypeDefinition } from '../licence/licence-type.js';
import type { CertificateRecord } from '../pki/certificate-record.js';
import type { SealRecord } from '../seal/seal-record.js';
import { SM3_MERKLE_HASHER } from './merkle-hasher.js';

/** Type tag of every directory leaf: a new schema gets a new tag, v1 never changes (domain separation). */
export const DIRECTORY_LEAF_TYPE = 'sealtrust.directory.v1';
/** Leaf size limit; C2SP entry bundles would allow 65,535, directory events never need more than this. */
export const MAX_DIRECTORY_LEAF_BYTES = 4096;

export type DirectoryKind = 'licence' | 'licence-copy' | 'seal' | 'certificate' | 'agency' | 'licence-type';

/** A directory event before encoding: the appender adds the node id (`node`) and encodes it once. */
export interface DirectoryEvent {
  kind: DirectoryKind;
  op: string;
  /** What the leaf is about (identifier, esID, serial, USCC, type code): the lookup key of the entry. */
  subject: string;
  at: Date;
  /** The kind object(s) of the leaf, e.g. `{ licence: {...} }`. */
  body: Record<string, unknown>;
}

/** One encoded directory event, ready to be appended: the bytes are never re-encoded afterwards. */
export interface DirectoryLeaf {
  kind: DirectoryKind;
  subject: string;
  at: Date;
  /** UTF-8 of the RFC 8785 canonical JSON object. */
  bytes: Buffer;
}

/** A leaf that cannot be encoded (over the size limit, or not JSON-representable). */
export class DirectoryLeafError extends Error {
  override readonly name = 'DirectoryLeafError';

  constructor(
    readonly code: 'LEAF_TOO_LARGE' | 'LEAF_NOT_ENCODABLE',
    message: string,
  ) {
    super(message);
  }
}

/** SM3(0x00 ‖ leaf), RFC 9162 §2.1.1 with SM3. */
export function directoryLeafHash(leaf: DirectoryLeaf): Buffer {
  return Buffer.from(SM3_MERKLE_HASHER.hashLeaf(leaf.bytes));
}

/** The leaf of `event` as node `node` logs it: RFC 8785 canonical JSON, at most 4,096 bytes. */
export function encodeDirectoryLeaf(node: string, event: DirectoryEvent): DirectoryLeaf {
  const { kind, op, subject, at, body } = event;
  const text = canonicalize({ ...body, t: DIRECTORY_LEAF_TYPE, node, kind, op, at: at.toISOString() });
  if (text === undefined) {
    throw new DirectoryLeafError(
      'LEAF_NOT_ENCODABLE',
      '目录事件无法编码 / directory event cannot be encoded',
    );
  }
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length > MAX_DIRECTORY_LEAF_BYTES) {
    throw new DirectoryLeafError(
      'LEAF_TOO_LARGE',
      `目录事件超过 ${MAX_DIRECTORY_LEAF_BYTES} 字节 / directory event exceeds ${MAX_DIRECTORY_LEAF_BYTES} bytes (${bytes.length})`,
    );
  }
  return { kind, subject, at, bytes };
}

/**
 * The same event marked `"backfill": true`: written by `sealtrust tlog genesis` for state that existed before
 * the log, so the log is honest about what it witnessed live (federation.md §2.2, §4.2).
 */
export function asBackfill(event: DirectoryEvent): DirectoryEvent {
  return { ...event, body: { ...event.body, backfill: true } };
}

function pending(
  kind: DirectoryKind,
  op: string,
  at: Date,
  subject: string,
  body: Record<string, unknown>,
): DirectoryEvent {
  return { kind, op, subject, at, body };
}

/**
 * One `licence_events` row as a leaf. `record` is the licence the event is about, as it is after the event.
 * The event that creates the identifier (fromStatus null: issue, or renew/replace on the new identifier) also
 * carries the file's SM3, size and seal, which bind the holder without naming them. Never the holder, the
 * licence number (for some personal licences an ID number), face fields or the reason.
 */
export function licenceLeaf(
  record: Pick<
    LicenceSummary,
    | 'identifier'
    | 'typeCode'
    | 'issuerCode'
    | 'version'
    | 'issueDate'
    | 'validFrom'
    | 'validTo'
    | 'pdfSm3'
    | 'pdfBytes'
    | 'signatureFormat'
    | 'esID'
    | 'signerSerial'
  >,
  event: Pick<LicenceEvent, 'operation' | 'fromStatus' | 'toStatus' | 'relatedIdentifier' | 'at'>,
): DirectoryEvent {
  const licence: Record<string, unknown> = {
    id: record.identifier,
    type: record.typeCode,
    issuer: record.issuerCode,
    version: record.version,
    status: event.toStatus,
    prev: event.fromStatus,
    related: event.relatedIdentifier,
  };
  if (event.fromStatus === null) {
    licence.issueDate = record.issueDate;
    licence.validFrom = record.validFrom;
    licence.validTo = record.validTo;
    licence.file = { sm3: record.pdfSm3, bytes: record.pdfBytes, format: record.signatureFormat };
    licence.seal = { esID: record.esID, signer: record.signerSerial };
  }
  return pending('licence', event.operation, event.at, record.identifier, { licence });
}

/** A copy made of a licence: which licence and which file, never the purpose or who asked. */
export function licenceCopyLeaf(
  copy: Pick<LicenceCopyRecord, 'identifier' | 'madeAt' | 'expiresAt' | 'pdfSm3' | 'pdfBytes'>,
): DirectoryEvent {
  return pending('licence-copy', 'make', copy.madeAt, copy.identifier, {
    licence: { id: copy.identifier },
    copy: {
      sm3: copy.pdfSm3,
      bytes: copy.pdfBytes,
      madeAt: copy.madeAt.toISOString(),
      expiresAt: copy.expiresAt.toISOString(),
    },
  });
}

export type SealLeafOp = 'make' | 'suspend' | 'resume' | 'revoke';

/** A seal made or its status changed; `agencyUscc` is the owning agency's USCC (the record holds its local id). */
export function sealLeaf(op: SealLeafOp, seal: SealRecord, agencyUscc: string, at: Date): DirectoryEvent {
  const body: Record<string, unknown> = {
    esID: seal.esID,
    agency: agencyUscc,
    type: seal.type,
    status: seal.status,
    validFrom: seal.validFrom.toISOString(),
    validTo: seal.validTo.toISOString(),
    maker: seal.makerCertificateSerial,
    signers: [...seal.signerCertificateSerials],
  };
  if (op === 'make') body.sm3 = sm3Hex(seal.der);
  return pending('seal', op, at, seal.esID, { seal: body });
}

export type CertificateLeafOp = 'issue' | 'hold' | 'revoke' | 'release';

/** A certificate issued or its status changed; the reason is the RFC 5280 §5.3.1 code name, never free text. */
export function certificateLeaf(
  op: CertificateLeafOp,
  cert: CertificateRecord,
  agencyUscc: string | null,
  at: Date,
): DirectoryEvent {
  const body: Record<string, unknown> = {
    serial: cert.serial,
    ca: cert.caId,
    profile: cert.profile,
    agency: agencyUscc,
    status: cert.status,
    notBefore: cert.notBefore.toISOString(),
    notAfter: cert.notAfter.toISOString(),
  };
  if (op === 'issue') body.sm3 = sm3Hex(cert.der);
  if (cert.revocationReason !== null) body.reason = cert.revocationReason;
  if (cert.revokedAt !== null) body.revokedAt = cert.revokedAt.toISOString();
  if (cert.invalidityDate !== null) body.invalidityDate = cert.invalidityDate.toISOString();
  return pending('certificate', op, at, cert.serial, { cert: body });
}

/** An agency registered (public organisation data: USCC, name, GB/T 2260 region). */
export function agencyLeaf(agency: Agency, at: Date): DirectoryEvent {
  return pending('agency', 'register', at, agency.uscc, {
    agency: { uscc: agency.uscc, name: agency.name, region: agency.regionCode },
  });
}

/** A licence type defined; `sm3` commits to the whole definition (face fields included) as canonical JSON. */
export function licenceTypeLeaf(type: LicenceTypeDefinition, at: Date): DirectoryEvent {
  const definition = {
    code: type.code,
    name: type.name,
    authority: type.authority,
    holderCategory: type.holderCategory,
    validity: type.validity,
    templateId: type.templateId,
    fields: type.fields,
    ...(type.serviceItem === undefined ? {} : { serviceItem: type.serviceItem }),
  };
  return pending('licence-type', 'define', at, type.code, {
    type: {
      code: type.code,
      name: type.name,
      authority: type.authority.code,
      holderCategory: type.holderCategory,
      sm3: sm3Hex(Buffer.from(canonicalize(definition) ?? '', 'utf8')),
    },
  });
}
