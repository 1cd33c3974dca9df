import { ServiceError } from '../service-error.js';

/** Where the hub reaches an issuing node: its base URL (federation configuration) and the hub's token there. */
export interface RelayTarget {
  nodeId: string;
  url: string;
  token: string;
}

export interface RelayAnswer {
  status: number;
  contentType: string;
  headers: Headers;
  body: Buffer;
}

export interface NodeRelayOptions {
  /** Per call, ms (default 15,000): past it the caller gets 504 `issuing-node-timeout`. */
  timeoutMs?: number | undefined;
  /** Largest answer accepted (default 32 MB, above the stamping limit of a licence file). */
  maxBytes?: number | undefined;
  fetch?: typeof fetch | undefined;
}

/**
 * The hub's calls to an issuing node for a sharing query (federation.md §3.6): a licence record, its sealed file
 * or an annotated copy, with the hub's `hub`-role token there. The hub stores none of what comes back. The path
 * carries the identifier and the usage elements, never holder data. Unreachable → 502 `issuing-node-unreachable`,
 * no answer in time → 504 `issuing-node-timeout`; any HTTP answer is returned for the caller to judge.
 */
export class NodeRelay {
  readonly #timeoutMs: number;
  readonly #maxBytes: number;
  readonly #fetch: typeof fetch;

  constructor(opts: NodeRelayOptions = {}) {
    this.#timeoutMs = opts.timeoutMs ?? 15_000;
    this.#maxBytes = opts.maxBytes ?? 32 * 1024 * 1024;
    this.#fetch = opts.fetch ?? fetch;
  }

  async call(
    target: RelayTarget,
    path: string,
    init: { method: 'GET' | 'POST'; json?: unknown; accept: string },
  ): Promise<RelayAnswer> {
    const headers: Record<string, string> = { authorization: `Bearer ${target.token}`, accept: init.accept };
    if (init.json !== undefined) headers['content-type'] = 'application/json';
    const signal = AbortSignal.timeout(this.#timeoutMs);
    try {
      const res = await this.#fetch(`${target.url}${path}`, {
        method: init.method,
        headers,
        body: init.json === undefined ? null : JSON.stringify(init.json),
        signal,
        redirect: 'error',
      });
      const chunks: Uint8Array[] = [];
      let total = 0;
      const reader = res.body?.getReader();
      for (;;) {
        const r = await reader?.read();
        if (!r || r.done) break;
        total += r.value.length;
        if (total > this.#maxBytes) {
          await reader!.cancel();
          throw unreachable(target, `more than ${this.#maxBytes} bytes`);
        }
        chunks.push(r.value);
      }
      return {
        status: res.status,
        contentType: res.headers.get('content-type') ?? '',
        headers: res.headers,
        body: Buffer.concat(chunks),
      };
    } catch (err) {
      if (err instanceof ServiceError) throw err;
      if (signal.aborted)
        throw new ServiceError(
          'gateway-timeout',
          'issuing-node-timeout',
          `发证节点 ${target.nodeId} 未在 ${this.#timeoutMs} ms 内答复 / issuing node ${target.nodeId} did not answer within ${this.#timeoutMs} ms`,
          undefined,
          { node: target.nodeId },
        );
      throw unreachable(target, (err as Error).message);
    }
  }
}

/** 502: the node could not be reached, or answered something the hub cannot pass on. */
export function unreachable(target: Pick<RelayTarget, 'nodeId'>, why: string): ServiceError {
  return new ServiceError(
    'bad-gateway',
    'issuing-node-unreachable',
    `发证节点 ${target.nodeId} 不可达 / issuing node ${target.nodeId} unreachable: ${why}`,
    undefined,
    { node: target.nodeId },
  );
}
