// The judge of another node's licence evidence (federation.md §3.5, §2.7, §5.4): a small log of node 44 built here,
// checkpoints signed with its log key and cosigned by the hub witness, the hub's status statement; then each way an
// answer can lie, and the verdict it must get. Nothing may reach "passed" unless every proof and signature holds.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import canonicalize from 'canonicalize';
import { generateSm2KeyPair } from '../../src/crypto/sm2.js';
import { formatCheckpoint } from '../../src/tlog/checkpoint.js';
import { cosignatureSigner, cosignatureVerifier } from '../../src/tlog/cosignature.js';
import { generateConsistencyProof } from '../../src/tlog/consistency-proof.js';
import { generateInclusionProof } from '../../src/tlog/inclusion-proof.js';
import { LeafHashTree } from '../../src/tlog/leaf-hash-tree.js';
import { formatLicenceStatusStatement } from '../../src/tlog/status-statement.js';
import { SM3_MERKLE_HASHER } from '../../src/tlog/merkle-hasher.js';
import { merkleTreeRoot } from '../../src/tlog/merkle-tree-root.js';
import { openCheckpoint } from '../../src/tlog/signed-checkpoint.js';
import { signNote } from '../../src/tlog/signed-note.js';
import { sm2NoteSigner, sm2NoteVerifier } from '../../src/tlog/sm2-note-key.js';
import type { ListedNode } from '../../src/trust-list/trust-list-anchors.js';
import {
  judgeLicenceEvidence,
  type EvidenceInput,
  type LicenceEvidenceAnswer,
} from '../../src/verify/licence-log-evidence.js';

const ORIGIN = 'sealtrust.org.cn/44';
const WITNESS = 'sealtrust.org.cn/00/witness';
const STATUS = 'sealtrust.org.cn/00/status';
const ID = '1.2.156.3005.2.11100000000013338W001.11440100MB00010112.20260000001.001.Y';
const PDF_SM3 = 'a'.repeat(64);
const OFD_SM3 = 'b'.repeat(64);

const logKey = generateSm2KeyPair();
const oldLogKey = generateSm2KeyPair();
const witnessKey = generateSm2KeyPair();

function leaf(op: string, status: string, prev: string | null, at: string, files = false): string {
  const licence: Record<string, unknown> = {
    id: ID,
    type: '11100000000013338W001',
    issuer: '11440100MB00010112',
    version: 1,
    status,
    prev,
    related: null,
  };
  if (files) {
    Object.assign(licence, {
      issueDate: '2026-12-01',
      validFrom: '2026-12-01',
      validTo: null,
      files: [
        { format: 'pdf', sm3: PDF_SM3, bytes: 1000 },
        { format: 'ofd', sm3: OFD_SM3, bytes: 900 },
      ],
      seal: { esID: '4401000000001', signer: '0A' },
    });
  }
  return canonicalize({ t: 'sealtrust.directory.v1', node: '44', kind: 'licence', op, at, licence })!;
}

const other = (i: number) =>
  canonicalize({
    t: 'sealtrust.directory.v1',
    node: '44',
    kind: 'agency',
    op: 'register',
    at: '2026-12-01T00:00:00.000Z',
    agency: { uscc: `1144010${i}MB0001011X`, name: `机关${i}`, region: '440100' },
  })!;

/** Leaves 0..n-1: others, the issue at 3, a suspension at 6. */
const LEAVES = [
  other(0),
  other(1),
  other(2),
  leaf('issue', 'valid', null, '2026-12-01T01:00:00.000Z', true),
  other(4),
  other(5),
  leaf('suspend', 'suspended', 'valid', '2026-12-02T01:00:00.000Z'),
  other(7),
];

function tree(leaves: string[]) {
  const hashes = leaves.map((l) => SM3_MERKLE_HASHER.hashLeaf(Buffer.from(l)));
  return {
    source: new LeafHashTree(SM3_MERKLE_HASHER, hashes),
    root: merkleTreeRoot(
      SM3_MERKLE_HASHER,
      leaves.map((l) => Buffer.from(l)),
    ),
  };
}

