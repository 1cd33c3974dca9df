/** A thin client for the CLI commands that act through a running node's API (as an operator would). */
export interface ApiClientOptions {
  url?: string | undefined;
  token?: string | undefined;
}

export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function apiBase(opts: ApiClientOptions): string {
  return (opts.url ?? process.env.SEALTRUST_URL ?? 'http://localhost:8080').replace(/\/+$/, '');
}

export async function apiRequest(
  opts: ApiClientOptions,
  method: string,
  path: string,
  json?: unknown,
  accept = 'application/json',
  extraHeaders: Record<string, string> = {},
): Promise<Response> {
  const token = opts.token ?? process.env.SEALTRUST_TOKEN;
  const headers: Record<string, string> = { ...extraHeaders, accept };
  if (token) headers.authorization = `Bearer ${token}`;
  if (json !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(apiBase(opts) + path, {
      method,
      headers,
      body: json === undefined ? null : JSON.stringify(json),
    });
  } catch (err) {
    throw new ApiError(0, `cannot reach ${apiBase(opts)}: ${(err as Error).message}`);
  }
  if (!res.ok) {
    const text = await res.text();
    let detail = text;
    try {
      const p = JSON.parse(text) as { detail?: string; field?: string; title?: string };
      detail = `${p.detail ?? p.title ?? text}${p.field ? ` (field: ${p.field})` : ''}`;
    } catch {
      // not problem+json; show the body as is
    }
    throw new ApiError(res.status, `HTTP ${res.status}: ${detail}`);
  }
  return res;
}
