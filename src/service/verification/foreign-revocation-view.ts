import { sm3Hex } from '../../crypto/sm3.js';
import type { RevocationView } from '../../verify/revocation/revocation-source.js';
import type { TrustBound, TrustSource } from './federated-trust.js';
import { httpCrlRevocationView } from './http-crl-revocation.js';

// Revocation of another node's certificates (federation.md §4.3 "Foreign RevocationView"): this node's CA answers
// for its own CAs; a certificate of a CA that the trust list names is judged by that node's own CRL, fetched from
// the node's listed base URL only (never from wherever a certificate points) and reused for `cacheMs`. The node
// republishes its CRL after every revocation, so its CRL is its live record (authoritative, as for
// `sealtrust verify --online`). [Deviation: §4.3 names OCSP first; the listed node's CRL carries the same record.]

/** How long a foreign CRL is reused: a revocation at the issuing node shows within this (plus the view cache). */
export const FOREIGN_CRL_CACHE_MS = 2_000;

export function foreignRevocationView(
  local: RevocationView,
  trust: TrustSource,
  timeoutMs = 5_000,
): TrustBound<RevocationView> {
  const byNode = new Map<string, RevocationView>();
  const under = (list: TrustSource): RevocationView => ({
    async statusAt(cert, issuer, at, times) {
      const mine = await local.statusAt(cert, issuer, at, times);
      if (mine.status !== 'no-source') return mine;
      const snap = await list.snapshot();
      // An expired list vouches for nothing foreign (§2.8 rule 5): the chain is not built through it either.
      if (!snap || snap.state !== 'valid') return mine;
      const issuerSm3 = sm3Hex(issuer.der);
      const node = snap.anchors.nodes.find((n) => n.caSm3s.has(issuerSm3));
      if (!node) return mine;
      let view = byNode.get(node.base);
      if (!view) {
        view = httpCrlRevocationView(node.base, timeoutMs, { onlyNode: true, cacheMs: FOREIGN_CRL_CACHE_MS });
        byNode.set(node.base, view);
      }
      return view.statusAt(cert, issuer, at, times);
    },
  });
  return { ...under(trust), under };
}
