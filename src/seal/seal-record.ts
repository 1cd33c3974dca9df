/** A seal's status in the registry (挂失 suspends, 注销 revokes); expiry follows from validTo. */
export type SealStatus = 'active' | 'suspended' | 'revoked';

/** An electronic seal (GB/T 38540 SES_Seal) as registered: its DER, picture and the certificates it names. */
export interface SealRecord {
  esID: string;
  agencyId: string;
  name: string;
  type: string;
  typeCode: number;
  status: SealStatus;
  validFrom: Date;
  validTo: Date;
  makerCertificateSerial: string;
  signerCertificateSerials: string[];
  pictureType: string;
  pictureWidthMm: number;
  pictureHeightMm: number;
  picture: Buffer;
  picturePaths: { d: string; fill: string }[] | null;
  der: Buffer;
  createdAt: Date;
}
