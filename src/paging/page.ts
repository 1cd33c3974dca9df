// Keyset pagination as every listing speaks it: the store answers pages, services pass them on, and the HTTP
// layer turns `nextAfter` into an opaque cursor. Declared here, below all three, so none points back up.

/** One page of a keyset-paginated listing: `nextAfter` is the last row's seq when more rows follow. */
export interface Page<T> {
  items: T[];
  nextAfter: number | null;
}

/** Up to `limit` items after the row with seq `after` (from the start when absent). */
export interface PageRequest {
  limit: number;
  after?: number | undefined;
}
