import type { Knex } from 'knex';
import * as m001 from './001_foundation.js';

/** Numbered migrations, listed statically so they load the same under tsx, compiled, and bundled. */
export const migrations: ReadonlyArray<{ name: string; module: Knex.Migration }> = [
  { name: '001_foundation', module: m001 },
];
