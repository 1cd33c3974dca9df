// The national trust list's pure rules (federation.md §2.8, §3.3): reading only canonical bytes, the detached
// SM2 CMS over exactly those bytes (checked again with sm-crypto), acceptance that never goes back, signer
// rotation through announced signers, and the hub's rules for the next list. Each attack is built from our own
// artefacts and its refusal asserted.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import smCrypto from 'sm-crypto';
import { sm2SignDigest } from '../../src/crypto/sm2.js';
import { parseCmsSignedData } from '../../src/pki/cms-signed-data.js';
import { encodeTrustList, parseTrustList, type TrustList } from '../../src/trust-list/trust-list.js';
import { acceptTrustList, type AcceptedTrustList } from '../../src/trust-list/trust-list-acceptance.js';
import { nextTrustList, type TrustListDraft } from '../../src/trust-list/trust-list-draft.js';
import type { TrustListErrorCode } from '../../src/trust-list/trust-list-error.js';
import { signTrustList, verifyTrustListSignature } from '../../src/trust-list/trust-list-signature.js';
import { statusAt, trustListFreshness } from '../../src/trust-list/trust-list-status.js';
import { issueTestCertificate, type TestCertificate } from '../helpers/test-pki.js';
import { testTrustListDraft } from '../helpers/trust-list-hub.js';

const smc = smCrypto.sm2;
const DAY = 86_400_000;
const NOW = new Date('2027-01-04T00:00:00.000Z');
const later = (ms: number) => new Date(NOW.getTime() + ms);

const root = issueTestCertificate('信任列表测试根', null, { ca: true });
const signerA = issueTestCertificate('信任列表签名者 A', root);
const signerB = issueTestCertificate('信任列表签名者 B', root);
const b64 = (t: TestCertificate) => t.der.toString('base64');

/** The shared one-node draft, its province with a root CA service (so service histories are exercised). */
function draft(over: Partial<TrustListDraft> = {}): TrustListDraft {
  const d = testTrustListDraft();
  d.nodes[0] = {
    ...d.nodes[0]!,
    services: [
      {
        type: 'root-ca',
        certificate: b64(root),
        sm3: createHash('sm3').update(root.der).digest('hex'),
        status: 'granted',
        history: [{ status: 'granted', since: '2026-12-01T00:00:00.000Z' }],
      },
    ],
  };
  return { ...d, ...over };
}

const signer = (t: TestCertificate) => ({
  certificateDer: t.der,
  signDigest: (e: Buffer) => sm2SignDigest(t.key.privateKey, e),
});

async function published(list: TrustList, by: TestCertificate, signingTime = NOW) {
  const bytes = encodeTrustList(list);
  return { bytes, p7s: await signTrustList(bytes, signer(by), { signingTime }) };
}

function refused(code: TrustListErrorCode) {
  return (err: unknown) => (err as { code?: string }).code === code;
}

const first = () =>
  nextTrustList(undefined, draft(), { now: NOW, nextUpdate: later(7 * DAY), signers: [b64(signerA)] });