function answerFor(
  leaves: string[],
  opts: {
    key?: Uint8Array;
    cosignAt?: number;
    statusOverride?: string;
    old?: number;
    noCosign?: boolean;
  } = {},
): LicenceEvidenceAnswer {
  const size = leaves.length;
  const { source, root } = tree(leaves);
  const text = formatCheckpoint({ origin: ORIGIN, size, rootHash: root, extensions: [] });
  const signers = [sm2NoteSigner(ORIGIN, opts.key ?? logKey.privateKey)];
  if (!opts.noCosign)
    signers.push(cosignatureSigner(WITNESS, witnessKey.privateKey, () => opts.cosignAt ?? 1_800_000_000));
  const checkpoint = signNote(text, signers);
  const mine = [3, 6].filter((i) => i < size);
  const events = mine.map((index) => ({
    index,
    leaf: leaves[index]!,
    inclusion: generateInclusionProof(SM3_MERKLE_HASHER, source, index, size).map((h) =>
      Buffer.from(h).toString('base64'),
    ),
  }));
  const last = mine.at(-1)!;
  const statement = signNote(
    formatLicenceStatusStatement({
      identifier: ID,
      status: opts.statusOverride ?? (last === 6 ? 'suspended' : 'valid'),
      index: last,
      origin: ORIGIN,
      size,
      rootHash: root,
      time: 1_800_000_100,
    }),
    [sm2NoteSigner(STATUS, witnessKey.privateKey)],
  );
  const consistency =
    opts.old !== undefined
      ? {
          old: opts.old,
          hashes: generateConsistencyProof(SM3_MERKLE_HASHER, source, opts.old, size).map((h) =>
            Buffer.from(h).toString('base64'),
          ),
        }
      : null;
  return {
    identifier: ID,
    node: '44',
    origin: ORIGIN,
    checkpoint,
    treeSize: size,
    events,
    pending: 0,
    statement,
    consistency,
  };
}

const node = (withdrawnOld?: Date): ListedNode => ({
  nodeId: '44',
  name: '广东省',
  status: 'active',
  statusHistory: [{ status: 'active', since: '2026-01-01T00:00:00Z' }],
  base: 'http://127.0.0.1:1',
  origin: ORIGIN,
  logKeys: [
    { verifier: sm2NoteVerifier(ORIGIN, logKey.publicKey), withdrawnAt: null },
    ...(withdrawnOld
      ? [{ verifier: sm2NoteVerifier(ORIGIN, oldLogKey.publicKey), withdrawnAt: withdrawnOld }]
      : []),
  ],
  caSm3s: new Set(),
});

function judge(answer: LicenceEvidenceAnswer, over: Partial<EvidenceInput> = {}) {
  return judgeLicenceEvidence({
    answer,
    identifier: ID,
    fileSm3: PDF_SM3,
    node: node(),
    witnesses: [cosignatureVerifier(WITNESS, witnessKey.publicKey)],
    quorum: [WITNESS],
    statusVerifier: sm2NoteVerifier(STATUS, witnessKey.publicKey),
    known: undefined,
    ...over,
  });
}

