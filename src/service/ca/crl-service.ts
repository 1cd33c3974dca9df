import type { Logger } from 'pino';
import type { Db } from '../../store/database.js';
import { listRevokedForCrl } from '../../store/certificate-repository.js';
import { insertCrl, latestCrl, latestCrlNumber } from '../../store/crl-repository.js';
import type { CrlRecord } from '../../pki/crl-record.js';
import { buildCrl, CRL_REASONS, type CrlReason } from '../../pki/crl-builder.js';
import { withAudit } from '../audit/audit-service.js';
import type { CaNode, IssuingCa } from './ca-node.js';
import { ServiceError } from '../service-error.js';

const HOUR = 3_600_000;

/**
 * Keeps each issuing CA's CRL current: a new one after every revocation and well before nextUpdate.
 * Publications for one CA are serialised so CRL numbers strictly increase.
 */
export class CrlService {
  private readonly queues = new Map<string, Promise<unknown>>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Db,
    private readonly node: CaNode,
    private readonly logger?: Logger,
  ) {}

  private ca(caId: string): IssuingCa {
    const ca = this.node.issuingCas.get(caId);
    if (!ca)
      throw new ServiceError('not-found', 'ca-not-found', `没有这个签发CA / no issuing CA ${caId}`, 'caId');
    return ca;
  }

  /** Signs and stores a new CRL for the CA (with its audit record) and returns it. */
  publish(caId: string, cause: string): Promise<CrlRecord> {
    const ca = this.ca(caId);
    const prev = this.queues.get(caId) ?? Promise.resolve();
    const next = prev.catch(() => undefined).then(() => this.publishNow(ca, cause));
    this.queues.set(caId, next);
    return next;
  }

  private async publishNow(ca: IssuingCa, cause: string): Promise<CrlRecord> {
    const revoked = await listRevokedForCrl(this.db, ca.id);
    const thisUpdate = new Date(Math.floor(Date.now() / 1000) * 1000);
    const nextUpdate = new Date(thisUpdate.getTime() + ca.crlValidityHours * HOUR);
    return withAudit(
      this.db,
      { principal: { kind: 'system' }, requestId: null },
      'crl.publish',
      async (trx) => {
        const crlNumber = (await latestCrlNumber(trx, ca.id)) + 1;
        const der = buildCrl(
          {
            issuerName: ca.ca.cert.subjectDer,
            issuerPublicKey: ca.ca.cert.publicKey,
            crlNumber: BigInt(crlNumber),
            thisUpdate,
            nextUpdate,
            entries: revoked.map((r) => ({
              serial: Buffer.from(r.serial, 'hex'),
              revokedAt: r.revokedAt,
              reason: (r.reason in CRL_REASONS ? r.reason : 'unspecified') as CrlReason,
              invalidityDate: r.invalidityDate,
            })),
          },
          ca.ca.privateKey,
        );
        const record: CrlRecord = {
          caId: ca.id,
          crlNumber,
          thisUpdate,
          nextUpdate,
          entries: revoked.length,
          der,
        };
        await insertCrl(trx, record);
        return {
          result: record,
          target: { type: 'crl', id: `${ca.id}#${crlNumber}` },
          details: { entries: revoked.length, cause },
        };
      },
    );
  }

  /** The CRL to serve: the latest, renewed first if it is past half its validity or missing. */
  async current(caId: string): Promise<CrlRecord> {
    const ca = this.ca(caId);
    const latest = await latestCrl(this.db, caId);
    if (latest && !this.due(latest, ca)) return latest;
    return this.publish(caId, latest ? 'renewal' : 'initial');
  }

  private due(crl: CrlRecord, ca: IssuingCa): boolean {
    const half = (ca.crlValidityHours * HOUR) / 2;
    return Date.now() >= crl.thisUpdate.getTime() + half;
  }

  /** Background renewal so CRLs never lapse even when nobody fetches them. */
  start(intervalMs = 60_000): void {
    const tick = async () => {
      for (const id of this.node.issuingCas.keys()) {
        try {
          await this.current(id);
        } catch (err) {
          this.logger?.error({ err, caId: id }, 'CRL renewal failed');
        }
      }
    };
    void tick();
    this.timer = setInterval(() => void tick(), intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await Promise.allSettled([...this.queues.values()]);
  }
}
