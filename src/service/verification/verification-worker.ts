import { workerData } from 'node:worker_threads';
import { parseCertificate, type CertificateInfo } from '../../pki/certificate.js';
import { OfdError } from '../../ofd/ofd-error.js';
import { PdfError } from '../../pdf/pdf-error.js';
import type { LicenceDirectoryRecord, LicenceDirectoryView } from '../../verify/licence-validation.js';
import { validateOfd } from '../../verify/ofd-validation.js';
import { ofdLicenceLayer } from '../../verify/ofd-licence-layer.js';
import { OFD_LIMITS, type OfdLimits } from '../../ofd/ofd-limits.js';
import { validatePdf, ValidationTooComplex } from '../../verify/pdf-validation.js';
import type { ValidationReport } from '../../verify/report.js';
import type {
  RevocationAnswer,
  RevocationView,
  SealRegistryView,
  SealStatusAnswer,
} from '../../verify/ses-validation.js';
import { LruCache } from '../../crypto/lru-cache.js';
import { serveWorkerTasks, type TaskContext } from '../../runtime/serve-worker-tasks.js';
import {
  viewCacheAge,
  viewCacheKey,
  type VerificationWorkerData,
  type VerifyFailure,
  type VerifyTask,
  type ViewCall,
  type ForeignAnchors,
} from './verification-worker-protocol.js';

// A verification worker: runs the PDF and OFD validation engines off the main thread. The engine's views need the
// database, which lives on the main thread, so here they are proxies that ask the main thread and wait for
// the answer (VerificationService answers from the real views).

const data = workerData as VerificationWorkerData;
const parse = (der: Uint8Array) => parseCertificate(Buffer.from(der.buffer, der.byteOffset, der.byteLength));
const ownAnchors: CertificateInfo[] = data.anchors.map(parse);
const ownIntermediates: CertificateInfo[] = data.intermediates.map(parse);
// This node's makers: known, and their seals must all be in this node's registry.
const makers: CertificateInfo[] = (data.sealMakers ?? []).map(parse);

interface Trust {
  anchors: CertificateInfo[];
  intermediates: CertificateInfo[];
  sealMakers: { certificates: CertificateInfo[]; registeredHere: CertificateInfo[] };
}

const local: Trust = {
  anchors: ownAnchors,
  intermediates: ownIntermediates,
  sealMakers: { certificates: makers, registeredHere: makers },
};
/** Trust by list generation: the one in force and, while tasks started under it finish, the one before. */
const trusts = new Map<string, Promise<Trust>>();

/**
 * This node's anchors plus the trust list's (federation.md §4.3), for the generation the task was started under:
 * the main thread answers the `trust` view with that same list (the job's pinnedTrust), so a file is judged
 * under one list even while a newer one is accepted.
 */
function trustFor(
  generation: string | undefined,
  ask: TaskContext<ViewCall, unknown>['ask'],
): Promise<Trust> {
  if (generation === undefined) return Promise.resolve(local);
  let trust = trusts.get(generation);
  if (!trust) {
    trust = (ask({ view: 'trust' }) as Promise<ForeignAnchors | null>).then((f) =>
      f ? withForeign(f) : local,
    );
    trusts.set(generation, trust);
    trust.catch(() => trusts.delete(generation));
    for (const old of trusts.keys()) if (trusts.size > 2) trusts.delete(old);
  }
  return trust;
}

function withForeign(f: ForeignAnchors): Trust {
  const own = new Set(ownAnchors.map((c) => c.der.toString('base64')));
  const foreign = (ders: Uint8Array[]) => ders.map(parse).filter((c) => !own.has(c.der.toString('base64')));
  return {
    anchors: [...ownAnchors, ...foreign(f.roots)],
    intermediates: [...ownIntermediates, ...foreign(f.intermediates)],
    sealMakers: { certificates: [...makers, ...foreign(f.sealMakers)], registeredHere: makers },
  };
}

// Answers of the main thread, reused by later tasks of the same audit generation (see VerifyTask).
const answers = new LruCache<string, { generation: string; at: number; value: unknown }>(1024);

function viewsFor(generation: string | undefined, ask: TaskContext<ViewCall, unknown>['ask']) {
  const cachedAsk = async <T>(request: ViewCall): Promise<T> => {
    const at = Date.now();
    const key = generation === undefined ? undefined : viewCacheKey(request, at);
    if (key !== undefined) {
      const hit = answers.get(key);
      // A copy: the engine owns what it is given.
      if (hit && hit.generation === generation && at - hit.at < viewCacheAge(hit.value))
        return structuredClone(hit.value) as T;
    }
    const value = await ask(request);
    if (key !== undefined) answers.set(key, { generation: generation!, at, value: structuredClone(value) });
    return value as T;
  };
  const revocation: RevocationView = {
    statusAt: (cert, issuer, at) =>
      cachedAsk<RevocationAnswer>({
        view: 'revocation',
        cert: cert.der,
        issuer: issuer.der,
        at: at.getTime(),
      }),
  };
  const sealRegistry: SealRegistryView = {
    sealStatusAt: (esID, at) =>
      cachedAsk<SealStatusAnswer | undefined>({ view: 'seal', esID, at: at.getTime() }),
  };
  const licences: LicenceDirectoryView = {
    lookup: (identifier, opts) =>
      cachedAsk<LicenceDirectoryRecord | null>({
        view: 'licence',
        identifier,
        ...(opts?.fileSm3 ? { fileSm3: opts.fileSm3 } : {}),
      }),
  };
  return { revocation, sealRegistry, licences };
}

function verifyFailure(err: unknown): VerifyFailure {
  if (err instanceof ValidationTooComplex)
    return { kind: 'too-complex', message: err.message, limit: err.limit };
  if (err instanceof OfdError)
    return err.code === 'too-complex'
      ? { kind: 'too-complex', message: err.message, limit: err.reason }
      : { kind: err.code, message: err.message, reason: err.reason };
  if (err instanceof PdfError)
    return { kind: err.code === 'NOT_A_PDF' ? 'not-a-pdf' : 'malformed', message: err.message };
  return { kind: 'internal', message: String((err as Error)?.stack ?? err) };
}

// Inflated entries are Buffers, outside the worker's heap limit (resourceLimits bounds the V8 heap only): the
// public service bounds them tighter than the format's default, so two files on each of two workers hold at
// most 256 MB. Real sealed OFDs (licences, invoices) inflate to a few MB.
const SERVICE_OFD_LIMITS: OfdLimits = Object.freeze({ ...OFD_LIMITS, maxInflatedTotal: 64 * 1024 * 1024 });

serveWorkerTasks<VerifyTask, ValidationReport, VerifyFailure, ViewCall, unknown>(
  async (task, { deadline, ask }) => {
    // The same trust and views for both formats: a seal is judged alike whatever file carries it.
    const { anchors, intermediates, sealMakers } = await trustFor(task.trust, ask);
    const ctx = { anchors, intermediates, sealMakers, deadline, ...viewsFor(task.generation, ask) };
    return {
      result:
        task.format === 'ofd'
          ? await validateOfd(task.bytes, {
              ...ctx,
              limits: SERVICE_OFD_LIMITS,
              licenceLayer: ofdLicenceLayer(ctx.licences),
            })
          : await validatePdf(task.bytes, ctx),
    };
  },
  verifyFailure,
);
