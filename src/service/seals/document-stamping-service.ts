import type { Logger } from 'pino';
import { sm3Hex } from '../../crypto/sm3.js';
import { PdfError } from '../../pdf/pdf-error.js';
import { PlacementError, type PlacementRequest } from '../../pdf/pdf-placement.js';
import { contentsBytesForSeal, finishPdfSeal } from '../../pdf/pdf-seal-signing.js';
import type { Db } from '../../store/database.js';
import type { SealRecord } from '../../seal/seal-record.js';
import { withAudit } from '../audit/audit-service.js';
import type { ActionContext } from '../access/principal.js';
import { boundAgencyOf, ensureAllowed } from '../access/authorize.js';
import { effectiveStatus, sealAppearanceOf, type SealService } from './seal-service.js';
import type { SealSignatureService } from './seal-signature-service.js';
import type { SealSigner } from './signer-key-service.js';
import { ServiceError } from '../service-error.js';
import type {
  DocumentStampTask,
  DocumentStampTaskResult,
  StampTask,
  StampTaskFailure,
  StampTaskResult,
} from './document-stamping-worker.js';
import type {
  OfdSignAnswer,
  OfdSignQuestion,
  OfdStampTask,
  OfdStampTaskResult,
} from './ofd-stamping-task.js';
import { OfdError } from '../../ofd/ofd-error.js';
import { sniffDocumentFormat, type DocumentFormat } from '../verification/document-format.js';
import { OfdStampError } from '../../ofd/ofd-stamp-error.js';
import {
  BoundedWorkerPool,
  WorkerCrashed,
  WorkerPoolBusy,
  WorkerTaskFailed,
  WorkerTaskOverrun,
  type WorkerPoolOptions,
} from '../../runtime/worker-pool.js';
import { workerModule } from '../../runtime/worker-module.js';

/** Stamping limits; the lead wires them to SEALTRUST_STAMP_MAX_BYTES / SEALTRUST_STAMP_MAX_PAGES. */
export interface DocumentStampingLimits {
  /** Largest PDF or OFD accepted, in bytes (default 20 MB). */
  maxBytes: number;
  /** Most pages accepted (default 500). */
  maxPages: number;
}

export const DEFAULT_STAMPING_LIMITS: DocumentStampingLimits = {
  maxBytes: 20 * 1024 * 1024,
  maxPages: 500,
};

/**
 * The stamping workers: reading, pdf-lib, keyword search and writing the update run there, never on the event
 * loop (a 3 KB xref bomb used to stall /healthz for seconds). Two workers for two cores. A 20 MB document takes
 * about a second, but keyword search over 500 pages several, and a busy node is slower: 30 s refuses no real
 * document, and the per-file budget stops xref and object-stream bombs long before it.
 */
export const DEFAULT_STAMPING_POOL: Omit<WorkerPoolOptions, 'name'> = {
  workers: 2,
  maxQueue: 16,
  deadlineMs: 30_000,
  // pdf-lib holds the document's objects on the heap (stream data lives outside it, in buffers).
  resourceLimits: { maxOldGenerationSizeMb: 512 },
  retryAfterSeconds: 2,
};

/** Stamping workers are all busy and the queue is full: try again shortly (HTTP 503 + Retry-After). */
export class StampingBusy extends Error {
  override readonly name = 'StampingBusy';
  constructor(readonly retryAfterSeconds: number) {
    super('盖章服务繁忙，请稍后重试 / the stamping service is busy; try again shortly');
  }
}

export interface StampRequest {
  esID: string;
  placements: PlacementRequest[];
  /** Add an RFC 3161 timestamp from this node's TSA to the signature. */
  timestamp?: boolean | undefined;
  reason?: string | undefined;
  location?: string | undefined;
  /** OFD only: cover Signatures.xml, so that no further signature is accepted (GB/T 33190 §18.1). */
  lock?: boolean | undefined;
}

