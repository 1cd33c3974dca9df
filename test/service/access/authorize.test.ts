import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { authorize, ensureAllowed, listScope, type Action } from '../../../src/service/access/authorize.js';
import type { Role } from '../../../src/access/role.js';
import type { Principal } from '../../../src/service/access/principal.js';
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
  hub: token('hub'),
};

/**
 * Allowed callers per action, on [a resource of their own agency (the issuer's; in the sync-peer's province),
 * one of another agency in another province].
 */
const EXPECTED: Record<Action, Record<string, [boolean, boolean]>> = {
  'licence.issue': { issuer: [true, true] },
  'witness.read-state': { system: [true, true], admin: [true, true] },
  'federation.index-records': { system: [true, true], hub: [true, true] },
  'federation.nodes.read': { system: [true, true], admin: [true, true], 'sync-peer': [true, true] },
  'federation.nodes.operate': { system: [true, true], admin: [true, true] },
  'federation.records.read': { system: [true, true], admin: [true, true] },
  'trust-list.manage': { system: [true, true], admin: [true, true] },
  'federation.alerts.read': { system: [true, true], admin: [true, true] },
  'document.stamp': { system: [true, true], issuer: [true, true] },
  'licence.change': { system: [true, true], admin: [true, true], issuer: [true, false] },
  'licence.reissue': { issuer: [true, false] },
  'licence.read-as-owner': { system: [true, true], admin: [true, true], issuer: [true, false] },
  'licence.use': { issuer: [true, true], 'sync-peer': [true, true], hub: [true, true] },
  'share.catalogue': { system: [true, true], admin: [true, true], 'sync-peer': [true, true] },
  'share.use': { system: [true, true], 'sync-peer': [true, true] },
  'licence.search-by-holder': { issuer: [true, true] },
  'licence.list-uses': { system: [true, true], admin: [true, true], issuer: [true, false] },
  'job.read': { system: [true, true], admin: [true, true], issuer: [true, false] },
  'agency.read': {
    system: [true, true],
    admin: [true, true],
    'ca-operator': [true, true],
    'seal-maker': [true, true],
    issuer: [true, false],
    'sync-peer': [true, false],
  },
  'seal.read': {
    system: [true, true],
    admin: [true, true],
    'ca-operator': [true, true],
    'seal-maker': [true, true],
    issuer: [true, false],
    'sync-peer': [true, false],
  },
  'signer-key.list': {
    system: [true, true],
    admin: [true, true],
    'ca-operator': [true, true],
    issuer: [true, false],
  },
  'agency.list': {
    system: [true, true],
    admin: [true, true],
    'ca-operator': [true, true],
    'seal-maker': [true, true],
    issuer: [true, false],
    'sync-peer': [true, false],
  },
  'seal.list': {
    system: [true, true],
    admin: [true, true],
    'ca-operator': [true, true],
    'seal-maker': [true, true],
    issuer: [true, false],
  },
  'certificate.list': {
    system: [true, true],
    admin: [true, true],
    'ca-operator': [true, true],
    'seal-maker': [true, true],
    issuer: [true, false],
  },
  'certificate.issue': { system: [true, true], admin: [true, true], 'ca-operator': [true, true] },
  'seal.suspend': {
    system: [true, true],
    admin: [true, true],
    'seal-maker': [true, true],
    issuer: [true, false],
  },
  'seal.resume': { system: [true, true], admin: [true, true], 'seal-maker': [true, true] },
  'seal.revoke': { system: [true, true], admin: [true, true], 'seal-maker': [true, true] },
};

describe('authorize', () => {
  for (const [action, allowed] of Object.entries(EXPECTED) as [
    Action,
    Record<string, [boolean, boolean]>,
  ][]) {
    it(action, () => {
      for (const [name, p] of Object.entries(CALLERS)) {
        const [own, other] = allowed[name] ?? [false, false];
        const mine = { agencyId: OWN, province: '32' };
        const theirs = { agencyId: OTHER, province: '33' };
        assert.equal(authorize(p, action, mine).allowed, own, `${name} on its own agency's (province)`);
        assert.equal(authorize(p, action, theirs).allowed, other, `${name} on another's`);
      }
    });
  }

  it('a sync-peer and the hub may use any agency’s licence (with the elements); others by the use rule', () => {
    assert.equal(authorize(CALLERS['sync-peer']!, 'licence.use', { agencyId: OTHER }).allowed, true);
    assert.equal(authorize(CALLERS.hub!, 'licence.use', { agencyId: OTHER }).allowed, true);
    const seal = authorize(CALLERS['seal-maker']!, 'licence.use', { agencyId: OTHER });
    assert.deepEqual(seal.allowed ? null : seal.code, 'licence-use-not-allowed');
    const issuer = authorize(CALLERS.anonymous!, 'licence.use', { agencyId: OTHER });
    assert.deepEqual(issuer.allowed ? null : issuer.code, 'licence-use-not-allowed');
  });

  it('a resource without an agency is nobody’s own', () => {
    assert.equal(authorize(CALLERS.issuer!, 'licence.change', {}).allowed, false);
    assert.equal(authorize(CALLERS.issuer!, 'licence.change', { agencyId: null }).allowed, false);
  });

  it('listScope: any lists what was asked, own is confined to the own agency, province to the province', () => {
    assert.deepEqual(listScope(CALLERS.admin!, 'seal.list', OTHER), { agencyId: OTHER });
    assert.deepEqual(listScope(CALLERS.admin!, 'seal.list', undefined), { agencyId: undefined });
    assert.deepEqual(listScope(CALLERS.issuer!, 'seal.list', undefined), { agencyId: OWN });
    assert.deepEqual(listScope(CALLERS.issuer!, 'seal.list', OWN), { agencyId: OWN });
    assert.throws(
      () => listScope(CALLERS.issuer!, 'seal.list', OTHER),
      (e: unknown) => e instanceof ServiceError && e.code === 'other-agency' && e.field === 'agencyId',
    );
    assert.deepEqual(listScope(CALLERS['sync-peer']!, 'agency.list', undefined), { province: '32' });
    assert.throws(
      () => listScope(CALLERS['sync-peer']!, 'seal.list', undefined),
      (e: unknown) => e instanceof ServiceError && e.code === 'role-not-allowed',
    );
    assert.throws(
      () => listScope(CALLERS['unbound issuer']!, 'certificate.list', undefined),
      (e: unknown) => e instanceof ServiceError && e.code === 'role-not-allowed',
    );
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
