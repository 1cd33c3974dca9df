import { sm3Hex } from '../../crypto/sm3.js';
import type { Check } from '../report.js';
import { iso } from '../report-summaries.js';
import type { Claim, SealRegistryStatus, SealRegistryView, SealStatusAnswer } from '../validation-context.js';
import { emit } from './messages.js';

// The 'seal-status' check: the seal in this node's registry at the signing time, and now (the time model for
// seals, as for certificates: a seal revoked or suspended after the claimed time needs a proof of existence
// before that, or the claim is worthless). A seal the registry has never heard of is another node's (its
// status is not this node's to tell: skipped) — unless its maker is one of this node's own seal-making
// systems, whose every seal is registered here: then it is forged or was deleted (FAILED).

export async function sealStatusCheck(
  esID: string,
  sealDer: Uint8Array,
  registry: SealRegistryView | undefined,
  claim: Claim,
  now: Date,
  opts: { ownMaker?: boolean } = {},
): Promise<Check> {
  if (!registry) return emit('seal-status', 'skipped', 'NO_REGISTRY', undefined);
  const at = claim.claimed ?? claim.best ?? now;
  let atSign: SealStatusAnswer | undefined;
  let current: SealStatusAnswer | undefined;
  try {
    atSign = await registry.sealStatusAt(esID, at);
    current = at.getTime() === now.getTime() ? atSign : await registry.sealStatusAt(esID, now);
  } catch (err) {
    return emit('seal-status', 'indeterminate', 'REGISTRY_UNAVAILABLE', { why: (err as Error).message });
  }
  const ownMaker = opts.ownMaker === true;
  if (!atSign?.known)
    return emit('seal-status', ownMaker ? 'failed' : 'skipped', 'SEAL_NOT_REGISTERED', { esID, ownMaker });
  if (atSign.registeredSealSm3 && atSign.registeredSealSm3 !== sm3Hex(sealDer))
    return emit('seal-status', 'failed', 'SEAL_BYTES_MISMATCH', { esID });
  const atText = at.toISOString();
  const details = {
    statusAtSigningTime: atSign.status ?? null,
    changedAt: iso(atSign.changedAt),
    currentStatus: current?.status ?? atSign.currentStatus ?? null,
    revokedAt: iso(atSign.revokedAt ?? current?.revokedAt),
  };
  const s = atSign.status;
  if (!s) return emit('seal-status', 'indeterminate', 'SEAL_STATUS_UNKNOWN', { esID, at: atText }, details);
  if (s === 'revoked' || s === 'suspended' || s === 'expired') {
    const code = s === 'revoked' ? 'SEAL_REVOKED' : s === 'suspended' ? 'SEAL_SUSPENDED' : 'SEAL_EXPIRED';
    const facts = { status: s, at: atText, since: iso(atSign.changedAt), reason: atSign.reason ?? null };
    return emit('seal-status', 'failed', code, facts, details);
  }
  // Active at the claimed time. A later revocation or suspension makes the claim worthless without a proof of
  // existence before it (the signer could have backdated timeInfo after losing the seal).
  const later = current?.status ?? (atSign.currentStatus as SealRegistryStatus | undefined);
  if (later === 'revoked' || later === 'suspended') {
    const r = atSign.revokedAt ?? current?.revokedAt ?? current?.changedAt;
    if (r && claim.best && claim.best < r)
      return emit(
        'seal-status',
        'passed',
        'SEAL_REVOKED_AFTER_POE',
        { later, at: iso(r), best: claim.best.toISOString() },
        details,
      );
    return emit(
      'seal-status',
      'indeterminate',
      'REVOKED_NO_POE',
      { later, at: iso(r), claimed: iso(claim.claimed) },
      details,
    );
  }
  return emit('seal-status', 'passed', 'SEAL_ACTIVE', { esID, at: atText, now: later ?? null }, details);
}
