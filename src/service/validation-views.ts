import type { CertificateInfo } from '../pki/certificate.js';
import { sm3Hex } from '../crypto/sm3.js';
import { parseCrl, verifyCrlSignature } from '../pki/crl.js';
import type {
  RevocationAnswer,
  RevocationView,
  SealRegistryView,
  SealStatusAnswer,
} from '../verify/ses-validation.js';
import { findCertificate, listStatusEvents } from '../store/certificate-repository.js';
import type { Db } from '../store/database.js';
import type { CaNode } from './ca-node.js';
import { effectiveStatus, sealStatusAt, type SealService } from './seal-service.js';

/**
 * Revocation as this node's CA knows it, at any moment in the past: from the certificate's status history,
 * so a hold that was later released still counts for the time it was in force. Certificates of other CAs
 * get `unknown` (their CRL/OCSP data is the verifier's business).
 */
export function caRevocationView(db: Db, node: CaNode): RevocationView {
  const ours = (issuer: CertificateInfo) =>
    [...node.issuingCas.values()].some((ca) => ca.ca.cert.der.equals(issuer.der));
  // The root signs offline; its CRL (published from the key ceremony) answers for the issuing CAs.
  const rootCrl = parseCrl(node.root.crl);
  const rootCrlValid = verifyCrlSignature(rootCrl, node.root.cert.publicKey);
  return {
    async statusAt(cert, issuer, at): Promise<RevocationAnswer> {
      if (issuer.der.equals(node.root.cert.der)) {
        const fresh =
          rootCrlValid && (rootCrl.nextUpdate === null || rootCrl.nextUpdate.getTime() >= Date.now());
        if (!fresh) return { status: 'unknown', source: `crl:${node.root.id} (stale or invalid)` };
        const entry = rootCrl.entries.get(cert.serialHex);
        return entry
          ? {
              status: 'revoked',
              revokedAt: entry.revokedAt,
              reason: entry.reason,
              source: `crl:${node.root.id}`,
            }
          : { status: 'good', source: `crl:${node.root.id}` };
      }
      if (!ours(issuer)) return { status: 'unknown', source: 'no-revocation-data' };
      const record = await findCertificate(db, cert.serialHex);
      if (!record || !record.der.equals(cert.der)) return { status: 'unknown', source: 'ca-database' };
      const events = await listStatusEvents(db, cert.serialHex);
      let state: (typeof events)[number] | undefined;
      for (const e of events) if (e.at.getTime() <= at.getTime()) state = e;
      // The final revocation is reported even when asked about an earlier time, so the engine can weigh it
      // against the signing time and any timestamp.
      if (record.status === 'revoked') {
        return {
          status: 'revoked',
          revokedAt: record.revokedAt ?? undefined,
          reason: record.revocationReason ?? undefined,
          source: 'ca-database',
        };
      }
      if (state?.status === 'hold') {
        return { status: 'hold', revokedAt: state.at, reason: 'certificateHold', source: 'ca-database' };
      }
      return { status: 'good', source: 'ca-database' };
    },
  };
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
