import { randomUUID } from 'node:crypto';
import canonicalize from 'canonicalize';
import { sm3 } from '../../crypto/sm3.js';
import type { DataProtector } from '../../crypto/data-protection.js';
import { buildLicenceIdentifier, parseLicenceIdentifier } from '../../licence/licence-identifier.js';
import { licenceHolderCodeContext } from '../../licence/personal-data-keys.js';
import {
  licenceStatusZh,
  producesFile,
  transition,
  type LicenceEventOperation,
  type LicenceStatus,
} from '../../licence/licence-lifecycle.js';
import type { LicenceMetadata } from '../../licence/licence-metadata.js';
import { chinaDate } from '../../licence/china-date.js';
import { checkLicenceRequest, type RequestIssue } from '../../licence/licence-request-check.js';
import type { LicenceTypeDefinition } from '../../licence/licence-type.js';
import { maskHolderCode } from '../../licence/holder-code.js';
import { findAgencyCached } from '../../store/agency-repository.js';
import type { Agency } from '../../access/agency.js';
import type { Db, Executor } from '../../store/database.js';
import { findIdempotentResponse, insertIdempotentResponse } from '../../store/idempotency-repository.js';
import {
  findLicence,
  insertLicenceWithEvent,
  insertLicenceEvent,
  listExpiring,
  readLicenceVersionsAndLatestEvents,
  listLicenceEvents,
  listLicenceEventsPage,
  listLicences,
  listVersions,
  updateLicenceStatus,
  type LicenceFilter,
  type LicenceVersionStatus,
} from '../../store/licence-repository.js';
import type { LicenceEvent } from '../../licence/licence-event.js';
import type { LicenceRecord, LicenceSummary } from '../../licence/licence-record.js';
import { nextLicenceSerial } from '../../store/licence-serial-repository.js';
import {
  findLicenceCopy,
  insertLicenceCopy,
  listLicenceCopies,
} from '../../store/licence-copy-repository.js';
import {
  findLicenceCopyFile,
  findLicenceFile,
  type StoredLicenceFile,
} from '../../store/licence-file-repository.js';
import {
  LICENCE_FILE_FORMATS,
  sortFiles,
  type LicenceFileEntry,
  type LicenceFileFormat,
} from '../../licence/licence-file-entry.js';
import type { LicenceCopyRecord } from '../../licence/licence-copy-record.js';
import { insertLicenceUsage } from '../../store/licence-usage-repository.js';
import type { LicenceUsage } from '../../licence/licence-usage.js';
import type { Page, PageRequest } from '../../paging/page.js';
import { listSeals } from '../../store/seal-repository.js';
import type { SealRecord } from '../../seal/seal-record.js';
import { GenerationCache } from '../../runtime/generation-cache.js';
import { withAudit } from '../audit/audit-service.js';
import { licenceCopyLeaf, licenceLeaf, type DirectoryEvent } from '../../tlog/directory-leaf.js';
import {
  licenceFileJob,
  signPreparedLicence,
  type LicenceSealing,
  type LicenceSignatureFormat,
  type SignerHandle,
} from './licence-sealer.js';
import type { LicenceProducer } from './licence-production-pool.js';
import { LicenceRenderError } from '../../licence/licence-render-error.js';
import type { LicenceFileJob } from '../../licence/licence-file-preparation.js';
import type { LicenceTypeService } from './licence-type-service.js';
import { boundAgencyOf, ensureAllowed, isAllowed } from '../access/authorize.js';
import { actorOf, type ActionContext, type Principal } from '../access/principal.js';
import { effectiveStatus, type SealService } from '../seals/seal-service.js';
import type { SealSignatureService } from '../seals/seal-signature-service.js';
import { ServiceError } from '../service-error.js';
import { invalidTransition, licenceNotFound } from './licence-errors.js';
import { LicenceStatusCommitter } from './licence-status-committer.js';

export interface LicenceServiceDeps {
  types: LicenceTypeService;
  seals: SealService;
  sealSignatures: SealSignatureService;
  signerFor: (agencyId: string, esID: string) => Promise<SignerHandle>;
  protector: DataProtector;
  /** Renders and prepares licence files (worker threads in the service, in process in tools). */
  produce: LicenceProducer;
  /** Public base URL of this node (the QR code points at `<publicUrl>/l/<identifier>`). */
  publicUrl: string;
  /** Default signature format (SEALTRUST_LICENCE_SIGNATURE); a request may choose another. */
  signatureFormat?: LicenceSignatureFormat | undefined;
  /** The issuing CA certificate(s) for a signer certificate, to include in CMS signatures. */
  chainFor?: (signerCertificateDer: Buffer) => Buffer[];
  /**
   * Which layout files every licence, version and copy is issued in (SEALTRUST_LICENCE_FORMATS; default
   * `LICENCE_FILE_FORMATS`, both).
   */
  formats?: readonly LicenceFileFormat[] | undefined;
}

