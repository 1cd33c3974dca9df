import { sm3Hex } from '../../crypto/sm3.js';
import type { SealRegistryView, SealStatusAnswer } from '../../verify/ses-validation.js';
import { nodeRevocationSource } from '../../verify/revocation/node-revocation-source.js';
import type { RevocationView } from '../../verify/revocation/revocation-source.js';
import { findCertificate, listStatusEvents } from '../../store/certificate-repository.js';
import type { Db } from '../../store/database.js';
import type { CaNode } from '../ca/ca-node.js';
import { effectiveStatus, sealStatusAt, type SealService } from '../seals/seal-service.js';

/**
 * Revocation as this node's CA knows it (verify/revocation/node-revocation-source.ts), over this node's CAs
 * (its root and issuing CAs: the set for which its answers are authoritative) and its certificate store.
 */
export function caRevocationView(db: Db, node: CaNode): RevocationView {
  return nodeRevocationSource(
    {
      root: { id: node.root.id, cert: node.root.cert, crl: node.root.crl },
      issuing: [...node.issuingCas.values()].map((ca) => ca.ca.cert),
    },
    {
      find: (serial) => findCertificate(db, serial),
      events: (serial) => listStatusEvents(db, serial),
    },
  );
}

/** Seal status from this node's registry, at the signing time and now. Seals of other nodes are unknown. */
export function sealRegistryView(seals: SealService): SealRegistryView {
  return {
    async sealStatusAt(esID, at): Promise<SealStatusAnswer | undefined> {
      const seal = await seals.find(esID);
      if (!seal) return { known: false };
      const history = await seals.history(esID);
      const then = sealStatusAt(seal, history, at);
      const revoked = history.find((h) => h.status === 'revoked');
      const status = then.status === 'not-yet-valid' || then.status === 'unknown' ? undefined : then.status;
      return {
        known: true,
        ...(status ? { status } : {}),
        ...(then.since ? { changedAt: then.since } : {}),
        ...(then.reason ? { reason: then.reason } : {}),
        currentStatus: effectiveStatus(seal),
        registeredSealSm3: sm3Hex(seal.der),
        ...(revoked ? { revokedAt: revoked.at } : {}),
      };
    },
  };
}
