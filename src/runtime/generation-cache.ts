import { LruCache } from '../crypto/lru-cache.js';
import { AuditGeneration } from '../service/audit/audit-generation.js';
import type { Db } from '../store/database.js';

/**
 * Database answers kept while no audit record has been committed (see AuditGeneration): only for state that
 * changes together with its audit record, as all state does here. Entries also expire after `maxAgeMs`, for
 * what the clock changes. While the generation is not known (no live listener) every read goes to the
 * database. Callers must treat cached values as read-only: they are shared.
 */
export class GenerationCache<V> {
  readonly #generation: AuditGeneration;
  readonly #entries: LruCache<string, { generation: number; at: number; value: V }>;

  constructor(
    db: Db,
    /** The audit target types whose changes void the answers (those of a nested change included). */
    private readonly types: readonly string[],
    size: number,
    private readonly maxAgeMs: number,
  ) {
    this.#generation = AuditGeneration.of(db);
    this.#entries = new LruCache(size);
  }

  /** The cached answer, or `load()`'s (kept unless `keep` refuses it, e.g. a miss worth asking again). */
  async get(key: string, load: () => Promise<V>, keep: (v: V) => boolean = () => true): Promise<V> {
    // Read before loading: a change committed during the load moves the generation, so this entry is never
    // taken for current afterwards.
    const generation = this.#generation.current(this.types);
    if (generation === undefined) return load();
    const now = Date.now();
    const hit = this.#entries.get(key);
    if (hit && hit.generation === generation && now - hit.at < this.maxAgeMs) return hit.value;
    const value = await load();
    if (keep(value)) this.#entries.set(key, { generation, at: now, value });
    return value;
  }

  /** Forgets an answer that turned out unusable (the next read asks the database again). */
  forget(key: string): void {
    this.#entries.delete(key);
  }
}