/** One file of an issued licence or copy as the API lists it. */
export interface IssuedFile extends LicenceFileEntry {
  url: string;
}

/** A decrypted file with its directory entry. */
export interface LicenceFile extends LicenceFileEntry {
  data: Buffer;
}

export interface IssueLicenceRequest {
  typeCode: string;
  holder: { name: string; code: string; codeType: string };
  number?: string | undefined;
  validFrom: string;
  validTo?: string | null | undefined;
  fields: Record<string, string>;
  sealEsID?: string | undefined;
  timestamp?: boolean | undefined;
  signatureFormat?: LicenceSignatureFormat | undefined;
}

export interface IssuedLicence {
  identifier: string;
  version: string;
  status: LicenceStatus;
  /** The PDF's URL and SM3 (the first file's when no PDF is made): what clients before OFD read. */
  pdfUrl: string;
  sm3: string;
  /** Every file made (PDF first, then OFD). */
  files: IssuedFile[];
  warnings: RequestIssue[];
}

/** What a lifecycle event may carry for the operations that make a new file. */
export interface LicenceEventRequest {
  operation: LicenceEventOperation;
  reason: string;
  /** renew / replace: changed values; the rest is carried over. */
  validFrom?: string | undefined;
  validTo?: string | null | undefined;
  fields?: Record<string, string> | undefined;
  number?: string | undefined;
  sealEsID?: string | undefined;
}

export interface LicenceView {
  licence: LicenceSummary;
  /** In clear only for the issuing agency and admins; masked otherwise. */
  holderCode: string;
  holderCodeMasked: boolean;
  /** The latest LICENCE_VIEW_EVENTS events, oldest first; `historyTruncated` when older ones exist. */
  history: LicenceEvent[];
  historyTruncated: boolean;
  versions: LicenceVersionStatus[];
}

/**
 * Events a licence view carries: a licence suspended and resumed for years keeps every event, and one answer
 * must not grow with them (the whole history pages through `events`).
 */
export const LICENCE_VIEW_EVENTS = 50;

function issuerAgencyOf(p: Principal): string {
  ensureAllowed(p, 'licence.issue');
  return boundAgencyOf(p);
}

function isUniqueViolation(err: unknown): boolean {
  return (err as { code?: string })?.code === '23505';
}

/**
 * The licence directory: issuance (identifier, render, seal, record), lifecycle events (including renewal
 * as a new version and replacement by a new licence), reads with holder-code masking and search.
 */
export class LicenceService {
  private readonly agencySeals: GenerationCache<SealRecord[]>;
  private readonly statusChanges: LicenceStatusCommitter;

  constructor(
    private readonly db: Db,
    private readonly deps: LicenceServiceDeps,
  ) {
    this.agencySeals = new GenerationCache(db, ['seal', 'agency'], 1024, 5_000);
    this.statusChanges = new LicenceStatusCommitter(db);
  }

  pdfUrl(identifier: string): string {
    return this.fileUrl(identifier, 'pdf');
  }

  /** Where a licence's file of one format is downloaded. */
  fileUrl(identifier: string, format: LicenceFileFormat): string {
    return `${this.deps.publicUrl}/v1/licences/${identifier}/${format}`;
  }

  /** Where an annotated copy's file of one format is downloaded. */
  copyFileUrl(identifier: string, copyId: string, format: LicenceFileFormat): string {
    return `${this.deps.publicUrl}/v1/licences/${identifier}/copies/${copyId}/${format}`;
  }

  /** The formats this node issues in (SEALTRUST_LICENCE_FORMATS), PDF first. */
  get formats(): LicenceFileFormat[] {
    const chosen = this.deps.formats ?? LICENCE_FILE_FORMATS;
    return LICENCE_FILE_FORMATS.filter((f) => chosen.includes(f));
  }

  private issuedFiles(identifier: string, files: readonly LicenceFileEntry[]): IssuedFile[] {
    return files.map((f) => ({ ...f, url: this.fileUrl(identifier, f.format) }));
  }

  /** Each made file's directory entry and its bytes encrypted for this record and format. */
  private protectFiles(
    files: readonly { format: LicenceFileFormat; data: Buffer; sm3: string }[],
    context: (format: LicenceFileFormat) => string,
  ): StoredLicenceFile[] {
    return sortFiles(files).map((f) => ({
      format: f.format,
      sm3: f.sm3,
      bytes: f.data.length,
      enc: this.deps.protector.encrypt(f.data, context(f.format)),
    }));
  }

