// One verification is judged under one trust list (federation.md §4.3): FederatedTrust.pinned makes every
// snapshot() read inside it answer the list the verification started under, while reads outside follow the
// newest accepted list. Without it a file's chain was built under an expired list's (empty) foreign anchors
// while its trust-list check reported the list accepted a moment later.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { FederatedTrust, type TrustSnapshot } from '../../../src/service/verification/federated-trust.js';
import { encodeTrustList, TRUST_LIST_SCHEMA, type TrustList } from '../../../src/trust-list/trust-list.js';
import { testTrustListDraft } from '../../helpers/trust-list-hub.js';

const second = (ms: number) => new Date(Date.now() + ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

function listBytes(sequenceNumber: number, nextUpdateInMs: number): Buffer {
  const list: TrustList = {
    ...testTrustListDraft(`浙江省 ${sequenceNumber}`),
    schema: TRUST_LIST_SCHEMA,
    sequenceNumber,
    issuedAt: second(-60_000),
    nextUpdate: second(nextUpdateInMs),
    signers: { current: ['AQ=='], next: [], pivots: [1] },
  };
  return encodeTrustList(list);
}

/** A trust whose accepted list the test replaces, read afresh on every unpinned snapshot(). */
function switchable(first: Buffer) {
  let bytes = first;
  const trust = new FederatedTrust({ current: async () => ({ bytes }), maxAgeMs: 0 });
  return { trust, accept: (next: Buffer) => (bytes = next) };
}

const seqOf = (s: TrustSnapshot | undefined) => s?.anchors.sequenceNumber;

describe('FederatedTrust: one list per verification', () => {
  it('inside pinned, every read answers the pinned list across awaits, timers and parallel reads', async () => {
    const { trust, accept } = switchable(listBytes(1, 86_400_000));
    const one = (await trust.snapshot())!;
    assert.equal(one.state, 'valid');
    const seen = await trust.pinned(one, async () => {
      const before = await trust.snapshot();
      accept(listBytes(2, 86_400_000));
      await sleep(5);
      const parallel = await Promise.all([trust.snapshot(), sleep(1).then(() => trust.snapshot())]);
      return [before, ...parallel].map(seqOf);
    });
    assert.deepEqual(seen, [1, 1, 1]);
    // Outside, the newest accepted list.
    assert.equal(seqOf(await trust.snapshot()), 2);
  });

  it('concurrent verifications keep their own lists', async () => {
    const { trust, accept } = switchable(listBytes(1, 86_400_000));
    const one = (await trust.snapshot())!;
    accept(listBytes(2, 86_400_000));
    const two = (await trust.snapshot())!;
    const read = (snap: TrustSnapshot) =>
      trust.pinned(snap, async () => {
        await sleep(2);
        return [seqOf(await trust.snapshot()), (await trust.snapshot())?.generation];
      });
    const [a, b] = await Promise.all([read(one), read(two)]);
    assert.deepEqual(a, [1, one.generation]);
    assert.deepEqual(b, [2, two.generation]);
    assert.notEqual(one.generation, two.generation);
  });

  it('an expired list pinned stays expired for its verification, even after a valid one arrives', async () => {
    const { trust, accept } = switchable(listBytes(1, -1_000));
    const stale = (await trust.snapshot())!;
    assert.equal(stale.state, 'expired');
    const state = await trust.pinned(stale, async () => {
      accept(listBytes(2, 86_400_000));
      await sleep(1);
      return (await trust.snapshot())?.state;
    });
    assert.equal(state, 'expired');
    assert.equal((await trust.snapshot())?.state, 'valid');
  });
});