export interface StampResult {
  format: DocumentFormat;
  /** The stamped PDF or OFD. */
  document: Buffer;
  /** Widgets (PDF) or StampAnnots (OFD) written, one per resolved placement, all of the one signature. */
  widgets: number;
  /** 1-based pages that carry the seal. */
  pages: number[];
  timestamped: boolean;
}

/** Where the vault's key comes from: SignerKeyService.signerFor. */
export interface SignerSource {
  signerFor(agencyId: string, esID: string): Promise<SealSigner>;
}

/** What the verifier shows as the protected range of a PDF seal signature. */
const PROPERTY_INFO = 'PDF /ByteRange';

/** Signature.xml SignedInfo/Provider: the component that made the signature. */
const OFD_PROVIDER = { name: 'SealTrust', company: 'SealTrust' };

/** What either format's stamping hands back for the response and the audit record. */
type Stamped = {
  document: Buffer;
  placements: { page: number }[];
  pageCount: number;
  timestamped: boolean;
} & ({ format: 'pdf' } | { format: 'ofd'; locked: boolean });

const wholeSeconds = (ms: number) => Math.floor(ms / 1000) * 1000;

/**
 * POST /v1/documents/seal: an issuer stamps a PDF or an OFD with its own agency's active seal, signed with the
 * agency's vault key. Every placement of the request is a widget (PDF) or StampAnnot (OFD) of ONE signature; a
 * PDF gets ONE incremental update and an OFD keeps every existing entry byte for byte, so earlier signatures
 * (ours or anyone's) stay valid. The document itself is never stored or logged; the audit record keeps SM3
 * of the input and output.
 */
export class DocumentStampingService {
  readonly limits: DocumentStampingLimits;
  readonly pool: BoundedWorkerPool<
    DocumentStampTask,
    DocumentStampTaskResult,
    StampTaskFailure,
    OfdSignQuestion,
    OfdSignAnswer
  >;

  constructor(
    private readonly db: Db,
    private readonly seals: SealService,
    private readonly sealSignatures: SealSignatureService,
    private readonly signerKeys: SignerSource,
    limits: Partial<DocumentStampingLimits> = {},
    pool: Partial<Omit<WorkerPoolOptions, 'name'>> = {},
    logger?: Logger,
  ) {
    this.limits = { ...DEFAULT_STAMPING_LIMITS, ...limits };
    this.pool = new BoundedWorkerPool(
      workerModule(import.meta.url, 'document-stamping-worker'),
      {},
      { name: 'stamping', ...DEFAULT_STAMPING_POOL, ...pool },
      logger,
    );
  }

  /** Stops the workers (queued and running stampings answer busy). */
  stop(): Promise<void> {
    return this.pool.stop();
  }

  async stamp(ctx: ActionContext, file: Buffer, req: StampRequest): Promise<StampResult> {
    const p = ctx.principal;
    ensureAllowed(p, 'document.stamp');
    if (file.length > this.limits.maxBytes) {
      throw new ServiceError(
        'validation',
        'document-too-large',
        `文档超过 ${this.limits.maxBytes} 字节上限 / the document is over the ${this.limits.maxBytes}-byte limit`,
        'file',
      );
    }
    const seal = await this.usableSeal(req.esID, p.kind === 'token' ? boundAgencyOf(p) : undefined);
    const signer = await this.signerKeys.signerFor(seal.agencyId, seal.esID);
    const stamped =
      // A ZIP package is an OFD (GB/T 33190); anything else goes to the PDF reader, which names what it is not.
      sniffDocumentFormat(file) === 'ofd'
        ? await this.stampOfd(file, req, seal, signer)
        : await this.stampPdf(file, req, seal, signer);
    const out = stamped.document;
    const pages = [...new Set(stamped.placements.map((x) => x.page + 1))].sort((a, b) => a - b);
    // The stamping changes nothing stored, but it is an act of the agency: it is recorded in the chain.
    await withAudit(this.db, ctx, 'document.seal', async () => ({
      result: undefined,
      target: { type: 'seal', id: seal.esID },
      details: {
        format: stamped.format,
        esID: seal.esID,
        agencyId: seal.agencyId,
        signerCertificateSerial: signer.certificateSerial,
        pages,
        widgets: stamped.placements.length,
        pageCount: stamped.pageCount,
        timestamped: stamped.timestamped,
        ...(stamped.format === 'ofd' ? { locked: stamped.locked } : {}),
        inputSm3: sm3Hex(file),
        outputSm3: sm3Hex(out),
        inputBytes: file.length,
        outputBytes: out.length,
      },
    }));
    return {
      format: stamped.format,
      document: out,
      widgets: stamped.placements.length,
      pages,
      timestamped: stamped.timestamped,
    };
  }

