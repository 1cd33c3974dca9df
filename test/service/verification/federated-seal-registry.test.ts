// Another node's seal status through the hub (federation.md §4.3 "Foreign SealRegistryView"): a small log of node
// 44 built here, the hub's answer judged against a trust list naming 44's log key and the hub's witness. The seal
// reads as its own registry would read it; an answer that does not verify is never a status.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import canonicalize from 'canonicalize';
import { generateSm2KeyPair } from '../../../src/crypto/sm2.js';
import { CheckpointTimeline } from '../../../src/service/verification/federated-directory-view.js';
import { federatedSealRegistry } from '../../../src/service/verification/federated-seal-registry.js';
import { FederatedTrust } from '../../../src/service/verification/federated-trust.js';
import { formatCheckpoint } from '../../../src/tlog/checkpoint.js';
import { cosignatureSigner } from '../../../src/tlog/cosignature.js';
import { generateInclusionProof } from '../../../src/tlog/inclusion-proof.js';
import { LeafHashTree } from '../../../src/tlog/leaf-hash-tree.js';
import { SM3_MERKLE_HASHER } from '../../../src/tlog/merkle-hasher.js';
import { merkleTreeRoot } from '../../../src/tlog/merkle-tree-root.js';
import { signNote } from '../../../src/tlog/signed-note.js';
import {
  COSIG_SIGTYPE,
  formatVerifierKey,
  NOTE_SIGTYPE,
  sm2NoteSigner,
} from '../../../src/tlog/sm2-note-key.js';
import { encodeTrustList, TRUST_LIST_SCHEMA, type TrustList } from '../../../src/trust-list/trust-list.js';
import type { SealEvidenceAnswer } from '../../../src/verify/licence-log-evidence.js';
import {
  formatStatusStatement,
  LICENCE_STATUS_HEADER,
  SEAL_STATUS_HEADER,
  type StatusStatement,
} from '../../../src/tlog/status-statement.js';
import { testTrustListDraft } from '../../helpers/trust-list-hub.js';

const ORIGIN = 'sealtrust.org.cn/44';
const WITNESS = 'sealtrust.org.cn/00/witness';
const STATUS = 'sealtrust.org.cn/00/status';
const ES_ID = '44010000000001';
const logKey = generateSm2KeyPair();
const witnessKey = generateSm2KeyPair();

const sealLeaf = (op: string, status: string, at: string) =>
  canonicalize({
    t: 'sealtrust.directory.v1',
    node: '44',
    kind: 'seal',
    op,
    at,
    seal: {
      esID: ES_ID,
      agency: '11440100MB0001011W',
      type: 'official',
      status,
      validFrom: '2026-11-04T10:00:00.000Z',
      validTo: '2029-11-04T10:00:00.000Z',
      maker: '0A',
      signers: ['0B'],
      ...(op === 'make' ? { sm3: 'c'.repeat(64) } : {}),
    },
  })!;

// Made 400 ms into a second; revoked the next day.
const LEAVES = [
  sealLeaf('make', 'active', '2026-11-04T10:00:00.400Z'),
  sealLeaf('revoke', 'revoked', '2026-11-05T00:00:00.000Z'),
];

/** The hub's seal-status statement over `leaves` (the latest one's index and status), signed by `key`. */
function statementFor(
  leaves: string[],
  root: Uint8Array,
  over: Partial<StatusStatement> = {},
  key = witnessKey.privateKey,
): string {
  const latest = JSON.parse(leaves.at(-1)!) as { seal: { status: string } };
  return signNote(
    formatStatusStatement(SEAL_STATUS_HEADER, {
      identifier: ES_ID,
      status: latest.seal.status,
      index: leaves.length - 1,
      origin: ORIGIN,
      size: leaves.length,
      rootHash: root,
      time: 1_800_000_000,
      ...over,
    }),
    [sm2NoteSigner(STATUS, key)],
  );
}

function answerFor(leaves: string[], statement?: Partial<StatusStatement> | null): SealEvidenceAnswer {
  const size = leaves.length;
  const hashes = leaves.map((l) => SM3_MERKLE_HASHER.hashLeaf(Buffer.from(l)));
  const source = new LeafHashTree(SM3_MERKLE_HASHER, hashes);
  const root = merkleTreeRoot(
    SM3_MERKLE_HASHER,
    leaves.map((l) => Buffer.from(l)),
  );
  const checkpoint = signNote(formatCheckpoint({ origin: ORIGIN, size, rootHash: root, extensions: [] }), [
    sm2NoteSigner(ORIGIN, logKey.privateKey),
    cosignatureSigner(WITNESS, witnessKey.privateKey, () => 1_800_000_000),
  ]);
  const events = leaves.map((leaf, index) => ({
    index,
    leaf,
    inclusion: generateInclusionProof(SM3_MERKLE_HASHER, source, index, size).map((h) =>
      Buffer.from(h).toString('base64'),
    ),
  }));
  return {
    esID: ES_ID,
    node: '44',
    origin: ORIGIN,
    checkpoint,
    treeSize: size,
    events,
    consistency: null,
    statement: statement === null ? null : statementFor(leaves, root, statement),
  };
}

