import { validateLicenceIdentifier } from '../licence/licence-identifier.js';
import { licenceStatusZh } from '../licence/licence-lifecycle.js';
import type { LicenceMetadata } from '../licence/licence-metadata.js';
import { CHECK_ORDER, orderChecks } from './checks/check-registry.js';
import { emit, isCatalogued, message, withText } from './checks/messages.js';
import { deriveIndication, type Check, type LicenceReport } from './report.js';

// The licence layer of verification: a PDF whose signed revision carries licence.json is a SealTrust licence,
// and besides its signatures the directory must vouch for it: the identifier is registered, this exact file
// (SM3 of the whole file) is the one issued (or a registered annotated copy), its check character is right,
// and its status is valid now and was at signing time. Node-specific facts come through LicenceDirectoryView
// (the service implements it over the database; the offline CLI over HTTP with --online).

/** One status change in the directory. */
export interface LicenceStatusEvent {
  /** ISO 8601. */
  at: string;
  /** Status after the operation ('valid', 'suspended', 'revoked', …; see LICENCE_STATUSES). */
  status: string;
  operation: string;
}

/** One layout file the directory recorded (ofd.md §4.3): a licence or copy may have a PDF and an OFD. */
export interface LicenceDirectoryFile {
  format: string;
  /** SM3 (hex). */
  sm3: string;
  bytes: number;
}

/** 加注件 registered for a licence: its file hash and what it is for. */
export interface LicenceCopyRecord {
  /** SM3 (hex) of the copy's PDF (or of its first file when no PDF was made). */
  sm3: string;
  /** Every file of the copy; nodes before OFD licences name only `sm3`. */
  files?: LicenceDirectoryFile[];
  purpose: string;
  /** ISO 8601. */
  expiresAt: string;
  maker?: string;
  madeAt?: string;
}

/**
 * What the directory says about one identifier: the JSON of `GET <node>/v1/verify/licences/{identifier}`
 * (optionally `?sm3=<file SM3>`, which lets the node answer `copy` for an annotated copy).
 */
export interface LicenceDirectoryRecord {
  identifier: string;
  /** Status now. */
  status: string;
  /** This identifier's version ('001' …). */
  version: string;
  /** Identifier of the newest version of the same licence (itself when it is the newest). */
  latestVersion: string | null;
  /** Identifier of the licence or version that replaced this one, if any. */
  successor: string | null;
  /** SM3 (hex) of the sealed PDF as issued. */
  pdfSm3: string | null;
  /**
   * Every layout file issued (PDF, OFD), any of which is "the directory's file"; nodes before OFD licences
   * send only `pdfSm3`.
   */
  files?: LicenceDirectoryFile[] | null;
  /** Oldest first. */
  statusHistory: LicenceStatusEvent[];
  /** Annotated copies the node knows (or the one matching `?sm3=`). */
  copies?: LicenceCopyRecord[];
  copy?: LicenceCopyRecord | null;
  /**
   * 签发日期, 有效期起止 as the file-bearing log leaf records them (another node's licence: the leaf holds these
   * dates but no other face data, federation.md §2.2).
   */
  validity?: { issueDate: string | null; validFrom: string | null; validTo: string | null };
  /**
   * Set when the licence is another node's and the record was built from the hub's log evidence (federation.md
   * §3.5): where it came from, the trust list that vouched for the node, and the `licence-in-log` judgement.
   */
  federation?: LicenceFederationEvidence;
}

/** How another node's licence was judged (the `licence-in-log` and `trust-list` checks report it). */
export interface LicenceFederationEvidence {
  source: 'hub';
  /** The issuing node as the trust list names it; null when it does not. */
  node: { id: string; name: string; statusHistory: { status: string; since: string }[] } | null;
  /** The list in force; null when this verifier holds none. */
  trustList: {
    sequenceNumber: number;
    issuedAt: string;
    nextUpdate: string;
    state: 'valid' | 'expired';
  } | null;
  log: {
    outcome: 'passed' | 'indeterminate' | 'failed';
    code: string;
    why: string | null;
    origin: string | null;
    treeSize: number | null;
    /** ISO 8601: when the hub cosigned the checkpoint (the status's `asOf`). */
    witnessTime: string | null;
    leafIndex: number | null;
  };
  /**
   * Set when nothing could be judged (trust list missing or expired, hub unreachable, node not listed): the
   * record's other fields are then placeholders and every directory check is INDETERMINATE with this code.
   */
  unavailable?: { code: string; why: string };
}