describe('licence log evidence', () => {
  it('passes an honest answer and builds the record from the leaves alone', () => {
    const j = judge(answerFor(LEAVES));
    assert.equal(j.outcome, 'passed', j.why);
    assert.equal(j.fileLeafIndex, 3);
    assert.equal(j.record?.status, 'suspended');
    assert.deepEqual(
      j.record?.statusHistory.map((h) => h.status),
      ['valid', 'suspended'],
    );
    assert.equal(j.witnessTime?.getTime(), 1_800_000_000_000);
    // The OFD beside the PDF is in the same leaf.
    assert.equal(judge(answerFor(LEAVES), { fileSm3: OFD_SM3 }).outcome, 'passed');
  });

  it('fails a file whose SM3 no verified leaf records', () => {
    const j = judge(answerFor(LEAVES), { fileSm3: 'c'.repeat(64) });
    assert.equal(j.outcome, 'failed');
    assert.equal(j.code, 'FILE_NOT_IN_LOG');
  });

  it('fails a leaf altered after proving (the hub lies about a status or a file)', () => {
    const a = answerFor(LEAVES);
    a.events[0]!.leaf = a.events[0]!.leaf.replace(PDF_SM3, 'c'.repeat(64));
    assert.equal(judge(a, { fileSm3: 'c'.repeat(64) }).code, 'PROOF_INVALID');
    const b = answerFor(LEAVES);
    b.events[0]!.inclusion[0] = Buffer.alloc(32).toString('base64');
    assert.equal(judge(b).code, 'PROOF_INVALID');
  });

  it('fails when the hub hides the latest event (statement names another index or status)', () => {
    // The hub drops the suspension and signs a statement saying "valid" at the issue leaf.
    const a = answerFor(LEAVES);
    a.events = a.events.slice(0, 1);
    assert.equal(judge(a).code, 'STATEMENT_MISMATCH');
    // A statement signed by anyone but the listed status key.
    const b = answerFor(LEAVES);
    b.statement = signNote(b.statement!.split('\n\n')[0]! + '\n', [
      sm2NoteSigner(STATUS, generateSm2KeyPair().privateKey),
    ]);
    assert.equal(judge(b).code, 'STATEMENT_INVALID');
    const c = answerFor(LEAVES, { statusOverride: 'valid' });
    assert.equal(judge(c).code, 'STATEMENT_MISMATCH');
    const d = answerFor(LEAVES);
    d.statement = null;
    assert.equal(judge(d).outcome, 'indeterminate');
    // A list without a status key cannot vouch that nothing was left out: never passed.
    const e = judge(answerFor(LEAVES), { statusVerifier: undefined });
    assert.equal(e.outcome, 'indeterminate');
    assert.equal(e.code, 'STATEMENT_MISSING');
  });

  it('fails a checkpoint signed with an unlisted key and waits for a missing cosignature', () => {
    const forged = judge(answerFor(LEAVES, { key: generateSm2KeyPair().privateKey }));
    assert.notEqual(forged.outcome, 'passed');
    const unwitnessed = judge(answerFor(LEAVES, { noCosign: true }));
    assert.equal(unwitnessed.outcome, 'indeterminate');
    assert.equal(unwitnessed.code, 'QUORUM_MISSING');
  });

  it('accepts a withdrawn log key only for checkpoints cosigned before the withdrawal', () => {
    const at = new Date(1_800_000_000_000);
    const before = judge(answerFor(LEAVES, { key: oldLogKey.privateKey, cosignAt: 1_799_999_000 }), {
      node: node(at),
    });
    assert.equal(before.outcome, 'passed', before.why);
    const after = judge(answerFor(LEAVES, { key: oldLogKey.privateKey, cosignAt: 1_800_000_500 }), {
      node: node(at),
    });
    assert.equal(after.outcome, 'failed');
    assert.equal(after.code, 'LOG_KEY_WITHDRAWN');
  });

  it('never goes back: a fork at the held size fails, growth needs a consistency proof', () => {
    const held = answerFor(LEAVES.slice(0, 7));
    const known = openCheckpoint(
      held.checkpoint!,
      ORIGIN,
      [sm2NoteVerifier(ORIGIN, logKey.publicKey)],
      [cosignatureVerifier(WITNESS, witnessKey.publicKey)],
    );
    // Same size, another tree: leaf 5 rewritten.
    const forked = [...LEAVES.slice(0, 7)];
    forked[5] = other(55);
    assert.equal(judge(answerFor(forked), { known }).code, 'CHECKPOINT_FORK');
    // Larger: without a proof, INDETERMINATE; with one, passed; with a proof from a rewritten history, failed.
    assert.equal(judge(answerFor(LEAVES), { known }).code, 'CONSISTENCY_MISSING');
    assert.equal(judge(answerFor(LEAVES, { old: 7 }), { known }).outcome, 'passed');
    const rewritten = [...forked, other(7)];
    assert.equal(judge(answerFor(rewritten, { old: 7 }), { known }).code, 'CHECKPOINT_INCONSISTENT');
    // Smaller than held: not a proof of anything now.
    const older = answerFor(LEAVES.slice(0, 4));
    const bigger = openCheckpoint(answerFor(LEAVES).checkpoint!, ORIGIN, [
      sm2NoteVerifier(ORIGIN, logKey.publicKey),
    ]);
    assert.equal(judge(older, { known: bigger }).code, 'CHECKPOINT_OLDER');
  });

  it('refuses an answer about another node, origin or identifier', () => {
    const a = answerFor(LEAVES);
    assert.equal(judge({ ...a, node: '33' }).code, 'EVIDENCE_MISMATCH');
    assert.equal(judge({ ...a, identifier: ID.replace('001.Y', '002.Z') }).code, 'EVIDENCE_MISMATCH');
    assert.equal(judge(a, { identifier: ID.replace('001.Y', '002.Z') }).code, 'EVIDENCE_MISMATCH');
  });

  it('is INDETERMINATE before the issuing event is under a cosigned checkpoint', () => {
    // The hub mirrors the node's tree but the licence's events are beyond it (issued after the checkpoint).
    const j = judge({ ...answerFor(LEAVES), events: [], statement: null, pending: 2 });
    assert.equal(j.outcome, 'indeterminate');
    assert.equal(judge({ ...answerFor(LEAVES), checkpoint: null }).code, 'NOT_YET_LOGGED');
  });

  it('a memo of opened checkpoints serves only the very note it opened', () => {
    const opened: NonNullable<EvidenceInput['opened']> = new Map();
    const honest = answerFor(LEAVES);
    assert.equal(judge(honest, { opened }).outcome, 'passed');
    assert.equal(opened.size, 1);
    assert.equal(judge(honest, { opened }).outcome, 'passed');
    // Same text, another (forged) log signature: a different note, opened afresh and refused.
    const forged = answerFor(LEAVES, { key: generateSm2KeyPair().privateKey });
    assert.notEqual(judge(forged, { opened }).outcome, 'passed');
  });
});
