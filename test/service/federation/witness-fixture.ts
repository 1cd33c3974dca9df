// Test logs and witnesses with real SM2 keys: an in-memory log whose roots and proofs come from the RFC 9162
// reference implementation in test/tlog (not the product's tree code), and a witness key pair.
import { generateSm2KeyPair } from '../../../src/crypto/sm2.js';
import { formatAddCheckpointRequest } from '../../../src/tlog/add-checkpoint-request.js';
import { formatCheckpoint } from '../../../src/tlog/checkpoint.js';
import { cosignatureSigner, cosignatureVerifierFromKey } from '../../../src/tlog/cosignature.js';
import { signNote, type NoteSigner, type NoteVerifier } from '../../../src/tlog/signed-note.js';
import {
  COSIG_SIGTYPE,
  formatVerifierKey,
  NOTE_SIGTYPE,
  sm2NoteSigner,
  sm2NoteVerifierFromKey,
} from '../../../src/tlog/sm2-note-key.js';
import { ReferenceTree, sm3Digest } from '../../tlog/merkle-reference.js';

export class TestLog {
  readonly leaves: Buffer[] = [];
  readonly signer: NoteSigner;
  readonly vkey: string;
  readonly verifier: NoteVerifier;
  private readonly ref = new ReferenceTree(sm3Digest);

  constructor(
    readonly origin: string,
    readonly nodeId = '33',
  ) {
    const kp = generateSm2KeyPair();
    this.signer = sm2NoteSigner(origin, kp.privateKey);
    this.vkey = formatVerifierKey(origin, NOTE_SIGTYPE, kp.publicKey);
    this.verifier = sm2NoteVerifierFromKey(this.vkey);
  }

  get size(): number {
    return this.leaves.length;
  }

  /** Appends `n` leaves, optionally tagged so that two logs (or a fork) differ. */
  grow(n: number, tag = 'a'): this {
    for (let i = 0; i < n; i++)
      this.leaves.push(Buffer.from(`{"leaf":${this.leaves.length},"tag":"${tag}"}`));
    return this;
  }

  root(size = this.size): Buffer {
    return this.ref.mth(this.leaves.slice(0, size));
  }

  proof(from: number, to = this.size): Buffer[] {
    return this.ref.proof(from, this.leaves.slice(0, to));
  }

  /** The checkpoint of `size` signed by this log's key (or `signer`), optionally with another root. */
  checkpoint(size = this.size, opts: { root?: Uint8Array; signer?: NoteSigner } = {}): string {
    const text = formatCheckpoint({
      origin: this.origin,
      size,
      rootHash: opts.root ?? this.root(size),
      extensions: [],
    });
    return signNote(text, [opts.signer ?? this.signer]);
  }

  /** An add-checkpoint body: old size, PROOF(old, size) unless given, the signed checkpoint. */
  request(old: number, size = this.size, opts: { proof?: Uint8Array[]; note?: string } = {}): Buffer {
    const proof = opts.proof ?? (old === 0 || old === size ? [] : this.proof(old, size));
    return Buffer.from(
      formatAddCheckpointRequest({ oldSize: old, proof, note: opts.note ?? this.checkpoint(size) }),
    );
  }

  /** The integrated tree as the publisher reads it. */
  tree = async (): Promise<{ size: number; root: Uint8Array }> => ({ size: this.size, root: this.root() });

  consistencyProof = async (from: number, to: number): Promise<Uint8Array[]> => this.proof(from, to);
}

export interface TestWitnessKey {
  name: string;
  signer: NoteSigner;
  vkey: string;
  verifier: NoteVerifier;
}

/** A witness key; `clock` gives the cosignature timestamp in POSIX seconds. */
export function testWitnessKey(
  name = 'hub.sealtrust.test/witness',
  clock: () => number = () => Math.floor(Date.now() / 1000),
): TestWitnessKey {
  const kp = generateSm2KeyPair();
  const vkey = formatVerifierKey(name, COSIG_SIGTYPE, kp.publicKey);
  return {
    name,
    signer: cosignatureSigner(name, kp.privateKey, clock),
    vkey,
    verifier: cosignatureVerifierFromKey(vkey),
  };
}