describe('trust list format (§2.8)', () => {
  it('encodes RFC 8785 canonical JSON and reads back exactly that', () => {
    const list = first();
    const bytes = encodeTrustList(list);
    assert.deepEqual(parseTrustList(bytes), list);
    // Pretty-printed, the same content is refused: one encoding per list, so its SM3 names it.
    assert.throws(() => parseTrustList(Buffer.from(JSON.stringify(list, null, 2))), refused('NOT_CANONICAL'));
    assert.throws(() => parseTrustList(Buffer.from([0xff, 0xfe])), refused('MALFORMED_TRUST_LIST'));
  });

  it('refuses unknown fields, duplicate nodes and a status that is not the last of its history', () => {
    const list = first();
    const reencode = (l: unknown) => Buffer.from(JSON.stringify(sortKeys(l)));
    assert.throws(() => parseTrustList(reencode({ ...list, extra: 1 })), refused('MALFORMED_TRUST_LIST'));
    assert.throws(
      () => parseTrustList(reencode({ ...list, nodes: [list.nodes[0], list.nodes[0]] })),
      refused('MALFORMED_TRUST_LIST'),
    );
    const n = { ...list.nodes[0]!, status: 'withdrawn' };
    assert.throws(() => parseTrustList(reencode({ ...list, nodes: [n] })), refused('MALFORMED_TRUST_LIST'));
    assert.throws(
      () => encodeTrustList({ ...list, nodes: [n as TrustList['nodes'][number]] }),
      refused('MALFORMED_TRUST_LIST'),
    );
  });

  it('property: any node name and region round-trip; any other key order is not canonical', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 40, unit: 'grapheme' }),
        fc.integer({ min: 100000, max: 999999 }),
        (name, region) => {
          const d = draft();
          d.nodes[0] = { ...d.nodes[0]!, name, regionCode: String(region) };
          const list = nextTrustList(undefined, d, {
            now: NOW,
            nextUpdate: later(DAY),
            signers: [b64(signerA)],
          });
          const bytes = encodeTrustList(list);
          assert.deepEqual(parseTrustList(bytes), list);
          const reordered = Buffer.from(
            JSON.stringify(Object.fromEntries([['sequenceNumber', 0], ...Object.entries(list)])),
          );
          if (!reordered.equals(bytes))
            assert.throws(() => parseTrustList(reordered), refused('NOT_CANONICAL'));
        },
      ),
      { numRuns: 60 },
    );
  });
});

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object')
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
    );
  return v;
}

describe('trust list signature (detached SM2 CMS over the served bytes)', () => {
  it('verifies, and sm-crypto agrees on the SM2 signature over the signed attributes', async () => {
    const { bytes, p7s } = await published(first(), signerA);
    const cert = verifyTrustListSignature(bytes, p7s, [signerA.der], NOW);
    assert.equal(cert.serialHex, signerA.info.serialHex);
    const si = parseCmsSignedData(p7s).signers[0]!;
    assert.ok(si.messageDigest!.equals(createHash('sm3').update(bytes).digest()));
    const opts = { hash: true, der: true, userId: '1234567812345678' };
    assert.equal(
      smc.doVerifySignature(
        si.signedAttrsSet!,
        si.signature.toString('hex'),
        signerA.info.publicKey.toString('hex'),
        opts,
      ),
      true,
    );
  });

  it('refuses a changed byte, a signer nobody announced, and a signer certificate out of its validity', async () => {
    const { bytes, p7s } = await published(first(), signerA);
    const changed = Buffer.from(bytes);
    changed[changed.length - 2]! ^= 1;
    assert.throws(
      () => verifyTrustListSignature(changed, p7s, [signerA.der], NOW),
      refused('SIGNATURE_INVALID'),
    );
    assert.throws(
      () => verifyTrustListSignature(bytes, p7s, [signerB.der], NOW),
      refused('UNANNOUNCED_SIGNER'),
    );
    assert.throws(
      () =>
        verifyTrustListSignature(bytes, p7s, [signerA.der], new Date(signerA.info.notAfter.getTime() + DAY)),
      refused('SIGNER_NOT_VALID'),
    );
    assert.throws(
      () => verifyTrustListSignature(bytes, Buffer.from('not cms'), [signerA.der], NOW),
      refused('SIGNATURE_INVALID'),
    );
  });
});

