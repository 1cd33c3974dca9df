import { parentPort, Worker, type ResourceLimits } from 'node:worker_threads';
import type { Logger } from 'pino';

// A bounded pool of worker threads for CPU-heavy work on untrusted input (a PDF to stamp), so that no file
// can stall the event loop that answers /healthz, OCSP, the TSA and verification:
//
//   - a worker runs one task at a time; tasks wait in a bounded queue, beyond which `run` refuses at once
//     with WorkerPoolBusy (HTTP 503 with Retry-After) instead of letting every caller's latency grow;
//   - each task has a deadline from dispatch (waiting in the queue is the service's fault, not the task's):
//     the task gets it to stop itself, and a worker still busy a margin after it is terminated and replaced
//     (WorkerTaskOverrun);
//   - a worker that dies (a crash, or its `resourceLimits` heap exhausted) fails its task (WorkerCrashed) and
//     is replaced: the next task runs on a fresh worker;
//   - failures the task reports itself travel as data (WorkerTaskFailed.failure), never as a stack trace.
//
// The worker side is `serveWorkerTasks`. Messages: main → worker {id, deadline, task}; worker → main
// {type: 'ready'} once loaded, then {type: 'result', id, ok, …} per task.

export interface WorkerPoolOptions {
  /** Shown in logs and errors ('stamping'). */
  name: string;
  /** Worker threads (at least 1). */
  workers: number;
  /** Tasks waiting for a worker before new ones are refused. */
  maxQueue: number;
  /** Time budget of one task in ms, from dispatch. */
  deadlineMs: number;
  /** Heap limits of each worker (a task that exceeds them kills its worker, not the process). */
  resourceLimits: ResourceLimits;
  /** Retry-After of a refusal, in seconds. */
  retryAfterSeconds: number;
}

/** All workers are busy and the queue is full (HTTP 503 + Retry-After). */
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

type Reply<R, F> = { type: 'ready' } | { type: 'result'; id: number; ok: true; result: R } | FailedReply<F>;
type FailedReply<F> = { type: 'result'; id: number; ok: false; failure: F };

interface Task<T, R> {
  id: number;
  task: T;
  transfer: ArrayBuffer[];
  timer?: NodeJS.Timeout;
  resolve: (r: R) => void;
  reject: (e: Error) => void;
}

interface Slot<T, R> {
  worker: Worker;
  ready: boolean;
  task: Task<T, R> | null;
}

/** `task` is structured-cloned to a worker (its `transfer` buffers moved); `R` and `F` come back the same way. */
export class BoundedWorkerPool<T, R, F> {
  readonly options: WorkerPoolOptions;
  readonly #script: URL;
  readonly #workerData: unknown;
  readonly #logger: Logger | undefined;
  #slots: Slot<T, R>[] | undefined;
  readonly #queue: Task<T, R>[] = [];
  #next = 0;
  #stopped = false;
  /** Workers replaced since the start (after an overrun or a crash). */
  replaced = 0;

  constructor(script: URL, workerData: unknown, options: WorkerPoolOptions, logger?: Logger) {
    this.#script = script;
    this.#workerData = workerData;
    this.options = { ...options, workers: Math.max(1, options.workers) };
    this.#logger = logger;
  }

