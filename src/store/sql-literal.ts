import pg from 'pg';

/** A value `inlineBindings` can write as an SQL literal. */
export type InlineValue =
  string | number | boolean | null | undefined | Date | Uint8Array | readonly InlineValue[];

/** One statement with `?` placeholders and values `inlineBindings` can write (no `?` anywhere else in it). */
export interface InlineStatement {
  sql: string;
  bindings: InlineValue[];
}

/**
 * Writes `?` placeholders as literals, for a statement sent through PostgreSQL's simple query protocol: the only
 * way to send several statements (here a change and its COMMIT) in one round trip. The statement text must not
 * hold `?` anywhere else (no jsonb `?` operators, no `?` in its own literals). Escaping is node-postgres's
 * `escapeLiteral` (E'' with doubled quotes and backslashes), so no value can end its literal early.
 */
export function inlineBindings(sql: string, bindings: readonly InlineValue[]): string {
  let i = 0;
  const out = sql.replace(/\?/g, () => {
    if (i >= bindings.length) throw new RangeError('more placeholders than bindings');
    return literal(bindings[i++]);
  });
  if (i !== bindings.length) throw new RangeError('more bindings than placeholders');
  return out;
}

function literal(v: InlineValue): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new RangeError('not a finite number');
    return String(v);
  }
  if (typeof v === 'string') {
    if (v.includes('\0')) throw new RangeError('text cannot hold NUL');
    return pg.escapeLiteral(v);
  }
  if (v instanceof Date) return pg.escapeLiteral(v.toISOString());
  if (v instanceof Uint8Array)
    return `E'\\\\x${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex')}'`;
  if (Array.isArray(v)) return v.length === 0 ? `'{}'` : `ARRAY[${v.map(literal).join(',')}]`;
  throw new TypeError('no literal for this value');
}