describe('accepting a list (§2.8 consumption rules)', () => {
  const ctx = { bootstrapSigners: [signerA.der], now: NOW };
  async function accept(
    cached: AcceptedTrustList | undefined,
    list: TrustList,
    by: TestCertificate,
    now = NOW,
  ) {
    const { bytes, p7s } = await published(list, by);
    return acceptTrustList(cached, bytes, p7s, { ...ctx, now });
  }
  async function acceptedFirst(): Promise<AcceptedTrustList> {
    const r = await accept(undefined, first(), signerA);
    assert.equal(r.outcome, 'accepted');
    return (r as { accepted: AcceptedTrustList }).accepted;
  }

  it('accepts the first list from the bootstrap signers, the same list again as unchanged, and the next one', async () => {
    const one = await acceptedFirst();
    assert.equal((await accept(one, one.list, signerA)).outcome, 'unchanged');
    const two = nextTrustList(one.list, draft(), {
      now: later(DAY),
      nextUpdate: later(8 * DAY),
      signers: [b64(signerA)],
    });
    const r = await accept(one, two, signerA, later(DAY));
    assert.equal(r.outcome, 'accepted');
  });

  it('refuses a rolled-back sequence number and two different lists with one sequence number', async () => {
    const one = await acceptedFirst();
    const two = nextTrustList(one.list, draft(), {
      now: later(DAY),
      nextUpdate: later(8 * DAY),
      signers: [b64(signerA)],
    });
    const r2 = await accept(one, two, signerA, later(DAY));
    const cached = (r2 as { accepted: AcceptedTrustList }).accepted;
    await assert.rejects(accept(cached, one.list, signerA, later(DAY)), refused('ROLLBACK'));
    const forked = { ...two, operator: { ...two.operator, name: '另一个枢纽' } };
    await assert.rejects(accept(cached, forked, signerA, later(DAY)), refused('EQUIVOCATION'));
  });

  it('refuses an expired list and one issued in the future', async () => {
    await assert.rejects(accept(undefined, first(), signerA, later(8 * DAY)), refused('EXPIRED'));
    const future = nextTrustList(undefined, draft(), {
      now: later(DAY),
      nextUpdate: later(2 * DAY),
      signers: [b64(signerA)],
    });
    await assert.rejects(accept(undefined, future, signerA), refused('ISSUED_IN_FUTURE'));
  });

  it('rotates signers only through an announcement; the bootstrap key signs nothing once a list is cached', async () => {
    const one = await acceptedFirst();
    // B signing list 2 without being announced in list 1: refused.
    const direct = nextTrustList(one.list, draft(), {
      now: later(DAY),
      nextUpdate: later(8 * DAY),
      signers: [b64(signerB)],
    });
    await assert.rejects(accept(one, direct, signerB, later(DAY)), refused('UNANNOUNCED_SIGNER'));
    // List 2 (by A) announces B; list 3 by B is a pivot and is accepted.
    const two = nextTrustList(one.list, draft(), {
      now: later(DAY),
      nextUpdate: later(8 * DAY),
      signers: [b64(signerA)],
      announceSigners: [b64(signerB)],
    });
    const c2 = ((await accept(one, two, signerA, later(DAY))) as { accepted: AcceptedTrustList }).accepted;
    const three = nextTrustList(c2.list, draft(), {
      now: later(2 * DAY),
      nextUpdate: later(9 * DAY),
      signers: [b64(signerB)],
    });
    assert.deepEqual(three.signers.pivots, [3]);
    const c3 = ((await accept(c2, three, signerB, later(2 * DAY))) as { accepted: AcceptedTrustList })
      .accepted;
    // A was the bootstrap signer and is no longer current nor announced: its list 4 is refused.
    const four = nextTrustList(c3.list, draft(), {
      now: later(3 * DAY),
      nextUpdate: later(9 * DAY),
      signers: [b64(signerA)],
    });
    await assert.rejects(accept(c3, four, signerA, later(3 * DAY)), refused('UNANNOUNCED_SIGNER'));
  });

  it('warns when a node is withdrawn', async () => {
    const one = await acceptedFirst();
    const d = draft();
    d.nodes[0] = {
      ...d.nodes[0]!,
      status: 'withdrawn',
      statusHistory: [...d.nodes[0]!.statusHistory, { status: 'withdrawn', since: later(DAY).toISOString() }],
    };
    const two = nextTrustList(one.list, d, {
      now: later(DAY),
      nextUpdate: later(8 * DAY),
      signers: [b64(signerA)],
    });
    const r = await accept(one, two, signerA, later(DAY));
    assert.deepEqual((r as { warnings: unknown[] }).warnings, [
      { kind: 'node-status-changed', detail: { nodeId: '33', from: 'active', to: 'withdrawn' } },
    ]);
  });

  it('warns when a node’s log key is withdrawn, naming the key and since when', async () => {
    const one = await acceptedFirst();
    const d = draft();
    const node = d.nodes[0]!;
    const key = node.log.keys[0]!;
    const since = later(DAY).toISOString();
    d.nodes[0] = { ...node, log: { ...node.log, keys: [{ ...key, status: 'withdrawn', since }] } };
    const two = nextTrustList(one.list, d, {
      now: later(DAY),
      nextUpdate: later(8 * DAY),
      signers: [b64(signerA)],
    });
    const r = (await accept(one, two, signerA, later(DAY))) as { warnings: unknown[] };
    assert.deepEqual(r.warnings, [
      {
        kind: 'log-key-withdrawn',
        detail: { nodeId: node.nodeId, key: key.vkey.split('+').slice(0, 2).join('+'), since },
      },
    ]);
  });
});