  /** Issues a licence. With an idempotency key, a repeat of the same request returns the first answer. */
  async issue(
    ctx: ActionContext,
    req: IssueLicenceRequest,
    idempotencyKey?: string,
  ): Promise<{ issued: IssuedLicence; replayed: boolean }> {
    const agencyId = issuerAgencyOf(ctx.principal);
    const scope = ctx.principal.kind === 'token' ? ctx.principal.tokenId : 'system';
    // Only a request that may be repeated needs its fingerprint.
    const requestSm3 = idempotencyKey
      ? sm3(Buffer.from(canonicalize(req) ?? '', 'utf8')).toString('hex')
      : '';
    if (idempotencyKey) {
      const prior = await findIdempotentResponse(this.db, scope, idempotencyKey);
      if (prior) return { issued: this.replay(prior, requestSm3), replayed: true };
    }
    const type = await this.deps.types.get(req.typeCode).catch((err: unknown) => {
      if (err instanceof ServiceError && err.kind === 'not-found')
        throw new ServiceError('validation', 'unknown-licence-type', err.message, 'typeCode');
      throw err;
    });
    if (!type.issuerAgencyIds.includes(agencyId))
      throw new ServiceError(
        'forbidden',
        'type-not-issuable',
        '本机构无权颁发该类证照 / this agency may not issue this licence type',
        'typeCode',
      );
    const agency = await this.agency(agencyId);
    const checked = checkLicenceRequest(type, req);
    const first = checked.errors[0];
    if (first) throw new ServiceError('validation', first.code, first.message, first.field);
    const seal = await this.usableSeal(agencyId, req.sealEsID);

    const year = Number(chinaDate().slice(0, 4));
    const seq = await nextLicenceSerial(this.db, { typeCode: type.code, agencyId, year });
    const serial = `${year}${String(seq).padStart(7, '0')}`;
    const identifier = buildLicenceIdentifier({
      typeCode: type.code,
      issuerCode: agency.uscc,
      serial,
      version: 1,
    });
    const metadata: LicenceMetadata = {
      identifier,
      name: type.name,
      typeName: type.name,
      typeCode: type.code,
      number: req.number?.trim() || serial,
      issuerName: agency.name,
      issuerCode: agency.uscc,
      issueDate: chinaDate(),
      holderName: req.holder.name.trim(),
      holderCode: checked.holderCode,
      holderCodeType: req.holder.codeType,
      validFrom: req.validFrom,
      validTo: req.validTo ?? null,
      regionCode: agency.regionCode,
      version: '001',
      face: trimmed(req.fields),
    };
    const issued = await this.produce(ctx, {
      type,
      seal,
      metadata,
      agencyId,
      serial,
      version: 1,
      timestamp: req.timestamp ?? false,
      format: req.signatureFormat,
      event: { operation: 'issue', reason: null },
      warnings: checked.warnings,
      idempotency: idempotencyKey ? { scope, key: idempotencyKey, requestSm3 } : undefined,
    }).catch(async (err: unknown) => {
      // A concurrent request with the same key won the race: answer as it did.
      if (idempotencyKey && isUniqueViolation(err)) {
        const prior = await findIdempotentResponse(this.db, scope, idempotencyKey);
        if (prior) return this.replay(prior, requestSm3);
      }
      throw err;
    });
    return { issued, replayed: false };
  }

  private replay(prior: { requestSm3: string; response: unknown }, requestSm3: string): IssuedLicence {
    if (prior.requestSm3 !== requestSm3)
      throw new ServiceError(
        'conflict',
        'idempotency-key-reused',
        '该 Idempotency-Key 已用于另一请求 / this Idempotency-Key was used for a different request',
        'Idempotency-Key',
      );
    return prior.response as IssuedLicence;
  }

  /** Agencies are read on every issuance and never change once created (name, USCC, region): kept briefly. */
  private async agency(id: string): Promise<Agency> {
    const agency = await findAgencyCached(this.db, id);
    if (!agency)
      throw new ServiceError('forbidden', 'unknown-agency', '令牌绑定的机构不存在 / unknown agency');
    return agency;
  }

