import { serveWorkerTasks } from '../../src/runtime/serve-worker-tasks.js';

// A worker for the pool's tests: each task names what the worker does with it.
export type PoolTestTask =
  | { op: 'echo'; value: string }
  | { op: 'ask'; question: string }
  | { op: 'spin' }
  | { op: 'exit' }
  | { op: 'oom' }
  | { op: 'fail'; why: string };

const hoard: unknown[] = [];

serveWorkerTasks<PoolTestTask, string, { why: string }, string, string>(
  async (task, { ask }) => {
    switch (task.op) {
      case 'echo':
        return { result: `echo ${task.value}` };
      case 'ask':
        return { result: `answered ${await ask(task.question)}` };
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