describe('the next list at the hub (§3.3)', () => {
  it('refuses nextUpdate beyond 7 days or in the past', () => {
    assert.throws(
      () =>
        nextTrustList(undefined, draft(), {
          now: NOW,
          nextUpdate: later(7 * DAY + 1),
          signers: [b64(signerA)],
        }),
      refused('NEXT_UPDATE_TOO_FAR'),
    );
    assert.throws(
      () => nextTrustList(undefined, draft(), { now: NOW, nextUpdate: NOW, signers: [b64(signerA)] }),
      refused('NEXT_UPDATE_TOO_FAR'),
    );
  });

  it('refuses a rewritten history, a removed node or service, and a withdrawn log key made active again', () => {
    const one = first();
    const o = { now: later(DAY), nextUpdate: later(8 * DAY), signers: [b64(signerA)] };
    const base = draft();
    const edits: TrustListDraft[] = [
      { ...base, nodes: [] },
      {
        ...base,
        nodes: [
          { ...base.nodes[0]!, statusHistory: [{ status: 'active', since: '2026-11-01T00:00:00.000Z' }] },
        ],
      },
      { ...base, nodes: [{ ...base.nodes[0]!, services: [] }] },
    ];
    for (const d of edits) assert.throws(() => nextTrustList(one, d, o), refused('HISTORY_REWRITTEN'));
    const withdrawnKey = draft();
    withdrawnKey.nodes[0]!.log.keys[0] = { ...withdrawnKey.nodes[0]!.log.keys[0]!, status: 'withdrawn' };
    const two = nextTrustList(one, withdrawnKey, o);
    assert.throws(
      () => nextTrustList(two, draft(), { ...o, now: later(2 * DAY), nextUpdate: later(9 * DAY) }),
      refused('HISTORY_REWRITTEN'),
    );
  });

  it('refuses a list that says nothing new, but republishes to move nextUpdate on', () => {
    const one = first();
    assert.throws(
      () =>
        nextTrustList(one, draft(), {
          now: later(DAY),
          nextUpdate: new Date(one.nextUpdate),
          signers: [b64(signerA)],
        }),
      refused('NOTHING_CHANGED'),
    );
    const refreshed = nextTrustList(one, draft(), {
      now: later(DAY),
      nextUpdate: later(8 * DAY),
      signers: [b64(signerA)],
    });
    assert.equal(refreshed.sequenceNumber, 2);
    assert.deepEqual(refreshed.signers.pivots, []);
  });
});

describe('status in time (§2.8 rule 7)', () => {
  it('judges at T by the history, and a list by its nextUpdate', () => {
    const h = [
      { status: 'granted' as const, since: '2026-12-01T00:00:00.000Z' },
      { status: 'withdrawn' as const, since: '2027-01-02T00:00:00.000Z' },
    ];
    assert.equal(statusAt(h, new Date('2026-11-30T00:00:00Z')), undefined);
    assert.equal(statusAt(h, new Date('2027-01-01T23:59:59Z')), 'granted');
    assert.equal(statusAt(h, new Date('2027-01-02T00:00:00Z')), 'withdrawn');
    assert.equal(trustListFreshness(first(), later(7 * DAY - 1)), 'valid');
    assert.equal(trustListFreshness(first(), later(7 * DAY)), 'expired');
  });
});
