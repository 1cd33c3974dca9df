import { Worker, type ResourceLimits, type Transferable } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { MainToWorker, WorkerToMain } from './worker-protocol.js';

// The one runtime for CPU-heavy work (stamping, verification, licence rendering, bulk SM2 verification): a
// bounded pool of worker threads, so that no file, however hostile, stalls the event loop that answers
// /healthz, OCSP, the TSA and verification:
//
//   - a worker runs up to `perWorker` tasks at once (more than one only where tasks wait on the main thread or
//     are small enough that the message round trip shows); tasks wait in a bounded queue, beyond which `run`
//     refuses at once with WorkerPoolBusy (HTTP 503 with Retry-After) instead of letting every latency grow;
//   - each task has a deadline from dispatch (waiting in the queue is the service's fault, not the task's):
//     the task gets it to stop itself, and a worker still busy a margin after it is terminated and replaced
//     (WorkerTaskOverrun);
//   - a worker that dies (a crash, or its `resourceLimits` heap exhausted) fails its tasks (WorkerCrashed) and
//     is replaced: the next task runs on a fresh worker. Tasks that shared the worker and may run again
//     (`retry`) go back to the head of the queue once;
//   - failures the task reports itself travel as data (WorkerTaskFailed.failure), never as a stack trace;
//   - a task may ask the main thread questions while it runs (`answer`), e.g. for database views.
//
// Workers start on the first task (a node that never stamps never pays for them) and are given tasks only once
// their module has loaded. The worker side is `serveWorkerTasks`; messages are in worker-protocol.ts.
//
// Why not piscina (measured for issue 13, alternating runs in one process): 13-14 µs per trivial task against
// 10 µs here and the same SM2 bulk throughput; and its abortable tasks (its only way to end a running task)
// can neither share a worker nor be bounded by its `maxQueue`, which verification (two files per worker, each
// with a deadline) needs.

export interface WorkerPoolOptions {
  /** Shown in logs and errors ('stamping'). */
  name: string;
  /** Worker threads (at least 1). */
  workers: number;
  /** Tasks one worker holds at once (default 1). */
  perWorker?: number;
  /** Tasks waiting for a worker before new ones are refused. */
  maxQueue: number;
  /** Time budget of one task in ms, from dispatch. */
  deadlineMs: number;
  /** Heap limits of each worker (a task that exceeds them kills its worker, not the process). */
  resourceLimits: ResourceLimits;
  /** Retry-After of a refusal, in seconds. */
  retryAfterSeconds: number;
}

/** Where a worker's module is (see workerModule). */
export interface WorkerModule {
  script: URL;
  entry: URL;
}

export interface RunOptions<T, Q, A> {
  /** Buffers of the task to move to the worker instead of copying them. */
  transfer?: Transferable[];
  /**
   * The task may run again if its worker dies because of another task (once, first in line). Only for a task
   * whose input was not transferred.
   */
  retry?: boolean;
  /** Answers the task's questions (TaskContext.ask in the worker). */
  answer?: (question: Q) => Promise<A>;
  /** Called just before the task is sent to a worker (and again on a retry), to fill in what is known then. */
  onDispatch?: (task: T) => void;
}

/** All workers are busy and the queue is full, or the pool is stopping (HTTP 503 + Retry-After). */
export class WorkerPoolBusy extends Error {
  override readonly name = 'WorkerPoolBusy';
  constructor(
    readonly pool: string,
    readonly retryAfterSeconds: number,
  ) {
    super(`${pool}: all workers are busy and the queue is full`);
  }
}

/** The task was still running a margin after its deadline; its worker was replaced. */
export class WorkerTaskOverrun extends Error {
  override readonly name = 'WorkerTaskOverrun';
  constructor(
    readonly pool: string,
    readonly deadlineMs: number,
  ) {
    super(`${pool}: the task exceeded its ${deadlineMs} ms budget`);
  }
}

/** The worker running the task died; `outOfMemory` when it hit its resourceLimits. It was replaced. */
export class WorkerCrashed extends Error {
  override readonly name = 'WorkerCrashed';
  constructor(
    readonly pool: string,
    readonly outOfMemory: boolean,
    options?: { cause?: unknown },
  ) {
    super(`${pool}: the worker ${outOfMemory ? 'ran out of memory' : 'crashed'}`, options);
  }
}

/** The task ended with a failure it reported itself (as data of the pool's Failure type). */
export class WorkerTaskFailed<F> extends Error {
  override readonly name = 'WorkerTaskFailed';
  constructor(readonly failure: F) {
    super('the task failed');
  }
}

