/** A CRL this CA published (RFC 5280 §5), kept so the current one can be served without re-signing. */
export interface CrlRecord {
  caId: string;
  crlNumber: number;
  thisUpdate: Date;
  nextUpdate: Date;
  entries: number;
  der: Buffer;
}