  /** The seal to use: the requested one (must be the agency's and active) or the agency's newest active seal. */
  private async usableSeal(agencyId: string, esID: string | undefined): Promise<SealRecord> {
    if (esID) {
      const seal = await this.deps.seals.find(esID);
      if (!seal)
        throw new ServiceError('validation', 'seal-not-found', '印章不存在 / no such seal', 'sealEsID');
      if (seal.agencyId !== agencyId)
        throw new ServiceError(
          'forbidden',
          'seal-of-another-agency',
          '不能使用其他机构的印章 / the seal belongs to another agency',
          'sealEsID',
        );
      const status = effectiveStatus(seal);
      if (status !== 'active')
        throw new ServiceError(
          'conflict',
          'seal-not-usable',
          `印章当前不可用（${status}）/ the seal is ${status}`,
          'sealEsID',
        );
      return seal;
    }
    // The agency's seals, cached per audit generation (seal states change with an audit record); what the
    // clock decides (validity) is evaluated now, on every issuance.
    const seals = await this.agencySeals.get(agencyId, async () => {
      const all: SealRecord[] = [];
      let after: number | undefined;
      do {
        const page = await listSeals(this.db, { agencyId }, { limit: 200, after });
        all.push(...page.items);
        after = page.nextAfter ?? undefined;
      } while (after !== undefined);
      return all;
    });
    let newest: SealRecord | undefined;
    for (const s of seals)
      if (effectiveStatus(s) === 'active' && s.validFrom.getTime() <= Date.now()) newest = s;
    if (newest) return newest;
    throw new ServiceError(
      'conflict',
      'no-active-seal',
      '本机构没有可用的电子印章 / the agency has no active seal',
      'sealEsID',
    );
  }

  /** Render, seal and record one licence file with its event and audit record (one transaction). */
  private async produce(
    ctx: ActionContext,
    p: {
      type: LicenceTypeDefinition;
      seal: SealRecord;
      metadata: LicenceMetadata;
      agencyId: string;
      serial: string;
      version: number;
      timestamp: boolean;
      format?: LicenceSignatureFormat | undefined;
      event: { operation: 'issue' | 'renew' | 'replace'; reason: string | null };
      warnings: RequestIssue[];
      idempotency?: { scope: string; key: string; requestSm3: string } | undefined;
      /** Applied in the same transaction (the predecessor's status change for renew/replace). */
      /** Changes to make with the issue (the predecessor's status change), and the directory event they cause. */
      alsoInTransaction?: (trx: Executor, record: LicenceRecord) => Promise<DirectoryEvent>;
    },
  ): Promise<IssuedLicence> {
    const { metadata } = p;
    const signer = await this.deps.signerFor(p.agencyId, p.seal.esID);
    const format = p.format ?? this.deps.signatureFormat ?? 'ses';
    const sealed = await this.sealedFiles(
      {
        type: p.type,
        metadata,
        verifyUrl: `${this.deps.publicUrl}/l/${metadata.identifier}`,
        reason: `${metadata.name} ${metadata.identifier}`,
        location: metadata.issuerName,
      },
      {
        seal: p.seal,
        signer,
        format,
        chain: this.deps.chainFor?.(signer.certificateDer) ?? [],
        timestamp: p.timestamp,
      },
      this.formats,
    );
    const now = new Date();
    const id = metadata.identifier;
    // The context names the record and the format, never the table: a ciphertext opens only as that file.
    const stored = this.protectFiles(sealed.files, (f) => `licence:${id}:${f}`);
    const files = stored.map(({ enc: _enc, ...entry }) => entry);
    const primary = files.find((f) => f.format === 'pdf') ?? files[0]!;
    const record: LicenceRecord = {
      identifier: id,
      typeCode: metadata.typeCode,
      agencyId: p.agencyId,
      issuerCode: metadata.issuerCode,
      serial: p.serial,
      version: p.version,
      number: metadata.number,
      holderName: metadata.holderName,
      holderCodeEnc: this.deps.protector.encrypt(metadata.holderCode, licenceHolderCodeContext(id)),
      holderCodeIndex: this.deps.protector.index(metadata.holderCode),
      holderCodeMasked: maskHolderCode(metadata.holderCode, metadata.holderCodeType),
      holderCodeType: metadata.holderCodeType,
      issueDate: metadata.issueDate,
      validFrom: metadata.validFrom,
      validTo: metadata.validTo,
      regionCode: metadata.regionCode,
      metadata: {
        ...metadata,
        holderCode: maskHolderCode(metadata.holderCode, metadata.holderCodeType),
      },
      files,
      esID: p.seal.esID,
      signerSerial: signer.certificateSerial,
      signatureFormat: format === 'ses' ? 'ses' : 'cms',
      status: 'valid',
      statusReason: null,
      predecessor: metadata.predecessor ?? null,
      successor: null,
      signedAt: sealed.signedAt,
      createdAt: now,
      updatedAt: now,
    };
    const issued: IssuedLicence = {
      identifier: id,
      version: metadata.version,
      status: 'valid',
      pdfUrl: this.fileUrl(id, primary.format),
      sm3: primary.sm3,
      files: this.issuedFiles(id, files),
      warnings: p.warnings,
    };
    await withAudit(this.db, ctx, `licence.${p.event.operation}`, async (trx) => {
      const event = {
        identifier: id,
        operation: p.event.operation,
        fromStatus: null,
        toStatus: 'valid' as const,
        reason: p.event.reason,
        relatedIdentifier: metadata.predecessor ?? null,
        ...actorOf(ctx.principal),
        at: now,
      };
      await insertLicenceWithEvent(trx, record, stored, event);
      // Renew and replace: the new identifier's leaf first, then the predecessor's status change (§2.2 order).
      const directory = [licenceLeaf(record, event)];
      const also = await p.alsoInTransaction?.(trx, record);
      if (also) directory.push(also);
      if (p.idempotency)
        await insertIdempotentResponse(
          trx,
          p.idempotency.scope,
          p.idempotency.key,
          { requestSm3: p.idempotency.requestSm3, statusCode: 201, response: issued },
          now,
        );
      return {
        result: undefined,
        target: { type: 'licence', id },
        details: {
          typeCode: metadata.typeCode,
          version: metadata.version,
          esID: p.seal.esID,
          signerSerial: signer.certificateSerial,
          pdfSm3: files.find((f) => f.format === 'pdf')?.sm3 ?? null,
          files: files.map((f) => ({ format: f.format, sm3: f.sm3, bytes: f.bytes })),
          predecessor: metadata.predecessor ?? null,
        },
        directory,
      };
    });
    return issued;
  }

