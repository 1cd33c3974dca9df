import { validateLicenceIdentifier } from '../licence/licence-identifier.js';
import { licenceStatusZh } from '../licence/licence-lifecycle.js';
import type { LicenceMetadata } from '../licence/licence-metadata.js';
import { CHECK_ORDER, orderChecks, type CheckId } from './checks/check-registry.js';
import { check, deriveIndication, type Check, type LicenceReport } from './report.js';

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

/** 加注件 registered for a licence: its file hash and what it is for. */
export interface LicenceCopyRecord {
  /** SM3 (hex) of the copy's PDF. */
  sm3: string;
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
  /** Oldest first. */
  statusHistory: LicenceStatusEvent[];
  /** Annotated copies the node knows (or the one matching `?sm3=`). */
  copies?: LicenceCopyRecord[];
  copy?: LicenceCopyRecord | null;
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
 * Parses licence.json bytes. Returns the attachment, or an error message (Chinese / English) when it is not
 * the expected shape.
 */
export function parseLicenceAttachment(
  bytes: Uint8Array,
): { ok: true; value: LicenceAttachment } | { ok: false; zh: string; en: string } {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    return { ok: false, zh: 'licence.json 不是有效的 JSON', en: 'licence.json is not valid JSON' };
  }
  const m = (v as { metadata?: unknown } | null)?.metadata as Partial<LicenceMetadata> | undefined;
  if (!m || typeof m !== 'object' || typeof m.identifier !== 'string' || m.identifier.length > 256)
    return {
      ok: false,
      zh: 'licence.json 缺少 metadata.identifier',
      en: 'licence.json has no metadata.identifier',
    };
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
  if (!v.valid)
    return check(
      'licence-identifier',
      'failed',
      'IDENTIFIER_INVALID',
      `证照标识 ${identifier} 不符合 GB/T 36904：${v.errors.map((e) => e.message).join('；')}`,
      `licence identifier ${identifier} does not follow GB/T 36904: ${v.errors.map((e) => e.message).join('; ')}`,
      { errors: v.errors },
    );
  const mismatch = v.warnings.find((w) => w.code === 'check-mismatch');
  if (mismatch)
    return check(
      'licence-identifier',
      'failed',
      'IDENTIFIER_CHECK_MISMATCH',
      `证照标识校验位错误：${mismatch.message}`,
      `the licence identifier's check character is wrong: ${mismatch.message}`,
      { expectedCheck: v.expectedCheck },
    );
  if (v.warnings.length) {
    const vendor = v.warnings.some((w) => w.code === 'faulty-vendor-check');
    return check(
      'licence-identifier',
      'warning',
      vendor ? 'IDENTIFIER_FAULTY_VENDOR_CHECK' : 'IDENTIFIER_WARNING',
      `证照标识 ${identifier} 可用，但：${v.warnings.map((w) => w.message).join('；')}`,
      `licence identifier ${identifier} is usable, but: ${v.warnings.map((w) => w.message).join('; ')}`,
      { warnings: v.warnings.map((w) => w.code) },
    );
  }
  return check(
    'licence-identifier',
    'passed',
    'IDENTIFIER_VALID',
    `证照标识 ${identifier} 符合 GB/T 36904，校验位正确`,
    `licence identifier ${identifier} follows GB/T 36904 and its check character is right`,
  );
}

function copyCheck(copy: LicenceMetadata['copy'], now: Date): Check {
  if (!copy)
    return check(
      'licence-copy',
      'skipped',
      'NOT_A_COPY',
      '本文件不是加注件',
      'this file is not an annotated copy',
    );
  const expires = Date.parse(copy.expiresAt);
  const details = { purpose: copy.purpose, expiresAt: copy.expiresAt, maker: copy.maker ?? null };
  if (typeof copy.purpose !== 'string' || !copy.purpose || !Number.isFinite(expires))
    return check(
      'licence-copy',
      'failed',
      'COPY_METADATA_INVALID',
      '加注件缺少制作事由或有效期',
      'the annotated copy lacks its purpose or expiry',
      details,
    );
  if (expires < now.getTime())
    return check(
      'licence-copy',
      'failed',
      'COPY_EXPIRED',
      `加注件（用途：${copy.purpose}）已于 ${copy.expiresAt} 过期`,
      `the annotated copy (purpose: ${copy.purpose}) expired at ${copy.expiresAt}`,
      details,
    );
  return check(
    'licence-copy',
    'passed',
    'COPY_VALID',
    `加注件仅供“${copy.purpose}”使用，有效期至 ${copy.expiresAt}`,
    `annotated copy for "${copy.purpose}" only, valid until ${copy.expiresAt}`,
    details,
  );
}

