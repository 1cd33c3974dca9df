import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  planNationalBatch,
  type NationalPrior,
} from '../../../src/service/federation/national-index-plan.js';
import { readDirectoryLeaf } from '../../../src/tlog/directory-leaf-reader.js';
import { DIRECTORY_LEAF_TYPE } from '../../../src/tlog/directory-leaf.js';

// The hub as monitor (federation.md §3.4): a licence that enters the log already suspended is a semantic
// violation when it is live, and a legitimate snapshot when `sealtrust tlog genesis` back-filled it.
const ISSUER = '91330000MA27XYZ12X';
const leaf = (status: string, backfill: boolean) =>
  readDirectoryLeaf(
    new TextEncoder().encode(
      JSON.stringify({
        t: DIRECTORY_LEAF_TYPE,
        node: '33',
        kind: 'licence',
        op: 'issue',
        at: '2026-12-01T00:00:00.000Z',
        ...(backfill ? { backfill: true } : {}),
        licence: {
          id: `11100000000013338W001-${ISSUER}-0001`,
          type: '11100000000013338W001',
          issuer: ISSUER,
          version: 1,
          status,
          prev: null,
          related: null,
          issueDate: '2026-12-01',
          validFrom: '2026-12-01',
          validTo: null,
          files: [{ format: 'pdf', sm3: 'ab'.repeat(32), bytes: 1000 }],
          seal: { esID: 'E1', signer: '0A', signature: 'ses' },
        },
      }),
    ),
    '33',
  );

const prior = (): NationalPrior => ({
  licences: new Map<string, never>(),
  agencies: new Map([[ISSUER, '33']]),
  seals: new Set<string>(),
});

describe('national index plan: back-filled snapshots', () => {
  it('flags a live issue leaf that is not valid', () => {
    const batch = planNationalBatch('33', 0, [leaf('suspended', false)], prior());
    assert.deepEqual(
      batch.violations.map((v) => v.rule),
      ['illegal-transition'],
    );
  });

  it('accepts a back-filled licence with its status at genesis', () => {
    const batch = planNationalBatch('33', 0, [leaf('suspended', true)], prior());
    assert.deepEqual(batch.violations, []);
    assert.equal(batch.licences[0]?.status, 'suspended');
    assert.equal(batch.licences[0]?.pdfSm3, 'ab'.repeat(32));
  });
});