  /** A PDF: the worker writes the incremental update up to the digest, the signature is written in here. */
  private async stampPdf(
    pdf: Buffer,
    req: StampRequest,
    seal: SealRecord,
    signer: SealSigner,
  ): Promise<Stamped> {
    // A PDF lock would be a DocMDP certification signature, which this service does not make: a request to
    // lock is refused rather than silently left unlocked.
    if (req.lock === true)
      throw new ServiceError(
        'validation',
        'lock-unsupported',
        'PDF 不支持 lock（仅 OFD）/ lock is supported for OFD only, not for PDF',
        'request.lock',
      );
    const appearance = sealAppearanceOf(seal);
    const task: StampTask = {
      // A copy in its own ArrayBuffer, moved to the worker (the upload may be a view of a larger buffer).
      pdf: new Uint8Array(pdf),
      placements: req.placements,
      appearance: 'png' in appearance ? { ...appearance, png: new Uint8Array(appearance.png) } : appearance,
      contentsBytes: contentsBytesForSeal(seal.der.length, {
        signerCertLength: signer.certificateDer.length,
        timestamp: req.timestamp === true,
      }),
      maxPages: this.limits.maxPages,
      signingTime: Date.now(),
      name: seal.name,
      reason: req.reason ?? '电子印章签章',
      ...(req.location !== undefined ? { location: req.location } : {}),
    };
    let prepared: StampTaskResult;
    try {
      prepared = (await this.pool.run(task, {
        transfer: [task.pdf.buffer as ArrayBuffer],
      })) as StampTaskResult;
    } catch (err) {
      throw this.poolError(err);
    }
    // The signature is made here, where the vault key is: the worker only sent the digest.
    const sig = await this.sealSignatures.sign({
      esID: seal.esID,
      signer: { certificateDer: signer.certificateDer, signer: signer.signer },
      digest: Buffer.from(prepared.digest),
      propertyInfo: PROPERTY_INFO,
      timestamp: req.timestamp === true,
    });
    let signed: Uint8Array;
    try {
      signed = finishPdfSeal(
        {
          pdf: Buffer.from(prepared.pdf.buffer, prepared.pdf.byteOffset, prepared.pdf.byteLength),
          byteRange: prepared.byteRange,
          digest: Buffer.from(prepared.digest),
          contentsStart: prepared.contentsStart,
          contentsBytes: prepared.contentsBytes,
        },
        sig.der,
      );
    } catch (err) {
      throw toServiceError(err);
    }
    return {
      format: 'pdf',
      document: Buffer.from(signed.buffer, signed.byteOffset, signed.byteLength),
      placements: prepared.placements,
      pageCount: prepared.pageCount,
      timestamped: sig.timestamped,
    };
  }

