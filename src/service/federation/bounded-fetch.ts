/** A peer answered with another status than 200 (the message is the one callers always logged). */
export class FetchStatusError extends Error {
  override readonly name = 'FetchStatusError';
  constructor(
    url: string,
    readonly status: number,
  ) {
    super(`${url}: HTTP ${status}`);
  }
}

/**
 * GET `url` with a deadline and a size bound enforced while the body streams, so a hostile or broken peer can
 * neither stall the caller nor grow its memory; redirects are refused (a peer's paths are configured, not
 * discovered). Throws on any status but 200.
 */
export async function fetchBounded(
  url: string,
  o: {
    maxBytes: number;
    timeoutMs?: number;
    fetch?: typeof fetch;
    /** Read a 404's body like a 200's (a problem document the caller interprets). */
    accept404?: boolean;
  },
): Promise<Buffer> {
  const res = await (o.fetch ?? fetch)(url, {
    signal: AbortSignal.timeout(o.timeoutMs ?? 15_000),
    redirect: 'error',
  });
  if (res.status !== 200 && !(res.status === 404 && o.accept404)) {
    await res.body?.cancel();
    throw new FetchStatusError(url, res.status);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = res.body?.getReader();
  for (;;) {
    const r = await reader?.read();
    if (!r || r.done) break;
    total += r.value.length;
    if (total > o.maxBytes) {
      await reader!.cancel();
      throw new Error(`${url}: more than ${o.maxBytes} bytes`);
    }
    chunks.push(r.value);
  }
  return Buffer.concat(chunks);
}
