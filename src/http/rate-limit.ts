import type { Context, Middleware } from 'koa';
import { LruCache } from '../crypto/lru-cache.js';
import { ProblemError } from './problem.js';

// Per-client token buckets, in memory (one node; a cluster behind a balancer limits per instance). The client
// is `clientOf(ctx)` where a route limits per caller (the sharing queries: per node), else `ctx.ip`: the TCP
// peer, or behind SEALTRUST_TRUST_PROXY reverse proxies the address the outermost trusted one saw (createApp
// sets Koa's `proxy` and `maxIpsCount`).

export interface RateLimitOptions {
  /** Tokens added per second; 0 turns the limit off. */
  perSecond: number;
  /** Bucket size: requests allowed at once after a quiet period. */
  burst: number;
  /** Clients remembered (least recently seen forgotten first, i.e. given a full bucket again). */
  maxClients?: number;
  now?: () => number;
  /** Whose bucket a request takes from (default `ctx.ip`); runs after authentication on ApiRouter routes. */
  clientOf?: (ctx: Context) => string;
}

interface Bucket {
  tokens: number;
  at: number;
}

export class RateLimiter {
  readonly #buckets: LruCache<string, Bucket>;
  readonly #now: () => number;

  constructor(readonly options: RateLimitOptions) {
    this.#buckets = new LruCache(options.maxClients ?? 100_000);
    this.#now = options.now ?? (() => performance.now());
  }

  /** Takes a token for `client`: 0 when allowed, else the seconds until one is available. */
  take(client: string): number {
    const { perSecond, burst } = this.options;
    if (perSecond <= 0) return 0;
    const now = this.#now();
    const b = this.#buckets.get(client) ?? { tokens: burst, at: now };
    b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * perSecond);
    b.at = now;
    this.#buckets.set(client, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / perSecond));
  }

  /** @throws ProblemError 429 `rate-limited` with Retry-After when the caller's bucket is empty. */
  check(ctx: Context): void {
    const wait = this.take(this.options.clientOf?.(ctx) ?? ctx.ip);
    if (wait === 0) return;
    throw new ProblemError(
      429,
      'rate-limited',
      `请求过于频繁，请 ${wait} 秒后重试 / too many requests; retry in ${wait} s (limit ${this.options.perSecond}/s, burst ${this.options.burst})`,
      { headers: { 'Retry-After': String(wait) }, extensions: { retryAfter: wait } },
    );
  }
}

/** The limiter as middleware, for routes declared outside ApiRouter. */
export function rateLimit(options: RateLimitOptions): Middleware {
  const limiter = new RateLimiter(options);
  return async (ctx, next) => {
    limiter.check(ctx);
    await next();
  };
}