interface Task<T, R, Q, A> {
  id: number;
  task: T;
  options: RunOptions<T, Q, A>;
  retried: boolean;
  timer?: NodeJS.Timeout;
  resolve: (r: R) => void;
  reject: (e: Error) => void;
}

interface Slot<T, R, Q, A> {
  worker: Worker;
  ready: boolean;
  tasks: Map<number, Task<T, R, Q, A>>;
}

/**
 * `T` is structured-cloned to a worker; `R` (the result) and `F` (a failure the task reports) come back the
 * same way; `Q` and `A` are the task's questions to the main thread and their answers.
 */
export class BoundedWorkerPool<T, R, F, Q = never, A = never> {
  readonly options: Required<WorkerPoolOptions>;
  readonly #module: WorkerModule;
  readonly #workerData: () => object;
  readonly #logger: Logger | undefined;
  #slots: Slot<T, R, Q, A>[] | undefined;
  readonly #queue: Task<T, R, Q, A>[] = [];
  #next = 0;
  #stopped = false;
  #closing: Promise<void> | undefined;
  #drained: (() => void) | undefined;
  /** Workers replaced since the start (after an overrun or a crash). */
  replaced = 0;

  /** `workerData` (or a function giving it for each new worker) reaches the worker with its `entry` added. */
  constructor(
    module: WorkerModule,
    workerData: object | (() => object),
    options: WorkerPoolOptions,
    logger?: Logger,
  ) {
    this.#module = module;
    this.#workerData = typeof workerData === 'function' ? (workerData as () => object) : () => workerData;
    this.options = {
      ...options,
      workers: Math.max(1, options.workers),
      perWorker: Math.max(1, options.perWorker ?? 1),
    };
    this.#logger = logger;
  }

