import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('stamping pool settings (SEALTRUST_STAMP_*)', () => {
  it('default to 2 workers, 16 waiting and 30 s per document', () => {
    const c = loadConfig({});
    assert.deepEqual([c.stampWorkers, c.stampQueue, c.stampBudgetMs], [2, 16, 30_000]);
  });

  it('are read from the environment', () => {
    const c = loadConfig({
      SEALTRUST_STAMP_WORKERS: '3',
      SEALTRUST_STAMP_QUEUE: '4',
      SEALTRUST_STAMP_BUDGET_MS: '5000',
    });
    assert.deepEqual([c.stampWorkers, c.stampQueue, c.stampBudgetMs], [3, 4, 5000]);
  });

  it('refuse what is not a positive integer, naming the variable', () => {
    for (const [name, value] of [
      ['SEALTRUST_STAMP_WORKERS', '0'],
      ['SEALTRUST_STAMP_QUEUE', '-1'],
      ['SEALTRUST_STAMP_BUDGET_MS', '1.5'],
    ] as const) {
      assert.throws(
        () => loadConfig({ [name]: value }),
        (e: unknown) => e instanceof ConfigError && e.message.includes(name),
      );
    }
  });
});
