import type { Logger } from 'pino';
import {
  buildRejectionResponse,
  buildTimestampToken,
  parseTimestampRequest,
  TimestampRequestError,
  type TimestampAccuracy,
  type TspFailure,
} from '../../pki/timestamp.js';
import type { Db } from '../../store/database.js';
import { recordTimestamp } from '../../store/timestamp-repository.js';
import type { CaNode, IssuingCa } from './ca-node.js';

/**
 * The accuracy every token states for genTime. genTime carries milliseconds, but the claim is what the host
 * clock is held to: an NTP-disciplined clock is normally within milliseconds, and 1 s leaves room for a
 * degraded sync without the claim becoming false. Operators must keep the TSA host's clock within it.
 */
export const TSA_ACCURACY: TimestampAccuracy = { seconds: 1 };

export interface TsaAnswer {
  /** DER TimeStampResp, granted or rejected: the body of every answer. */
  response: Buffer;
  failure?: TspFailure;
  serial?: number;
}

type Tsa = NonNullable<IssuingCa['tsa']> & { caId: string };

/**
 * RFC 3161 time-stamping for anyone. Issued tokens go to timestamp_tokens but not to the audit chain: they
 * are answers to requests, like OCSP responses, not changes to what the service trusts.
 */
export class TsaService {
  /** The default CA's TSA first: it answers requests that name no policy. */
  private readonly tsas: Tsa[];

  constructor(
    private readonly db: Db,
    node: CaNode,
    private readonly logger?: Logger,
  ) {
    const cas = [node.defaultCa, ...[...node.issuingCas.values()].filter((ca) => ca !== node.defaultCa)];
    this.tsas = cas.flatMap((ca) => (ca.tsa ? [{ ...ca.tsa, caId: ca.id }] : []));
  }

  get policies(): string[] {
    return this.tsas.map((t) => t.policy);
  }

  /**
   * A token over an SM3 imprint for the service's own use (the timeStamp of a seal signature): the same
   * serials, record and signer as answers to outside requests.
   */
  async stamp(imprint: Uint8Array): Promise<Buffer> {
    const tsa = this.tsas[0];
    if (!tsa) throw new NoTsaError('本节点未配置时间戳服务 / no TSA is configured');
    const genTime = new Date();
    const serial = await recordTimestamp(this.db, {
      caId: tsa.caId,
      genTime,
      hashAlgorithm: 'sm3',
      messageImprint: Buffer.from(imprint),
    });
    return buildTimestampToken(
      {
        policy: tsa.policy,
        hashAlgorithm: 'sm3',
        hashParamsNull: false,
        imprint,
        serial: BigInt(serial),
        genTime,
        accuracy: TSA_ACCURACY,
        includeCertificate: true,
      },
      tsa,
    ).token;
  }

  /** Answers a DER TimeStampReq. Never throws: bad requests and internal failures are rejections. */
  async respond(query: Uint8Array): Promise<TsaAnswer> {
    try {
      const req = parseTimestampRequest(query);
      const tsa =
        req.reqPolicy === undefined ? this.tsas[0] : this.tsas.find((t) => t.policy === req.reqPolicy);
      if (!tsa) {
        if (this.tsas.length === 0)
          return reject('systemFailure', '本节点未配置时间戳服务 / no TSA is configured');
        return reject(
          'unacceptedPolicy',
          `不支持该策略 / policy ${req.reqPolicy} is not offered by this TSA`,
        );
      }
      const genTime = new Date();
      // Recorded before signing so the serial comes from the sequence; signing with a loaded key does not fail.
      const serial = await recordTimestamp(this.db, {
        caId: tsa.caId,
        genTime,
        hashAlgorithm: req.hashAlgorithm,
        messageImprint: req.imprint,
      });
      const { response } = buildTimestampToken(
        {
          policy: tsa.policy,
          hashAlgorithm: req.hashAlgorithm,
          hashParamsNull: req.hashParamsNull,
          imprint: req.imprint,
          serial: BigInt(serial),
          genTime,
          accuracy: TSA_ACCURACY,
          ...(req.nonce === undefined ? {} : { nonce: req.nonce }),
          includeCertificate: req.certReq,
        },
        tsa,
      );
      return { response, serial };
    } catch (err) {
      if (err instanceof TimestampRequestError) return reject(err.failure, err.message);
      this.logger?.error({ err }, 'timestamp issuance failed');
      return reject('systemFailure', '时间戳服务内部错误 / internal TSA failure');
    }
  }
}

/** Thrown by `stamp` when this node offers no TSA. */
export class NoTsaError extends Error {
  override name = 'NoTsaError';
}

function reject(failure: TspFailure, text: string): TsaAnswer {
  return { response: buildRejectionResponse(failure, text), failure };
}
