import {
  readDirectoryLeaf,
  type LicenceLeafFile,
  type ReadDirectoryLeaf,
} from '../tlog/directory-leaf-reader.js';
import { verifyConsistencyProof } from '../tlog/consistency-proof.js';
import { equalBytes } from '../tlog/equal-bytes.js';
import { verifyInclusionProof } from '../tlog/inclusion-proof.js';
import {
  parseLicenceStatusStatement,
  parseStatusStatement,
  SEAL_STATUS_HEADER,
} from '../tlog/status-statement.js';
import { SM3_MERKLE_HASHER } from '../tlog/merkle-hasher.js';
import { openCheckpoint, type OpenedCheckpoint } from '../tlog/signed-checkpoint.js';
import { openNote, type NoteVerifier } from '../tlog/signed-note.js';
import { decodeStrictBase64 } from '../tlog/strict-base64.js';
import { TlogError } from '../tlog/tlog-error.js';
import type { ListedNode } from '../trust-list/trust-list-anchors.js';
import type {
  LicenceCopyRecord,
  LicenceDirectoryFile,
  LicenceDirectoryRecord,
} from './licence-validation.js';

// Judging the hub's evidence for a licence of another node (federation.md §3.5 `licence-in-log`, §2.7): nothing in
// the answer is trusted until it verifies. The checkpoint must carry the issuing node's log signature (key from the
// trust list, withdrawn keys only for checkpoints cosigned before the withdrawal) and the witness quorum; it must
// not contradict the largest checkpoint this verifier holds for that log (Go sumdb's timeline); every leaf's
// inclusion proof must verify; the hub's status statement must name the latest leaf. The directory record the
// licence layer checks is then built from the verified leaves alone, not from anything the hub asserts.

/** The hub's answer (GET /v1/federation/licences/{identifier}), as received: untrusted. */
export interface LicenceEvidenceAnswer {
  identifier: string;
  node: string;
  origin: string;
  checkpoint: string | null;
  treeSize: number;
  events: { index: number; leaf: string; inclusion: string[] }[];
  pending: number;
  statement: string | null;
  consistency: { old: number; hashes: string[] } | null;
  stale?: boolean;
}

export type EvidenceOutcome = 'passed' | 'indeterminate' | 'failed';

export interface EvidenceJudgement {
  outcome: EvidenceOutcome;
  /** A catalogue code of the `licence-in-log` check. */
  code: string;
  why?: string;
  /** The checkpoint, opened; set when its signatures and the policy held (the caller's timeline may advance). */
  checkpoint?: OpenedCheckpoint;
  /** Witness time of the quorum's cosignature (目录日志见证时间). */
  witnessTime?: Date;
  /** The record built from the verified leaves (only when the proofs verified). */
  record?: LicenceDirectoryRecord;
  /** Index of the leaf that holds the file, when the file is in the log. */
  fileLeafIndex?: number;
}

export interface EvidenceInput extends LogAnswerInput {
  answer: LicenceEvidenceAnswer;
  identifier: string;
  /** SM3 (hex) of the file being verified. */
  fileSm3: string;
  statusVerifier: NoteVerifier | undefined;
}

const fail = (code: string, why: string): EvidenceJudgement => ({ outcome: 'failed', code, why });
const later = (code: string, why: string): EvidenceJudgement => ({ outcome: 'indeterminate', code, why });

function hashes(list: readonly string[]): Uint8Array[] | undefined {
  const out: Uint8Array[] = [];
  for (const h of list) {
    const b = typeof h === 'string' ? decodeStrictBase64(h) : undefined;
    if (!b || b.length !== 32) return undefined;
    out.push(b);
  }
  return out;
}

/**
 * Opens the checkpoint with the node's active log keys; failing that, with a withdrawn key, accepted only when the
 * quorum cosigned it before the withdrawal (older evidence stays valid, §5.4).
 */
