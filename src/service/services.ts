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
import { TlogCheckpointService } from './federation/tlog-checkpoint-service.js';
import { TlogPublisher, type TlogPublisherOptions } from './federation/tlog-publisher.js';
import {
  originSm3,
  WitnessService,
  witnessFaultFromEnv,
  type WitnessOptions,
} from './federation/witness-service.js';
import { federationServiceOptions } from './federation/federation-options.js';
import {
  hasLogSigner,
  logNoteSigner,
  logVerifierKey,
  retiredLogVerifierKeys,
  witnessCosigner,
  trustListCmsSigner,
  witnessName,
  statusNoteSigner,
} from './federation/node-log-keys.js';
import { latestPublishedCheckpoint, publishedCheckpointSizeIn } from '../store/tlog-checkpoint-repository.js';
import { witnessStateBySm3 } from '../store/witness-repository.js';
import { readTlogState } from '../store/tlog-state-repository.js';
import { TlogIntegrator } from './federation/tlog-integrator.js';
import { AuditChainer } from './audit/audit-chainer.js';
import { upgradeHolderIndexes } from './access/holder-index-upgrade.js';
import { TlogReadService, type TlogReadDeps } from './federation/tlog-read-service.js';
import { FederationMirror } from './federation/federation-mirror.js';
import { FederationService } from './federation/federation-service.js';
import { TrustListService } from './federation/trust-list-service.js';
import { TrustListConsumer } from './federation/trust-list-consumer.js';
import { nodeTrustEntry } from './federation/node-trust-entry.js';
import {
  httpHubEvidence,
  httpHubSealEvidence,
  type LicenceNotInIndex,
} from './federation/hub-evidence-source.js';
import { federatedSealRegistry, type HubSealSource } from './verification/federated-seal-registry.js';
import { sealRegistryView } from './verification/validation-views.js';
import { FederatedTrust } from './verification/federated-trust.js';
import { FederatedDirectoryView, type HubEvidenceSource } from './verification/federated-directory-view.js';
import { ServiceError } from './service-error.js';
import {
  advanceVerifierCheckpoint,
  readVerifierCheckpoint,
} from '../store/verifier-checkpoint-repository.js';
import type { TrustListNode } from '../trust-list/trust-list.js';
import { ensureAllowed } from './access/authorize.js';
import type { Principal } from './access/principal.js';
import { readCertificateBundle } from './federation/certificate-bundle.js';
import { HttpLogSource } from './federation/http-log-source.js';
import { IndexRecordService } from './federation/index-record-service.js';
import type { LogSource } from './federation/log-source.js';
import { ShareService } from './federation/share-service.js';
import { NodeRelay, type NodeRelayOptions } from './federation/share-relay.js';
import type { ReplicationOptions, WitnessedTreeReader } from './federation/replicator.js';
import {
  loadFederationConfig,
  loadLicenceFormats,
  loadNodeId,
  loadVerifyConfig,
  type FederationConfig,
  type LicenceFileFormat,
} from '../config.js';

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
  /** This node's checkpoints as served (GET /tlog/checkpoint, /v1/tlog/checkpoints/{size}). */
  tlogCheckpoints: TlogCheckpointService;
  /** Signs checkpoints and collects the hub's cosignatures (when the node has a log-signer key). */
  tlogPublisher?: TlogPublisher | undefined;
  /** The hub's witness (role hub, with a witness key): POST /witness/add-checkpoint. */
  witness?: WitnessService | undefined;
  /** Builds the directory log's tree and tiles from tlog_entries in the background (federation.md §4.1). */
  tlogIntegrator: TlogIntegrator;
  /** The directory log's entries, tiles, bundles and proofs (federation.md §3.1). */
  tlog: TlogReadService;
  /** Hub: replication state of the mirrored nodes, alerts, sync and release (federation.md §3.4). */
  federation: FederationService;
  /** Every node: the holder-data side channel for the hub (GET /v1/federation/index-records). */
  indexRecords: IndexRecordService;
  /** The national trust list: the hub's draft, publication and history (federation.md §2.8, §3.3). */
  trustLists: TrustListService;
  /**
   * This node's entry for the national trust list (GET /v1/federation/trust-entry, admin): what its operator
   * submits to the hub, built from its own keys (node-trust-entry.ts).
   */
  trustEntry(
    principal: Principal,
    q: {
      name?: string | undefined;
      regionCode?: string | undefined;
      kind?: TrustListNode['kind'] | undefined;
    },
  ): TrustListNode;
  /** Hub: sharing queries over the national index, relayed to the issuing node (federation.md §3.6). */
  share: ShareService;
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
  /** The witness (hub): its cosigner key and the logs it cosigns; absent, /witness is not served. */
  witness?: WitnessOptions | undefined;
  /**
   * Checkpoint publishing. Default: from the federation configuration and the node's log key
   * (federation-options.ts); `false` turns the publisher off (and proofs are then served up to the integrated
   * size, for tests of the log alone).
   */
  tlogPublishing?: Omit<TlogPublisherOptions, 'logger'> | false | undefined;
  /**
   * What the publisher has published (the witness part supplies these from its checkpoint table). Without
   * them the integrated tree counts as published and no proof bundle quotes a checkpoint.
   */
  tlogPublication?:
    Pick<TlogReadDeps, 'publishedSize' | 'checkpointedSizeIn' | 'latestCheckpointText'> | undefined;
  /** Integrator fallback poll, ms (default 1000). */
  tlogPollMs?: number | undefined;
  /** Role, mirrored nodes, tile height, pull batch and delay (default: SEALTRUST_* from the environment). */
  federation?: FederationConfig | undefined;
  /**
   * Hub: the checkpoint it cosigned per origin (the witness's state), which replication pulls up to. Until the
   * witness is wired in, a hub without it mirrors nothing.
   */
  witnessedTree?: WitnessedTreeReader | undefined;
  /** Hub: how often each node's replication loop looks for a new witnessed size, ms (default 1000). */
  mirrorPollMs?: number | undefined;
  /** Hub: how nodes are read (default: HTTP at each node's url); tests substitute a source. */
  logSourceFor?: ((node: FederationConfig['nodes'][number]) => LogSource) | undefined;
  /** Hub: how sharing queries reach issuing nodes (timeout, size bound; default 15 s, 32 MB). */
  shareRelay?: NodeRelayOptions | undefined;
  /** Test-only fault injection into replication batches. */
  replicationFaults?: Pick<ReplicationOptions, 'beforeCommit'> | undefined;
}

