// @ts-check
// The layering of src/, checked in `npm test` (npm run deps). Arrows point down: a module imports only from
// its own layer or a lower one. Type-only imports count (tsPreCompilationDeps): a type borrowed from a
// higher layer couples as much as a value does.
//
// Layers, lowest first, with where the loose modules sit and why:
//   0 crypto                 SM2/SM3, ASN.1, key wrapping, data protection: imports nothing of ours.
//   0 config.ts, logger.ts,  Leaves every layer above crypto may read (paths and settings, the pino logger,
//     paging                 the Page/PageRequest shapes store, services and http share); they import
//                            nothing of ours, so they can sit at the bottom without cycles.
//   1 pki, pdf, ofd, audit   Formats built on crypto: certificates/CMS/OCSP/TSP, PDF and OFD structure, the
//                            audit hash chain (a pure function over records, needed by store and service).
//   2 seal, licence, tlog,   Domain: GB/T 38540 seals, GB/T 3690x licences, the transparency log, the national
//     trust-list, access     trust list, and access records (agency, role, API token) – pure types and rules,
//                            no I/O.
//   3 verify, store          Verification (pure: judges what it is given) and persistence (maps rows to the
//                            domain records below it). Same layer, but verify never imports store.
//   4 service, runtime       Use cases by domain (src/service/<domain>/, composition root services.ts) and
//                            the worker runtime and caches they run on; nothing below may know threads.
//   5 http                   Koa routes: speak to services only, never to store.
//   6 cli                    Commands: may wire anything (serve, demo seeding, offline tools).
/** @type {{ name: string; paths: string[] }[]} */
const LAYERS = [
  { name: 'base', paths: ['^src/crypto/', '^src/config[.]ts$', '^src/logger[.]ts$', '^src/paging/'] },
  { name: 'formats', paths: ['^src/pki/', '^src/pdf/', '^src/ofd/', '^src/audit/'] },
  {
    name: 'domain',
    paths: ['^src/seal/', '^src/licence/', '^src/tlog/', '^src/trust-list/', '^src/access/'],
  },
  { name: 'verify-store', paths: ['^src/verify/', '^src/store/'] },
  { name: 'service', paths: ['^src/service/', '^src/runtime/'] },
  { name: 'http', paths: ['^src/http/'] },
  { name: 'cli', paths: ['^src/cli/'] },
];

/** Folders of domain logic: whatever the storage or transport, they never see Koa, knex or a driver. */
const DOMAIN = [
  '^src/crypto/',
  '^src/pki/',
  '^src/pdf/',
  '^src/ofd/',
  '^src/audit/',
  '^src/seal/',
  '^src/licence/',
  '^src/tlog/',
  '^src/trust-list/',
  '^src/access/',
  '^src/verify/',
  '^src/service/[^/]+/',
];
/** Resolved (node_modules/…) or, when not installed, bare. */
const WEB_AND_DATABASE = '(^|node_modules/)(koa|@koa/[^/]+|knex|knex-pglite|pg|@electric-sql/pglite)(/|$)';

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    ...LAYERS.slice(0, -1).map((layer, i) => ({
      name: `no-back-arrow-from-${layer.name}`,
      comment: `${layer.name} imports only from its own or lower layers (${LAYERS.slice(0, i + 1)
        .map((l) => l.name)
        .join(', ')}); see .dependency-cruiser.mjs`,
      severity: /** @type {const} */ ('error'),
      from: { path: layer.paths },
      to: { path: LAYERS.slice(i + 1).flatMap((l) => l.paths) },
    })),
    {
      name: 'crypto-imports-nothing-of-ours',
      comment: 'src/crypto is the bottom: it imports only the platform and npm packages, none of src/.',
      severity: 'error',
      from: { path: '^src/crypto/' },
      to: { path: '^src/', pathNot: '^src/crypto/' },
    },
    {
      name: 'leaves-import-nothing-of-ours',
      comment:
        'config.ts, logger.ts and paging/ are read by every layer, so they must not lean on any of them.',
      severity: 'error',
      from: { path: ['^src/config[.]ts$', '^src/logger[.]ts$', '^src/paging/'] },
      to: { path: '^src/', pathNot: '^src/paging/' },
    },
    {
      name: 'verify-not-store',
      comment:
        'Verification judges what it is given; trust and revocation data come in through its interfaces.',
      severity: 'error',
      from: { path: '^src/verify/' },
      to: { path: '^src/store/' },
    },
    {
      name: 'http-not-store',
      comment:
        'Routes speak to services; rows and repositories stay behind them (domain records live in the domain).',
      severity: 'error',
      from: { path: '^src/http/' },
      to: { path: '^src/store/' },
    },
    {
      name: 'domain-not-web-or-database',
      comment:
        'Domain folders never import Koa, knex or a database driver: transport and storage stay outside.',
      severity: 'error',
      from: { path: DOMAIN },
      to: { path: WEB_AND_DATABASE },
    },
    {
      name: 'no-circular',
      comment: 'Cycles make the layers meaningless and module initialisation order fragile.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    // node_modules may be a symlink (worktrees): keep paths as node_modules/… so the package rules match.
    preserveSymlinks: true,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
