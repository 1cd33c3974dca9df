import { parentPort } from 'node:worker_threads';
import { sm2Verify, sm2WarmUp } from './sm2.js';
import { nativeSm2 } from './sm2-native.js';
import type { Sm2VerifyJob, Sm2VerifyRequest, Sm2VerifyResponse } from './sm2-verify-worker-protocol.js';

// Worker thread of Sm2VerifyPool: verifies chunks of jobs with its own key cache.

function verifyOne(job: Sm2VerifyJob): boolean {
  try {
    return sm2Verify(job.publicKey, job.message, job.signature, job.id === undefined ? {} : { id: job.id });
  } catch {
    // Malformed key or signature: in a batch that is simply "not valid".
    return false;
  }
}

if (parentPort) {
  const port = parentPort;
  // A pool exists for bulk work: build noble's large base table before the first chunk, unless OpenSSL
  // verifies (then no noble table is ever used here).
  if (!nativeSm2) sm2WarmUp();
  port.on('message', (request: Sm2VerifyRequest) => {
    let response: Sm2VerifyResponse;
    try {
      response = {
        seq: request.seq,
        results: Uint8Array.from(request.jobs, (job) => (verifyOne(job) ? 1 : 0)),
      };
    } catch (err) {
      response = { seq: request.seq, error: String(err) };
    }
    port.postMessage(response);
  });
}
