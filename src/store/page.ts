import type { Page, PageRequest } from '../paging/page.js';

/** Rows were fetched with limit + 1; the extra row only tells whether another page exists. */
export function toPage<R extends { seq: unknown }, T>(
  rows: R[],
  req: PageRequest,
  map: (r: R) => T,
  seqOf: (r: R) => number,
): Page<T> {
  const more = rows.length > req.limit;
  const kept = more ? rows.slice(0, req.limit) : rows;
  const last = kept[kept.length - 1];
  return { items: kept.map(map), nextAfter: more && last ? seqOf(last) : null };
}
