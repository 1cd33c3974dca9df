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
import { workerModule } from '../../src/runtime/worker-module.js';
import type { PoolTestTask } from './pool-test-worker.js';

const module = workerModule(import.meta.url, 'pool-test-worker');
// From sources the bootstrap is the runtime's own (worker-module.ts), wherever the worker is.
assert.match(module.script.pathname, /src\/runtime\/worker-bootstrap\.mjs$/);

type TestPool = BoundedWorkerPool<PoolTestTask, string, { why: string }, string, string>;
const pools: TestPool[] = [];
function pool(over: Partial<WorkerPoolOptions> = {}): TestPool {
  const p: TestPool = new BoundedWorkerPool(
    module,
    {},
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
    assert.equal(p.replaced, 1);
    assert.equal(await p.run({ op: 'echo', value: 'after' }), 'echo after');
  });

  test('a worker killed mid-task fails its task and is replaced; the next task succeeds', async () => {
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

  test('a task asks the main thread mid-task; a failed answer fails the task as data', async () => {
    const p = pool();
    const answer = async (q: string) => {
      if (q === 'unknown') throw new Error('no view');
      return q.toUpperCase();
    };
    assert.equal(await p.run({ op: 'ask', question: 'seal' }, { answer }), 'answered SEAL');
    await assert.rejects(
      p.run({ op: 'ask', question: 'unknown' }, { answer }),
      (err) => err instanceof WorkerTaskFailed && (err.failure as { why: string }).why === 'no view',
    );
  });

  test("an overrun's neighbours on its worker run again if they may, else answer busy", async () => {
    const p = pool({ perWorker: 3 });
    assert.equal(await p.run({ op: 'echo', value: 'warm' }), 'echo warm');
    // All three go to the one worker; the spin holds it, so the other two never start there.
    const spin = p.run({ op: 'spin' });
    const again = p.run({ op: 'echo', value: 'again' }, { retry: true });
    const lost = p.run({ op: 'echo', value: 'lost' });
    assert.deepEqual(p.load, { running: 3, queued: 0 });
    await assert.rejects(spin, WorkerTaskOverrun);
    await assert.rejects(lost, (err) => err instanceof WorkerPoolBusy && err.retryAfterSeconds === 7);
    assert.equal(await again, 'echo again', 'ran once more on the replacement');
  });

  test('close() lets queued tasks finish; a stopped pool refuses', async () => {
    const p = pool({ maxQueue: 4 });
    const tasks = ['a', 'b', 'c'].map((value) => p.run({ op: 'echo', value }));
    await p.close();
    assert.deepEqual(await Promise.all(tasks), ['echo a', 'echo b', 'echo c']);
    await assert.rejects(p.run({ op: 'echo', value: 'late' }), WorkerPoolBusy);
    const q = pool();
    await q.stop();
    await assert.rejects(q.run({ op: 'echo', value: 'late' }), WorkerPoolBusy);
  });
});
