// What every node serves about its own checkpoints (federation.md §3.1): the latest published one (it satisfies
// the witness policy), the latest log-signed one, and a stored one by size.

import type { Db } from '../../store/database.js';
import {
  checkpointAt,
  latestCheckpoint,
  latestPublishedCheckpoint,
  publishedCheckpointSizeIn,
} from '../../store/tlog-checkpoint-repository.js';
import { ServiceError } from '../service-error.js';

export interface CheckpointRecord {
  size: number;
  /** base64 SM3 root. */
  root: string;
  /** The signed note: log signature and, once collected, the witness cosignatures. */
  checkpoint: string;
  witnessTime: string | null;
  signedAt: string;
  published: boolean;
}

const NONE_YET = () =>
  new ServiceError(
    'not-found',
    'checkpoint-not-found',
    '尚无已发布的检查点 / no checkpoint has been published yet',
  );

export class TlogCheckpointService {
  constructor(private readonly db: Db) {}

  /** GET /tlog/checkpoint: the latest published checkpoint's note. @throws ServiceError 404 before the first. */
  async published(): Promise<string> {
    const cp = await latestPublishedCheckpoint(this.db);
    if (!cp) throw NONE_YET();
    return cp.cosigned ?? cp.note;
  }

  /** GET /tlog/checkpoint?state=latest: the latest log-signed checkpoint, cosigned or not. */
  async latest(): Promise<string> {
    const cp = await latestCheckpoint(this.db);
    if (!cp) throw NONE_YET();
    return cp.cosigned ?? cp.note;
  }

  /** The size proofs may be served up to (the publish helper's `publishedSize`); 0 before the first. */
  async publishedSize(): Promise<number> {
    return (await latestPublishedCheckpoint(this.db))?.size ?? 0;
  }

  /** Whether a published checkpoint has a size in [lo, hi). */
  checkpointedSizeIn(lo: number, hi: number): Promise<boolean> {
    return publishedCheckpointSizeIn(this.db, lo, hi);
  }

  /** The latest published checkpoint's note, if any (proof bundles quote it). */
  async latestPublishedText(): Promise<string | undefined> {
    const cp = await latestPublishedCheckpoint(this.db);
    return cp ? (cp.cosigned ?? cp.note) : undefined;
  }

  /** GET /v1/tlog/checkpoints/{size}: a stored, published checkpoint of that size. */
  async at(size: number): Promise<CheckpointRecord> {
    const cp = await checkpointAt(this.db, size);
    if (!cp || !cp.published) {
      throw new ServiceError(
        'not-found',
        'checkpoint-not-found',
        `没有大小为 ${size} 的已发布检查点 / no published checkpoint of size ${size}`,
        'size',
      );
    }
    return {
      size: cp.size,
      root: cp.root.toString('base64'),
      checkpoint: cp.cosigned ?? cp.note,
      witnessTime: cp.witnessTime?.toISOString() ?? null,
      signedAt: cp.signedAt.toISOString(),
      published: cp.published,
    };
  }
}
