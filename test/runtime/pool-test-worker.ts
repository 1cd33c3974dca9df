import { serveWorkerTasks } from '../../src/runtime/worker-pool.js';

// A worker for the pool's tests: each task names what the worker does with it.
export type PoolTestTask =
  | { op: 'echo'; value: string }
  | { op: 'spin' }
  | { op: 'exit' }
  | { op: 'oom' }
  | { op: 'fail'; why: string };

const hoard: unknown[] = [];

serveWorkerTasks<PoolTestTask, string, { why: string }>(
  async (task) => {
    switch (task.op) {
      case 'echo':
        return { result: `echo ${task.value}` };
      case 'spin':
        for (;;); // a task that never yields: only terminating the worker ends it
      case 'exit':
        return process.exit(3);
      case 'oom':
        for (;;) hoard.push(Array.from({ length: 100_000 }, (_, i) => ({ i })));
      case 'fail':
        throw new Error(task.why);
    }
  },
  (err) => ({ why: (err as Error).message }),
);
