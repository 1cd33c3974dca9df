import type { LicenceStatus } from './licence-lifecycle.js';
import type { LicenceMetadata } from './licence-metadata.js';
import type { LicenceFileEntry } from './licence-file-entry.js';

/** One licence file in the directory (one record per identifier, i.e. per version). */
export interface LicenceRecord {
  identifier: string;
  typeCode: string;
  agencyId: string;
  issuerCode: string;
  serial: string;
  version: number;
  number: string;
  holderName: string;
  holderCodeEnc: Buffer;
  holderCodeIndex: Buffer;
  holderCodeMasked: string;
  holderCodeType: string;
  issueDate: string;
  validFrom: string;
  validTo: string | null;
  regionCode: string;
  /** GB/T 36903 elements with the holder code masked. */
  metadata: LicenceMetadata;
  /** The layout files issued (PDF first, then OFD): format, SM3 and size; the bytes are kept apart, encrypted. */
  files: LicenceFileEntry[];
  esID: string;
  signerSerial: string;
  signatureFormat: 'ses' | 'cms';
  status: LicenceStatus;
  statusReason: string | null;
  predecessor: string | null;
  successor: string | null;
  signedAt: Date;
  createdAt: Date;
  updatedAt: Date;
}

/** What listings and status reads carry (the record never holds the files' bytes). */
export type LicenceSummary = LicenceRecord;
