import type { Agency } from '../../access/agency.js';
import type { Db, Executor } from '../../store/database.js';
import { findAgency, listAgencies } from '../../store/agency-repository.js';
import { listCertificates } from '../../store/certificate-repository.js';
import { listLicences } from '../../store/licence-repository.js';
import { listLicenceTypes } from '../../store/licence-type-repository.js';
import { listSeals } from '../../store/seal-repository.js';
import {
  lockTlogGenesis,
  subjectsWithLeaf,
  TLOG_GENESIS_ACTION,
  tlogGenesisDone,
} from '../../store/tlog-genesis-repository.js';
import type { Page, PageRequest } from '../../paging/page.js';
import {
  agencyLeaf,
  asBackfill,
  certificateLeaf,
  licenceLeaf,
  licenceTypeLeaf,
  sealLeaf,
  type DirectoryEvent,
  type DirectoryKind,
} from '../../tlog/directory-leaf.js';
import type { ActionContext } from '../access/principal.js';
import { withAudit } from '../audit/audit-service.js';
import { ServiceError } from '../service-error.js';

/** Leaves appended per kind by one genesis run. */
export interface TlogGenesisResult {
  agency: number;
  'licence-type': number;
  certificate: number;
  seal: number;
  licence: number;
}

/** Leaves per back-fill transaction: one audit record each, short enough not to stall live appends. */
const BATCH = 200;

/**
 * One kind of back-fill: the rows in a stable order, the leaf that introduced each (and its op) and the ops
 * that count as "already logged" (a live leaf or an interrupted earlier run).
 */
interface Source<T> {
  kind: DirectoryKind;
  ops: readonly string[];
  list(db: Executor, page: PageRequest): Promise<Page<T>>;
  subject(row: T): string;
  leaf(db: Executor, row: T, at: Date): Promise<DirectoryEvent>;
}

async function usccOf(
  db: Executor,
  agencyId: string | null,
  cache: Map<string, string>,
): Promise<string | null> {
  if (agencyId === null) return null;
  let uscc = cache.get(agencyId);
  if (uscc === undefined) {
    const a: Agency | undefined = await findAgency(db, agencyId);
    if (!a) throw new Error(`agency ${agencyId} is missing`);
    uscc = a.uscc;
    cache.set(agencyId, uscc);
  }
  return uscc;
}

function sources(): Source<unknown>[] {
  const usccs = new Map<string, string>();
  const agency: Source<Agency> = {
    kind: 'agency',
    ops: ['register'],
    list: (db, page) => listAgencies(db, {}, page),
    subject: (a) => a.uscc,
    leaf: async (_db, a, at) => agencyLeaf(a, at),
  };
  // Licence types have no paging in the store; the catalogue is small (one page of everything).
  type LicenceType = Awaited<ReturnType<typeof listLicenceTypes>>[number];
  const licenceType: Source<LicenceType> = {
    kind: 'licence-type',
    ops: ['define'],
    list: async (db, page) =>
      page.after === undefined
        ? { items: await listLicenceTypes(db), nextAfter: null }
        : { items: [], nextAfter: null },
    subject: (t) => t.code,
    leaf: async (_db, t, at) => licenceTypeLeaf(t, at),
  };
  type Cert = Awaited<ReturnType<typeof listCertificates>>['items'][number];
  const certificate: Source<Cert> = {
    kind: 'certificate',
    ops: ['issue'],
    list: (db, page) => listCertificates(db, {}, page),
    subject: (c) => c.serial,
    leaf: async (db, c, at) => certificateLeaf('issue', c, await usccOf(db, c.agencyId, usccs), at),
  };
  type Seal = Awaited<ReturnType<typeof listSeals>>['items'][number];
  const seal: Source<Seal> = {
    kind: 'seal',
    ops: ['make'],
    list: (db, page) => listSeals(db, {}, page),
    subject: (s) => s.esID,
    leaf: async (db, s, at) => sealLeaf('make', s, (await usccOf(db, s.agencyId, usccs))!, at),
  };
  type Licence = Awaited<ReturnType<typeof listLicences>>['items'][number];
  const licence: Source<Licence> = {
    kind: 'licence',
    // Renew and replace introduce their new identifier as issue does.
    ops: ['issue', 'renew', 'replace'],
    list: (db, page) => listLicences(db, {}, page),
    subject: (l) => l.identifier,
    // One `issue` leaf with the licence's current status (§4.2); `related` names its predecessor.
    leaf: async (_db, l, at) =>
      licenceLeaf(l, {
        operation: 'issue',
        fromStatus: null,
        toStatus: l.status,
        relatedIdentifier: l.predecessor,
        at,
      }),
  };
  // The order of §4.2 (licence types after agencies: a type names its authority, a licence its type).
  return [agency, licenceType, certificate, seal, licence] as Source<unknown>[];
}

/**
 * `sealtrust tlog genesis` (federation.md §4.2 "Back-fill"): appends, in order, an `agency register`, `licence-type
 * define`, `certificate issue`, `seal make` and one `licence issue` leaf for every existing row that the log does
 * not yet introduce, each marked `"backfill": true`. Every batch is one audited transaction through withAudit, so
 * indices stay gap-free under the audit head lock and live changes interleave safely. An interrupted run resumes
 * where it stopped; a completed one is recorded (`tlog.genesis`) and a second run is refused.
 */
export async function runTlogGenesis(db: Db, ctx: ActionContext): Promise<TlogGenesisResult> {
  const refuse = () =>
    new ServiceError(
      'conflict',
      'tlog-genesis-done',
      '目录日志已完成初始回填，不能重复执行 / the directory log genesis already ran; it runs once per node',
    );
  if (await tlogGenesisDone(db)) throw refuse();
  const result: TlogGenesisResult = { agency: 0, 'licence-type': 0, certificate: 0, seal: 0, licence: 0 };
  for (const source of sources()) {
    let after: number | undefined;
    for (;;) {
      const page = await source.list(db, { limit: BATCH, after });
      const subjects = page.items.map(source.subject);
      // Rows the log already introduces need no transaction (a resumed run skips them quickly).
      if ((await subjectsWithLeaf(db, source.kind, source.ops, subjects)).size < subjects.length) {
        result[source.kind as keyof TlogGenesisResult] += await withAudit(
          db,
          ctx,
          'tlog.backfill',
          async (trx) => {
            // One genesis at a time, and the check for existing leaves inside the appending transaction.
            await lockTlogGenesis(trx);
            const logged = await subjectsWithLeaf(
              trx,
              source.kind,
              source.ops,
              page.items.map(source.subject),
            );
            const at = new Date();
            const events: DirectoryEvent[] = [];
            for (const row of page.items) {
              if (!logged.has(source.subject(row))) events.push(asBackfill(await source.leaf(trx, row, at)));
            }
            return {
              result: events.length,
              target: { type: 'tlog', id: source.kind },
              details: { kind: source.kind, leaves: events.length, backfill: true },
              directory: events,
            };
          },
        );
      }
      if (page.nextAfter === null) break;
      after = page.nextAfter;
    }
  }
  await withAudit(db, ctx, TLOG_GENESIS_ACTION, async (trx) => {
    await lockTlogGenesis(trx);
    if (await tlogGenesisDone(trx)) throw refuse();
    return { result: undefined, target: { type: 'tlog', id: null }, details: { ...result } };
  });
  return result;
}
