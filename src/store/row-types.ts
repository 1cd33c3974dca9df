// The two backends disagree on column types (PGlite: Uint8Array for bytea; pg: Buffer, and strings
// for int8 unless parsed). Repositories pass every row value through these before it leaves the store.

export function toBuffer(v: unknown): Buffer {
  if (Buffer.isBuffer(v)) return v;
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  throw new TypeError(`expected bytes, got ${typeof v}`);
}

export function toNumber(v: unknown): number {
  const n = typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : Number(String(v));
  if (!Number.isFinite(n)) throw new TypeError(`expected a number, got ${String(v)}`);
  return n;
}

export function toDate(v: unknown): Date {
  if (v instanceof Date) return v;
  const d = new Date(String(v));
  if (Number.isNaN(d.getTime())) throw new TypeError(`expected a timestamp, got ${String(v)}`);
  return d;
}

export function toDateOrNull(v: unknown): Date | null {
  return v === null || v === undefined ? null : toDate(v);
}

export function toJson<T>(v: unknown): T {
  return (typeof v === 'string' ? JSON.parse(v) : v) as T;
}
