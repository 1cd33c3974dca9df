import { parentPort, type Transferable } from 'node:worker_threads';
import type { MainToWorker, WorkerToMain } from './worker-protocol.js';

/** What a task gets besides its input. */
export interface TaskContext<Q, A> {
  /** The task's deadline (ms since the epoch): work that can stop between steps should stop there. */
  deadline: number;
  /** Asks the main thread (the pool's `answer`), for what only it has: the database, the signing keys. */
  ask(question: Q): Promise<A>;
}

/** A task's result and the buffers of it to move (not copy) to the main thread. */
export interface TaskOutcome<R> {
  result: R;
  transfer?: Transferable[];
}

/**
 * The worker side of BoundedWorkerPool: answers each task with `handle` (as many at once as the pool sends,
 * its `perWorker`); a thrown error becomes the pool's failure data through `failure`, never a stack trace on
 * the wire. Call it once the module is loaded and warmed up: the pool gives a worker tasks only after this.
 */
export function serveWorkerTasks<T, R, F, Q = never, A = never>(
  handle: (task: T, context: TaskContext<Q, A>) => Promise<TaskOutcome<R>>,
  failure: (err: unknown) => F,
): void {
  const port = parentPort;
  if (!port) return;
  const post = (m: WorkerToMain<R, F, Q>, transfer: Transferable[] = []) => port.postMessage(m, transfer);
  const calls = new Map<number, { resolve: (a: A) => void; reject: (e: Error) => void }>();
  let nextCall = 0;
  port.on('message', (m: MainToWorker<T, A>) => {
    if (m.type === 'answer') {
      const call = calls.get(m.call);
      if (!call) return;
      calls.delete(m.call);
      if (m.error !== undefined) call.reject(new Error(m.error));
      else call.resolve(m.value as A);
      return;
    }
    const { id } = m;
    const context: TaskContext<Q, A> = {
      deadline: m.deadline,
      ask: (question) =>
        new Promise<A>((resolve, reject) => {
          const call = nextCall++;
          calls.set(call, { resolve, reject });
          post({ type: 'ask', id, call, question });
        }),
    };
    void handle(m.task, context).then(
      ({ result, transfer }) => post({ type: 'result', id, ok: true, result }, transfer),
      (err: unknown) => post({ type: 'result', id, ok: false, failure: failure(err) }),
    );
  });
  post({ type: 'ready' });
}
