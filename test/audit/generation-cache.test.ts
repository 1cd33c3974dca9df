import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AuditGeneration } from '../../src/service/audit/audit-generation.js';
import { GenerationCache } from '../../src/runtime/generation-cache.js';
import { TokenService } from '../../src/service/access/token-service.js';
import { createTestDatabase } from '../helpers/test-database.js';

const ctx = { principal: { kind: 'system' as const }, requestId: 'generation-cache-test' };

describe('generation cache (database answers kept until an audit record is committed)', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  before(async () => {
    db = await createTestDatabase();
    await AuditGeneration.of(db.knex).ready();
  });
  after(async () => {
    await AuditGeneration.of(db.knex).close();
    await db.drop();
  });

  test('answers from the cache until the generation moves, then loads again', async () => {
    const cache = new GenerationCache<number>(db.knex, ['seal'], 10, 60_000);
    let loads = 0;
    const load = async () => ++loads;
    assert.equal(await cache.get('k', load), 1);
    assert.equal(await cache.get('k', load), 1, 'a second read is the cached answer');
    assert.equal(await cache.get('other', load), 2, 'keys are separate');
    AuditGeneration.of(db.knex).bump('licence');
    assert.equal(await cache.get('k', load), 1, 'a change of another kind leaves it');
    AuditGeneration.of(db.knex).bump('seal');
    assert.equal(await cache.get('k', load), 3, 'a change of its kind voids every entry');
    AuditGeneration.of(db.knex).bump();
    assert.equal(await cache.get('k', load), 4, 'so does a change of unknown kind');
  });

  test('entries also expire with age, and refused answers are not kept', async () => {
    const aged = new GenerationCache<number>(db.knex, ['seal'], 10, 0);
    let loads = 0;
    await aged.get('k', async () => ++loads);
    await aged.get('k', async () => ++loads);
    assert.equal(loads, 2, 'maxAgeMs 0 keeps nothing');
    const picky = new GenerationCache<number | undefined>(db.knex, ['seal'], 10, 60_000);
    let misses = 0;
    const miss = async () => {
      misses++;
      return undefined;
    };
    await picky.get('k', miss, (v) => v !== undefined);
    await picky.get('k', miss, (v) => v !== undefined);
    assert.equal(misses, 2);
  });

  test('a revoked API token stops authenticating on the very next request', async () => {
    const tokens = new TokenService(db.knex);
    const { token, secret } = await tokens.create(ctx, { role: 'ca-operator' });
    assert.equal((await tokens.authenticate(secret))?.kind, 'token');
    assert.equal((await tokens.authenticate(secret))?.kind, 'token', 'now from the cache');
    await tokens.revoke(ctx, token.id);
    assert.equal(await tokens.authenticate(secret), undefined);
  });
});
