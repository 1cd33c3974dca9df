import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateSm2KeyPair, sm2Sign } from '../../src/crypto/sm2.js';
import { Sm2VerifyPool, type Sm2VerifyJob } from '../../src/runtime/sm2-verify-pool.js';

describe('Sm2VerifyPool', () => {
  it('verifies a batch across workers, flags the bad ones, and shuts down', async () => {
    const keys = [generateSm2KeyPair(), generateSm2KeyPair()];
    const jobs: Sm2VerifyJob[] = [];
    const expected: boolean[] = [];
    for (let i = 0; i < 150; i++) {
      const { privateKey, publicKey } = keys[i % 2]!;
      const message = Buffer.from(`document ${i}`);
      const id = i % 5 === 0 ? `user-${i}` : undefined;
      const signature = sm2Sign(privateKey, message, id === undefined ? {} : { id });
      const job: Sm2VerifyJob = { publicKey, message, signature, ...(id === undefined ? {} : { id }) };
      let ok = true;
      if (i % 7 === 3) {
        job.message = Buffer.from(`tampered ${i}`);
        ok = false;
      } else if (i % 11 === 4) {
        job.signature = Buffer.from('garbage'); // malformed: false, not a rejection
        ok = false;
      } else if (i % 13 === 5) {
        job.publicKey = keys[(i + 1) % 2]!.publicKey;
        ok = false;
      }
      jobs.push(job);
      expected.push(ok);
    }
    const pool = new Sm2VerifyPool({ size: 2, chunkSize: 16 });
    try {
      const [a, b] = await Promise.all([pool.verifyMany(jobs), pool.verifyMany(jobs.slice(0, 10))]);
      assert.deepEqual(a, expected);
      assert.deepEqual(b, expected.slice(0, 10));
      assert.deepEqual(await pool.verifyMany([]), []);
    } finally {
      await pool.close();
    }
    await pool.close(); // idempotent
    await assert.rejects(pool.verifyMany(jobs.slice(0, 1)), /closed/);
  });

  it('close() waits for queued work', async () => {
    const { privateKey, publicKey } = generateSm2KeyPair();
    const message = Buffer.from('x');
    const job = { publicKey, message, signature: sm2Sign(privateKey, message) };
    const pool = new Sm2VerifyPool({ size: 1, chunkSize: 4 });
    const pending = pool.verifyMany(Array.from({ length: 20 }, () => job));
    await pool.close();
    assert.deepEqual(await pending, new Array(20).fill(true));
  });
});
