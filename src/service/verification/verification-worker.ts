import { parentPort, workerData } from 'node:worker_threads';
import { parseCertificate, type CertificateInfo } from '../../pki/certificate.js';
import { PdfError } from '../../pdf/pdf-error.js';
import type { LicenceDirectoryRecord, LicenceDirectoryView } from '../../verify/licence-validation.js';
import { validatePdf, ValidationTooComplex } from '../../verify/pdf-validation.js';
import type {
  RevocationAnswer,
  RevocationView,
  SealRegistryView,
  SealStatusAnswer,
} from '../../verify/ses-validation.js';
import { LruCache } from '../../crypto/lru-cache.js';
import {
  VIEW_CACHE_MS,
  viewCacheKey,
  type MainToWorker,
  type VerificationWorkerData,
  type VerifyRequest,
  type VerifyResponse,
  type ViewCall,
  type WorkerToMain,
} from './verification-worker-protocol.js';

// A verification worker: runs the PDF validation engine off the main thread. The engine's views need the
// database, which lives on the main thread, so here they are proxies that post the question and wait for
// the answer (VerificationService answers from the real views).

if (parentPort) {
  const port = parentPort;
  const data = workerData as VerificationWorkerData;
  const parse = (der: Uint8Array) =>
    parseCertificate(Buffer.from(der.buffer, der.byteOffset, der.byteLength));
  const anchors: CertificateInfo[] = data.anchors.map(parse);
  const intermediates: CertificateInfo[] = data.intermediates.map(parse);
  // This node's makers: known, and their seals must all be in this node's registry.
  const makers: CertificateInfo[] = (data.sealMakers ?? []).map(parse);
  const sealMakers = { certificates: makers, registeredHere: makers };

  let nextCall = 0;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const post = (m: WorkerToMain) => port.postMessage(m);

  // Answers of the main thread, reused by later jobs of the same audit generation (see VerifyRequest).
  const answers = new LruCache<string, { generation: string; at: number; value: unknown }>(1024);
  const generations = new Map<number, string>();

  const ask = <T>(job: number, request: ViewCall): Promise<T> => {
    const generation = generations.get(job);
    const at = Date.now();
    const key = generation === undefined ? undefined : viewCacheKey(request, at);
    if (key !== undefined) {
      const hit = answers.get(key);
      // A copy: the engine owns what it is given.
      if (hit && hit.generation === generation && at - hit.at < VIEW_CACHE_MS)
        return Promise.resolve(structuredClone(hit.value) as T);
    }
    return new Promise<T>((resolve, reject) => {
      const call = nextCall++;
      pending.set(call, {
        resolve: (value) => {
          if (key !== undefined)
            answers.set(key, { generation: generation!, at, value: structuredClone(value) });
          resolve(value as T);
        },
        reject,
      });
      post({ type: 'view', call, job, request });
    });
  };

  const viewsFor = (job: number) => {
    const revocation: RevocationView = {
      statusAt: (cert, issuer, at) =>
        ask<RevocationAnswer>(job, {
          view: 'revocation',
          cert: cert.der,
          issuer: issuer.der,
          at: at.getTime(),
        }),
    };
    const sealRegistry: SealRegistryView = {
      sealStatusAt: (esID, at) =>
        ask<SealStatusAnswer | undefined>(job, { view: 'seal', esID, at: at.getTime() }),
    };
    const licences: LicenceDirectoryView = {
      lookup: (identifier, opts) =>
        ask<LicenceDirectoryRecord | null>(job, {
          view: 'licence',
          identifier,
          ...(opts?.fileSm3 ? { fileSm3: opts.fileSm3 } : {}),
        }),
    };
    return { revocation, sealRegistry, licences };
  };

  const verify = async (req: VerifyRequest): Promise<VerifyResponse> => {
    if (req.generation !== undefined) generations.set(req.job, req.generation);
    try {
      const report = await validatePdf(req.pdf, {
        anchors,
        intermediates,
        sealMakers,
        deadline: req.deadline,
        ...viewsFor(req.job),
      });
      return { type: 'done', job: req.job, report };
    } catch (err) {
      if (err instanceof ValidationTooComplex)
        return { type: 'failed', job: req.job, kind: 'too-complex', message: err.message, limit: err.limit };
      if (err instanceof PdfError)
        return {
          type: 'failed',
          job: req.job,
          kind: err.code === 'NOT_A_PDF' ? 'not-a-pdf' : 'malformed',
          message: err.message,
        };
      return {
        type: 'failed',
        job: req.job,
        kind: 'internal',
        message: String((err as Error)?.stack ?? err),
      };
    } finally {
      generations.delete(req.job);
    }
  };

  port.on('message', (m: MainToWorker) => {
    if (m.type === 'view-result') {
      const p = pending.get(m.call);
      if (!p) return;
      pending.delete(m.call);
      if (m.error !== undefined) p.reject(new Error(m.error));
      else p.resolve(m.value);
      return;
    }
    void verify(m).then((r) => post(r));
  });
  post({ type: 'ready' });
}