  /** Tasks running and waiting. */
  get load(): { running: number; queued: number } {
    const running = (this.#slots ?? []).reduce((n, s) => n + s.tasks.size, 0);
    return { running, queued: this.#queue.length };
  }

  /**
   * Runs a task on the least busy worker.
   * @throws WorkerPoolBusy (queue full or pool stopped), WorkerTaskOverrun, WorkerCrashed, WorkerTaskFailed.
   */
  run(task: T, options: RunOptions<T, Q, A> = {}): Promise<R> {
    if (this.#stopped || this.#closing) return Promise.reject(new WorkerPoolBusy(this.options.name, 5));
    const slots = (this.#slots ??= Array.from({ length: this.options.workers }, () => this.#spawn()));
    if (!this.#free(slots) && this.#queue.length >= this.options.maxQueue)
      return Promise.reject(new WorkerPoolBusy(this.options.name, this.options.retryAfterSeconds));
    return new Promise<R>((resolve, reject) => {
      this.#queue.push({ id: this.#next++, task, options, retried: false, resolve, reject });
      this.#pump();
    });
  }

  /** Refuses new tasks, lets queued and running ones finish, then stops the workers. */
  close(): Promise<void> {
    return (this.#closing ??= (async () => {
      if (this.load.running + this.load.queued > 0)
        await new Promise<void>((resolve) => (this.#drained = resolve));
      await this.stop();
    })());
  }

  /** Stops the workers; queued and running tasks fail with WorkerPoolBusy. */
  async stop(): Promise<void> {
    this.#stopped = true;
    const slots = this.#slots ?? [];
    this.#slots = undefined;
    for (const t of this.#queue.splice(0)) t.reject(new WorkerPoolBusy(this.options.name, 5));
    for (const s of slots) {
      s.worker.removeAllListeners();
      s.worker.on('error', () => {});
      for (const t of [...s.tasks.values()]) this.#settle(s, t, new WorkerPoolBusy(this.options.name, 5));
    }
    this.#drained?.(); // a close() under way has nothing left to wait for
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  #free(slots: Slot<T, R, Q, A>[]): Slot<T, R, Q, A> | undefined {
    let best: Slot<T, R, Q, A> | undefined;
    for (const s of slots)
      if (s.ready && s.tasks.size < this.options.perWorker && (!best || s.tasks.size < best.tasks.size))
        best = s;
    return best;
  }

  #spawn(): Slot<T, R, Q, A> {
    const worker = new Worker(this.#module.script, {
      workerData: { ...this.#workerData(), entry: this.#module.entry.href },
      resourceLimits: this.options.resourceLimits,
    });
    const slot: Slot<T, R, Q, A> = { worker, ready: false, tasks: new Map() };
    worker.unref(); // an idle pool does not keep the process alive
    worker.on('message', (m: WorkerToMain<R, F, Q>) => this.#onMessage(slot, m));
    worker.on('error', (err: Error & { code?: string }) =>
      this.#replace(
        slot,
        new WorkerCrashed(this.options.name, err.code === 'ERR_WORKER_OUT_OF_MEMORY', { cause: err }),
      ),
    );
    worker.on('exit', (code) =>
      this.#replace(
        slot,
        new WorkerCrashed(this.options.name, false, { cause: new Error(`exit code ${code}`) }),
      ),
    );
    return slot;
  }

  /** Hands queued tasks to the least busy ready workers, oldest first. */
  #pump(): void {
    while (this.#queue.length > 0) {
      const slot = this.#free(this.#slots ?? []);
      if (!slot) break;
      this.#dispatch(slot, this.#queue.shift()!);
    }
    if (this.#drained && this.load.running + this.load.queued === 0) this.#drained();
  }

  #dispatch(slot: Slot<T, R, Q, A>, t: Task<T, R, Q, A>): void {
    const { deadlineMs } = this.options;
    slot.tasks.set(t.id, t);
    slot.worker.ref(); // a busy worker keeps the process alive until it answers
    const deadline = Date.now() + deadlineMs;
    const margin = Math.min(2_000, Math.max(250, deadlineMs / 5));
    t.timer = setTimeout(() => this.#overrun(slot, t), deadlineMs + margin);
    t.timer.unref();
    t.options.onDispatch?.(t.task);
    const message: MainToWorker<T, A> = { type: 'task', id: t.id, deadline, task: t.task };
    slot.worker.postMessage(message, t.options.transfer ?? []);
  }

  #onMessage(slot: Slot<T, R, Q, A>, m: WorkerToMain<R, F, Q>): void {
    if (m.type === 'ready') {
      slot.ready = true;
      this.#pump();
      return;
    }
    const t = slot.tasks.get(m.id);
    if (!t) return; // settled meanwhile (overrun, stop)
    if (m.type === 'ask') {
      this.#answer(slot, t, m.call, m.question);
      return;
    }
    this.#settle(slot, t, m.ok ? { value: m.result } : new WorkerTaskFailed<F>(m.failure));
    this.#pump();
  }

  #answer(slot: Slot<T, R, Q, A>, t: Task<T, R, Q, A>, call: number, question: Q): void {
    const reply = (m: { value: A } | { error: string }) => {
      if (slot.tasks.get(t.id) !== t) return; // the task ended (or its worker is gone)
      const answer: MainToWorker<T, A> = { type: 'answer', id: t.id, call, ...m };
      slot.worker.postMessage(answer);
    };
    const answer = t.options.answer;
    if (!answer) return reply({ error: 'this task may not ask' });
    answer(question).then(
      (value) => reply({ value }),
      (err: unknown) => reply({ error: String((err as Error)?.message ?? err) }),
    );
  }

  #settle(slot: Slot<T, R, Q, A>, t: Task<T, R, Q, A>, outcome: { value: R } | Error): void {
    clearTimeout(t.timer);
    slot.tasks.delete(t.id);
    if (slot.tasks.size === 0) slot.worker.unref();
    if (outcome instanceof Error) t.reject(outcome);
    else t.resolve(outcome.value);
  }

  #overrun(slot: Slot<T, R, Q, A>, t: Task<T, R, Q, A>): void {
    if (slot.tasks.get(t.id) !== t) return;
    this.#logger?.warn({ pool: this.options.name, task: t.id }, 'worker task over budget; worker replaced');
    this.#settle(slot, t, new WorkerTaskOverrun(this.options.name, this.options.deadlineMs));
    this.#replace(slot, null);
  }

  /**
   * Terminates (or buries) a worker and puts a fresh one in its place. Its tasks fail with `err` (a crash), or,
   * after an overrun (`err` null), with WorkerPoolBusy: they were lost through no fault of their own. Tasks that
   * may run again go back to the head of the queue first.
   */
  #replace(slot: Slot<T, R, Q, A>, err: Error | null): void {
    const slots = this.#slots;
    const i = slots ? slots.indexOf(slot) : -1;
    if (!slots || i === -1) return; // already replaced, or stopped
    if (err) this.#logger?.error({ err, pool: this.options.name }, 'worker failed; replaced');
    this.replaced++;
    slots[i] = this.#spawn();
    slot.worker.removeAllListeners();
    slot.worker.on('error', () => {});
    void slot.worker.terminate();
    const again: Task<T, R, Q, A>[] = [];
    for (const t of [...slot.tasks.values()]) {
      if (t.options.retry && !t.retried) {
        clearTimeout(t.timer);
        slot.tasks.delete(t.id);
        t.retried = true;
        again.push(t);
      } else {
        this.#settle(slot, t, err ?? new WorkerPoolBusy(this.options.name, this.options.retryAfterSeconds));
      }
    }
    this.#queue.unshift(...again);
    this.#pump();
  }
}
