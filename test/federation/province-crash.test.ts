// §5.4 "kill -9 province during issuance", on the multi-node harness: SIGKILL a province while issuances are in
// flight, restart it on the same database, and check that every event has exactly its leaf, indices are gap-free,
// the integrator resumes, and the root recomputed over the served entries with an RFC 9162 reference
// implementation (test/tlog/merkle-reference.ts, no product code) equals the node's integrated root.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ReferenceTree, sm3Digest } from '../tlog/merkle-reference.js';
import {
  defineDemoTypes,
  expectJson,
  issueLicence,
  licenceEvent,
  provinceAgency,
  tlogSize,
  waitFor,
  type ProvinceAgency,
} from './harness/fed-api.js';
import type { FedNode } from './harness/fed-node.js';
import { federationUnavailable, startFederation, type Federation } from './harness/federation.js';

const skip = await federationUnavailable();
if (skip) process.stderr.write(`skipping the province crash test: ${skip}\n`);

const count = async (node: FedNode, table: string, where: Record<string, string> = {}) =>
  Number(((await node.db(table).where(where).count({ n: '*' }))[0] as { n: string | number }).n);

describe('kill -9 a province during issuance (federation.md §5.4)', { skip }, () => {
  let fed: Federation;
  let p: FedNode;
  let a: ProvinceAgency;

  before(async () => {
    // One province is enough here: the hub is not involved in a province's own log.
    fed = await startFederation({ provinces: ['33'], tileHeight: 2 });
    p = fed.node('33');
    a = await provinceAgency(p);
    await defineDemoTypes(p, [a.agencyId]);
  });
  after(async () => {
    await fed?.stop();
  });

  it('no event without its leaf, no leaf without its event, gap-free; the integrator resumes', async () => {
    await licenceEvent(p, a, await issueLicence(p, a), 'suspend');
    const before = await tlogSize(p);
    // Six issuances in flight; SIGKILL as soon as the first has committed.
    const inFlight = Array.from({ length: 6 }, () =>
      issueLicence(p, a).then(
        (id) => id,
        () => undefined,
      ),
    );
    await waitFor(
      'a first issuance to commit',
      async () => ((await tlogSize(p)) > before ? true : undefined),
      60_000,
      20,
    );
    await p.kill9();
    const issued = (await Promise.all(inFlight)).filter((x) => x !== undefined);
    await p.start();

    const idx = (await p.db('tlog_entries').orderBy('idx').pluck('idx')).map(Number);
    assert.deepEqual(
      idx,
      idx.map((_, i) => i),
      'indices 0..n-1 without a gap',
    );
    // Exactly one leaf per licence event row, and each acknowledged issuance is among them.
    assert.equal(await count(p, 'tlog_entries', { kind: 'licence' }), await count(p, 'licence_events'));
    const subjects = new Set(await p.db('tlog_entries').where({ kind: 'licence' }).pluck('subject'));
    for (const id of issued) assert.ok(subjects.has(id), `${id} was answered 201, so it is logged`);
    assert.equal(
      await count(p, 'licences'),
      (await count(p, 'tlog_entries', { kind: 'licence' })) - 1,
      'one issue leaf per licence, plus the suspension',
    );

    // Issuance goes on after the restart, at the next index.
    const next = await tlogSize(p);
    await issueLicence(p, a);
    assert.equal(await tlogSize(p), next + 1);

    // The integrator catches up; the served entries hash, by the RFC 9162 reference, to its root.
    const size = await tlogSize(p);
    const state = await waitFor(
      'the integrator to reach the whole log',
      async () => {
        const row = (await p.db('tlog_state').first()) as
          { integrated_size: string; root: Buffer } | undefined;
        return row && Number(row.integrated_size) === size ? row : undefined;
      },
      60_000,
    );
    const served = await expectJson<{ entries: { index: number; leaf: string; leafHash: string }[] }>(
      await p.request(`/v1/tlog/entries?start=0&end=${size}`),
      200,
      'entries',
    );
    const ref = new ReferenceTree(sm3Digest);
    const leaves = served.entries.map((e) => Buffer.from(e.leaf, 'base64'));
    served.entries.forEach((e, i) => {
      assert.equal(e.index, i);
      assert.equal(e.leafHash, ref.leafHash(leaves[i]!).toString('base64'));
    });
    assert.deepEqual(ref.mth(leaves), Buffer.from(state.root));
  });
});