function openWithListedKeys(
  note: string,
  node: ListedNode,
  witnesses: readonly NoteVerifier[],
  quorum: readonly string[],
): { opened: OpenedCheckpoint; witnessTime: Date | undefined } | EvidenceJudgement {
  const quorumTime = (o: OpenedCheckpoint): Date | undefined => {
    const times = quorum.map((q) => o.witnessedBy.find((w) => w.name === q)?.timestamp);
    if (times.some((t) => t === undefined)) return undefined;
    return new Date(Math.max(...(times as number[])) * 1000);
  };
  const attempt = (keys: NoteVerifier[]) => openCheckpoint(note, node.origin, keys, witnesses);
  const active = node.logKeys.filter((k) => k.withdrawnAt === null).map((k) => k.verifier);
  try {
    if (active.length === 0) throw new TlogError('NO_KNOWN_SIGNATURE', 'no active log key');
    const opened = attempt(active);
    return { opened, witnessTime: quorumTime(opened) };
  } catch (err) {
    if (!(err instanceof TlogError)) throw err;
    if (err.code !== 'NO_KNOWN_SIGNATURE' && err.code !== 'WRONG_ORIGIN')
      return fail('CHECKPOINT_INVALID', err.message);
  }
  for (const k of node.logKeys) {
    if (k.withdrawnAt === null) continue;
    let opened: OpenedCheckpoint;
    try {
      opened = attempt([k.verifier]);
    } catch (err) {
      if (err instanceof TlogError && err.code !== 'NO_KNOWN_SIGNATURE' && err.code !== 'WRONG_ORIGIN')
        return fail('CHECKPOINT_INVALID', err.message);
      continue;
    }
    const at = quorumTime(opened);
    if (at && at < k.withdrawnAt) return { opened, witnessTime: at };
    return fail(
      'LOG_KEY_WITHDRAWN',
      `signed only by a log key withdrawn at ${k.withdrawnAt.toISOString()}, cosigned ${at?.toISOString() ?? 'never'}`,
    );
  }
  return later(
    'LOG_KEY_UNKNOWN',
    `no log key of node ${node.nodeId} in the trust list signed the checkpoint`,
  );
}

/** What any log answer carries: a checkpoint, its size, leaves with their paths, a consistency proof. */
export interface LogAnswer {
  node: string;
  origin: string;
  checkpoint: string | null;
  treeSize: number;
  events: { index: number; leaf: string; inclusion: string[] }[];
  consistency: { old: number; hashes: string[] } | null;
}

export interface LogAnswerInput {
  node: ListedNode;
  witnesses: readonly NoteVerifier[];
  quorum: readonly string[];
  known: OpenedCheckpoint | undefined;
  /**
   * Checkpoints already opened under the same keys (the caller keys it by trust-list generation and note): the
   * same note arrives with every answer until the log grows, and opening it costs two SM2 verifications.
   */
  opened?: Map<string, { opened: OpenedCheckpoint; witnessTime: Date | undefined }>;
}

/** The checkpoint and every leaf of an answer, verified; each leaf read as a directory leaf of the node. */
export interface VerifiedLogAnswer {
  checkpoint: OpenedCheckpoint;
  witnessTime: Date;
  leaves: { index: number; read: ReadDirectoryLeaf }[];
}

/**
 * The part every log answer shares (licences, seals): the checkpoint under the node's listed keys and the witness
 * quorum, consistent with the verifier's timeline, each leaf's inclusion proof, each leaf read strictly. Returns a
 * judgement (failed or indeterminate) instead when any of it does not hold.
 */
