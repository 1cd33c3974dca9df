import { CHECK_ORDER, orderChecks } from './checks/check-registry.js';
import { emit } from './checks/messages.js';
import { deriveIndication, type Check, type SignatureReport } from './report.js';

// A digital signature that is nothing but an SM2 signature value over the protected data (ofdrw's
// DigitalSignContainer writes one as an OFD Type="Sign" SignedValue.dat): DER SEQUENCE{r, s} or raw r‖s,
// without a certificate. Nothing names the signer, so nothing can be verified here: the report says what it
// is and ends NO_SIGNING_CERTIFICATE_FOUND, never a pass.

/** DER SM2-Signature (SEQUENCE of two INTEGERs of at most 33 bytes) or raw 64-byte r‖s. */
export function looksLikeBareSm2(b: Uint8Array): boolean {
  if (b.length === 64) return true;
  if (b.length < 8 || b.length > 72 || b[0] !== 0x30 || b[1] !== b.length - 2) return false;
  let p = 2;
  for (let i = 0; i < 2; i++) {
    if (b[p] !== 0x02) return false;
    const n = b[p + 1]!;
    if (n === 0 || n > 33) return false;
    p += 2 + n;
  }
  return p === b.length;
}

export function validateBareSm2Signature(): SignatureReport {
  const noCert = { zh: '签名值不含证书', en: 'the signature carries no certificate' };
  const checks: Check[] = [
    emit('format', 'passed', 'BARE_SM2_SIGNATURE', undefined),
    emit('data-hash', 'passed', 'DATA_SIGNED_DIRECTLY', undefined),
    emit('signature', 'indeterminate', 'BARE_SM2_NO_KEY', undefined),
    emit('chain', 'indeterminate', 'NO_SIGNING_CERTIFICATE_FOUND', {
      party: { zh: '签名者', en: 'signer' },
      absent: true,
    }),
  ];
  for (const id of ['signer-in-seal', 'seal-signature', 'seal-status'] as const)
    checks.push(emit(id, 'skipped', 'NOT_APPLICABLE', undefined));
  for (const id of CHECK_ORDER.cms)
    if (!checks.some((c) => c.id === id)) checks.push(emit(id, 'skipped', 'NOT_RUN', { why: noCert }));
  const ordered = orderChecks(checks, 'cms');
  return {
    format: 'SM2',
    ...deriveIndication(ordered),
    signingTime: null,
    bestSignatureTime: null,
    seal: null,
    signer: null,
    chain: [],
    checks: ordered,
  };
}
