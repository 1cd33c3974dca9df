import { tryParseCertificate } from '../pki/certificate.js';
import { validateChain } from '../pki/certificate-chain.js';
import { checkMakerSignature } from '../seal/ses-crypto-checks.js';
import { decodeSesSeal } from '../seal/ses-decoder.js';
import type { SesSeal } from '../seal/ses-types.js';
import { chainCheck } from './checks/chain-check.js';
import { orderChecks } from './checks/check-registry.js';
import { isOwnMaker, makerAuthorityCheck } from './checks/certificate-profile-checks.js';
import { formatFailure, formatPassed } from './checks/format-check.js';
import { revocationCheck } from './checks/revocation-check.js';
import { sealStatusCheck } from './checks/seal-status-check.js';
import { validityCheck } from './checks/validity-time.js';
import { deriveIndication, type Check, type SignatureReport } from './report.js';
import { party, sealSummary, summary } from './report-summaries.js';
import { fromCodec, MAKER } from './ses-signature-engine.js';
import type { Claim, SesValidationContext } from './validation-context.js';

/**
 * Validates a bare SESeal (v1, v4, v5): structure, the maker's signature, the seal's validity, the maker's
 * chain and authority at `now`, the maker's revocation status and the seal's registry status. Never throws
 * for bad input.
 */
export async function validateSesSeal(
  input: Uint8Array | SesSeal,
  ctx: SesValidationContext,
): Promise<SignatureReport> {
  const now = ctx.now ?? new Date();
  let seal: SesSeal;
  try {
    seal = input instanceof Uint8Array ? decodeSesSeal(input) : input;
  } catch (err) {
    return formatFailure('seal', err, 'ses-seal');
  }
  const checks: Check[] = [formatPassed('seal', seal.version, seal.header.vid, seal.notes)];
  checks.push(fromCodec('seal-signature', checkMakerSignature(seal)));
  const maker = tryParseCertificate(seal.makerCert);
  checks.push(
    validityCheck(
      [{ zh: '印章', en: 'seal', start: seal.property.validStart, end: seal.property.validEnd }],
      now,
      null,
      now,
      { zh: '当前时间', en: 'the current time' },
    ),
  );
  const makerChain = maker
    ? validateChain(maker, { anchors: ctx.anchors, intermediates: ctx.intermediates ?? [], at: now })
    : null;
  checks.push(chainCheck('maker-chain', MAKER, maker, makerChain));
  checks.push(makerAuthorityCheck(maker, makerChain, ctx.sealMakers));
  const claim: Claim = { claimed: now, best: null };
  checks.push(await revocationCheck('maker-revocation', MAKER, makerChain, ctx.revocation, claim, now));
  checks.push(
    await sealStatusCheck(seal.esID, seal.der, ctx.sealRegistry, claim, now, {
      ownMaker: isOwnMaker(maker, ctx.sealMakers),
    }),
  );
  const ordered = orderChecks(checks, 'ses-seal');
  const chain = (makerChain?.chain ?? []).map(summary);
  return {
    format: `SES seal v${seal.version}`,
    ...deriveIndication(ordered),
    signingTime: null,
    bestSignatureTime: null,
    seal: sealSummary(seal),
    signer: null,
    chain,
    maker: party(maker),
    makerChain: chain,
    checks: ordered,
  };
}