/**
 * Where verification asks the hub for another node's evidence (federation.md §3.5): the hub answers from its own
 * mirror in-process (its 404 as `missing`, naming the issuing node when it knows it); a province over HTTP at
 * SEALTRUST_HUB_URL; a node without a hub nowhere.
 */
function hubSource<A>(
  federation: FederationConfig,
  local: (id: string, o: { old?: number }) => Promise<A>,
  notFound: string,
  http: (hubUrl: string) => (id: string, old?: number) => Promise<A | LicenceNotInIndex>,
): ((id: string, old?: number) => Promise<A | LicenceNotInIndex>) | undefined {
  if (federation.role === 'hub')
    return async (id, old) => {
      try {
        return await local(id, old === undefined ? {} : { old });
      } catch (err) {
        if (!(err instanceof ServiceError) || err.code !== notFound) throw err;
        const node = err.extensions?.node;
        return { missing: true, node: typeof node === 'string' ? node : null };
      }
    };
  return federation.hubUrl ? http(federation.hubUrl) : undefined;
}

/** Proofs, tiles and bundles are served up to the latest published checkpoint (federation.md §3.1). */
function publishedCheckpoints(
  db: Db,
): Pick<TlogReadDeps, 'publishedSize' | 'checkpointedSizeIn' | 'latestCheckpointText'> {
  return {
    publishedSize: async () => (await latestPublishedCheckpoint(db))?.size ?? 0,
    checkpointedSizeIn: (lo, hi) => publishedCheckpointSizeIn(db, lo, hi),
    latestCheckpointText: async () => {
      const cp = await latestPublishedCheckpoint(db);
      return cp ? (cp.cosigned ?? cp.note) : undefined;
    },
  };
}

/** Without a publisher, the integrated tree counts as published (tests of the log alone). */
function integratedAsPublished(db: Db): Pick<TlogReadDeps, 'publishedSize'> {
  return { publishedSize: async () => (await readTlogState(db)).size };
}

