import type { Db } from '../../store/database.js';
import { findCertificate, insertCertificate } from '../../store/certificate-repository.js';
import { withAudit } from '../audit/audit-service.js';
import type { CertificateRecord } from '../../pki/certificate-record.js';
import { certificateLeaf } from '../../tlog/directory-leaf.js';
import type { CaNode, KeyedCertificate } from './ca-node.js';

/**
 * The certificates the key ceremony issued to the node itself (OCSP responder, TSA, seal maker, log signer,
 * witness, trust-list signer) are recorded like any other, so OCSP, CRLs and verifiers know their status instead of answering
 * "unknown".
 */
export async function registerNodeCertificates(db: Db, node: CaNode): Promise<number> {
  let added = 0;
  for (const ca of node.issuingCas.values()) {
    const own: [string, KeyedCertificate | undefined][] = [
      ['ocsp-responder', ca.ocspResponder],
      ['tsa', ca.tsa],
      ['seal-maker', ca.sealMaker],
      ['log-signer', ca.logSigner],
      ['witness', ca.witness],
      ['trust-list-signer', ca.trustListSigner],
    ];
    for (const [profile, keyed] of own) {
      if (!keyed || (await findCertificate(db, keyed.cert.serialHex))) continue;
      const c = keyed.cert;
      await withAudit(
        db,
        { principal: { kind: 'system' }, requestId: null },
        'certificate.register',
        async (trx) => {
          const record: CertificateRecord = {
            serial: c.serialHex,
            caId: ca.id,
            agencyId: null,
            profile,
            subject: c.subject,
            notBefore: c.notBefore,
            notAfter: c.notAfter,
            status: 'good',
            revokedAt: null,
            revocationReason: null,
            invalidityDate: null,
            publicKey: c.publicKey,
            der: c.der,
            createdAt: new Date(),
          };
          await insertCertificate(trx, record);
          return {
            result: undefined,
            target: { type: 'certificate', id: c.serialHex },
            details: { profile, source: 'key-ceremony' },
            directory: [certificateLeaf('issue', record, null, record.createdAt)],
          };
        },
      );
      added++;
    }
  }
  return added;
}
