import { sm2WarmUp } from '../crypto/sm2.js';
import { nativeSm2 } from '../crypto/sm2-native.js';
import { sm2VerifyBatch, type Sm2VerifyJob } from '../crypto/sm2-verify-batch.js';
import { serveWorkerTasks } from './serve-worker-tasks.js';

// A worker of Sm2VerifyPool: verifies chunks of jobs with its own key cache.

// A pool exists for bulk work: build noble's large base table before the first chunk (and before the worker
// says it is ready), unless OpenSSL verifies (then no noble table is ever used here).
if (!nativeSm2) sm2WarmUp();

serveWorkerTasks<Sm2VerifyJob[], Uint8Array, string>(
  async (jobs) => ({ result: sm2VerifyBatch(jobs) }),
  (err) => String(err),
);