/** The hub replicates each node up to the checkpoint its witness cosigned (federation.md §3.4). */
function witnessedTreeFrom(db: Db): WitnessedTreeReader {
  return async (origin) => {
    const state = await witnessStateBySm3(db, originSm3(origin));
    if (!state || state.size === 0 || !state.cosigned) return undefined;
    return { size: state.size, root: state.root, checkpoint: state.cosigned };
  };
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
  const federation = opts.federation ?? loadFederationConfig();
  const auditChainer = new AuditChainer(db, { pollMs: opts.tlogPollMs, logger });
  const tlogIntegrator = new TlogIntegrator(db, {
    tileHeight: federation.tileHeight,
    pollMs: opts.tlogPollMs,
    // Integrating more often than a quarter of the signing interval only costs the database statements.
    minIntervalMs: Math.min(250, federation.checkpointMs / 4),
    logger,
  });
  // A node that is not the hub follows the hub's trust list when one is configured (federation.md §2.8).
  const trustListConsumer =
    federation.trustList && federation.role !== 'hub'
      ? new TrustListConsumer({
          db,
          url: federation.trustList.url,
          bootstrapSigners: readCertificateBundle(federation.trustList.signersFile),
          pollMs: federation.trustList.pollMs,
          logger,
        })
      : undefined;
  const trustLists = new TrustListService({
    db,
    isHub: federation.role === 'hub',
    signer: () => trustListCmsSigner(node),
    consumer: trustListConsumer,
    logger,
  });
  const tlog = new TlogReadService({
    db,
    origin: federation.logOrigin,
    tileHeight: federation.tileHeight,
    ...(opts.tlogPublication ??
      (opts.tlogPublishing === false ? integratedAsPublished(db) : publishedCheckpoints(db))),
  });
  // What runs where follows the configuration and the node's keys (federation-options.ts): the publisher on
  // every node with a log key, the witness on a hub with a witness key. Tests may pass their own options.
  const fromConfig = federationServiceOptions(
    federation,
    {
      logSigner: hasLogSigner(node) ? logNoteSigner(node, federation.logOrigin) : undefined,
      logVerifierKey: hasLogSigner(node) ? logVerifierKey(node, federation.logOrigin) : undefined,
      retiredLogVerifierKeys: retiredLogVerifierKeys(node, federation.logOrigin).map((r) => r.vkey),
      witnessCosigner: witnessCosigner(node, witnessName(federation.logOrigin)),
    },
    {
      integratedTree: () => readTlogState(db),
      consistencyProof: async (from, to) => (await tlog.integratedConsistencyProof(from, to)).hashes,
    },
  );
  const publishing =
    opts.tlogPublishing === false ? undefined : (opts.tlogPublishing ?? fromConfig.tlogPublishing);
  const tlogPublisher = publishing ? new TlogPublisher(db, { ...publishing, logger }) : undefined;
  const witnessOptions = opts.witness ?? fromConfig.witness;
  const federationConfig = federation;
  const mirror =
    federationConfig.role === 'hub'
      ? new FederationMirror(
          db,
          federationConfig.nodes,
          opts.logSourceFor ??
            ((n) => new HttpLogSource(n, { tileHeight: federationConfig.tileHeight, hubToken: n.hubToken })),
          opts.witnessedTree ?? witnessedTreeFrom(db),
          dataProtector,
          {
            tileHeight: federationConfig.tileHeight,
            pullBatch: federationConfig.pullBatch,
            pullDelayMs: federationConfig.pullDelayMs,
            ...opts.replicationFaults,
          },
          opts.mirrorPollMs,
          logger,
        )
      : undefined;
  const federationService = new FederationService(
    db,
    mirror,
    undefined,
    federation.tileHeight,
    federation.role === 'hub' ? statusNoteSigner(node, federation.logOrigin) : undefined,
  );
  // Verification trusts this node's own hierarchy and, through the trust list, every listed node's (§4.3):
  // other nodes' licences are judged from the hub's log evidence (the hub answers from its own mirror).
  const trust = new FederatedTrust({ current: () => trustLists.current() });
  const hubEvidence: HubEvidenceSource | undefined = hubSource(
    federation,
    (id, o) => federationService.licenceEvidence(id, o),
    'licence-not-found',
    httpHubEvidence,
  );
  const federatedDirectory = new FederatedDirectoryView({
    local: licenceDirectoryView(db),
    trust,
    hub: hubEvidence,
    timelineStore: {
      read: (origin) => readVerifierCheckpoint(db, origin),
      advance: (origin, size, text) => advanceVerifierCheckpoint(db, origin, size, text),
    },
  });
  const hubSeals: HubSealSource | undefined = hubSource(
    federation,
    (id, o) => federationService.sealEvidence(id, o),
    'seal-not-found',
    httpHubSealEvidence,
  );
  const sealRegistry = federatedSealRegistry({
    local: sealRegistryView(seals),
    trust,
    hub: hubSeals,
    timeline: federatedDirectory.timeline,
  });
  const verification = new VerificationService(
    { db, node, seals, licences, licenceDirectory: federatedDirectory, trust, sealRegistry, logger },
    opts.verification ?? loadVerifyConfig(),
  );
  const system = { kind: 'system' } as const;
  const share = new ShareService({
    db,
    rate: federationConfig.shareRate,
    isHub: federationConfig.role === 'hub',
    protector: dataProtector,
    hubNodeId: loadNodeId(),
    nodes: federationConfig.nodes,
    trustListStatus: async (nodeId) =>
      (await trustLists.listedLogs())?.find((n) => n.nodeId === nodeId)?.nodeStatus,
    evidence: (nodeId, identifier) => federationService.licence(system, nodeId, identifier),
    relay: opts.shareRelay ? new NodeRelay(opts.shareRelay) : undefined,
  });
  return {
    tlogCheckpoints: new TlogCheckpointService(db),
    tlogPublisher,
    witness: witnessOptions
      ? new WitnessService(db, {
          // The hub's published trust list decides the keys of the logs it names (federation.md §3.2).
          trustListed: () => trustLists.listedLogs(),
          ...witnessOptions,
          // SEALTRUST_FAULT_WITNESS_KILL_AFTER_PERSIST=1 (tests of §5.4); a ConfigError in production.
          afterPersist:
            witnessOptions.afterPersist ??
            witnessFaultFromEnv(process.env, process.env.NODE_ENV === 'production'),
          // A validly signed checkpoint that does not extend the cosigned tree: look for a fork (§5.4).
          onSignedRefusal:
            witnessOptions.onSignedRefusal ??
            ((refusal) => {
              mirror
                ?.investigateRefusal(refusal)
                .catch((err: unknown) =>
                  logger?.error({ err, origin: refusal.origin }, 'fork investigation failed'),
                );
            }),
        })
      : undefined,
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
    tlogIntegrator,
    tlog,
    federation: federationService,
    share,
    indexRecords: new IndexRecordService(db, dataProtector),
    trustLists,
    trustEntry: (principal, q) => {
      ensureAllowed(principal, 'federation.nodes.read');
      const nodeId = loadNodeId();
      const org = node.root.cert.subjectEntries.find((e) => e.type === '2.5.4.10' || e.type === 'O')?.value;
      return nodeTrustEntry(node, {
        nodeId,
        kind: q.kind ?? (federation.role === 'hub' ? 'hub' : 'province'),
        name: q.name ?? org ?? nodeId,
        regionCode: q.regionCode ?? (/^\d{2}$/.test(nodeId) ? `${nodeId}0000` : '100000'),
        publicUrl: (opts.publicUrl ?? 'http://localhost:8080').replace(/\/+$/, ''),
        logOrigin: federation.logOrigin,
        since: node.root.cert.notBefore,
      });
    },
    init: async () => {
      await registerNodeCertificates(db, node);
      await upgradeHolderIndexes(db, dataProtector, logger);
    },
    start: () => {
      crls.start();
      licenceExpiry.start();
      tlogPublisher?.start();
      auditChainer.start();
      tlogIntegrator.start();
      licenceBatches.resume().catch((err: unknown) => logger?.error({ err }, 'batch job resume failed'));
      mirror?.start();
      trustListConsumer?.start();
      trustLists.start();
    },
    stop: async () => {
      await trustListConsumer?.stop();
      trustLists.stop();
      await mirror?.stop();
      await crls.stop();
      await licenceExpiry.stop();
      await tlogPublisher?.stop();
      await tlogIntegrator.stop();
      await auditChainer.stop();
      await licenceBatches.stop();
      await productionPool?.close();
      await verification.stop();
      await documentStamping.stop();
      await pool?.close();
    },
  };
}
