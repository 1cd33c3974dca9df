import type { LicenceStatus } from './licence-lifecycle.js';
import type { LicenceMetadata } from './licence-metadata.js';

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
  pdfEnc: Buffer;
  pdfSm3: string;
  pdfBytes: number;
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

/** A licence without its (encrypted) file: what listings and status reads carry. */
export type LicenceSummary = Omit<LicenceRecord, 'pdfEnc'>;
