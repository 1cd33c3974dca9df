import type { ResourceLimits } from 'node:worker_threads';
import type { Logger } from 'pino';
import { LruCache } from '../../crypto/lru-cache.js';
import { HOLDER_CODE_TYPES, maskMiddle } from '../../licence/holder-code.js';
import { licenceStatusZh } from '../../licence/licence-lifecycle.js';
import { parseCertificate, type CertificateInfo } from '../../pki/certificate.js';
import { latestAuditSeq } from '../../store/audit-repository.js';
import { AuditGeneration } from '../audit/audit-generation.js';
import type { Db } from '../../store/database.js';
import type { LicenceDirectoryRecord, LicenceDirectoryView } from '../../verify/licence-validation.js';
import type { ValidationReport } from '../../verify/report.js';
import type { RevocationView, SealRegistryView } from '../../verify/ses-validation.js';
import { nodeSealMakers, type CaNode } from '../ca/ca-node.js';
import type { LicenceService } from '../licences/licence-service.js';
import type { SealService } from '../seals/seal-service.js';
import { ServiceError } from '../service-error.js';
import { sniffDocumentFormat, type DocumentFormat } from './document-format.js';
import { caRevocationView, sealRegistryView } from './validation-views.js';
import {
  viewCacheAge,
  viewCacheKey,
  type VerificationWorkerData,
  type VerifyFailure,
  type VerifyTask,
  type ViewCall,
  type ForeignAnchors,
} from './verification-worker-protocol.js';
import {
  pinnedTrust,
  type FederatedTrust,
  type TrustBound,
  type TrustSnapshot,
  type TrustSource,
} from './federated-trust.js';
import { foreignRevocationView } from './foreign-revocation-view.js';
import { hubPublicLicence, type HubPublicLicenceRecord } from './hub-public-licence.js';
import { workerModule } from '../../runtime/worker-module.js';
import {
  BoundedWorkerPool,
  WorkerCrashed,
  WorkerPoolBusy,
  WorkerTaskFailed,
  WorkerTaskOverrun,
} from '../../runtime/worker-pool.js';

// Public verification (POST /v1/verify): the PDF and OFD validation engines run in worker threads of the runtime
// (BoundedWorkerPool), so a slow or hostile file never stalls the event loop. The engine's views (revocation, seal registry, licence
// directory) need the database, which stays here: workers ask, this thread answers from the real views.
//
// Time budget: the engine gets an absolute deadline and stops itself between steps; a worker still busy a
// margin after it (stuck inside one step) is terminated and replaced, and the file answers too-complex.
// Backpressure: beyond `maxQueue` waiting files the service refuses with VerificationBusy (HTTP 503 with
// Retry-After) instead of letting every caller's latency grow without bound.

export interface VerificationOptions {
  /** Worker threads (default 2). */
  workers: number;
  /**
   * Files handed to one worker at once: one validating and one ready behind it (or waiting for a view answer
   * the worker has not cached). More would queue inside a worker, where files cannot move to an idle one.
   */
  perWorker: number;
  /** Time budget of one validation in ms (default 10 s). */
  budgetMs: number;
  /** Largest file accepted in bytes (default 20 MB). */
  maxBytes: number;
  /** Files waiting for a worker before new ones are refused (503). */
  maxQueue: number;
  /** Per-IP token bucket for POST /v1/verify (requests per second and burst); perSecond 0 turns it off. */
  rate: { perSecond: number; burst: number };
}

/**
 * Heap limits of a verification worker: the engine keeps parsed objects on the heap (stream data lives in
 * buffers, bounded by the per-file PdfBudget); a file that still exhausts it kills its worker, not the node,
 * and answers too-complex.
 */
export const VERIFICATION_WORKER_LIMITS: ResourceLimits = { maxOldGenerationSizeMb: 384 };

export const DEFAULT_VERIFICATION_OPTIONS: VerificationOptions = {
  workers: 2,
  perWorker: 2,
  budgetMs: 10_000,
  maxBytes: 20 * 1024 * 1024,
  maxQueue: 64,
  rate: { perSecond: 20, burst: 40 },
};