  /**
   * Renders and prepares the files of `formats` (off the main thread), then signs them here, where the keys
   * are: every file sealed with the same seal and signer key (ofd.md §4.3).
   */
  private async sealedFiles(
    base: Pick<LicenceFileJob, 'type' | 'metadata' | 'verifyUrl' | 'reason' | 'location'>,
    sealing: LicenceSealing,
    formats: readonly LicenceFileFormat[],
  ): Promise<{ files: { format: LicenceFileFormat; data: Buffer; sm3: string }[]; signedAt: Date }> {
    const job = licenceFileJob({ ...base, formats: [...formats] }, sealing);
    const prepared = await this.deps.produce(job).catch((err: unknown) => {
      if (err instanceof LicenceRenderError)
        throw new ServiceError('validation', err.code, err.message, err.field);
      throw err;
    });
    const signed = await signPreparedLicence(prepared, sealing, this.deps.sealSignatures);
    return {
      files: signed.files.map((f) => ({ format: f.format, data: f.bytes, sm3: f.sm3 })),
      signedAt: signed.signedAt,
    };
  }

  private async owned(principal: Principal, identifier: string): Promise<LicenceSummary> {
    const licence = await findLicence(this.db, identifier);
    if (!licence) throw licenceNotFound();
    ensureAllowed(principal, 'licence.change', licence, 'identifier');
    return licence;
  }

  /** Applies a lifecycle operation; renew and replace also produce the new file. */
  async applyEvent(
    ctx: ActionContext,
    identifier: string,
    req: LicenceEventRequest,
  ): Promise<{ licence: LicenceSummary; created?: IssuedLicence }> {
    const op = req.operation;
    if (producesFile(op)) {
      const current = await this.owned(ctx.principal, identifier);
      const t = transition(current.status, op);
      if (!t.ok || !t.produces) throw invalidTransition(current, op);
      ensureAllowed(ctx.principal, 'licence.reissue', current);
      const created = await this.reissue(ctx, current, req, t.produces, t.to);
      const licence = await findLicence(this.db, identifier);
      return { licence: licence!, created };
    }
    // A status change only: read and checked under its row lock, committed in a group with others under load.
    const changed = await this.statusChanges.change({ ctx, identifier, operation: op, reason: req.reason });
    return { licence: changed };
  }