  /**
   * An OFD (GM/T 0099-2020 §7): the worker reads the package, resolves the placements, writes Signature.xml and
   * asks for SM3 of it to be signed; the SES v4 signature is made here with the vault key (TBS_Sign.timeInfo =
   * the SignatureDateTime written, propertyInfo = the Signature.xml path) and the worker writes the package.
   */
  private async stampOfd(
    ofd: Buffer,
    req: StampRequest,
    seal: SealRecord,
    signer: SealSigner,
  ): Promise<Stamped> {
    const task: OfdStampTask = {
      format: 'ofd',
      ofd: new Uint8Array(ofd),
      placements: req.placements,
      // The reader draws the SES picture at the StampAnnot box, which is therefore the picture's real size.
      seal: {
        der: new Uint8Array(seal.der),
        widthMm: seal.pictureWidthMm,
        heightMm: seal.pictureHeightMm,
      },
      lock: req.lock === true,
      maxPages: this.limits.maxPages,
      signingTime: wholeSeconds(Date.now()),
      provider: OFD_PROVIDER,
    };
    let timestamped = false;
    let asked = false;
    // A refusal of the signing service (seal or signer no longer usable, TSA down) is the answer, as itself.
    let refusal: { error: unknown } | undefined;
    const answer = async (q: OfdSignQuestion): Promise<OfdSignAnswer> => {
      if (asked) throw new Error('one signature per stamping');
      asked = true;
      try {
        const sig = await this.sealSignatures.sign({
          esID: seal.esID,
          signer: { certificateDer: signer.certificateDer, signer: signer.signer },
          digest: Buffer.from(q.digest),
          propertyInfo: q.propertyInfo,
          timestamp: req.timestamp === true,
          timeInfo: new Date(q.signingTime),
        });
        timestamped = sig.timestamped;
        return new Uint8Array(sig.der);
      } catch (err) {
        refusal = { error: err };
        throw err;
      }
    };
    let result: OfdStampTaskResult;
    try {
      result = (await this.pool.run(task, {
        transfer: [task.ofd.buffer as ArrayBuffer],
        answer: answer as (q: OfdSignQuestion) => Promise<OfdSignAnswer>,
        // The signing time is the time the worker starts, not the time the request began to wait.
        onDispatch: (t) => {
          if (t.format === 'ofd') t.signingTime = wholeSeconds(Date.now());
        },
      })) as OfdStampTaskResult;
    } catch (err) {
      if (refusal) throw toServiceError(refusal.error);
      throw this.poolError(err);
    }
    return {
      format: 'ofd',
      document: Buffer.from(result.ofd.buffer, result.ofd.byteOffset, result.ofd.byteLength),
      placements: result.placements,
      pageCount: result.pageCount,
      timestamped,
      locked: result.locked,
    };
  }

  /** A pool refusal or a worker's failure as the API's problem. */
  private poolError(err: unknown): unknown {
    if (err instanceof WorkerPoolBusy) return new StampingBusy(err.retryAfterSeconds);
    if (err instanceof WorkerTaskOverrun)
      return tooComplex('deadline', `stamping exceeded its ${err.deadlineMs} ms budget`);
    if (err instanceof WorkerCrashed && err.outOfMemory)
      return tooComplex('memory', 'stamping exceeded the memory of its worker');
    if (!(err instanceof WorkerTaskFailed)) return err;
    const f = (err as WorkerTaskFailed<StampTaskFailure>).failure;
    switch (f.kind) {
      case 'too-complex':
        return tooComplex(f.limit, f.message);
      case 'too-many-pages':
        return new ServiceError(
          'validation',
          'too-many-pages',
          `文档有 ${f.pages} 页，超过 ${this.limits.maxPages} 页上限 / the document has ${f.pages} pages, over the limit of ${this.limits.maxPages}`,
          'file',
        );
      case 'placement':
        return toServiceError(new PlacementError(f.code, f.message, f.field));
      case 'pdf':
        return toServiceError(new PdfError(f.code, f.message));
      case 'ofd':
        return toServiceError(new OfdError(f.code, f.reason, f.message));
      case 'ofd-stamp':
        return toServiceError(new OfdStampError(f.code, f.message));
      case 'internal':
        return new Error(`stamping worker: ${f.message}`);
    }
  }

