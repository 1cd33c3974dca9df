// Messages between a BoundedWorkerPool (main thread) and one of its workers (serveWorkerTasks). Everything is
// structured-cloned; buffers named in a transfer list are moved instead.

/** main → worker: run a task (`deadline`: ms since the epoch, the task's time budget from dispatch). */
export interface TaskMessage<T> {
  type: 'task';
  id: number;
  deadline: number;
  task: T;
}

/** main → worker: the answer to a question a task asked (`error`: the main thread's answer failed). */
export interface AnswerMessage<A> {
  type: 'answer';
  id: number;
  call: number;
  value?: A;
  error?: string;
}

/** worker → main: a question of a running task to the main thread (e.g. a database view). */
export interface AskMessage<Q> {
  type: 'ask';
  id: number;
  call: number;
  question: Q;
}

/** worker → main: the task's outcome; a failure the task reported itself travels as data. */
export type ResultMessage<R, F> =
  { type: 'result'; id: number; ok: true; result: R } | { type: 'result'; id: number; ok: false; failure: F };

export type MainToWorker<T, A> = TaskMessage<T> | AnswerMessage<A>;
/** `ready` is sent once, when the worker's module has loaded (and warmed up): only then is it given tasks. */
export type WorkerToMain<R, F, Q> = { type: 'ready' } | AskMessage<Q> | ResultMessage<R, F>;
