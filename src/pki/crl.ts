import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { CryptoInputError } from '../crypto/crypto-input-error.js';
import { CRL_REASON_NAMES, CRL_REASONS, type CrlReason } from './crl-builder.js';
import { PKI_OID } from './pki-oids.js';
import { isSm2WithSm3, verifyTbs } from './sm2-signed-object.js';

export interface ParsedCrl {
  issuerDer: Buffer;
  thisUpdate: Date;
  nextUpdate: Date | null;
  crlNumber: bigint | null;
  /** Revoked serials (upper-case hex) with their time and reason. */
  entries: Map<string, { revokedAt: Date; reason: CrlReason; invalidityDate: Date | null }>;
  tbs: Uint8Array;
  signature: Uint8Array;
  sm2WithSm3: boolean;
}

/** Parses an X.509 CRL (DER); malformed input is a CryptoInputError. The TBS bytes are kept as received. */
export function parseCrl(der: Uint8Array): ParsedCrl {
  let crl: pkijs.CertificateRevocationList;
  try {
    const asn1 = asn1js.fromBER(der);
    if (asn1.offset === -1 || asn1.offset !== der.byteLength) throw new Error('not a single DER object');
    crl = new pkijs.CertificateRevocationList({ schema: asn1.result });
  } catch (err) {
    throw new CryptoInputError('MALFORMED_DER', `CRL: ${(err as Error).message}`);
  }
  const entries: ParsedCrl['entries'] = new Map();
  for (const rc of crl.revokedCertificates ?? []) {
    let reason: CrlReason = 'unspecified';
    let invalidityDate: Date | null = null;
    for (const e of rc.crlEntryExtensions?.extensions ?? []) {
      const inner = asn1js.fromBER(e.extnValue.valueBlock.valueHexView).result;
      if (e.extnID === PKI_OID.crlReason && inner instanceof asn1js.Enumerated) {
        reason = CRL_REASON_NAMES.find((n) => CRL_REASONS[n] === inner.valueBlock.valueDec) ?? 'unspecified';
      }
      if (e.extnID === PKI_OID.invalidityDate && inner instanceof asn1js.GeneralizedTime)
        invalidityDate = inner.toDate();
    }
    const serial = Buffer.from(rc.userCertificate.valueBlock.valueHexView)
      .toString('hex')
      .toUpperCase()
      .replace(/^(00)+(?=.)/, '');
    entries.set(serial, { revokedAt: rc.revocationDate.value, reason, invalidityDate });
  }
  let crlNumber: bigint | null = null;
  for (const e of crl.crlExtensions?.extensions ?? []) {
    if (e.extnID === PKI_OID.crlNumber) {
      const n = asn1js.fromBER(e.extnValue.valueBlock.valueHexView).result;
      if (n instanceof asn1js.Integer) crlNumber = n.toBigInt();
    }
  }
  return {
    issuerDer: Buffer.from(crl.issuer.toSchema().toBER()),
    thisUpdate: crl.thisUpdate.value,
    nextUpdate: crl.nextUpdate?.value ?? null,
    crlNumber,
    entries,
    tbs: crl.tbsView,
    signature: crl.signatureValue.valueBlock.valueHexView,
    sm2WithSm3: isSm2WithSm3(crl.signatureAlgorithm),
  };
}

export function verifyCrlSignature(crl: ParsedCrl, issuerPublicKey: Uint8Array): boolean {
  return crl.sm2WithSm3 && verifyTbs(issuerPublicKey, crl.tbs, crl.signature);
}