  /** The seal, if it is the caller's agency's and usable now. */
  private async usableSeal(esID: string, agencyId: string | undefined): Promise<SealRecord> {
    const seal = await this.seals.find(esID);
    if (!seal)
      throw new ServiceError(
        'not-found',
        'seal-not-found',
        `印章 ${esID} 不存在 / no seal ${esID}`,
        'request.esID',
      );
    if (agencyId !== undefined && seal.agencyId !== agencyId) {
      throw new ServiceError(
        'forbidden',
        'seal-of-other-agency',
        `印章 ${esID} 属于其他机构 / seal ${esID} belongs to another agency`,
        'request.esID',
      );
    }
    const now = new Date();
    const status = effectiveStatus(seal, now);
    if (status !== 'active' || now.getTime() < seal.validFrom.getTime()) {
      throw new ServiceError(
        'conflict',
        'seal-not-usable',
        `印章当前不可用（${status === 'active' ? '未到启用时间' : status}）/ the seal is ${status === 'active' ? 'not yet valid' : status}`,
        'request.esID',
      );
    }
    return seal;
  }
}

const PDF_PROBLEMS: Partial<Record<PdfError['code'], [ServiceError['kind'], string, string]>> = {
  NOT_A_PDF: ['validation', 'not-a-pdf', '上传的文件不是 PDF / the file is not a PDF'],
  MALFORMED: [
    'validation',
    'malformed-pdf',
    'PDF 文件已损坏或无法解析 / the PDF is broken or cannot be parsed',
  ],
  ENCRYPTED: [
    'validation',
    'encrypted-pdf',
    'PDF 已加密，不能盖章；请上传未加密的文档 / the PDF is encrypted and cannot be stamped; upload it unencrypted',
  ],
  DOCMDP_FORBIDS: [
    'conflict',
    'docmdp-forbids-signing',
    '文档已被认证签名锁定（DocMDP P=1），不允许再签章 / the document is certified with DocMDP P=1: no further signature is allowed',
  ],
};

function tooComplex(limit: string, why: string): ServiceError {
  return new ServiceError(
    'validation',
    'too-complex',
    `文件过于复杂，无法在限定的资源内盖章（${limit}）/ the file is too complex to stamp within the limits (${why})`,
    'file',
    { limit },
  );
}

function toServiceError(err: unknown): unknown {
  if (err instanceof ServiceError) return err;
  if (err instanceof PlacementError) {
    const code = {
      PAGE_OUT_OF_RANGE: 'page-out-of-range',
      OFF_PAGE: 'seal-off-page',
      KEYWORD_NOT_FOUND: 'keyword-not-found',
      TOO_FEW_PAGES: 'cross-page-too-few-pages',
      INVALID_PLACEMENT: 'invalid-placement',
    }[err.code];
    return new ServiceError('validation', code, err.message, `request.${err.field}`);
  }
  if (err instanceof OfdError) {
    // The format layer's stable codes are the problem types; `reason` names the rule that refused the file.
    if (err.code === 'too-complex') return tooComplex(err.reason, err.message);
    const what =
      err.code === 'not-an-ofd'
        ? '上传的文件不是 OFD / the file is not an OFD'
        : 'OFD 文件已损坏或无法解析 / the OFD is broken or cannot be parsed';
    return new ServiceError('validation', err.code, `${what}（${err.message}）`, 'file', {
      reason: err.reason,
    });
  }
  if (err instanceof OfdStampError) {
    switch (err.code) {
      case 'document-locked':
        return new ServiceError('conflict', 'document-locked', err.message, 'file');
      case 'unsupported-package':
        return new ServiceError('validation', 'unsupported-package', err.message, 'file');
      case 'invalid-options':
        return new ServiceError('validation', 'invalid-placement', err.message, 'request.placements');
    }
  }
  if (err instanceof PdfError) {
    // A refusal from the signing service (seal or signer no longer usable) surfaces as itself.
    if (err.code === 'SIGNER_FAILED' && err.cause instanceof ServiceError) return err.cause;
    const known = PDF_PROBLEMS[err.code];
    if (known) {
      const [kind, code, message] = known;
      const why = err.code === 'MALFORMED' ? `（${err.message}）` : '';
      return new ServiceError(kind, code, message + why, 'file');
    }
  }
  return err;
}