/** A list naming node 44 with its log key, and the hub's witness. */
function trust(): FederatedTrust {
  const draft = testTrustListDraft('广东省');
  const list: TrustList = {
    ...draft,
    schema: TRUST_LIST_SCHEMA,
    sequenceNumber: 1,
    issuedAt: new Date(Date.now() - 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    nextUpdate: new Date(Date.now() + 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    signers: { current: ['AQ=='], next: [], pivots: [1] },
    statusSigner: { name: STATUS, vkey: formatVerifierKey(STATUS, NOTE_SIGTYPE, witnessKey.publicKey) },
    witnessPolicy: {
      witnesses: [
        {
          name: WITNESS,
          vkey: formatVerifierKey(WITNESS, COSIG_SIGTYPE, witnessKey.publicKey),
          url: 'https://hub.example/w',
        },
      ],
      quorum: WITNESS,
    },
    nodes: draft.nodes.map((n) => ({
      ...n,
      nodeId: '44',
      regionCode: '440000',
      log: {
        origin: ORIGIN,
        hash: 'SM3' as const,
        keys: [
          {
            vkey: formatVerifierKey(ORIGIN, NOTE_SIGTYPE, logKey.publicKey),
            status: 'active' as const,
            since: '2026-12-01T00:00:00Z',
          },
        ],
      },
    })),
  };
  const bytes = encodeTrustList(list);
  return new FederatedTrust({ current: async () => ({ bytes }) });
}

function registry(hub: (esID: string) => Promise<SealEvidenceAnswer | { missing: true; node: null }>) {
  return federatedSealRegistry({
    local: { sealStatusAt: async () => ({ known: false }) },
    trust: trust(),
    hub,
    timeline: new CheckpointTimeline(),
  });
}

describe('another node’s seal status through the hub', () => {
  it('reads the logged history as the home registry would, whole seconds included', async () => {
    const r = registry(async () => answerFor(LEAVES));
    // Sealed in the second the seal was made (signing times are whole seconds).
    const same = await r.sealStatusAt(ES_ID, new Date('2026-11-04T10:00:00.000Z'));
    assert.equal(same?.known, true);
    assert.equal(same?.status, 'active');
    assert.equal(same?.registeredSealSm3, 'c'.repeat(64));
    assert.equal(same?.currentStatus, 'revoked');
    assert.equal(same?.revokedAt?.toISOString(), '2026-11-05T00:00:00.000Z');
    const later = await r.sealStatusAt(ES_ID, new Date('2026-11-06T00:00:00Z'));
    assert.equal(later?.status, 'revoked');
  });

  it('an answer that does not verify is no status (the check becomes INDETERMINATE)', async () => {
    const forged = answerFor(LEAVES);
    forged.events[1]!.leaf = sealLeaf('resume', 'active', '2026-11-05T00:00:00.000Z');
    await assert.rejects(
      registry(async () => forged).sealStatusAt(ES_ID, new Date('2026-11-06T00:00:00Z')),
      /PROOF_INVALID/,
    );
    const other = { ...answerFor(LEAVES), esID: '44010000000002' };
    await assert.rejects(registry(async () => other).sealStatusAt(ES_ID, new Date()), /EVIDENCE_MISMATCH/);
  });

  it('a hub that hides the revocation is caught by the statement, or gives no status without one', async () => {
    const at = new Date('2026-11-06T00:00:00Z');
    // The hub shows only the make event, under the real (two-leaf) checkpoint, with a statement for it: the
    // proofs verify, but the statement's index and status must name the latest leaf of that tree.
    const real = answerFor(LEAVES);
    const hidden: SealEvidenceAnswer = { ...real, events: real.events.slice(0, 1) };
    await assert.rejects(registry(async () => hidden).sealStatusAt(ES_ID, at), /STATEMENT_MISMATCH/);
    // To hide it the hub must now sign a statement that index 0 is the latest of a two-leaf tree: its own signed,
    // provable lie (§2.7: anyone mirroring 44's log can show leaf 1), which is the point of the statement.
    const root = merkleTreeRoot(
      SM3_MERKLE_HASHER,
      LEAVES.map((l) => Buffer.from(l)),
    );
    // No statement at all, one by another key, or a licence statement passed off as a seal's: never a status.
    await assert.rejects(
      registry(async () => answerFor(LEAVES, null)).sealStatusAt(ES_ID, at),
      /STATEMENT_MISSING/,
    );
    const otherKey = { ...real, statement: statementFor(LEAVES, root, {}, generateSm2KeyPair().privateKey) };
    await assert.rejects(registry(async () => otherKey).sealStatusAt(ES_ID, at), /STATEMENT_INVALID/);
    const licenceStatement = signNote(
      formatStatusStatement(LICENCE_STATUS_HEADER, {
        identifier: ES_ID,
        status: 'revoked',
        index: 1,
        origin: ORIGIN,
        size: 2,
        rootHash: root,
        time: 1_800_000_000,
      }),
      [sm2NoteSigner(STATUS, witnessKey.privateKey)],
    );
    await assert.rejects(
      registry(async () => ({ ...real, statement: licenceStatement })).sealStatusAt(ES_ID, at),
      /STATEMENT_INVALID/,
    );
  });

  it('a seal the hub does not know stays unknown here', async () => {
    const r = registry(async () => ({ missing: true, node: null }));
    assert.equal((await r.sealStatusAt(ES_ID, new Date()))?.known, false);
  });
});