export interface LicenceDirectoryView {
  /** null: no such identifier. May throw when the directory cannot be reached (→ INDETERMINATE TRY_LATER). */
  lookup(identifier: string, opts?: { fileSm3?: string }): Promise<LicenceDirectoryRecord | null>;
}

/** The licence.json attachment: `{ metadata, face }`. */
export interface LicenceAttachment {
  metadata: LicenceMetadata;
  face?: Record<string, unknown>;
}

/** The licence layer's checks, in order (the registry's; kept under its old name). */
export const LICENCE_CHECK_IDS = CHECK_ORDER.licence;

const FAILED_STATUSES = new Set([
  'annulled',
  'cancelled',
  'revoked',
  'lapsed',
  'superseded',
  'transferred-out',
  'expired',
]);

/** The directory status at `at` from the history (the last event not after it), or null before the first. */
export function licenceStatusAt(record: LicenceDirectoryRecord, at: Date): string | null {
  let s: string | null = null;
  for (const e of record.statusHistory) {
    const t = Date.parse(e.at);
    if (Number.isFinite(t) && t <= at.getTime()) s = e.status;
  }
  return s;
}

/**
 * Parses licence.json bytes. Returns the attachment, or what is wrong with it (worded by the catalogue's
 * LICENCE_METADATA_INVALID) when it is not the expected shape.
 */
export function parseLicenceAttachment(
  bytes: Uint8Array,
): { ok: true; value: LicenceAttachment } | { ok: false; problem: 'not-json' | 'no-identifier' } {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    return { ok: false, problem: 'not-json' };
  }
  const m = (v as { metadata?: unknown } | null)?.metadata as Partial<LicenceMetadata> | undefined;
  if (!m || typeof m !== 'object' || typeof m.identifier !== 'string' || m.identifier.length > 256)
    return { ok: false, problem: 'no-identifier' };
  return { ok: true, value: v as LicenceAttachment };
}

export interface LicenceValidationInput {
  attachment: LicenceAttachment;
  /** SM3 (hex) of the whole file as received. */
  fileSm3: string;
  /** The signature's time (claimed or proven), for the status at signing time. */
  signingTime: Date | null;
  now: Date;
  directory?: LicenceDirectoryView;
}

function identifierCheck(identifier: string): Check {
  const v = validateLicenceIdentifier(identifier);
  const list = (xs: { message: string }[]) => ({
    zh: xs.map((e) => e.message).join('；'),
    en: xs.map((e) => e.message).join('; '),
  });
  if (!v.valid)
    return emit(
      'licence-identifier',
      'failed',
      'IDENTIFIER_INVALID',
      { identifier, errors: list(v.errors) },
      { errors: v.errors },
    );
  const mismatch = v.warnings.find((w) => w.code === 'check-mismatch');
  if (mismatch)
    return emit(
      'licence-identifier',
      'failed',
      'IDENTIFIER_CHECK_MISMATCH',
      { why: mismatch.message },
      { expectedCheck: v.expectedCheck },
    );
  if (v.warnings.length) {
    const vendor = v.warnings.some((w) => w.code === 'faulty-vendor-check');
    return emit(
      'licence-identifier',
      'warning',
      vendor ? 'IDENTIFIER_FAULTY_VENDOR_CHECK' : 'IDENTIFIER_WARNING',
      { identifier, warnings: list(v.warnings) },
      { warnings: v.warnings.map((w) => w.code) },
    );
  }
  return emit('licence-identifier', 'passed', 'IDENTIFIER_VALID', { identifier });
}

function copyCheck(copy: LicenceMetadata['copy'], now: Date): Check {
  if (!copy) return emit('licence-copy', 'skipped', 'NOT_A_COPY', undefined);
  const expires = Date.parse(copy.expiresAt);
  const details = { purpose: copy.purpose, expiresAt: copy.expiresAt, maker: copy.maker ?? null };
  if (typeof copy.purpose !== 'string' || !copy.purpose || !Number.isFinite(expires))
    return emit('licence-copy', 'failed', 'COPY_METADATA_INVALID', undefined, details);
  const facts = { purpose: copy.purpose, expiresAt: copy.expiresAt };
  if (expires < now.getTime()) return emit('licence-copy', 'failed', 'COPY_EXPIRED', facts, details);
  return emit('licence-copy', 'passed', 'COPY_VALID', facts, details);
}

