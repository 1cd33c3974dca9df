import type { CertificateInfo } from '../../pki/certificate.js';
import { parseCrl, verifyCrlSignature } from '../../pki/crl.js';
import type { RevocationAnswer, RevocationView } from './revocation-source.js';

/** What the node's CA database knows of a certificate it issued (the service layer reads it from the store). */
export interface CaCertificateRecord {
  der: Uint8Array;
  status: 'good' | 'hold' | 'revoked';
  revokedAt: Date | null;
  revocationReason: string | null;
}

/** The node's certificate store, as the revocation source reads it. */
export interface CaRecords {
  find(serialHex: string): Promise<CaCertificateRecord | undefined>;
  /** Status changes in the order they happened. */
  events(serialHex: string): Promise<{ at: Date; status: 'good' | 'hold' | 'revoked' }[]>;
}

/** This node's CAs: the offline root (with the CRL published at its key ceremony) and the issuing CAs. */
export interface NodeCas {
  root: { id: string; cert: CertificateInfo; crl: Uint8Array };
  issuing: readonly CertificateInfo[];
}

/**
 * Revocation as this node's CA knows it: the live, authoritative record for every certificate issued by one of
 * its CAs, at any moment in the past, from the certificate's status history (a hold later released still
 * counts for the time it was in force). The root signs offline; its CRL answers for the issuing CAs.
 * Certificates of other CAs get 'no-source': their revocation data is the document's or the verifier's
 * business (combineRevocationSources), and an answer from here must not stand in the way of it.
 */
export function nodeRevocationSource(
  cas: NodeCas,
  records: CaRecords,
  clock: () => Date = () => new Date(),
): RevocationView {
  const issuing = cas.issuing.map((c) => Buffer.from(c.der));
  const rootDer = Buffer.from(cas.root.cert.der);
  const rootCrl = parseCrl(cas.root.crl);
  const rootCrlValid = verifyCrlSignature(rootCrl, cas.root.cert.publicKey);
  const rootSource = `crl:${cas.root.id}`;
  return {
    async statusAt(cert, issuer, at): Promise<RevocationAnswer> {
      if (rootDer.equals(issuer.der)) {
        const fresh =
          rootCrlValid && (rootCrl.nextUpdate === null || rootCrl.nextUpdate.getTime() >= clock().getTime());
        if (!fresh)
          return {
            status: 'unknown',
            code: 'TRY_LATER',
            source: `${rootSource} (stale or invalid)`,
            authoritative: true,
          };
        const entry = rootCrl.entries.get(cert.serialHex);
        return entry
          ? {
              status: entry.reason === 'certificateHold' ? 'hold' : 'revoked',
              revokedAt: entry.revokedAt,
              reason: entry.reason,
              source: rootSource,
              authoritative: true,
            }
          : { status: 'good', source: rootSource, authoritative: true };
      }
      if (!issuing.some((d) => d.equals(issuer.der)))
        return { status: 'no-source', source: 'ca-database (not a CA of this node)' };
      const record = await records.find(cert.serialHex);
      // A certificate that names one of our CAs as issuer but is not in our database (or differs from what we
      // issued) has no status we could vouch for.
      if (!record || !Buffer.from(record.der).equals(cert.der))
        return { status: 'unknown', source: 'ca-database (not issued by this node)', authoritative: true };
      // The final revocation is reported even when asked about an earlier time, so the engine can weigh it
      // against the signing time and any timestamp.
      if (record.status === 'revoked') {
        return {
          status: 'revoked',
          ...(record.revokedAt ? { revokedAt: record.revokedAt } : {}),
          ...(record.revocationReason ? { reason: record.revocationReason } : {}),
          source: 'ca-database',
          authoritative: true,
        };
      }
      let state: { at: Date; status: string } | undefined;
      for (const e of await records.events(cert.serialHex)) if (e.at.getTime() <= at.getTime()) state = e;
      if (state?.status === 'hold')
        return {
          status: 'hold',
          revokedAt: state.at,
          reason: 'certificateHold',
          source: 'ca-database',
          authoritative: true,
        };
      return { status: 'good', source: 'ca-database', authoritative: true };
    },
  };
}