  private async reissue(
    ctx: ActionContext,
    current: LicenceSummary,
    req: LicenceEventRequest,
    produces: 'version' | 'licence',
    predecessorStatus: LicenceStatus,
  ): Promise<IssuedLicence> {
    const type = await this.deps.types.get(current.typeCode);
    const agency = await this.agency(current.agencyId);
    const holderCode = this.deps.protector.decryptText(
      current.holderCodeEnc,
      licenceHolderCodeContext(current.identifier),
    );
    const fields = { ...current.metadata.face, ...trimmed(req.fields ?? {}) };
    const validFrom = req.validFrom ?? current.validFrom;
    const validTo = req.validTo === undefined ? current.validTo : req.validTo;
    const checked = checkLicenceRequest(type, {
      holder: { name: current.holderName, code: holderCode, codeType: current.holderCodeType },
      validFrom,
      validTo,
      fields,
    });
    const first = checked.errors[0];
    if (first) throw new ServiceError('validation', first.code, first.message, first.field);
    const seal = await this.usableSeal(current.agencyId, req.sealEsID);
    let serial = current.serial;
    let version = current.version + 1;
    if (produces === 'licence') {
      const year = Number(chinaDate().slice(0, 4));
      const seq = await nextLicenceSerial(this.db, { typeCode: type.code, agencyId: agency.id, year });
      serial = `${year}${String(seq).padStart(7, '0')}`;
      version = 1;
    } else if (version > 999) {
      throw new ServiceError('conflict', 'version-exhausted', '版本号已达上限 / version 999 reached');
    }
    const identifier = buildLicenceIdentifier({
      typeCode: type.code,
      issuerCode: agency.uscc,
      serial,
      version,
    });
    const metadata: LicenceMetadata = {
      ...current.metadata,
      identifier,
      number: produces === 'licence' ? req.number?.trim() || serial : current.number,
      issuerName: agency.name,
      issueDate: chinaDate(),
      holderCode,
      validFrom,
      validTo,
      version: String(version).padStart(3, '0'),
      predecessor: current.identifier,
      face: fields,
    };
    const op = produces === 'version' ? 'renew' : 'replace';
    const now = new Date();
    return this.produce(ctx, {
      type,
      seal,
      metadata,
      agencyId: agency.id,
      serial,
      version,
      timestamp: false,
      event: { operation: op, reason: req.reason },
      warnings: checked.warnings,
      alsoInTransaction: async (trx) => {
        const locked = await findLicence(trx, current.identifier, { forUpdate: true });
        if (!locked || !transition(locked.status, op).ok) throw invalidTransition(locked ?? current, op);
        await updateLicenceStatus(trx, current.identifier, {
          status: predecessorStatus,
          reason: req.reason,
          successor: identifier,
          at: now,
        });
        const event = {
          identifier: current.identifier,
          operation: op,
          fromStatus: locked.status,
          toStatus: predecessorStatus,
          reason: req.reason,
          relatedIdentifier: identifier,
          ...actorOf(ctx.principal),
          at: now,
        };
        await insertLicenceEvent(trx, event);
        return licenceLeaf(locked, event);
      },
    });
  }

  /** Reads a licence with its history and versions; the holder code in clear only for its issuer and admins. */
  /** The licence as its reader may see it; `known` saves reading a record the caller has just read. */
  async get(principal: Principal, identifier: string, known?: LicenceSummary): Promise<LicenceView> {
    const licence = known?.identifier === identifier ? known : await findLicence(this.db, identifier);
    if (!licence) throw licenceNotFound();
    const {
      versions,
      events: history,
      truncated,
    } = await readLicenceVersionsAndLatestEvents(this.db, licence, LICENCE_VIEW_EVENTS);
    const clear = this.mayReadHolderCode(principal, licence);
    return {
      licence,
      holderCode: clear
        ? this.deps.protector.decryptText(licence.holderCodeEnc, licenceHolderCodeContext(identifier))
        : licence.holderCodeMasked,
      holderCodeMasked: !clear,
      history,
      historyTruncated: truncated,
      versions,
    };
  }

  mayReadHolderCode(principal: Principal, licence: Pick<LicenceSummary, 'agencyId'>): boolean {
    return isAllowed(principal, 'licence.read-as-owner', licence);
  }

  /** The sealed file of one format, decrypted; 404 `format-not-available` when it was not made. */
  async file(
    identifier: string,
    format: LicenceFileFormat,
  ): Promise<{ licence: LicenceSummary; file: LicenceFile }> {
    const licence = await findLicence(this.db, identifier);
    if (!licence) throw licenceNotFound();
    const stored = await findLicenceFile(this.db, identifier, format);
    if (!stored) throw formatNotAvailable(format, licence.files);
    return { licence, file: this.opened(stored, `licence:${identifier}:${format}`) };
  }

  /** The sealed PDF, decrypted (`file(identifier, 'pdf')`). */
  async pdf(identifier: string): Promise<{ licence: LicenceSummary; pdf: Buffer }> {
    const { licence, file } = await this.file(identifier, 'pdf');
    return { licence, pdf: file.data };
  }