export function verifyLogAnswer(
  answer: LogAnswer,
  input: LogAnswerInput,
): VerifiedLogAnswer | EvidenceJudgement {
  const { node } = input;
  if (answer.node !== node.nodeId || answer.origin !== node.origin)
    return fail('EVIDENCE_MISMATCH', `the answer names node ${answer.node} / ${answer.origin}`);
  if (!answer.checkpoint || typeof answer.checkpoint !== 'string')
    return later('NOT_YET_LOGGED', 'no cosigned checkpoint of the issuing node covers it yet');
  const memo = input.opened?.get(answer.checkpoint);
  const opened = memo ?? openWithListedKeys(answer.checkpoint, node, input.witnesses, input.quorum);
  if ('outcome' in opened) return opened;
  if (!memo && input.opened) {
    if (input.opened.size >= 256) input.opened.delete(input.opened.keys().next().value!);
    input.opened.set(answer.checkpoint, opened);
  }
  const { checkpoint } = opened.opened;
  if (!opened.witnessTime)
    return later('QUORUM_MISSING', `the checkpoint lacks the cosignature of ${input.quorum.join(', ')}`);
  const base = { checkpoint: opened.opened, witnessTime: opened.witnessTime };
  if (checkpoint.size !== answer.treeSize)
    return fail('EVIDENCE_MISMATCH', 'treeSize differs from the checkpoint');

  // The timeline (sumdb): never accept a tree that contradicts the largest one verified before.
  const known = input.known?.checkpoint;
  if (known) {
    if (checkpoint.size < known.size)
      return later(
        'CHECKPOINT_OLDER',
        `the hub answered at size ${checkpoint.size}; this verifier holds ${known.size}`,
      );
    if (checkpoint.size === known.size && !equalBytes(checkpoint.rootHash, known.rootHash))
      return fail('CHECKPOINT_FORK', `two roots for size ${known.size} of ${node.origin}`);
    if (checkpoint.size > known.size && known.size > 0) {
      const c = answer.consistency;
      const proof = c && c.old === known.size ? hashes(c.hashes) : undefined;
      if (!proof) return later('CONSISTENCY_MISSING', `no consistency proof from size ${known.size}`);
      try {
        verifyConsistencyProof(
          SM3_MERKLE_HASHER,
          known.size,
          checkpoint.size,
          known.rootHash,
          checkpoint.rootHash,
          proof,
        );
      } catch (err) {
        return fail('CHECKPOINT_INCONSISTENT', (err as Error).message);
      }
    }
  }

  // Every leaf: its proof under the checkpoint, then its content (tlog-proof: extra data only after the proof).
  const leaves: VerifiedLogAnswer['leaves'] = [];
  let prevIndex = -1;
  if (!Array.isArray(answer.events)) return fail('EVIDENCE_MISMATCH', 'no events');
  for (const e of answer.events) {
    if (!Number.isSafeInteger(e.index) || e.index <= prevIndex || e.index >= checkpoint.size)
      return fail('PROOF_INVALID', `event index ${e.index} out of order or outside the tree`);
    prevIndex = e.index;
    const leaf = Buffer.from(String(e.leaf), 'utf8');
    const proof = Array.isArray(e.inclusion) ? hashes(e.inclusion) : undefined;
    if (!proof) return fail('PROOF_INVALID', `malformed inclusion proof for leaf ${e.index}`);
    try {
      verifyInclusionProof(
        SM3_MERKLE_HASHER,
        e.index,
        checkpoint.size,
        SM3_MERKLE_HASHER.hashLeaf(leaf),
        proof,
        checkpoint.rootHash,
      );
    } catch (err) {
      return fail('PROOF_INVALID', `leaf ${e.index}: ${(err as Error).message}`);
    }
    try {
      leaves.push({ index: e.index, read: readDirectoryLeaf(leaf, node.nodeId) });
    } catch (err) {
      return fail('LEAF_INVALID', `leaf ${e.index}: ${(err as Error).message}`);
    }
  }
  return { ...base, leaves };
}