  /** Tasks running and waiting. */
  get load(): { running: number; queued: number } {
    return { running: (this.#slots ?? []).filter((s) => s.task).length, queued: this.#queue.length };
  }

  /**
   * Runs a task on the first free worker.
   * @throws WorkerPoolBusy (queue full or pool stopped), WorkerTaskOverrun, WorkerCrashed, WorkerTaskFailed.
   */
  run(task: T, transfer: ArrayBuffer[] = []): Promise<R> {
    if (this.#stopped) return Promise.reject(new WorkerPoolBusy(this.options.name, 5));
    // Workers start on the first task: a node that never stamps never pays for them.
    const slots = (this.#slots ??= Array.from({ length: this.options.workers }, () => this.#spawn()));
    const idle = slots.some((s) => s.ready && !s.task);
    if (!idle && this.#queue.length >= this.options.maxQueue)
      return Promise.reject(new WorkerPoolBusy(this.options.name, this.options.retryAfterSeconds));
    return new Promise<R>((resolve, reject) => {
      this.#queue.push({ id: this.#next++, task, transfer, resolve, reject });
      this.#pump();
    });
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
      if (s.task) this.#settle(s, new WorkerPoolBusy(this.options.name, 5));
    }
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  #spawn(): Slot<T, R> {
    const worker = new Worker(this.#script, {
      workerData: this.#workerData,
      resourceLimits: this.options.resourceLimits,
    });
    const slot: Slot<T, R> = { worker, ready: false, task: null };
    worker.unref(); // an idle pool does not keep the process alive
    worker.on('message', (m: Reply<R, F>) => this.#onMessage(slot, m));
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

  #pump(): void {
    for (const slot of this.#slots ?? []) {
      if (!this.#queue.length) return;
      if (slot.ready && !slot.task) this.#dispatch(slot, this.#queue.shift()!);
    }
  }

  #dispatch(slot: Slot<T, R>, t: Task<T, R>): void {
    const { deadlineMs } = this.options;
    slot.task = t;
    slot.worker.ref(); // a busy worker keeps the process alive until it answers
    const deadline = Date.now() + deadlineMs;
    const margin = Math.min(2_000, Math.max(250, deadlineMs / 5));
    t.timer = setTimeout(() => this.#overrun(slot, t), deadlineMs + margin);
    t.timer.unref();
    slot.worker.postMessage({ id: t.id, deadline, task: t.task }, t.transfer);
  }

  #onMessage(slot: Slot<T, R>, m: Reply<R, F>): void {
    if (m.type === 'ready') {
      slot.ready = true;
      this.#pump();
      return;
    }
    if (slot.task?.id !== m.id) return;
    this.#settle(slot, m.ok ? { value: m.result } : new WorkerTaskFailed<F>(m.failure));
    this.#pump();
  }

  #settle(slot: Slot<T, R>, outcome: { value: R } | Error): void {
    const t = slot.task;
    if (!t) return;
    clearTimeout(t.timer);
    slot.task = null;
    slot.worker.unref();
    if (outcome instanceof Error) t.reject(outcome);
    else t.resolve(outcome.value);
  }

  #overrun(slot: Slot<T, R>, t: Task<T, R>): void {
    if (slot.task !== t) return;
    this.#logger?.warn({ pool: this.options.name, task: t.id }, 'worker task over budget; worker replaced');
    this.#settle(slot, new WorkerTaskOverrun(this.options.name, this.options.deadlineMs));
    this.#replace(slot, null);
  }

  /** Terminates (or buries) a worker and puts a fresh one in its place; its task fails with `err`. */
  #replace(slot: Slot<T, R>, err: Error | null): void {
    const slots = this.#slots;
    const i = slots ? slots.indexOf(slot) : -1;
    if (!slots || i === -1) return; // already replaced, or stopped
    if (err) this.#logger?.error({ err, pool: this.options.name }, 'worker failed; replaced');
    this.replaced++;
    slots[i] = this.#spawn();
    slot.worker.removeAllListeners();
    slot.worker.on('error', () => {});
    void slot.worker.terminate();
    if (slot.task) this.#settle(slot, err ?? new WorkerCrashed(this.options.name, false));
    this.#pump();
  }
}

/**
 * The worker side: answers each task with `handle(task, deadline)` (one at a time, as the pool sends them);
 * a thrown error becomes the pool's failure data through `failure`. `handle` may name buffers of its result
 * to transfer instead of copy.
 */
export function serveWorkerTasks<T, R, F>(
  handle: (task: T, deadline: number) => Promise<{ result: R; transfer?: ArrayBuffer[] }>,
  failure: (err: unknown) => F,
): void {
  const port = parentPort;
  if (!port) return;
  port.on('message', (m: { id: number; deadline: number; task: T }) => {
    void handle(m.task, m.deadline).then(
      ({ result, transfer }) =>
        port.postMessage({ type: 'result', id: m.id, ok: true, result }, transfer ?? []),
      (err: unknown) => port.postMessage({ type: 'result', id: m.id, ok: false, failure: failure(err) }),
    );
  });
  port.postMessage({ type: 'ready' });
}
