/** A copy (复印件) of a licence made for one purpose, watermarked, expiring; its PDF is kept encrypted. */
export interface LicenceCopyRecord {
  id: string;
  identifier: string;
  purpose: string;
  maker: string;
  makerAgencyId: string;
  madeAt: Date;
  expiresAt: Date;
  pdfSm3: string;
  pdfBytes: number;
}
