import {
  judgeSealEvidence,
  type SealEvidenceAnswer,
  type SealLogHistory,
} from '../../verify/licence-log-evidence.js';
import type {
  SealRegistryStatus,
  SealRegistryView,
  SealStatusAnswer,
} from '../../verify/validation-context.js';
import type { LicenceNotInIndex } from '../federation/hub-evidence-source.js';
import { ASK_AGAIN, type CheckpointTimeline } from './federated-directory-view.js';
import type { TrustBound, TrustSource } from './federated-trust.js';

// The seal registry as a verifier at any node sees it (federation.md §4.3 "Foreign SealRegistryView"): this node's
// seals from its own registry; another node's from the hub's evidence of that node's log (the seal's make and
// status events, each proven under a hub-cosigned checkpoint and judged against the trust list and the timeline the
// directory view keeps). A seal revoked at home is then revoked everywhere. Evidence that cannot be had or does
// not verify makes the seal's status INDETERMINATE (the view throws), never passed.

export type HubSealSource = (esID: string, old?: number) => Promise<SealEvidenceAnswer | LicenceNotInIndex>;

export interface FederatedSealRegistryDeps {
  local: SealRegistryView;
  trust: TrustSource;
  hub: HubSealSource | undefined;
  timeline: CheckpointTimeline;
}

/**
 * The seal's status at `at` from its logged history, read as this node's registry reads its own (seal-service.ts
 * sealStatusAt): signing times are whole seconds, so the make event counts from the start of its second; a
 * revocation stands whatever the validity window; outside the window the seal is not yet valid or expired.
 */
function statusAt(h: SealLogHistory, at: Date): { status?: SealRegistryStatus; since?: Date } {
  const t = at.getTime();
  let current: { status: string; at: string } | undefined;
  for (const [i, e] of h.events.entries()) {
    const ms = Date.parse(e.at);
    if ((i === 0 ? Math.floor(ms / 1000) * 1000 : ms) <= t) current = e;
  }
  if (!current) return {};
  if (current.status === 'revoked') return { status: 'revoked', since: new Date(current.at) };
  if (t < Date.parse(h.validFrom)) return {};
  if (t > Date.parse(h.validTo)) return { status: 'expired', since: new Date(h.validTo) };
  return { status: current.status as SealRegistryStatus, since: new Date(current.at) };
}

export function federatedSealRegistry(deps: FederatedSealRegistryDeps): TrustBound<SealRegistryView> {
  const originOf = new Map<string, string>();
  const under = (trust: TrustSource): SealRegistryView => ({
    async sealStatusAt(esID, at): Promise<SealStatusAnswer | undefined> {
      const own = await deps.local.sealStatusAt(esID, at);
      if (own?.known || !deps.hub) return own;
      const snap = await trust.snapshot();
      // Without a list in force no other node is vouched for: the seal stays unknown here (its chain fails).
      if (!snap || snap.state !== 'valid') return own;
      const held = (origin: string | undefined) => (origin ? deps.timeline.get(origin) : undefined);
      const ask = async (old?: number) => {
        try {
          return await deps.hub!(esID, old);
        } catch (err) {
          throw new Error(`国家枢纽不可达 / the hub cannot be reached: ${(err as Error).message}`);
        }
      };
      let answer = await ask(held(originOf.get(esID))?.checkpoint.size);
      if ('missing' in answer) return own;
      const node = snap.anchors.nodes.find((n) => n.nodeId === answer.node);
      if (!node) return own;
      originOf.set(esID, node.origin);
      await deps.timeline.load(node.origin);
      const input = {
        node,
        witnesses: snap.anchors.witnesses,
        quorum: snap.anchors.quorum,
        known: held(node.origin),
        statusVerifier: snap.anchors.statusVerifier,
      };
      let judged = judgeSealEvidence(answer, esID, input);
      if (ASK_AGAIN.has(judged.judgement.code) && input.known) {
        answer = await ask(input.known.checkpoint.size);
        if ('missing' in answer) return own;
        judged = judgeSealEvidence(answer, esID, input);
      }
      const j = judged.judgement;
      if (j.checkpoint && j.outcome !== 'failed') await deps.timeline.advance(node.origin, j.checkpoint);
      if (j.outcome !== 'passed' || !judged.history)
        throw new Error(
          `印章的目录日志证据${j.outcome === 'failed' ? '无效' : '暂不可用'} / seal log evidence ${j.code}: ${j.why ?? ''}`,
        );
      const h = judged.history;
      const then = statusAt(h, at);
      const now = statusAt(h, new Date());
      const revoked = h.events.find((e) => e.status === 'revoked');
      return {
        known: true,
        ...(then.status ? { status: then.status } : {}),
        ...(then.since ? { changedAt: then.since } : {}),
        ...(now.status ? { currentStatus: now.status } : {}),
        ...(h.sm3 ? { registeredSealSm3: h.sm3 } : {}),
        ...(revoked ? { revokedAt: new Date(revoked.at) } : {}),
      };
    },
  });
  return { ...under(deps.trust), under };
}
