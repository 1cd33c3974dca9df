import type { DataProtector } from '../../crypto/data-protection.js';
import { licenceHolderCodeContext } from '../../licence/personal-data-keys.js';
import type { Db } from '../../store/database.js';
import { listIndexRecordSources } from '../../store/index-record-source-repository.js';
import { encodeBase64 } from '../../tlog/strict-base64.js';
import { ensureAllowed } from '../access/authorize.js';
import type { Principal } from '../access/principal.js';
import { ServiceError } from '../service-error.js';
import { MAX_INDEX_RECORD_RANGE, type IndexRecord } from './log-source.js';

/**
 * The province side of the holder-data side channel (federation.md §0 decision 1, §3.4): for the national hub
 * only, one record per licence leaf that carries a file (the leaf that creates an identifier), tied to it by its
 * leaf hash. Holder data leaves this node only here, over TLS to the hub; never in a leaf, URL or log line.
 */
export class IndexRecordService {
  constructor(
    private readonly db: Db,
    private readonly protector: DataProtector,
  ) {}

  /** @throws ServiceError 403 for anyone but the hub; 422 `index-range-invalid` for a bad or too long range. */
  async list(principal: Principal, start: number, end: number): Promise<IndexRecord[]> {
    ensureAllowed(principal, 'federation.index-records');
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start)
      throw new ServiceError(
        'validation',
        'index-range-invalid',
        '序号区间无效 / invalid index range',
        'start',
      );
    if (end - start > MAX_INDEX_RECORD_RANGE)
      throw new ServiceError(
        'validation',
        'index-range-too-long',
        `区间最多 ${MAX_INDEX_RECORD_RANGE} 个序号 / at most ${MAX_INDEX_RECORD_RANGE} indices per request`,
        'end',
      );
    const rows = await listIndexRecordSources(this.db, start, end);
    const out: IndexRecord[] = [];
    for (const r of rows) {
      const leaf = JSON.parse(r.leaf.toString('utf8')) as { licence?: { id?: unknown; files?: unknown } };
      // Status changes carry no file and need no holder data; the record goes with the leaf that made the file.
      if (leaf.licence?.files === undefined || leaf.licence.id !== r.identifier) continue;
      out.push({
        index: r.idx,
        leafHash: encodeBase64(r.leafHash),
        identifier: r.identifier,
        holder: {
          name: r.holderName,
          code: this.protector.decryptText(r.holderCodeEnc, licenceHolderCodeContext(r.identifier)),
          codeType: r.holderCodeType,
        },
        number: r.number,
        typeName: r.typeName,
        issuerName: r.issuerName,
      });
    }
    return out;
  }
}