function statusCheck(record: LicenceDirectoryRecord, signingTime: Date | null): Check {
  const s = record.status;
  const then = signingTime ? licenceStatusAt(record, signingTime) : null;
  const details = {
    status: s,
    // When the directory's current status began (the suspension's time, say).
    since: record.statusHistory.at(-1)?.at ?? null,
    statusAtSigningTime: then,
    successor: record.successor,
    latestVersion: record.latestVersion,
  };
  if (FAILED_STATUSES.has(s))
    return withText(
      'licence-status',
      'failed',
      `LICENCE_${s.toUpperCase().replace(/-/g, '_')}`,
      message('licence-status', 'LICENCE_ENDED', {
        status: s,
        statusZh: licenceStatusZh(s),
        successor: record.successor,
      }),
      details,
    );
  if (s === 'suspended')
    return emit(
      'licence-status',
      'indeterminate',
      'LICENCE_SUSPENDED',
      { statusZh: licenceStatusZh(s), since: details.since },
      details,
    );
  if (s !== 'valid')
    return emit('licence-status', 'indeterminate', 'LICENCE_STATUS_UNKNOWN', { status: s }, details);
  if (then && then !== 'valid')
    return emit(
      'licence-status',
      'failed',
      'LICENCE_NOT_VALID_AT_SIGNING',
      { then, thenZh: licenceStatusZh(then), at: signingTime!.toISOString() },
      details,
    );
  const newer =
    record.latestVersion && record.latestVersion !== record.identifier ? record.latestVersion : null;
  return emit(
    'licence-status',
    'passed',
    'LICENCE_VALID',
    { validWhenSealed: then !== null, newer },
    details,
  );
}

/** The licence layer. Never throws: a directory failure is INDETERMINATE (TRY_LATER). */
export async function validateLicence(input: LicenceValidationInput): Promise<LicenceReport> {
  const m = input.attachment.metadata;
  const identifier = m.identifier;
  const checks: Check[] = [identifierCheck(identifier)];
  let record: LicenceDirectoryRecord | null = null;
  let lookedUp: LicenceDirectoryRecord | null = null;
  let reachable = false;
  if (!input.directory) {
    for (const id of ['licence-registered', 'licence-file-hash', 'licence-status'] as const)
      checks.push(emit(id, 'skipped', 'NO_DIRECTORY', undefined));
  } else {
    try {
      record = await input.directory.lookup(identifier, { fileSm3: input.fileSm3 });
      lookedUp = record;
      reachable = true;
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      for (const id of ['licence-registered', 'licence-file-hash', 'licence-status'] as const)
        checks.push(emit(id, 'indeterminate', 'DIRECTORY_UNAVAILABLE', { why }));
    }
    const unavailable = record?.federation?.unavailable;
    if (unavailable) {
      for (const id of ['licence-registered', 'licence-file-hash', 'licence-status'] as const)
        checks.push(emit(id, 'indeterminate', 'DIRECTORY_UNAVAILABLE', { why: unavailable.why }));
      record = null;
    } else if (reachable && !record) {
      const why = { zh: '证照未登记', en: 'the licence is not registered' };
      checks.push(
        emit('licence-registered', 'failed', 'LICENCE_NOT_REGISTERED', { identifier }),
        emit('licence-file-hash', 'skipped', 'NOT_RUN', { why }),
        emit('licence-status', 'skipped', 'NOT_RUN', { why }),
      );
    } else if (record) {
      checks.push(
        emit('licence-registered', 'passed', 'LICENCE_REGISTERED', { identifier, version: record.version }),
      );
      const copies = [...(record.copies ?? []), ...(record.copy ? [record.copy] : [])];
      const sm3 = input.fileSm3.toLowerCase();
      if (issuedSm3s(record).includes(sm3))
        checks.push(emit('licence-file-hash', 'passed', 'FILE_HASH_MATCH', undefined, { sm3 }));
      else if (
        copies.some((c) => [c.sm3, ...(c.files ?? []).map((f) => f.sm3)].some((h) => h.toLowerCase() === sm3))
      )
        checks.push(emit('licence-file-hash', 'passed', 'COPY_HASH_MATCH', undefined, { sm3 }));
      else
        checks.push(
          emit('licence-file-hash', 'failed', 'FILE_HASH_MISMATCH', undefined, {
            sm3,
            recorded: issuedSm3s(record).join(' ') || null,
          }),
        );
      checks.push(statusCheck(record, input.signingTime));
    }
  }
  checks.push(copyCheck(m.copy, input.now));
  checks.push(...federationChecks(input, reachable ? lookedUp : undefined));
  const ordered = orderChecks(checks, 'licence');
  return {
    identifier,
    status: record?.status ?? null,
    version: m.version ?? record?.version ?? null,
    latestVersion: record?.latestVersion ?? null,
    successor: record?.successor ?? null,
    copy: m.copy ? { purpose: m.copy.purpose, expiresAt: m.copy.expiresAt, maker: m.copy.maker } : null,
    ...deriveIndication(ordered),
    checks: ordered,
  };
}

