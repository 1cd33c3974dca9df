import { gunzipSync } from 'node:zlib';

import type { KnownNode } from '../../config.js';
import { decodeEntryBundle } from '../../tlog/entry-bundle.js';
import { decodeStrictBase64 } from '../../tlog/strict-base64.js';
import { entryBundlePath } from '../../tlog/tiles.js';
import { LogSourceError, type IndexRecord, type LogSource } from './log-source.js';

/**
 * A node's log read over HTTP (federation.md §2.6, §3.1, §3.4): entry bundles (uint16-BE length-prefixed leaves,
 * possibly gzip), consistency proofs, and the side channel with the hub's token for that node. Nothing here is
 * trusted: the replicator verifies every leaf and proof against the checkpoint the hub cosigned.
 */
export class HttpLogSource implements LogSource {
  constructor(
    private readonly node: Pick<KnownNode, 'nodeId' | 'origin' | 'url'>,
    private readonly opts: { tileHeight: number; hubToken?: string | undefined; timeoutMs?: number },
  ) {}

  private async get(path: string, accept: string, token?: string): Promise<Response> {
    const headers: Record<string, string> = { accept, 'accept-encoding': 'gzip' };
    if (token) headers.authorization = `Bearer ${token}`;
    let res: Response;
    try {
      res = await fetch(`${this.node.url}${path}`, {
        headers,
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 30_000),
      });
    } catch (err) {
      throw new LogSourceError(
        `节点 ${this.node.nodeId} 不可达 / node ${this.node.nodeId} unreachable`,
        undefined,
        {
          cause: err,
        },
      );
    }
    if (res.status !== 200) {
      await res.body?.cancel();
      throw new LogSourceError(
        `节点 ${this.node.nodeId} 答复 ${res.status} / node ${this.node.nodeId} answered ${res.status} for ${path.split('?')[0]}`,
        res.status,
      );
    }
    return res;
  }

  async entryBundle(bundle: number, width: number): Promise<Uint8Array[]> {
    const res = await this.get(
      `/tlog/${entryBundlePath(bundle, width, this.opts.tileHeight)}`,
      'application/octet-stream',
    );
    let bytes: Uint8Array = new Uint8Array(await res.arrayBuffer());
    // fetch undoes Content-Encoding: gzip; a body stored gzipped and served without the header is undone here.
    // A real bundle never starts 1f 8b: that first length (8,075) exceeds a directory leaf's 4,096 bytes.
    if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes);
    return decodeEntryBundle(bytes, width);
  }

  async consistencyProof(from: number, to: number): Promise<Uint8Array[]> {
    const res = await this.get(`/v1/tlog/proofs/consistency?from=${from}&to=${to}`, 'application/json');
    const body = (await res.json().catch(() => undefined)) as
      { origin?: unknown; from?: unknown; to?: unknown; hashes?: unknown } | undefined;
    if (
      !body ||
      body.origin !== this.node.origin ||
      body.from !== from ||
      body.to !== to ||
      !Array.isArray(body.hashes)
    ) {
      throw new LogSourceError(
        `一致性证明答复格式错误 / malformed consistency proof answer from ${this.node.nodeId}`,
      );
    }
    return body.hashes.map((h) => {
      const bytes = typeof h === 'string' ? decodeStrictBase64(h) : undefined;
      if (bytes === undefined)
        throw new LogSourceError('一致性证明哈希不是 base64 / proof hash is not base64');
      return bytes;
    });
  }

  async indexRecords(start: number, end: number): Promise<IndexRecord[]> {
    const res = await this.get(
      `/v1/federation/index-records?start=${start}&end=${end}`,
      'application/x-ndjson',
      this.opts.hubToken,
    );
    const text = await res.text();
    const out: IndexRecord[] = [];
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      let r: IndexRecord;
      try {
        r = JSON.parse(line) as IndexRecord;
      } catch (err) {
        throw new LogSourceError('旁路记录不是 JSON / side record is not JSON', undefined, { cause: err });
      }
      if (!isIndexRecord(r)) throw new LogSourceError('旁路记录格式错误 / malformed side record');
      out.push(r);
    }
    return out;
  }
}

function isIndexRecord(r: unknown): r is IndexRecord {
  const o = r as Record<string, unknown>;
  const h = o?.holder as Record<string, unknown> | undefined;
  return (
    typeof o === 'object' &&
    o !== null &&
    Number.isSafeInteger(o.index) &&
    typeof o.leafHash === 'string' &&
    typeof o.identifier === 'string' &&
    typeof h === 'object' &&
    h !== null &&
    typeof h.name === 'string' &&
    typeof h.code === 'string' &&
    typeof h.codeType === 'string' &&
    typeof o.number === 'string' &&
    typeof o.typeName === 'string' &&
    typeof o.issuerName === 'string'
  );
}
