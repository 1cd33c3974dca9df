import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { BodyTooLargeError, readRawBody } from '../../src/http/raw-body.js';

const LIMIT = 1024 * 1024;
let server: Server;
let port: number;

before(async () => {
  // Echoes the body it read, or 413 with the limit.
  server = createServer((req, res) => {
    readRawBody(req, LIMIT).then(
      (body) => res.end(body),
      (err: unknown) => {
        res.statusCode = err instanceof BodyTooLargeError ? 413 : 500;
        res.end(String((err as Error).message));
      },
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
after(() => new Promise<void>((r) => server.close(() => r())));

function send(body: Buffer, chunked: boolean): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        port,
        method: 'POST',
        headers: chunked ? { 'transfer-encoding': 'chunked' } : { 'content-length': body.length },
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(parts) }));
      },
    );
    req.on('error', (err: NodeJS.ErrnoException) =>
      // The server may answer 413 and close before the whole body is sent.
      err.code === 'EPIPE' || err.code === 'ECONNRESET'
        ? resolve({ status: 413, body: Buffer.alloc(0) })
        : reject(err),
    );
    for (let i = 0; i < body.length; i += 50_000) req.write(body.subarray(i, i + 50_000));
    req.end();
  });
}

for (const chunked of [false, true]) {
  const how = chunked ? 'chunked' : 'with Content-Length';
  test(`a body ${how} is read whole and unchanged, small or large`, async () => {
    for (const size of [0, 1, 70_000, LIMIT]) {
      const body = randomBytes(size);
      const r = await send(body, chunked);
      assert.equal(r.status, 200);
      assert.ok(r.body.equals(body), `${size} bytes came back different`);
    }
  });

  test(`a body ${how} over the limit is refused`, async () => {
    const r = await send(randomBytes(LIMIT + 1), chunked);
    assert.equal(r.status, 413);
  });
}
