import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import {
  BoundedWorkerPool,
  WorkerCrashed,
  WorkerPoolBusy,
  WorkerTaskFailed,
  WorkerTaskOverrun,
  type WorkerPoolOptions,
} from '../../src/runtime/worker-pool.js';
import type { PoolTestTask } from './pool-test-worker.js';

const bootstrap = new URL('../../src/crypto/sm2-verify-worker-bootstrap.mjs', import.meta.url);
const entry = new URL('./pool-test-worker.ts', import.meta.url).href;

const pools: BoundedWorkerPool<PoolTestTask, string, { why: string }>[] = [];
function pool(over: Partial<WorkerPoolOptions> = {}) {
  const p = new BoundedWorkerPool<PoolTestTask, string, { why: string }>(
    bootstrap,
    { entry },
    {
      name: 'test',
      workers: 1,
      maxQueue: 1,
      deadlineMs: 400,
      resourceLimits: { maxOldGenerationSizeMb: 48 },
      retryAfterSeconds: 7,
      ...over,
    },
  );
  pools.push(p);
  return p;
}
after(() => Promise.all(pools.map((p) => p.stop())));

describe('BoundedWorkerPool', () => {
  test('a full queue refuses at once with Retry-After; queued tasks run once a worker is free', async () => {
    const p = pool();
    assert.equal(await p.run({ op: 'echo', value: 'warm' }), 'echo warm');
    const running = p.run({ op: 'spin' }); // dispatched at once: the worker is ready and idle
    const queued = p.run({ op: 'echo', value: 'queued' });
    assert.deepEqual(p.load, { running: 1, queued: 1 });
    await assert.rejects(
      p.run({ op: 'echo', value: 'refused' }),
      (err) => err instanceof WorkerPoolBusy && err.retryAfterSeconds === 7,
    );
    await assert.rejects(running, WorkerTaskOverrun);
    assert.equal(await queued, 'echo queued', 'the queued task ran on the replacement worker');
    assert.equal(p.replaced, 1);
  });

  test('a task past its deadline is ended by replacing its worker; the next task succeeds', async () => {
    const p = pool();
    await assert.rejects(
      p.run({ op: 'spin' }),
      (err) => err instanceof WorkerTaskOverrun && err.deadlineMs === 400,
    );
    assert.equal(await p.run({ op: 'echo', value: 'after' }), 'echo after');
  });

  test('a worker that dies fails its task and is replaced', async () => {
    const p = pool();
    await assert.rejects(p.run({ op: 'exit' }), (err) => err instanceof WorkerCrashed && !err.outOfMemory);
    assert.equal(await p.run({ op: 'echo', value: 'after' }), 'echo after');
    assert.equal(p.replaced, 1);
  });

  test('a worker over its heap limit dies alone (out of memory), not the process', async () => {
    const p = pool({ deadlineMs: 60_000 });
    await assert.rejects(p.run({ op: 'oom' }), (err) => err instanceof WorkerCrashed && err.outOfMemory);
    assert.equal(await p.run({ op: 'echo', value: 'after' }), 'echo after');
  });

  test("a task's own failure comes back as data, and the worker stays", async () => {
    const p = pool();
    await assert.rejects(
      p.run({ op: 'fail', why: 'no such page' }),
      (err) => err instanceof WorkerTaskFailed && (err.failure as { why: string }).why === 'no such page',
    );
    assert.equal(await p.run({ op: 'echo', value: 'after' }), 'echo after');
    assert.equal(p.replaced, 0);
  });

  test('a stopped pool refuses', async () => {
    const p = pool();
    await p.stop();
    await assert.rejects(p.run({ op: 'echo', value: 'late' }), WorkerPoolBusy);
  });
});