/** All workers are busy and the queue is full: try again shortly (HTTP 503 + Retry-After). */
export class VerificationBusy extends Error {
  override readonly name = 'VerificationBusy';
  constructor(readonly retryAfterSeconds: number) {
    super('验证服务繁忙，请稍后重试 / the verification service is busy; try again shortly');
  }
}

/** What `GET /v1/verify/licences/{identifier}` answers: the directory record plus public display fields. */
export interface PublicLicenceRecord extends LicenceDirectoryRecord {
  source?: undefined;
  statusName: string;
  /** 证照名称, 证照类型. */
  name: string;
  typeCode: string;
  typeName: string;
  issuer: { name: string; code: string };
  /** Masked: a person's name keeps its first character; codes keep at most two characters at each end. */
  holder: { name: string; code: string; codeType: string };
  issueDate: string;
  validFrom: string;
  validTo: string | null;
  versions: { identifier: string; version: string; status: string; statusName: string }[];
}

interface Job {
  /**
   * The audit generation when the job first asked a view, with the job's trust list generation: cached answers
   * of this generation are current.
   */
  generation?: Promise<string>;
  /** The trust list the job was started under: its foreign anchors (view `trust`) and its views' list. */
  trust: TrustSnapshot | undefined;
  /** The views as the job sees them: under its list (TrustBound.under), so one file is judged under one list. */
  views: { revocation: RevocationView; seal: SealRegistryView; licence: LicenceDirectoryView };
}

/** A job's audit generation `g` with its trust list's: answers under another list are not reused. */
const withList = (g: string, job: Job): string => (job.trust ? `${g}|${trustGeneration(job.trust)}` : g);

/** `view` as a job started under `trust` sees it: bound to that list when the view reads one. */
function boundTo<V extends object>(view: V | TrustBound<V>, trust: TrustSource | undefined): V {
  return trust && 'under' in view ? view.under(trust) : view;
}

/** Files up to this size are copied to the worker (and can be retried on another one); larger ones moved. */
const RETAIN_BYTES = 1024 * 1024;

export interface VerificationDeps {
  db: Db;
  node: CaNode;
  seals: SealService;
  licences: LicenceService;
  /** With federation, bound to each file's trust list (FederatedDirectoryView). */
  licenceDirectory: LicenceDirectoryView | TrustBound<LicenceDirectoryView>;
  /** The trust list in force (federation.md §4.3): other nodes' anchors, seal makers and revocation. */
  trust?: FederatedTrust | undefined;
  /** The seal registry (default: this node's own); with federation, other nodes' seals from the hub's log. */
  sealRegistry?: SealRegistryView | TrustBound<SealRegistryView> | undefined;
  logger?: Logger | undefined;
}

export class VerificationService {
  readonly options: VerificationOptions;
  readonly #deps: VerificationDeps;
  readonly #revocation: RevocationView | TrustBound<RevocationView>;
  readonly #sealRegistry: SealRegistryView | TrustBound<SealRegistryView>;
  readonly #certs = new LruCache<string, CertificateInfo>(256);
  readonly #answers = new LruCache<string, { generation: string; at: number; value: unknown }>(4096);
  readonly #auditGeneration: AuditGeneration;
  #headRead: Promise<number> | undefined;
  #nextHeadRead: Promise<number> | undefined;
  readonly #pool: BoundedWorkerPool<VerifyTask, ValidationReport, VerifyFailure, ViewCall, unknown>;