function statusCheck(record: LicenceDirectoryRecord, signingTime: Date | null): Check {
  const s = record.status;
  const then = signingTime ? licenceStatusAt(record, signingTime) : null;
  const details = {
    status: s,
    statusAtSigningTime: then,
    successor: record.successor,
    latestVersion: record.latestVersion,
  };
  const succ = record.successor ? `；替代证照：${record.successor}` : '';
  const succEn = record.successor ? `; replaced by ${record.successor}` : '';
  if (FAILED_STATUSES.has(s))
    return check(
      'licence-status',
      'failed',
      `LICENCE_${s.toUpperCase().replace(/-/g, '_')}`,
      `证照当前状态为“${licenceStatusZh(s)}”（${s}）${succ}`,
      `the licence is now ${s}${succEn}`,
      details,
    );
  if (s === 'suspended')
    return check(
      'licence-status',
      'indeterminate',
      'LICENCE_SUSPENDED',
      `证照当前处于“${licenceStatusZh(s)}”状态，恢复前不能作为有效证照使用`,
      'the licence is suspended: it cannot be relied on until it is resumed',
      details,
    );
  if (s !== 'valid')
    return check(
      'licence-status',
      'indeterminate',
      'LICENCE_STATUS_UNKNOWN',
      `证照目录返回未知状态 ${s}`,
      `the directory returned an unknown status ${s}`,
      details,
    );
  if (then && then !== 'valid')
    return check(
      'licence-status',
      'failed',
      'LICENCE_NOT_VALID_AT_SIGNING',
      `证照当前有效，但签章时（${signingTime!.toISOString()}）状态为“${licenceStatusZh(then)}”`,
      `the licence is valid now but was ${then} when it was sealed (${signingTime!.toISOString()})`,
      details,
    );
  const newer =
    record.latestVersion && record.latestVersion !== record.identifier
      ? `；已有新版本 ${record.latestVersion}`
      : '';
  const newerEn =
    record.latestVersion && record.latestVersion !== record.identifier
      ? `; a newer version exists: ${record.latestVersion}`
      : '';
  return check(
    'licence-status',
    'passed',
    'LICENCE_VALID',
    `证照当前有效${then ? '，签章时亦有效' : ''}${newer}`,
    `the licence is valid now${then ? ' and was when sealed' : ''}${newerEn}`,
    details,
  );
}

/** The licence layer. Never throws: a directory failure is INDETERMINATE (TRY_LATER). */
export async function validateLicence(input: LicenceValidationInput): Promise<LicenceReport> {
  const m = input.attachment.metadata;
  const identifier = m.identifier;
  const checks: Check[] = [identifierCheck(identifier)];
  let record: LicenceDirectoryRecord | null = null;
  let reachable = false;
  if (!input.directory) {
    const offline = (id: CheckId, what: string, whatEn: string) =>
      check(
        id,
        'skipped',
        'NO_DIRECTORY',
        `未连接证照目录（离线验证），${what}未检查；使用 --online <节点地址> 可查询`,
        `no licence directory (offline): ${whatEn} not checked; use --online <node URL>`,
      );
    checks.push(
      offline('licence-registered', '登记情况', 'registration'),
      offline('licence-file-hash', '文件摘要', 'the file hash'),
      offline('licence-status', '证照状态', 'the status'),
    );
  } else {
    try {
      record = await input.directory.lookup(identifier, { fileSm3: input.fileSm3 });
      reachable = true;
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      for (const id of ['licence-registered', 'licence-file-hash', 'licence-status'] as const)
        checks.push(
          check(
            id,
            'indeterminate',
            'DIRECTORY_UNAVAILABLE',
            `证照目录查询失败：${why}`,
            `the licence directory could not be queried: ${why}`,
          ),
        );
    }
    if (reachable && !record) {
      checks.push(
        check(
          'licence-registered',
          'failed',
          'LICENCE_NOT_REGISTERED',
          `证照目录中没有证照 ${identifier}`,
          `the licence directory has no licence ${identifier}`,
        ),
        check(
          'licence-file-hash',
          'skipped',
          'NOT_RUN',
          '证照未登记，未核对',
          'not run: the licence is not registered',
        ),
        check(
          'licence-status',
          'skipped',
          'NOT_RUN',
          '证照未登记，未核对',
          'not run: the licence is not registered',
        ),
      );
    } else if (record) {
      checks.push(
        check(
          'licence-registered',
          'passed',
          'LICENCE_REGISTERED',
          `证照 ${identifier} 已在证照目录登记（版本 ${record.version}）`,
          `licence ${identifier} is registered in the directory (version ${record.version})`,
        ),
      );
      const copies = [...(record.copies ?? []), ...(record.copy ? [record.copy] : [])];
      const sm3 = input.fileSm3.toLowerCase();
      if (record.pdfSm3 && record.pdfSm3.toLowerCase() === sm3)
        checks.push(
          check(
            'licence-file-hash',
            'passed',
            'FILE_HASH_MATCH',
            '文件的 SM3 摘要与证照目录登记的一致',
            "the file's SM3 equals the one the directory recorded",
            { sm3 },
          ),
        );
      else if (copies.some((c) => c.sm3.toLowerCase() === sm3))
        checks.push(
          check(
            'licence-file-hash',
            'passed',
            'COPY_HASH_MATCH',
            '文件的 SM3 摘要与证照目录登记的加注件一致',
            "the file's SM3 equals a registered annotated copy's",
            { sm3 },
          ),
        );
      else
        checks.push(
          check(
            'licence-file-hash',
            'failed',
            'FILE_HASH_MISMATCH',
            '文件的 SM3 摘要与证照目录登记的不一致：这不是签发的那份文件',
            "the file's SM3 differs from the one the directory recorded: this is not the file that was issued",
            { sm3, recorded: record.pdfSm3 },
          ),
        );
      checks.push(statusCheck(record, input.signingTime));
    }
  }
  checks.push(copyCheck(m.copy, input.now));
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
