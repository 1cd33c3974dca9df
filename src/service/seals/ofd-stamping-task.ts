import { OfdError, type OfdErrorCode, type OfdErrorReason } from '../../ofd/ofd-error.js';
import { openOfd } from '../../ofd/ofd-package.js';
import { ofdPageBoxes } from '../../ofd/ofd-page-area.js';
import { OfdStampError, type OfdStampErrorCode } from '../../ofd/ofd-stamp-error.js';
import { prepareOfdSeal } from '../../ofd/ofd-stamping.js';
import { findOfdText } from '../../ofd/ofd-text.js';
import { resolvePlacements, type PlacementRequest } from '../../pdf/pdf-placement.js';
import type { SealPlacement } from '../../pdf/pdf-seal-signing.js';
import type { TaskContext, TaskOutcome } from '../../runtime/serve-worker-tasks.js';

// Stamping an OFD in a stamping worker (GM/T 0099-2020 §7, GB/T 33190 §18): read the package strictly, resolve
// the placements against its pages (keyword placement from TextCode positions), write Signature.xml, ask the
// main thread to sign SM3 of its exact bytes with the vault key (no key ever comes here), and write the new
// package around the signed value. Reading, text search and zipping stay off the event loop; the main thread
// only signs.

/** main → worker: an OFD to stamp with one signature. */
export interface OfdStampTask {
  format: 'ofd';
  ofd: Uint8Array;
  placements: PlacementRequest[];
  /** The registered SESeal (written as Seal.esl byte for byte) and its picture's size: the StampAnnot box. */
  seal: { der: Uint8Array; widthMm: number; heightMm: number };
  /** Cover Signatures.xml too: no later signature will be accepted (GB/T 33190 §18.1 whole protection). */
  lock: boolean;
  maxPages: number;
  /** ms since the epoch, whole seconds: SignatureDateTime, which TBS_Sign.timeInfo repeats. */
  signingTime: number;
  provider: { name: string; company?: string; version?: string };
}

/** worker → main while the task runs: sign this digest (SM3 of Signature.xml) naming `propertyInfo`. */
export interface OfdSignQuestion {
  digest: Uint8Array;
  propertyInfo: string;
  signingTime: number;
}

/** main → worker: the DER SES_Signature, to be written as SignedValue.dat. */
export type OfdSignAnswer = Uint8Array;

/** worker → main: the stamped package (transferred) and what the response and audit record need. */
export interface OfdStampTaskResult {
  format: 'ofd';
  ofd: Uint8Array;
  placements: SealPlacement[];
  pageCount: number;
  /** Absolute ST_Loc of the new Signature.xml. */
  propertyInfo: string;
  /** Package files the signature's References cover. */
  covered: number;
  locked: boolean;
}

export type OfdStampTaskFailure =
  | { kind: 'ofd'; code: OfdErrorCode; reason: OfdErrorReason; message: string }
  | { kind: 'ofd-stamp'; code: OfdStampErrorCode; message: string };

/** An OFD refusal as failure data, or undefined for anything else. */
export function ofdStampTaskFailure(err: unknown): OfdStampTaskFailure | undefined {
  if (err instanceof OfdError)
    return { kind: 'ofd', code: err.code, reason: err.reason, message: err.message };
  if (err instanceof OfdStampError) return { kind: 'ofd-stamp', code: err.code, message: err.message };
  return undefined;
}

/** The document has more pages than stamping accepts. */
export class OfdTooManyPages extends Error {
  constructor(readonly pages: number) {
    super(`${pages} pages`);
  }
}

export async function runOfdStampTask(
  task: OfdStampTask,
  { ask }: Pick<TaskContext<OfdSignQuestion, OfdSignAnswer>, 'ask'>,
): Promise<TaskOutcome<OfdStampTaskResult>> {
  const pkg = openOfd(task.ofd);
  const doc = pkg.documents[0];
  if (!doc) throw new OfdStampError('unsupported-package', 'OFD 不含文档 / the package holds no document');
  if (doc.pages.length > task.maxPages) throw new OfdTooManyPages(doc.pages.length);
  const picture = { widthMm: task.seal.widthMm, heightMm: task.seal.heightMm };
  const placements = resolvePlacements(task.placements, {
    pages: ofdPageBoxes(pkg),
    seal: picture,
    findText: (text) => findOfdText(pkg, text),
  });
  const signDate = new Date(task.signingTime);
  const prepared = prepareOfdSeal(pkg, {
    placements,
    picture,
    lock: task.lock,
    sealFile: task.seal.der,
    signatureType: 'Seal',
    provider: task.provider,
    signDate,
  });
  const signedValue = await ask({
    digest: new Uint8Array(prepared.digest),
    propertyInfo: prepared.propertyInfo,
    signingTime: task.signingTime,
  });
  const ofd = prepared.finish(signedValue);
  return {
    result: {
      format: 'ofd',
      ofd,
      placements,
      pageCount: doc.pages.length,
      propertyInfo: prepared.propertyInfo,
      covered: prepared.covered.length,
      locked: task.lock,
    },
    transfer: [ofd.buffer as ArrayBuffer],
  };
}