  /**
   * One file of an annotated copy of `identifier`, decrypted, for the licence's issuer (and admins) or the
   * agency the copy was made for; to anyone else the copy does not exist.
   */
  async copyFile(
    principal: Principal,
    identifier: string,
    copyId: string,
    format: LicenceFileFormat,
  ): Promise<LicenceFile> {
    const licence = await findLicence(this.db, identifier);
    const copy = licence && (await findLicenceCopy(this.db, copyId));
    const maker =
      principal.kind === 'token' && principal.agencyId !== null && principal.agencyId === copy?.makerAgencyId;
    if (!copy || copy.identifier !== identifier || !(maker || this.mayReadHolderCode(principal, licence)))
      throw new ServiceError('not-found', 'copy-not-found', '加注件不存在 / no such copy', 'copyId');
    const stored = await findLicenceCopyFile(this.db, copyId, format);
    if (!stored) throw formatNotAvailable(format, copy.files);
    return this.opened(stored, `licence-copy:${copyId}:${format}`);
  }

  private opened(stored: StoredLicenceFile, context: string): LicenceFile {
    const { enc, ...entry } = stored;
    return { ...entry, data: this.deps.protector.decrypt(enc, context) };
  }

  async find(identifier: string): Promise<LicenceSummary | undefined> {
    return findLicence(this.db, identifier);
  }

  async history(identifiers: string[]): Promise<LicenceEvent[]> {
    return listLicenceEvents(this.db, identifiers);
  }

  /** One page of a licence's events, oldest first (404 for an unknown identifier). */
  async events(identifier: string, page: PageRequest): Promise<Page<LicenceEvent>> {
    if (!(await findLicence(this.db, identifier))) throw licenceNotFound();
    return listLicenceEventsPage(this.db, identifier, page);
  }

  async versionsOf(licence: LicenceSummary): Promise<LicenceSummary[]> {
    return listVersions(this.db, licence);
  }

  /**
   * Directory search. Holder-code search only for the issuing agency, within its own licences. Which hits
   * may show personal columns is the usage service's to decide (`LicenceUsageService.disclose`).
   */
  async search(
    principal: Principal,
    filter: Omit<LicenceFilter, 'holderCodeIndex'> & { holderCode?: string | undefined },
    page: PageRequest,
  ): Promise<Page<LicenceSummary>> {
    const { holderCode, ...rest } = filter;
    const f: LicenceFilter = { ...rest };
    if (holderCode !== undefined) {
      ensureAllowed(principal, 'licence.search-by-holder', {}, 'holderCode');
      const own = boundAgencyOf(principal);
      if (filter.agencyId && filter.agencyId !== own)
        throw new ServiceError(
          'forbidden',
          'holder-search-issuer-only',
          '仅能按持证主体代码查询本机构颁发的证照 / holder-code search is limited to your own agency',
          'agencyId',
        );
      f.agencyId = own;
      f.holderCodeIndex = this.deps.protector.index(holderCode);
    }
    return listLicences(this.db, f, page);
  }