/** Judges the evidence. Never throws for bad input: everything wrong with the answer is a judgement. */
export function judgeLicenceEvidence(input: EvidenceInput): EvidenceJudgement {
  const { answer } = input;
  if (answer.identifier !== input.identifier)
    return fail('EVIDENCE_MISMATCH', 'the answer is for another identifier');
  const verified = verifyLogAnswer(answer, input);
  if ('outcome' in verified) return verified;
  const { checkpoint } = verified.checkpoint;
  const node = input.node;
  const base = { checkpoint: verified.checkpoint, witnessTime: verified.witnessTime };
  const statusHistory: LicenceDirectoryRecord['statusHistory'] = [];
  const copies: LicenceCopyRecord[] = [];
  let files: LicenceLeafFile[] | undefined;
  let validity: LicenceDirectoryRecord['validity'];
  let version: number | undefined;
  let latest: { index: number; status: string; related: string | null; prev: string | null } | undefined;
  let fileLeafIndex: number | undefined;
  const sm3Hex = input.fileSm3.toLowerCase();
  for (const { index, read } of verified.leaves) {
    if ((read.kind !== 'licence' && read.kind !== 'licence-copy') || read.licence.id !== input.identifier)
      return fail('LEAF_MISMATCH', `leaf ${index} is not an event of ${input.identifier}`);
    if (read.kind === 'licence-copy') {
      const cf = read.copy.files;
      copies.push({
        sm3: cf[0]!.sm3,
        files: cf.map(toFile),
        purpose: '',
        expiresAt: read.copy.expiresAt,
        madeAt: read.copy.madeAt,
      });
      if (cf.some((f) => f.sm3 === sm3Hex)) fileLeafIndex = index;
      continue;
    }
    const l = read.licence;
    if (l.files) {
      files = l.files;
      version = l.version;
      validity = {
        issueDate: l.issueDate ?? null,
        validFrom: l.validFrom ?? null,
        validTo: l.validTo ?? null,
      };
      if (l.files.some((f) => f.sm3 === sm3Hex)) fileLeafIndex = index;
    }
    statusHistory.push({ at: read.at, status: l.status, operation: read.op });
    latest = { index, status: l.status, related: l.related, prev: l.prev };
  }
  if (!latest || !files)
    return {
      ...later('NOT_YET_LOGGED', 'the licence’s issuing event is not under a cosigned checkpoint yet'),
      ...base,
    };

  // The hub's word that no later event exists up to this size (§2.7). Without it an answer could leave out a
  // revocation and still prove the issue: no status key in the list, no judgement of the status.
  if (!input.statusVerifier)
    return { ...later('STATEMENT_MISSING', 'the trust list names no status-statement key'), ...base };
  if (!answer.statement)
    return { ...later('STATEMENT_MISSING', 'the hub sent no status statement'), ...base };
  try {
    const note = openNote(answer.statement, [input.statusVerifier]);
    const s = parseLicenceStatusStatement(note.text);
    if (
      s.identifier !== input.identifier ||
      s.origin !== node.origin ||
      s.size !== checkpoint.size ||
      !equalBytes(s.rootHash, checkpoint.rootHash) ||
      s.index !== latest.index ||
      s.status !== latest.status
    )
      return fail(
        'STATEMENT_MISMATCH',
        'the status statement does not match the checkpoint and the latest leaf',
      );
  } catch (err) {
    return fail('STATEMENT_INVALID', (err as Error).message);
  }

  const pdf = files.find((f) => f.format === 'pdf');
  const record: LicenceDirectoryRecord = {
    identifier: input.identifier,
    status: latest.status,
    version: String(version ?? 1).padStart(3, '0'),
    latestVersion: null,
    // A status change that names another identifier (renew, replace) points at the successor.
    successor: latest.prev !== null ? latest.related : null,
    pdfSm3: pdf?.sm3 ?? null,
    files: files.map(toFile),
    statusHistory,
    copies,
    ...(validity ? { validity } : {}),
  };
  if (fileLeafIndex === undefined)
    return { ...fail('FILE_NOT_IN_LOG', 'no verified leaf records this file’s SM3'), ...base, record };
  return { outcome: 'passed', code: 'LICENCE_IN_LOG', ...base, record, fileLeafIndex };
}

