import { tryParseCertificate } from '../pki/certificate.js';
import { validateChain } from '../pki/certificate-chain.js';
import {
  checkDataHash,
  checkMakerSignature,
  checkSignerInSeal,
  checkSignerSignature,
  type SesCheckResult,
} from '../seal/ses-crypto-checks.js';
import { decodeSesSignature } from '../seal/ses-decoder.js';
import type { SesSignature } from '../seal/ses-types.js';
import { chainCheck } from './checks/chain-check.js';
import { orderChecks, type CheckId } from './checks/check-registry.js';
import { isOwnMaker, makerAuthorityCheck, signerProfileCheck } from './checks/certificate-profile-checks.js';
import { formatFailure, formatPassed } from './checks/format-check.js';
import { emit, withText } from './checks/messages.js';
import { revocationCheck } from './checks/revocation-check.js';
import { sealStatusCheck } from './checks/seal-status-check.js';
import { evaluateTimestamp } from './checks/timestamp-evaluation.js';
import { certWindow, validityCheck, type Window } from './checks/validity-time.js';
import { deriveIndication, type Check, type SignatureReport } from './report.js';
import { iso, party, sealSummary, summary } from './report-summaries.js';
import type { Claim, SesValidationContext } from './validation-context.js';

// The engine for GB/T 38540 / GM/T 0031 seal signatures (SES_Signature v1, v4, v5). It follows the
// verification order of GB/T 38540 §8, runs every check (the report says everything that is wrong, not just
// the first thing) and leaves the verdict to the registry's rules.

export const SIGNER = { zh: '签章者', en: 'signer' };
export const MAKER = { zh: '制章者', en: 'seal maker' };

export function fromCodec(id: CheckId, r: SesCheckResult): Check {
  return withText(id, r.status, r.code, { zh: r.message, en: r.messageEn });
}

/**
 * Validates an SES_Signature (v1, v4, v5) as bytes or decoded. Never throws for bad input: an undecodable
 * structure is a report with `format` failed (TOTAL_FAILED / FORMAT_FAILURE) naming the element that broke.
 */
export async function validateSesSignature(
  input: Uint8Array | SesSignature,
  ctx: SesValidationContext,
): Promise<SignatureReport> {
  const now = ctx.now ?? new Date();
  let sig: SesSignature;
  try {
    sig = input instanceof Uint8Array ? decodeSesSignature(input) : input;
  } catch (err) {
    return formatFailure('signature', err, 'ses-signature');
  }
  const seal = sig.seal;
  const checks: Check[] = [
    formatPassed('signature', sig.version, seal.header.vid, [...seal.notes, ...sig.notes]),
  ];
  checks.push(fromCodec('signature', checkSignerSignature(sig)));
  checks.push(fromCodec('signer-in-seal', checkSignerInSeal(sig)));
  checks.push(fromCodec('seal-signature', checkMakerSignature(seal)));

  const signer = tryParseCertificate(sig.signerCert);
  const maker = tryParseCertificate(seal.makerCert);
  const ts = evaluateTimestamp(sig, ctx, now);
  const claimed = sig.timeInfo ?? ts.signingTimeFromToken;
  const claim: Claim = { claimed, best: ts.best };
  const t = claimed ?? ts.best;
  const label = claimed
    ? { zh: '签名时间', en: 'the signing time' }
    : { zh: '时间戳时间', en: 'the timestamp time' };
  checks.push(
    validityCheck(
      [
        { zh: '印章', en: 'seal', start: seal.property.validStart, end: seal.property.validEnd },
        ...[
          certWindow('签章者证书', 'signer certificate', signer),
          certWindow('制章者证书', 'seal maker certificate', maker),
        ].filter((w): w is Window => w !== null),
      ],
      t,
      ts.best,
      now,
      label,
    ),
  );

  const at = t ?? now;
  const opts = { anchors: ctx.anchors, intermediates: ctx.intermediates ?? [], at };
  const signerChain = signer ? validateChain(signer, opts) : null;
  const makerChain = maker
    ? signer && maker.der.equals(signer.der)
      ? signerChain
      : validateChain(maker, opts)
    : null;
  checks.push(chainCheck('chain', SIGNER, signer, signerChain));
  checks.push(signerProfileCheck(signer, signerChain));
  checks.push(chainCheck('maker-chain', MAKER, maker, makerChain));
  checks.push(makerAuthorityCheck(maker, makerChain, ctx.sealMakers));
  checks.push(await revocationCheck('revocation', SIGNER, signerChain, ctx.revocation, claim, now));
  checks.push(await revocationCheck('maker-revocation', MAKER, makerChain, ctx.revocation, claim, now));

  const dh = checkDataHash(sig, ctx.data);
  checks.push(
    dh.code === 'DATA_NOT_PROVIDED'
      ? emit('data-hash', 'skipped', 'DATA_NOT_PROVIDED', {
          kind: 'ses',
          detail: { zh: dh.message, en: dh.messageEn },
          range: sig.propertyInfo,
        })
      : fromCodec('data-hash', dh),
  );
  checks.push(ts.check);
  checks.push(
    await sealStatusCheck(seal.esID, sig.sealDer, ctx.sealRegistry, claim, now, {
      ownMaker: isOwnMaker(maker, ctx.sealMakers),
    }),
  );

  const ordered = orderChecks(checks, 'ses-signature');
  return {
    format: `SES v${sig.version}`,
    ...deriveIndication(ordered),
    signingTime: iso(claimed),
    bestSignatureTime: iso(ts.best),
    seal: sealSummary(seal),
    signer: party(signer),
    chain: (signerChain?.chain ?? []).map(summary),
    maker: party(maker),
    makerChain: (makerChain?.chain ?? []).map(summary),
    checks: ordered,
    ...(ts.summary ? { timestamp: ts.summary } : {}),
  };
}