  /**
   * An annotated copy (加注件): the same face re-rendered with a visible purpose/expiry watermark and the copy
   * elements in its metadata, sealed by the issuing agency's seal on this node. Not a new version: the copy
   * keeps the licence's identifier and is registered by its file's SM3. `usage` (for another agency's
   * request) is recorded in the same transaction.
   */
  async makeCopy(
    ctx: ActionContext,
    identifier: string,
    req: {
      purpose: string;
      expiresAt: Date;
      maker: string;
      /** Which files to make (default: this node's formats); each must be one the node issues in. */
      formats?: readonly LicenceFileFormat[] | undefined;
    },
    usage: LicenceUsage | null,
  ): Promise<{ copy: LicenceCopyRecord; files: LicenceFile[] }> {
    const formats = this.copyFormats(req.formats);
    const licence = await findLicence(this.db, identifier);
    if (!licence) throw licenceNotFound();
    if (licence.status !== 'valid')
      throw new ServiceError(
        'conflict',
        'licence-not-valid',
        `证照当前状态为「${licenceStatusZh(licence.status)}」，不能制作加注件 / the licence is ${licence.status}: no copies`,
        'identifier',
        { currentStatus: licence.status },
      );
    const now = new Date();
    if (req.expiresAt.getTime() <= now.getTime())
      throw new ServiceError(
        'validation',
        'copy-expiry-past',
        '加注件有效期须晚于当前时间 / expiresAt must be in the future',
        'expiresAt',
      );
    if (licence.validTo && req.expiresAt.toISOString().slice(0, 10) > licence.validTo)
      throw new ServiceError(
        'validation',
        'copy-outlives-licence',
        `加注件有效期不得晚于证照有效期（${licence.validTo}）/ a copy cannot outlive the licence (valid to ${licence.validTo})`,
        'expiresAt',
      );
    const type = await this.deps.types.get(licence.typeCode);
    const seal = await this.usableSeal(licence.agencyId, undefined);
    const signer = await this.deps.signerFor(licence.agencyId, seal.esID);
    const holderCode = this.deps.protector.decryptText(
      licence.holderCodeEnc,
      licenceHolderCodeContext(identifier),
    );
    const copyMeta = {
      maker: req.maker,
      madeAt: now.toISOString(),
      purpose: req.purpose,
      expiresAt: req.expiresAt.toISOString(),
    };
    const metadata: LicenceMetadata = { ...licence.metadata, holderCode, copy: copyMeta };
    const sealed = await this.sealedFiles(
      {
        type,
        metadata,
        verifyUrl: `${this.deps.publicUrl}/l/${identifier}`,
        reason: `加注件：${req.purpose}`,
        location: metadata.issuerName,
      },
      {
        seal,
        signer,
        format: licence.signatureFormat === 'cms' ? (this.deps.signatureFormat ?? 'cms-rfc5652') : 'ses',
        chain: this.deps.chainFor?.(signer.certificateDer) ?? [],
        timestamp: false,
      },
      formats,
    );
    const id = randomUUID();
    const stored = this.protectFiles(sealed.files, (f) => `licence-copy:${id}:${f}`);
    const copy: LicenceCopyRecord = {
      id,
      identifier,
      purpose: req.purpose,
      maker: req.maker,
      makerAgencyId:
        ctx.principal.kind === 'token' && ctx.principal.agencyId ? ctx.principal.agencyId : licence.agencyId,
      madeAt: now,
      expiresAt: req.expiresAt,
      files: stored.map(({ enc: _enc, ...entry }) => entry),
    };
    await withAudit(this.db, ctx, 'licence.copy', async (trx) => {
      await insertLicenceCopy(trx, copy, stored);
      if (usage) await insertLicenceUsage(trx, usage);
      return {
        result: undefined,
        target: { type: 'licence', id: identifier },
        details: {
          copyId: copy.id,
          purpose: copy.purpose,
          expiresAt: copy.expiresAt.toISOString(),
          pdfSm3: copy.files.find((f) => f.format === 'pdf')?.sm3 ?? null,
          files: copy.files.map((f) => ({ format: f.format, sm3: f.sm3, bytes: f.bytes })),
          esID: seal.esID,
        },
        directory: [licenceCopyLeaf(copy)],
      };
    });
    const byFormat = new Map(sealed.files.map((f) => [f.format, f.data]));
    return { copy, files: copy.files.map((f) => ({ ...f, data: byFormat.get(f.format)! })) };
  }

  /** The formats of a copy: the requested ones (each issued by this node), else this node's. */
  private copyFormats(requested: readonly LicenceFileFormat[] | undefined): LicenceFileFormat[] {
    if (!requested || requested.length === 0) return this.formats;
    const missing = requested.find((f) => !this.formats.includes(f));
    if (missing)
      throw new ServiceError(
        'validation',
        'format-not-enabled',
        `本节点不制作 ${missing} 版式文件（SEALTRUST_LICENCE_FORMATS=${this.formats.join(',')}）/ this node does not make ${missing} files`,
        'formats',
      );
    return LICENCE_FILE_FORMATS.filter((f) => requested.includes(f));
  }

  async copies(identifier: string): Promise<LicenceCopyRecord[]> {
    return listLicenceCopies(this.db, identifier);
  }

  /** Marks licences whose validity has ended as expired (the scheduler calls this). */
  async expireDue(now = new Date(), batch = 500): Promise<number> {
    const system: ActionContext = { principal: { kind: 'system' }, requestId: 'expiry-scheduler' };
    let count = 0;
    for (;;) {
      const due = await listExpiring(this.db, chinaDate(now), batch);
      if (due.length === 0) return count;
      for (const identifier of due) {
        try {
          await this.applyEvent(system, identifier, {
            operation: 'expire',
            reason: '有效期届满 / validity ended',
          });
          count++;
        } catch (err) {
          // Changed concurrently (e.g. revoked a moment ago): nothing left to expire.
          if (!(err instanceof ServiceError && err.kind === 'conflict')) throw err;
        }
      }
      if (due.length < batch) return count;
    }
  }
}

function trimmed(fields: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, v.trim()]));
}

/** 404: the record exists, but no file of that format was made for it (SEALTRUST_LICENCE_FORMATS then). */
function formatNotAvailable(format: LicenceFileFormat, files: readonly LicenceFileEntry[]): ServiceError {
  return new ServiceError(
    'not-found',
    'format-not-available',
    `该证照没有 ${format.toUpperCase()} 版式文件 / no ${format} file was made for this licence`,
    'format',
    { available: files.map((f) => f.format).join(',') },
  );
}

export { parseLicenceIdentifier };
