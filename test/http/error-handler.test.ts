import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { toProblem } from '../../src/http/error-handler.js';
import { ServiceError } from '../../src/service/service-error.js';

describe('service errors become problems', () => {
  test('an unavailable service is 503 with its Retry-After, never a 500', () => {
    const p = toProblem(
      new ServiceError('unavailable', 'licence-production-busy', '繁忙 / busy', undefined, undefined, 7),
    );
    assert.ok(p);
    assert.equal(p.status, 503);
    assert.equal(p.slug, 'licence-production-busy');
    assert.deepEqual(p.extra.headers, { 'Retry-After': '7' });
  });

  test('other kinds carry no Retry-After', () => {
    const p = toProblem(new ServiceError('conflict', 'licence-revoked', '已注销 / revoked'));
    assert.ok(p);
    assert.equal(p.status, 409);
    assert.equal(p.extra.headers, undefined);
  });
});
