import type { PdfBudget } from './pdf-budget.js';
import { docMdpPermission } from './pdf-doc-mdp.js';
import { PdfError } from './pdf-error.js';
import { PdfObjectIndex } from './pdf-object-index.js';
import { pageBoxes, resolvePlacements, type PlacementRequest } from './pdf-placement.js';
import type { SealAppearance } from './pdf-seal-appearance.js';
import { assertPdfHeader } from './pdf-revisions.js';
import {
  finishPdfSeal,
  loadForSealing,
  preparePdfSeal,
  type PreparedPdfSeal,
  type SealPlacement,
} from './pdf-seal-signing.js';
import { extractPageText, findInPageText, type PageText } from './pdf-text-positions.js';

/**
 * Stamping a PDF (盖章): the document is read and checked (encryption, DocMDP, the caller's page limit),
 * the requested placements are resolved (text extraction only when a keyword placement asks for it) and
 * the seal is applied by one incremental update whose widgets (one per resolved placement) share one
 * signature. Nothing is written unless everything resolves.
 */
export interface StampOptions {
  placements: PlacementRequest[];
  appearance: SealAppearance;
  /** Signs SM3 of the covered bytes; returns the DER SES_Signature. */
  sign: (digest: Buffer, coveredLength: number) => Promise<Buffer>;
  contentsBytes: number;
  /** Called with the page count before any placement work; throws to refuse the document. */
  checkPageCount?: (pages: number) => void;
  reason?: string;
  location?: string;
  name?: string;
  signingTime?: Date;
}

export interface StampedPdf {
  pdf: Uint8Array;
  placements: SealPlacement[];
  pageCount: number;
}

/** Everything of a stamping but the signature: the file with its update written and the digest to sign. */
export interface PreparedStamp {
  prepared: PreparedPdfSeal;
  placements: SealPlacement[];
  pageCount: number;
}

/**
 * @throws PdfError (NOT_A_PDF, MALFORMED, ENCRYPTED, DOCMDP_FORBIDS, SIGNER_FAILED …), PlacementError for a
 *   placement that cannot be honoured, or whatever `checkPageCount` throws.
 */
export async function stampPdf(pdf: Uint8Array, opts: StampOptions): Promise<StampedPdf> {
  if (typeof opts?.sign !== 'function') throw new PdfError('INVALID_OPTIONS', 'a sign callback is required');
  const { prepared, placements, pageCount } = await prepareStamp(pdf, opts);
  const [, a, , d] = prepared.byteRange as [number, number, number, number];
  let der: Buffer;
  try {
    der = await opts.sign(prepared.digest, a + d);
  } catch (err) {
    throw new PdfError(
      'SIGNER_FAILED',
      `the sign callback failed: ${(err as Error)?.message ?? String(err)}`,
      {
        cause: err,
      },
    );
  }
  return { pdf: finishPdfSeal(prepared, der), placements, pageCount };
}

/**
 * The CPU-heavy part of stamping (reading the file, pdf-lib, text extraction, writing the update), which a
 * worker runs; the signature is made where the keys are. With a `budget`, the file's cross-reference
 * sections and object streams are first read within it (and its deadline), so an xref or object-stream
 * bomb is refused before pdf-lib inflates it without any limit.
 * @throws as stampPdf, and PdfBudgetExceeded.
 */
export async function prepareStamp(
  pdf: Uint8Array,
  opts: Omit<StampOptions, 'sign'>,
  budget?: PdfBudget,
): Promise<PreparedStamp> {
  if (budget) {
    const index = new PdfObjectIndex(assertPdfHeader(pdf), budget);
    index.decodeObjectStreams();
    budget.check();
  }
  const doc = await loadForSealing(pdf);
  budget?.check();
  // Checked here as well as in signPdfWithSeal so a certified document is refused before any text work.
  if (docMdpPermission(doc) === 1)
    throw new PdfError(
      'DOCMDP_FORBIDS',
      'the document is certified with DocMDP P=1: no further signature is allowed',
    );
  const pages = pageBoxes(doc);
  opts.checkPageCount?.(pages.length);
  let text: PageText[] | undefined;
  if (opts.placements.some((p) => p.type === 'keyword')) text = await extractPageText(pdf);
  budget?.check();
  const placements = resolvePlacements(opts.placements, {
    pages,
    seal: { widthMm: opts.appearance.widthMm, heightMm: opts.appearance.heightMm },
    findText: (needle) => findInPageText(text ?? [], needle),
  });
  const prepared = await preparePdfSeal(pdf, {
    placements,
    appearance: opts.appearance,
    contentsBytes: opts.contentsBytes,
    ...(opts.reason !== undefined ? { reason: opts.reason } : {}),
    ...(opts.location !== undefined ? { location: opts.location } : {}),
    ...(opts.name !== undefined ? { name: opts.name } : {}),
    ...(opts.signingTime ? { signingTime: opts.signingTime } : {}),
  });
  return { prepared, placements, pageCount: pages.length };
}
