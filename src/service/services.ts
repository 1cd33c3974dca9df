import type { Logger } from 'pino';
import { isReachable, type Db } from '../store/database.js';
import { AgencyService } from './access/agency-service.js';
import { TokenService } from './access/token-service.js';
import { AuditService } from './audit/audit-service.js';
import type { CaNode } from './ca/ca-node.js';
import { CertificateEvents } from './ca/certificate-events.js';
import { CertificateService } from './ca/certificate-service.js';
import { CrlService } from './ca/crl-service.js';
import { Sm2VerifyPool } from '../runtime/sm2-verify-pool.js';
import { OcspService } from './ca/ocsp-service.js';
import { TsaService } from './ca/tsa-service.js';
import { SealService } from './seals/seal-service.js';
import { SealSignatureService } from './seals/seal-signature-service.js';
import { registerNodeCertificates } from './ca/node-certificates.js';
import { DataProtector } from '../crypto/data-protection.js';
import { loadKek } from './ca/key-encryption-key.js';
import { SignerKeyService } from './seals/signer-key-service.js';
import { DocumentStampingService } from './seals/document-stamping-service.js';
import type { WorkerPoolOptions } from '../runtime/worker-pool.js';
import { LicenceTypeService } from './licences/licence-type-service.js';
import { LicenceService } from './licences/licence-service.js';
import { LicenceBatchService } from './licences/licence-batch-service.js';
import { LicenceExpiryScheduler } from './licences/licence-expiry-scheduler.js';
import { templateFields } from './licences/licence-rendering.js';
import { inProcessProducer, LicenceProductionPool } from './licences/licence-production-pool.js';
import { licenceDirectoryView } from './licences/licence-directory-view.js';
import type { LicenceSignatureFormat } from './licences/licence-sealer.js';
import { parseCertificate } from '../pki/certificate.js';
import { LicenceUsageService } from './licences/licence-usage-service.js';
import type { LicenceDirectoryView } from '../verify/licence-validation.js';
import { issueLicenceBody } from './licences/licence-request-schema.js';
import { VerificationService, type VerificationOptions } from './verification/verification-service.js';
import { loadLicenceFormats, loadVerifyConfig, type LicenceFileFormat } from '../config.js';

/** Everything the HTTP layer and the CLI call, built once per process over one database and CA node. */
export interface Services {
  /** The agency register. */
  agencies: AgencyService;
  /** API tokens: creation, revocation, and resolving a bearer secret to its principal. */
  tokens: TokenService;
  /** The audit trail: refused attempts, listing, chain verification. */
  audit: AuditService;
  /** What /readyz asks. */
  health: HealthProbe;
  node: CaNode;
  events: CertificateEvents;
  crls: CrlService;
  certificates: CertificateService;
  ocsp: OcspService;
  tsa: TsaService;
  seals: SealService;
  sealSignatures: SealSignatureService;
  /** Agencies' seal-signer keys, held wrapped by the KEK. */
  signerKeys: SignerKeyService;
  /** Encrypts personal data at rest (holder codes, licence files) and computes its search index. */
  dataProtector: DataProtector;
  /** POST /v1/documents/seal: stamping PDFs with an agency's seal and vault key. */
  documentStamping: DocumentStampingService;
  /** The licence catalogue (licence types). */
  licenceTypes: LicenceTypeService;
  /** The licence directory: issuance, lifecycle, reads. */
  licences: LicenceService;
  licenceBatches: LicenceBatchService;
  licenceExpiry: LicenceExpiryScheduler;
  /** 用证: other agencies' uses of licences, with the five elements. */
  licenceUsage: LicenceUsageService;
  /** What verifiers learn from the directory (public, no holder data). */
  licenceDirectory: LicenceDirectoryView;
  /** POST /v1/verify: the PDF validation engine in worker threads, with this node's views. */
  verification: VerificationService;
  /** One-time work before serving: records the node's own certificates. */
  init(): Promise<void>;
  /** Background work (CRL renewal); stopped on shutdown. */
  start(): void;
  stop(): Promise<void>;
}

/** Readiness of what the node depends on. */
export interface HealthProbe {
  /** The database answers a trivial query. */
  databaseReachable(): Promise<boolean>;
}

