import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateSm2KeyPair } from '../../src/crypto/sm2.js';
import { formatCheckpoint } from '../../src/tlog/checkpoint.js';
import { CheckpointVerifier } from '../../src/tlog/checkpoint-verifier.js';
import { generateConsistencyProof } from '../../src/tlog/consistency-proof.js';
import { cosignatureSigner, cosignatureVerifier } from '../../src/tlog/cosignature.js';
import { SM3_MERKLE_HASHER } from '../../src/tlog/merkle-hasher.js';
import { signNote, type NoteSigner } from '../../src/tlog/signed-note.js';
import { sm2NoteSigner, sm2NoteVerifier } from '../../src/tlog/sm2-note-key.js';
import { TlogError } from '../../src/tlog/tlog-error.js';
import { TiledTree } from './tree-fixture.js';

function throwsCode(fn: () => unknown, code: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof TlogError, String(e));
    assert.equal(e.code, code, e.message);
    return true;
  });
}

describe('CheckpointVerifier (sumdb-style: only forward, every step proven)', () => {
  const origin = 'sealtrust.org.cn/33';
  const logKp = generateSm2KeyPair();
  const hubKp = generateSm2KeyPair();
  const logSigner = sm2NoteSigner(origin, logKp.privateKey);
  const witness = cosignatureSigner('sealtrust.org.cn/hub/witness', hubKp.privateKey, () => 1_800_000_000);
  const tree = new TiledTree(SM3_MERKLE_HASHER, 2);
  const fork = new TiledTree(SM3_MERKLE_HASHER, 2);
  for (let i = 0; i < 40; i++) {
    tree.append(Buffer.from(`leaf ${i}`));
    fork.append(Buffer.from(i === 17 ? 'rewritten' : `leaf ${i}`));
  }
  const roots = (t: TiledTree, n: number) => {
    const x = new TiledTree(SM3_MERKLE_HASHER, 2);
    for (let i = 0; i < n; i++) x.append(Buffer.from(t === fork && i === 17 ? 'rewritten' : `leaf ${i}`));
    return x.range.rootHash();
  };
  const note = (t: TiledTree, n: number, signers: NoteSigner[] = [logSigner, witness]) =>
    signNote(formatCheckpoint({ origin, size: n, rootHash: roots(t, n), extensions: [] }), signers);
  const proof = (t: TiledTree, m: number, n: number) =>
    generateConsistencyProof(SM3_MERKLE_HASHER, t.source(n), m, n);
  const make = (required = 1) =>
    new CheckpointVerifier({
      origin,
      logVerifiers: [sm2NoteVerifier(origin, logKp.publicKey)],
      witnesses: [cosignatureVerifier('sealtrust.org.cn/hub/witness', hubKp.publicKey)],
      requiredCosignatures: required,
    });

  it('advances with consistency proofs and refuses rollback', () => {
    const v = make();
    v.update(note(tree, 5));
    v.update(note(tree, 12), proof(tree, 5, 12));
    v.update(note(tree, 12));
    v.update(note(tree, 40), proof(tree, 12, 40));
    assert.equal(v.latest?.checkpoint.size, 40);
    throwsCode(() => v.update(note(tree, 39)), 'CHECKPOINT_ROLLBACK');
    assert.equal(v.latest?.checkpoint.size, 40);
  });

  it('catches a rewritten history: same size, other root; or a larger tree that does not extend', () => {
    const v = make();
    v.update(note(tree, 20));
    throwsCode(() => v.update(note(fork, 20)), 'CHECKPOINT_FORK');
    throwsCode(() => v.update(note(fork, 30), proof(fork, 20, 30)), 'PROOF_MISMATCH');
    throwsCode(() => v.update(note(tree, 30), []), 'PROOF_LENGTH');
    assert.equal(v.latest?.checkpoint.size, 20);
    // Before the rewritten leaf both histories agree, so that step is fine.
    const w = make();
    w.update(note(tree, 17));
    w.update(note(fork, 30), proof(fork, 17, 30));
  });

  it('enforces the witness policy', () => {
    throwsCode(() => make(1).update(note(tree, 5, [logSigner])), 'NOT_ENOUGH_COSIGNATURES');
    make(0).update(note(tree, 5, [logSigner]));
    throwsCode(() => make(0).update(note(tree, 5, [witness])), 'NO_KNOWN_SIGNATURE');
    const stranger = sm2NoteSigner(origin, generateSm2KeyPair().privateKey);
    throwsCode(() => make(0).update(note(tree, 5, [stranger])), 'NO_KNOWN_SIGNATURE');
  });
});