function toFile(f: LicenceLeafFile): LicenceDirectoryFile {
  return { format: f.format, sm3: f.sm3, bytes: f.bytes };
}

/** The hub's answer about a seal (GET /v1/federation/seals/{esID}), as received: untrusted. */
export interface SealEvidenceAnswer extends LogAnswer {
  esID: string;
  /** The hub's signed seal-status statement (§2.7 under the seal header) over the latest leaf. */
  statement?: string | null;
}

/** What judging a seal answer needs beyond the log checks: the trust list's status-statement key. */
export interface SealEvidenceInput extends LogAnswerInput {
  statusVerifier: NoteVerifier | undefined;
}

/** A seal's history from its verified leaves: what the seal registry of its node said, provably. */
export interface SealLogHistory {
  /** SM3 (hex) of the DER SESeal, from the make leaf. */
  sm3: string | null;
  validFrom: string;
  validTo: string;
  /** Oldest first: the status after each event. */
  events: { at: string; status: string }[];
}

/**
 * Judges a seal answer: the shared log checks, then every leaf must be an event of this seal, starting with its
 * make, and the hub's seal-status statement must name the latest of them under the same checkpoint (without it a
 * hub could hide a revocation: INDETERMINATE, as for licences).
 */
export function judgeSealEvidence(
  answer: SealEvidenceAnswer,
  esID: string,
  input: SealEvidenceInput,
): { judgement: EvidenceJudgement; history?: SealLogHistory } {
  if (answer.esID !== esID)
    return { judgement: fail('EVIDENCE_MISMATCH', 'the answer is about another seal') };
  const verified = verifyLogAnswer(answer, input);
  if ('outcome' in verified) return { judgement: verified };
  const base = { checkpoint: verified.checkpoint, witnessTime: verified.witnessTime };
  let history: SealLogHistory | undefined;
  for (const { index, read } of verified.leaves) {
    if (read.kind !== 'seal' || read.seal.esID !== esID)
      return { judgement: fail('LEAF_MISMATCH', `leaf ${index} is not an event of seal ${esID}`) };
    if (!history) {
      if (read.op !== 'make')
        return { judgement: fail('LEAF_MISMATCH', `leaf ${index} precedes the seal's make`) };
      history = {
        sm3: read.seal.sm3 ?? null,
        validFrom: read.seal.validFrom,
        validTo: read.seal.validTo,
        events: [],
      };
    }
    history.events.push({ at: read.at, status: read.seal.status });
  }
  const latest = verified.leaves.at(-1);
  if (!history || !latest)
    return {
      judgement: { ...later('NOT_YET_LOGGED', 'the seal is not under a cosigned checkpoint yet'), ...base },
    };
  if (!input.statusVerifier)
    return {
      judgement: { ...later('STATEMENT_MISSING', 'the trust list names no status-statement key'), ...base },
    };
  if (!answer.statement)
    return { judgement: { ...later('STATEMENT_MISSING', 'the hub sent no seal status statement'), ...base } };
  try {
    const s = parseStatusStatement(
      SEAL_STATUS_HEADER,
      openNote(answer.statement, [input.statusVerifier]).text,
    );
    const cp = verified.checkpoint.checkpoint;
    if (
      s.identifier !== esID ||
      s.origin !== input.node.origin ||
      s.size !== cp.size ||
      !equalBytes(s.rootHash, cp.rootHash) ||
      s.index !== latest.index ||
      s.status !== history.events.at(-1)!.status
    )
      return {
        judgement: fail(
          'STATEMENT_MISMATCH',
          'the seal status statement does not match the checkpoint and the latest leaf',
        ),
      };
  } catch (err) {
    return { judgement: fail('STATEMENT_INVALID', (err as Error).message) };
  }
  return { judgement: { outcome: 'passed', code: 'SEAL_IN_LOG', ...base }, history };
}
