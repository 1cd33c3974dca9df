import type { CertificateInfo } from '../pki/certificate.js';
import type { SesSeal } from '../seal/ses-types.js';
import type { CertificateSummary, SignatureReport } from './report.js';

// The report's descriptions of certificates and seals (not checks: facts the reader sees beside them).

export function iso(d: Date | null | undefined): string | null {
  return d ? d.toISOString() : null;
}

export function summary(c: CertificateInfo): CertificateSummary {
  return {
    subject: c.subject,
    serial: c.serialHex,
    notBefore: iso(c.notBefore)!,
    notAfter: iso(c.notAfter)!,
  };
}

export function party(c: CertificateInfo | null) {
  return c ? { subject: c.subject, serial: c.serialHex, issuer: c.issuer } : null;
}

export function sealSummary(seal: SesSeal): NonNullable<SignatureReport['seal']> {
  return {
    esID: seal.esID,
    name: seal.property.name,
    version: seal.version,
    type: seal.property.type,
    vid: seal.header.vid,
    validStart: iso(seal.property.validStart),
    validEnd: iso(seal.property.validEnd),
  };
}
