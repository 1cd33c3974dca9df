import { z } from 'zod';
import type { Page, PageRequest } from '../paging/page.js';

// Cursors are opaque to clients: base64url of a small JSON object naming the last row seen.
export const pageQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(50).describe('Page size (1–500, default 50)'),
  cursor: z.string().max(200).optional().describe('The `next` value of the previous page'),
});

export function decodeCursor(cursor: string | undefined): number | undefined {
  if (cursor === undefined) return undefined;
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { a?: unknown };
    if (typeof v.a === 'number' && Number.isSafeInteger(v.a) && v.a >= 0) return v.a;
  } catch {
    // fall through to the schema error below
  }
  throw new z.ZodError([
    { code: 'custom', path: ['cursor'], message: '无效的分页游标 / invalid cursor', input: cursor },
  ]);
}

export function encodeCursor(after: number | null): string | null {
  return after === null ? null : Buffer.from(JSON.stringify({ a: after })).toString('base64url');
}

export function toPageRequest(q: z.output<typeof pageQuery>): PageRequest {
  return { limit: q.limit, after: decodeCursor(q.cursor) };
}

export function collection<T, U>(page: Page<T>, map: (t: T) => U): { items: U[]; next: string | null } {
  return { items: page.items.map(map), next: encodeCursor(page.nextAfter) };
}

export function collectionSchema<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), next: z.string().nullable() });
}