  constructor(deps: VerificationDeps, options: Partial<VerificationOptions> = {}) {
    this.#deps = deps;
    this.options = { ...DEFAULT_VERIFICATION_OPTIONS, ...options };
    const own = caRevocationView(deps.db, deps.node);
    this.#revocation = deps.trust ? foreignRevocationView(own, deps.trust) : own;
    this.#sealRegistry = deps.sealRegistry ?? sealRegistryView(deps.seals);
    this.#auditGeneration = AuditGeneration.of(deps.db);
    const { node } = deps;
    this.#pool = new BoundedWorkerPool(
      workerModule(import.meta.url, 'verification-worker'),
      // Read when each worker starts: the node's anchors as they are then.
      (): VerificationWorkerData => ({
        anchors: [new Uint8Array(node.root.cert.der)],
        intermediates: [...node.issuingCas.values()].map((ca) => new Uint8Array(ca.ca.cert.der)),
        sealMakers: nodeSealMakers(node).map((c) => new Uint8Array(c.der)),
      }),
      {
        name: 'verification',
        workers: this.options.workers,
        perWorker: this.options.perWorker,
        maxQueue: this.options.maxQueue,
        deadlineMs: this.options.budgetMs,
        resourceLimits: VERIFICATION_WORKER_LIMITS,
        retryAfterSeconds: 1,
      },
      deps.logger,
    );
  }

  /**
   * Validates a PDF or an OFD (by its bytes: document-format.ts) against this node's trust anchors, CA
   * database, seal registry and licence directory. `declared` is the format the client named, if any: it only
   * decides which refusal a file that is neither gets.
   * @throws ServiceError 422: `not-a-pdf`, `malformed-pdf`, `not-an-ofd`, `malformed-ofd`, `too-complex`
   *   (over the time budget or the engine's work limits), `file-too-large`; VerificationBusy when the queue
   *   is full.
   */
  async verify(bytes: Uint8Array, declared?: DocumentFormat): Promise<ValidationReport> {
    this.#checkSize(bytes);
    const format = sniffDocumentFormat(bytes, declared);
    if (!format) throw declared === 'ofd' ? notAnOfd('') : notAPdf();
    return this.#run(format, bytes);
  }

  #checkSize(bytes: Uint8Array): void {
    if (bytes.length > this.options.maxBytes)
      throw new ServiceError(
        'validation',
        'file-too-large',
        `文件超过 ${this.options.maxBytes} 字节上限 / the file is over the ${this.options.maxBytes}-byte limit`,
        'file',
      );
  }

  async #run(format: DocumentFormat, bytes: Uint8Array): Promise<ValidationReport> {
    // A Buffer of the shared allocation pool (or a view of a larger buffer) is copied: transferring its
    // ArrayBuffer would detach memory that other Buffers use.
    const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
    const transfer = bytes.length > RETAIN_BYTES;
    const task: VerifyTask = { format, bytes: transfer && !own ? new Uint8Array(bytes) : bytes };
    const snap = await this.#deps.trust?.snapshot();
    if (snap) task.trust = trustGeneration(snap);
    const pinned = snap && pinnedTrust(snap);
    const job: Job = {
      trust: snap,
      views: {
        revocation: boundTo(this.#revocation, pinned),
        seal: boundTo(this.#sealRegistry, pinned),
        licence: boundTo(this.#deps.licenceDirectory, pinned),
      },
    };
    try {
      return await this.#pool.run(task, {
        ...(transfer ? { transfer: [task.bytes.buffer as ArrayBuffer] } : {}),
        // Innocent neighbours of a file that overran or exhausted its worker run once more, first in line.
        retry: !transfer,
        answer: (q) => this.#cachedAnswer(job, q),
        // Known at dispatch, the generation is the job's for all its views (a retried job keeps what it had).
        onDispatch: (t) => {
          if (t.generation !== undefined || job.generation !== undefined) return;
          const live = this.#auditGeneration.current();
          if (live !== undefined)
            job.generation = Promise.resolve((t.generation = withList(`g${live}`, job)));
        },
      });
    } catch (err) {
      throw this.#poolError(err);
    }
  }

  /** A pool refusal or a worker's failure as the API's problem. */
  #poolError(err: unknown): unknown {
    if (err instanceof WorkerPoolBusy) return new VerificationBusy(err.retryAfterSeconds);
    if (err instanceof WorkerTaskOverrun)
      return tooComplex('deadline', `validation exceeded its ${err.deadlineMs} ms budget`);
    // A worker that hit its heap limit was killed by a file: that file is too complex, not a server error.
    if (err instanceof WorkerCrashed && err.outOfMemory)
      return tooComplex('memory', 'validation exceeded the memory of its worker');
    if (err instanceof WorkerTaskFailed) return failure((err as WorkerTaskFailed<VerifyFailure>).failure);
    return err;
  }

  /**
   * Public licence summary for QR landing pages and online verifiers; null when the identifier is unknown. Another
   * node's licence is answered from the hub's verified evidence (hub-public-licence.ts); when that cannot be
   * judged, ServiceError 503 `licence-status-indeterminate`.
   */
  async publicLicence(
    identifier: string,
    fileSm3?: string,
  ): Promise<PublicLicenceRecord | HubPublicLicenceRecord | null> {
    const record = await this.#deps.licenceDirectory.lookup(identifier, fileSm3 ? { fileSm3 } : {});
    if (record?.federation) return hubPublicLicence(record);
    const l = record && (await this.#deps.licences.find(identifier));
    if (!record || !l) return null;
    const versions = await this.#deps.licences.versionsOf(l);
    const person = HOLDER_CODE_TYPES[l.holderCodeType]?.holder !== 'entity';
    return {
      ...record,
      statusName: licenceStatusZh(record.status),
      name: l.metadata.name,
      typeCode: l.typeCode,
      typeName: l.metadata.typeName,
      issuer: { name: l.metadata.issuerName, code: l.issuerCode },
      holder: {
        name: person ? maskName(l.holderName) : l.holderName,
        code: maskCode(l.holderCodeMasked),
        codeType: l.holderCodeType,
      },
      issueDate: l.issueDate,
      validFrom: l.validFrom,
      validTo: l.validTo,
      versions: versions.map((v) => ({
        identifier: v.identifier,
        version: String(v.version).padStart(3, '0'),
        status: v.status,
        statusName: licenceStatusZh(v.status),
      })),
    };
  }

  /** The registered picture of a seal of this node (public: it is printed on every document it seals). */
  async sealPicture(esID: string): Promise<Buffer | undefined> {
    return (await this.#deps.seals.find(esID))?.picture;
  }

  /** Stops the workers; queued and running validations fail (busy). */
  async stop(): Promise<void> {
    await Promise.all([this.#pool.stop(), this.#auditGeneration.close()]);
  }

  /**
   * View answers are cached per audit generation: every state change (revocation, seal suspension, licence
   * event) is written together with its audit record, so while no audit record has been committed a cached
   * answer is still the database's answer. The generation is known without a query while the audit listener
   * is live (AuditGeneration); otherwise it is the audit head, read once per file (instead of a dozen queries).
   */
  async #cachedAnswer(job: Job, q: ViewCall): Promise<unknown> {
    // The trust list has its own generation (the worker asks only when it changed) and its own short cache.
    if (q.view === 'trust') return this.#foreignAnchors(job.trust);
    const key = viewCacheKey(q, Date.now());
    const generation = await (job.generation ??= this.#generation().then((g) => withList(g, job)));
    const hit = this.#answers.get(key);
    if (hit && hit.generation === generation && Date.now() - hit.at < viewCacheAge(hit.value))
      return hit.value;
    const at = Date.now();
    const value = await this.#answer(q, job);
    this.#answers.set(key, { generation, at, value });
    return value;
  }

  #generation(): Promise<string> {
    const live = this.#auditGeneration.current();
    return live === undefined ? this.#freshHead().then((seq) => `h${seq}`) : Promise.resolve(`g${live}`);
  }

  /** The audit head as read by a query that starts now or later (concurrent callers share reads). */
  #freshHead(): Promise<number> {
    const read = () => {
      const p: Promise<number> = latestAuditSeq(this.#deps.db).finally(() => {
        if (this.#headRead === p) this.#headRead = undefined;
      });
      return (this.#headRead = p);
    };
    if (!this.#headRead) return read();
    // A read is under way but may have started before this caller arrived: queue one behind it.
    return (this.#nextHeadRead ??= this.#headRead
      .catch(() => 0)
      .then(() => {
        this.#nextHeadRead = undefined;
        return read();
      }));
  }

  async #answer(q: ViewCall, { views, trust }: Job): Promise<unknown> {
    switch (q.view) {
      case 'revocation':
        return views.revocation.statusAt(this.#cert(q.cert), this.#cert(q.issuer), new Date(q.at));
      case 'seal':
        return views.seal.sealStatusAt(q.esID, new Date(q.at));
      case 'licence':
        return views.licence.lookup(q.identifier, q.fileSm3 ? { fileSm3: q.fileSm3 } : {});
      case 'trust':
        return this.#foreignAnchors(trust);
    }
  }

  /**
   * The anchors of the trust list the asking task was started under (pinned in #run): none for an expired list
   * (§2.8 rule 5: it vouches for no other node); null without a list.
   */
  #foreignAnchors(snap: TrustSnapshot | undefined): ForeignAnchors | null {
    if (!snap) return null;
    if (snap.state !== 'valid') return { roots: [], intermediates: [], sealMakers: [] };
    const der = (b: Buffer) => new Uint8Array(b);
    return {
      roots: snap.anchors.roots.map(der),
      intermediates: snap.anchors.intermediates.map(der),
      sealMakers: snap.anchors.sealMakers.map(der),
    };
  }

  /** Certificates come back as DER; the few this node sees again and again are parsed once. */
  #cert(der: Uint8Array): CertificateInfo {
    const buf = Buffer.from(der.buffer, der.byteOffset, der.byteLength);
    const key = buf.toString('base64');
    let c = this.#certs.get(key);
    if (!c) this.#certs.set(key, (c = parseCertificate(buf)));
    return c;
  }
}

/** What a task and the `trust` view call the list in force: its generation, marked when it has expired. */
function trustGeneration(snap: TrustSnapshot): string {
  return snap.state === 'valid' ? snap.generation : `expired:${snap.generation}`;
}

function notAPdf(): ServiceError {
  return new ServiceError(
    'validation',
    'not-a-pdf',
    '文件不是 PDF（前 1024 字节中没有 %PDF- 文件头）/ not a PDF: no %PDF- header in the first 1024 bytes',
    'file',
  );
}

/** `why` is the OFD reader's message ("zh / en"), when it had one. */
function notAnOfd(why: string): ServiceError {
  return new ServiceError(
    'validation',
    'not-an-ofd',
    why
      ? `文件不是 OFD / not an OFD (${why})`
      : '文件不是 OFD（不是含 OFD.xml 的 ZIP 归档）/ not an OFD: not a ZIP archive with OFD.xml',
    'file',
  );
}

function tooComplex(limit: string, why: string): ServiceError {
  return new ServiceError(
    'validation',
    'too-complex',
    `文件过于复杂，无法在限定的资源内完成验证（${limit}）/ the file is too complex to validate within the limits (${why})`,
    'file',
    { limit },
  );
}

function failure(m: VerifyFailure): Error {
  switch (m.kind) {
    case 'not-a-pdf':
      return notAPdf();
    case 'malformed':
      return new ServiceError(
        'validation',
        'malformed-pdf',
        `无法读取该 PDF / the PDF cannot be read (${m.message})`,
        'file',
      );
    case 'not-an-ofd':
      return notAnOfd(m.message);
    case 'malformed-ofd':
      return new ServiceError(
        'validation',
        'malformed-ofd',
        `无法读取该 OFD / the OFD cannot be read (${m.message})`,
        'file',
        m.reason ? { reason: m.reason } : undefined,
      );
    case 'too-complex':
      return tooComplex(m.limit ?? 'deadline', m.message);
    case 'internal':
      return new Error(`verification worker: ${m.message}`);
  }
}

/** 张三 → 张*, 欧阳小明 → 欧***. */
function maskName(name: string): string {
  const chars = [...name];
  return chars.length <= 1 ? name : chars[0] + '*'.repeat(chars.length - 1);
}

/** The directory keeps persons' codes masked and organisations' in clear; this public view masks both. */
function maskCode(code: string): string {
  return code.includes('*') ? code : maskMiddle(code);
}
