import { docMdpPermission } from './pdf-doc-mdp.js';
import { PdfError } from './pdf-error.js';
import { pageBoxes, resolvePlacements, type PlacementRequest } from './pdf-placement.js';
import type { SealAppearance } from './pdf-seal-appearance.js';
import { loadForSealing, signPdfWithSeal, type SealPlacement } from './pdf-seal-signing.js';
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

/**
 * @throws PdfError (NOT_A_PDF, MALFORMED, ENCRYPTED, DOCMDP_FORBIDS, SIGNER_FAILED …), PlacementError for a
 *   placement that cannot be honoured, or whatever `checkPageCount` throws.
 */
export async function stampPdf(pdf: Uint8Array, opts: StampOptions): Promise<StampedPdf> {
  const doc = await loadForSealing(pdf);
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
  const placements = resolvePlacements(opts.placements, {
    pages,
    seal: { widthMm: opts.appearance.widthMm, heightMm: opts.appearance.heightMm },
    findText: (needle) => findInPageText(text ?? [], needle),
  });
  const out = await signPdfWithSeal(pdf, {
    placements,
    appearance: opts.appearance,
    sign: opts.sign,
    contentsBytes: opts.contentsBytes,
    ...(opts.reason !== undefined ? { reason: opts.reason } : {}),
    ...(opts.location !== undefined ? { location: opts.location } : {}),
    ...(opts.name !== undefined ? { name: opts.name } : {}),
    ...(opts.signingTime ? { signingTime: opts.signingTime } : {}),
  });
  return { pdf: out, placements, pageCount: pages.length };
}