export interface ServiceOptions {
  /** Public base URL of this node: licence QR codes and PDF links point here. */
  publicUrl?: string | undefined;
  /** How often the licence expiry scheduler runs (default 60 s). */
  expiryIntervalMs?: number | undefined;
  /** Worker threads rendering and preparing licence PDFs (default 1; 0 renders on the main thread). */
  productionWorkers?: number | undefined;
  /** Which layout files licences and copies are issued in (default: SEALTRUST_LICENCE_FORMATS, `pdf,ofd`). */
  licenceFormats?: readonly LicenceFileFormat[] | undefined;
  /** Default licence signature format (default ses). */
  licenceSignatureFormat?: LicenceSignatureFormat | undefined;
  /** Stamping limits (default 20 MB, 500 pages). */
  stampLimits?: { maxBytes: number; maxPages: number } | undefined;
  /** Stamping workers: count, queue bound, time budget, heap limits (default DEFAULT_STAMPING_POOL). */
  stampingPool?: Partial<Omit<WorkerPoolOptions, 'name'>> | undefined;
  /** Verification workers and limits (default: SEALTRUST_VERIFY_* from the environment). */
  verification?: Partial<VerificationOptions> | undefined;
}

export function createServices(db: Db, node: CaNode, logger?: Logger, opts: ServiceOptions = {}): Services {
  const events = new CertificateEvents();
  const crls = new CrlService(db, node, logger);
  // One worker (the other core) checks CSR signatures of keys seen once; created on first use.
  let pool: Sm2VerifyPool | undefined;
  const verifyPop = async (job: { publicKey: Uint8Array; message: Uint8Array; signature: Uint8Array }) =>
    (await (pool ??= new Sm2VerifyPool({ size: 1, chunkSize: 16 })).verifyMany([job]))[0] ?? false;
  const certificates = new CertificateService(db, node, crls, events, verifyPop);
  const ocsp = new OcspService(db, node, logger);
  events.on('status-changed', (e) => ocsp.invalidate(e.caId, e.serial));
  const tsa = new TsaService(db, node, logger);
  const seals = new SealService(db, node);
  const kek = loadKek(); // SEALTRUST_KEK / SEALTRUST_KEK_FILE; keys-dev/kek.dev in development only
  const signerKeys = new SignerKeyService(db, kek, certificates, seals);
  const sealSignatures = new SealSignatureService(db, seals, tsa);
  const dataProtector = new DataProtector(kek);
  const licenceTypes = new LicenceTypeService(db, templateFields);
  const workers = opts.productionWorkers ?? 1;
  const productionPool = workers > 0 ? new LicenceProductionPool(workers) : undefined;
  const licences = new LicenceService(db, {
    types: licenceTypes,
    seals,
    sealSignatures,
    signerFor: (agencyId, esID) => signerKeys.signerFor(agencyId, esID),
    protector: dataProtector,
    produce: productionPool?.produce ?? inProcessProducer,
    publicUrl: (opts.publicUrl ?? 'http://localhost:8080').replace(/\/+$/, ''),
    signatureFormat: opts.licenceSignatureFormat,
    formats: opts.licenceFormats ?? loadLicenceFormats(),
    chainFor: (der) => {
      const issuer = parseCertificate(der).issuerDer;
      return [...node.issuingCas.values()]
        .filter((ca) => ca.ca.cert.subjectDer.equals(issuer))
        .map((ca) => ca.ca.cert.der);
    },
  });
  const licenceBatches = new LicenceBatchService(db, licences, issueLicenceBody, dataProtector, logger);
  const licenceExpiry = new LicenceExpiryScheduler(licences, opts.expiryIntervalMs, logger);
  const documentStamping = new DocumentStampingService(
    db,
    seals,
    sealSignatures,
    signerKeys,
    opts.stampLimits,
    opts.stampingPool,
    logger,
  );
  const verification = new VerificationService(
    { db, node, seals, licences, licenceDirectory: licenceDirectoryView(db), logger },
    opts.verification ?? loadVerifyConfig(),
  );
  return {
    agencies: new AgencyService(db),
    tokens: new TokenService(db),
    audit: new AuditService(db),
    health: { databaseReachable: () => isReachable(db) },
    node,
    events,
    crls,
    certificates,
    ocsp,
    tsa,
    seals,
    sealSignatures,
    signerKeys,
    dataProtector,
    // Limits: SEALTRUST_STAMP_MAX_BYTES / SEALTRUST_STAMP_MAX_PAGES (default 20 MB, 500 pages).
    documentStamping,
    licenceTypes,
    licences,
    licenceBatches,
    licenceExpiry,
    licenceDirectory: licenceDirectoryView(db),
    verification,
    licenceUsage: new LicenceUsageService(db),
    init: async () => {
      await registerNodeCertificates(db, node);
    },
    start: () => {
      crls.start();
      licenceExpiry.start();
      licenceBatches.resume().catch((err: unknown) => logger?.error({ err }, 'batch job resume failed'));
    },
    stop: async () => {
      await crls.stop();
      await licenceExpiry.stop();
      await licenceBatches.stop();
      await productionPool?.close();
      await verification.stop();
      await documentStamping.stop();
      await pool?.close();
    },
  };
}