/**
 * `licence-in-log` and `trust-list` (federation.md §3.5): for another node's licence, the log evidence the
 * directory view judged and the list that vouched for the node, judged at the signing time (§2.8 rule 7: a node
 * withdrawn later still vouches for what it sealed before). This node's own licences need neither.
 */
function federationChecks(
  input: LicenceValidationInput,
  record: LicenceDirectoryRecord | null | undefined,
): Check[] {
  if (!input.directory)
    return [
      emit('licence-in-log', 'skipped', 'NO_DIRECTORY', undefined),
      emit('trust-list', 'skipped', 'NO_DIRECTORY', undefined),
    ];
  if (record === undefined) {
    const why = { zh: '证照目录不可用', en: 'the directory is unavailable' };
    return [
      emit('licence-in-log', 'skipped', 'NOT_RUN', { why }),
      emit('trust-list', 'skipped', 'NOT_RUN', { why }),
    ];
  }
  const f = record?.federation;
  if (!f)
    return [
      emit('licence-in-log', 'skipped', 'LOCAL_DIRECTORY', undefined),
      emit('trust-list', 'skipped', 'LOCAL_ANCHORS', undefined),
    ];
  const log = f.log;
  const logDetails = { ...log, source: f.source };
  const why = log.why ?? '';
  const inLog =
    log.outcome === 'passed'
      ? emit(
          'licence-in-log',
          'passed',
          'LICENCE_IN_LOG',
          {
            node: f.node?.id ?? '?',
            index: log.leafIndex ?? -1,
            size: log.treeSize ?? 0,
            witnessTime: log.witnessTime ?? '?',
          },
          logDetails,
        )
      : isCatalogued('licence-in-log', log.code)
        ? emit('licence-in-log', log.outcome, log.code as 'FILE_NOT_IN_LOG', { why }, logDetails)
        : emit('licence-in-log', 'failed', 'EVIDENCE_MISMATCH', { why: `${log.code}: ${why}` }, logDetails);
  const l = f.trustList;
  let trust: Check;
  if (!l) trust = emit('trust-list', 'indeterminate', 'TRUST_LIST_MISSING', undefined);
  else if (l.state === 'expired')
    trust = emit(
      'trust-list',
      'indeterminate',
      'TRUST_LIST_EXPIRED',
      { seq: l.sequenceNumber, nextUpdate: l.nextUpdate },
      { ...l },
    );
  else if (!f.node)
    trust =
      f.unavailable?.code === 'NODE_NOT_LISTED'
        ? emit(
            'trust-list',
            'indeterminate',
            'NODE_NOT_LISTED',
            { seq: l.sequenceNumber, node: '?' },
            { ...l },
          )
        : emit(
            'trust-list',
            'skipped',
            'NOT_RUN',
            { why: { zh: f.unavailable?.why ?? '', en: f.unavailable?.why ?? '' } },
            { ...l },
          );
  else {
    const details = { ...l, node: f.node.id, nodeStatusHistory: f.node.statusHistory };
    const at = input.signingTime ?? input.now;
    let then: string | undefined;
    for (const h of f.node.statusHistory) if (Date.parse(h.since) <= at.getTime()) then = h.status;
    const now = f.node.statusHistory.at(-1);
    if (then !== 'active')
      trust = emit(
        'trust-list',
        'failed',
        'NODE_WITHDRAWN',
        { seq: l.sequenceNumber, node: f.node.id, status: then ?? 'unlisted', at: at.toISOString() },
        details,
      );
    else if (now && now.status !== 'active')
      trust = emit(
        'trust-list',
        'passed',
        'NODE_WITHDRAWN_LATER',
        { seq: l.sequenceNumber, node: f.node.id, since: now.since },
        details,
      );
    else
      trust = emit(
        'trust-list',
        'passed',
        'TRUST_LIST_VALID',
        { seq: l.sequenceNumber, nextUpdate: l.nextUpdate, node: f.node.id, name: f.node.name },
        details,
      );
  }
  return [inLog, trust];
}

/** The SM3s (lower-case hex) of every file the directory says was issued for the identifier. */
function issuedSm3s(record: LicenceDirectoryRecord): string[] {
  const all = [record.pdfSm3, ...(record.files ?? []).map((f) => f.sm3)];
  return [...new Set(all.filter((h): h is string => !!h).map((h) => h.toLowerCase()))];
}
