// One verification is judged under one trust list (federation.md §4.3): the views that read the list (directory,
// seal registry, foreign revocation) answer, once bound with `under(pinnedTrust(snap))`, under the list the
// verification started with, while unbound they follow the newest accepted one. Without that a file's chain was
// built under an expired list's (empty) foreign anchors while its trust-list check reported the list accepted a
// moment later (a CI failure of test/federation/cross-verify.test.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CheckpointTimeline,
  FederatedDirectoryView,
  type HubEvidenceSource,
} from '../../../src/service/verification/federated-directory-view.js';
import { federatedSealRegistry } from '../../../src/service/verification/federated-seal-registry.js';
import { FederatedTrust, pinnedTrust } from '../../../src/service/verification/federated-trust.js';
import { encodeTrustList, TRUST_LIST_SCHEMA, type TrustList } from '../../../src/trust-list/trust-list.js';
import { testTrustListDraft } from '../../helpers/trust-list-hub.js';

const second = (ms: number) => new Date(Date.now() + ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const IDENTIFIER = '1.2.156.3005.2.11100000000013338W001.113300000000000000.2026000001.001.A';

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

/** A trust whose accepted list the test replaces, read afresh on every snapshot(). */
function switchable(first: Buffer) {
  let bytes = first;
  const trust = new FederatedTrust({ current: async () => ({ bytes }), maxAgeMs: 0 });
  return { trust, accept: (next: Buffer) => (bytes = next) };
}

/** A directory view over no local licence and a hub that knows none; `asked` counts the hub's questions. */
function directory(trust: FederatedTrust) {
  const asked: string[] = [];
  const hub: HubEvidenceSource = async (identifier) => {
    asked.push(identifier);
    return { missing: true, node: null };
  };
  const view = new FederatedDirectoryView({ local: { lookup: async () => null }, trust, hub });
  return { view, asked };
}

const unavailable = (r: Awaited<ReturnType<FederatedDirectoryView['lookup']>>) =>
  r?.federation?.unavailable?.code;
const listSeq = (r: Awaited<ReturnType<FederatedDirectoryView['lookup']>>) =>
  r?.federation?.trustList?.sequenceNumber;

describe('trust-bound views: one list per verification', () => {
  it('the directory bound to an expired list says so after a valid one is accepted, and asks no hub', async () => {
    const { trust, accept } = switchable(listBytes(1, -1_000));
    const { view, asked } = directory(trust);
    const expired = (await trust.snapshot())!;
    assert.equal(expired.state, 'expired');
    const pinned = view.under(pinnedTrust(expired));
    accept(listBytes(2, 86_400_000));

    const then = await pinned.lookup(IDENTIFIER);
    assert.equal(unavailable(then), 'TRUST_LIST_EXPIRED');
    assert.equal(listSeq(then), 1);
    assert.deepEqual(asked, []);

    // Unbound, the same view follows the newest list: the hub is asked under list 2.
    const now = await view.lookup(IDENTIFIER);
    assert.equal(unavailable(now), 'NOT_IN_NATIONAL_INDEX');
    assert.equal(listSeq(now), 2);
    assert.deepEqual(asked, [IDENTIFIER]);
  });

  it('two verifications in flight each keep their own list', async () => {
    const { trust, accept } = switchable(listBytes(1, 86_400_000));
    const { view } = directory(trust);
    const one = (await trust.snapshot())!;
    accept(listBytes(2, 86_400_000));
    const two = (await trust.snapshot())!;
    const [a, b] = await Promise.all([
      view.under(pinnedTrust(one)).lookup(IDENTIFIER),
      view.under(pinnedTrust(two)).lookup(IDENTIFIER),
    ]);
    assert.equal(listSeq(a), 1);
    assert.equal(listSeq(b), 2);
  });

  it('the seal registry bound to an expired list vouches for no other node, whatever is accepted since', async () => {
    const { trust, accept } = switchable(listBytes(1, -1_000));
    const expired = (await trust.snapshot())!;
    const asked: string[] = [];
    const registry = federatedSealRegistry({
      local: { sealStatusAt: async () => ({ known: false }) },
      trust,
      hub: async (esID) => {
        asked.push(esID);
        return { missing: true, node: null };
      },
      timeline: new CheckpointTimeline(),
    });
    accept(listBytes(2, 86_400_000));
    assert.deepEqual(await registry.under(pinnedTrust(expired)).sealStatusAt('44010000000001', new Date()), {
      known: false,
    });
    assert.deepEqual(asked, [], 'under an expired list the hub is not asked');
    await registry.sealStatusAt('44010000000001', new Date());
    assert.deepEqual(asked, ['44010000000001'], 'unbound, the valid list is used and the hub asked');
  });
});
