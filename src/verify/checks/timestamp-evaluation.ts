import { createHash } from 'node:crypto';
import { validateChain, type ChainResult } from '../../pki/certificate-chain.js';
import { verifyTimestampToken, type TimestampVerification } from '../../pki/timestamp.js';
import type { SesSignature } from '../../seal/ses-types.js';
import type { Check, TimestampSummary } from '../report.js';
import type { SesValidationContext } from '../validation-context.js';
import { emit } from './messages.js';

// The 'timestamp' check and the time it proves. A valid, trusted RFC 3161 token over the signature value is
// a proof of existence at its genTime (the best signature time, EN 319 102-1 §5.6.2.2); a token that does
// not validate is ignored and proves nothing. A v1 timeInfo token sits inside the signed data: the signature
// was made after it, so it is the signing time, never a proof of existence.

export interface TimestampOutcome {
  check: Check;
  /** genTime when the token proves the signature existed then. */
  best: Date | null;
  /** genTime of a valid v1 timeInfo token: the signing time (a lower bound, not a proof of existence). */
  signingTimeFromToken: Date | null;
  summary?: TimestampSummary;
}

const DIGESTS = new Set(['sm3', 'sha256', 'sha1', 'sha384', 'sha512']);
/** Clock skew tolerated for a genTime in the future. */
const FUTURE_SKEW_MS = 5 * 60_000;

/** Shared with the CMS engine, which passes its token and signature value in the same shape. */
export function evaluateTimestamp(
  sig: Pick<SesSignature, 'timeStamp' | 'signature' | 'version' | 'notes'>,
  ctx: SesValidationContext,
  now: Date,
): TimestampOutcome {
  const token = sig.timeStamp;
  if (!token) {
    return {
      check: emit('timestamp', 'skipped', 'NO_TIMESTAMP', undefined),
      best: null,
      signingTimeFromToken: null,
    };
  }
  const insideTbs = sig.version === 1 && sig.notes.includes('time-info-timestamp');
  let v: TimestampVerification;
  try {
    v = verifyTimestampToken(token);
    if (!v.tsaCert && (ctx.tsaAnchors?.length || ctx.intermediates?.length)) {
      v = verifyTimestampToken(token, {
        trustedTsaCerts: [...(ctx.tsaAnchors ?? []), ...(ctx.intermediates ?? [])],
      });
    }
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return {
      check: emit('timestamp', 'failed', 'TIMESTAMP_MALFORMED', { why }),
      best: null,
      signingTimeFromToken: null,
    };
  }
  const problems = [...v.problems];
  let imprintMatches = false;
  if (!insideTbs) {
    if (DIGESTS.has(v.imprintAlg)) {
      imprintMatches = createHash(v.imprintAlg).update(sig.signature).digest().equals(v.imprint);
    } else {
      problems.push(`imprint digest ${v.imprintAlg} is not supported`);
    }
    if (!imprintMatches) problems.push('the message imprint is not the digest of the signature value');
  }
  const cryptoOk = v.signatureValid && v.ekuOk;
  let chain: ChainResult | null = null;
  if (v.tsaCert) {
    chain = validateChain(v.tsaCert, {
      anchors: ctx.tsaAnchors ?? ctx.anchors,
      intermediates: ctx.intermediates ?? [],
      at: v.genTime,
    });
    if (chain.status !== 'passed') problems.push(`TSA certificate: ${chain.messageEn}`);
  }
  const trusted = chain?.status === 'passed';
  const future = v.genTime.getTime() > now.getTime() + FUTURE_SKEW_MS;
  if (future) problems.push('genTime is in the future');
  const genTime = v.genTime.toISOString();
  const tsa = v.tsaCert?.subject ?? null;
  const summary: TimestampSummary = {
    genTime,
    serial: v.serial.toString(),
    policy: v.policy,
    tsa,
    imprintAlgorithm: v.imprintAlg,
    signatureValid: cryptoOk,
    imprintMatches: insideTbs ? false : imprintMatches,
    trusted,
    problems,
  };
  const details = { genTime, tsa, problems };
  const ignored = (check: Check): TimestampOutcome => ({
    summary,
    check,
    best: null,
    signingTimeFromToken: null,
  });
  if (!cryptoOk || future)
    return ignored(emit('timestamp', 'failed', 'TIMESTAMP_INVALID', { problems }, details));
  if (insideTbs) {
    return {
      summary,
      check: trusted
        ? emit('timestamp', 'passed', 'TIMESTAMP_SIGNING_TIME', { genTime }, details)
        : emit(
            'timestamp',
            'indeterminate',
            'TIMESTAMP_UNTRUSTED',
            { genTime, insideTbs, chain: null },
            details,
          ),
      best: null,
      signingTimeFromToken: trusted ? v.genTime : null,
    };
  }
  if (!imprintMatches)
    return ignored(emit('timestamp', 'failed', 'TIMESTAMP_IMPRINT_MISMATCH', { genTime }, details));
  if (!trusted) {
    const why = chain ? { zh: chain.message, en: chain.messageEn } : null;
    return ignored(
      emit('timestamp', 'indeterminate', 'TIMESTAMP_UNTRUSTED', { genTime, insideTbs, chain: why }, details),
    );
  }
  return {
    summary,
    check: emit('timestamp', 'passed', 'TIMESTAMP_VALID', { genTime, tsa }, details),
    best: v.genTime,
    signingTimeFromToken: null,
  };
}
