import type { Middleware } from 'koa';
import { ProblemError } from './problem.js';

/**
 * Large request bodies (PDFs to verify or stamp, batch NDJSON: up to 20–64 MB each) are held in memory for
 * the life of their request. A fixed number of slots bounds that memory: a request takes a slot before a byte
 * of its body is read and gives it back when its answer is written; with every slot taken it is refused at
 * once (503, Retry-After) instead of being buffered and then queued.
 */
export class UploadSlots {
  #inUse = 0;

  constructor(readonly size: number) {}

  get inUse(): number {
    return this.#inUse;
  }

  /** A slot, released by calling the function returned (once); undefined when all are taken. */
  tryAcquire(): (() => void) | undefined {
    if (this.#inUse >= this.size) return undefined;
    this.#inUse++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#inUse--;
    };
  }

  /** Holds a slot around the rest of the request. @throws ProblemError 503 `uploads-busy` when all are taken. */
  middleware(retryAfterSeconds = 1): Middleware {
    return async (ctx, next) => {
      const release = this.tryAcquire();
      if (!release)
        throw new ProblemError(
          503,
          'uploads-busy',
          `同时上传的文件已达上限（${this.size}），请 ${retryAfterSeconds} 秒后重试 / too many uploads in progress (${this.size}); retry in ${retryAfterSeconds} s`,
          // The body is left unread: close the connection after the answer.
          { headers: { 'Retry-After': String(retryAfterSeconds), Connection: 'close' } },
        );
      try {
        await next();
      } finally {
        release();
      }
    };
  }
}
