import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { authorize, ensureAllowed, type Action } from '../../../src/service/access/authorize.js';
import type { Principal, Role } from '../../../src/service/principal.js';
import { ServiceError } from '../../../src/service/service-error.js';

// The access table, read as a matrix: every action against every kind of caller, on its own agency's
// resource and on another's. A change to the table shows up here as a changed cell.

const OWN = '11111111-1111-4111-8111-111111111111';
const OTHER = '22222222-2222-4222-8222-222222222222';

const token = (role: Role, agencyId: string | null = null, province: string | null = null): Principal => ({
  kind: 'token',
  tokenId: '33333333-3333-4333-8333-333333333333',
  role,
  agencyId,
  province,
});

const CALLERS: Record<string, Principal> = {
  system: { kind: 'system' },
  anonymous: { kind: 'anonymous' },
  admin: token('admin'),
  'ca-operator': token('ca-operator'),
  'seal-maker': token('seal-maker'),
  issuer: token('issuer', OWN),
  'unbound issuer': token('issuer', null),
  'sync-peer': token('sync-peer', null, '32'),
};

/** Allowed callers per action, on [their own agency's resource, another agency's]. */
const EXPECTED: Record<Action, Record<string, [boolean, boolean]>> = {
  'licence.issue': { issuer: [true, true] },
  'licence.change': { system: [true, true], admin: [true, true], issuer: [true, false] },
  'licence.reissue': { issuer: [true, false] },
  'licence.read-as-owner': { system: [true, true], admin: [true, true], issuer: [true, false] },
  'licence.use': { issuer: [true, true] },
  'licence.search-by-holder': { issuer: [true, true] },
  'licence.list-uses': { system: [true, true], admin: [true, true], issuer: [true, false] },
  'job.read': { system: [true, true], admin: [true, true], issuer: [true, false] },
};

describe('authorize', () => {
  for (const [action, allowed] of Object.entries(EXPECTED) as [
    Action,
    Record<string, [boolean, boolean]>,
  ][]) {
    it(action, () => {
      for (const [name, p] of Object.entries(CALLERS)) {
        const [own, other] = allowed[name] ?? [false, false];
        assert.equal(authorize(p, action, { agencyId: OWN }).allowed, own, `${name} on its own agency's`);
        assert.equal(authorize(p, action, { agencyId: OTHER }).allowed, other, `${name} on another's`);
      }
    });
  }

  it('a sync-peer is refused licence use by its own rule, whatever the resource', () => {
    const d = authorize(CALLERS['sync-peer']!, 'licence.use', { agencyId: OTHER });
    assert.deepEqual(d.allowed ? null : d.code, 'sync-peer-not-yet-supported');
    const issuer = authorize(CALLERS.anonymous!, 'licence.use', { agencyId: OTHER });
    assert.deepEqual(issuer.allowed ? null : issuer.code, 'licence-use-not-allowed');
  });

  it('a resource without an agency is nobody’s own', () => {
    assert.equal(authorize(CALLERS.issuer!, 'licence.change', {}).allowed, false);
    assert.equal(authorize(CALLERS.issuer!, 'licence.change', { agencyId: null }).allowed, false);
  });

  it('ensureAllowed throws a 403 ServiceError with the action’s problem type and the field', () => {
    assert.throws(
      () => ensureAllowed(CALLERS['seal-maker']!, 'licence.change', { agencyId: OWN }, 'identifier'),
      (err: unknown) =>
        err instanceof ServiceError &&
        err.kind === 'forbidden' &&
        err.code === 'licence-of-another-agency' &&
        err.field === 'identifier',
    );
  });
});
