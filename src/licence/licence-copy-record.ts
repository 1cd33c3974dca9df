import type { LicenceFileEntry } from './licence-file-entry.js';

/** A copy (复印件) of a licence made for one purpose, watermarked, expiring; its files are kept encrypted. */
export interface LicenceCopyRecord {
  id: string;
  identifier: string;
  purpose: string;
  maker: string;
  makerAgencyId: string;
  madeAt: Date;
  expiresAt: Date;
  /** The copy's layout files (PDF first, then OFD); the bytes are kept apart, encrypted. */
  files: LicenceFileEntry[];
}
