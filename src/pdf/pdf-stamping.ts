import type { PdfBudget } from './pdf-budget.js';
import { docMdpPermission } from './pdf-doc-mdp.js';
import { PdfError } from './pdf-error.js';
import { PdfObjectIndex } from './pdf-object-index.js';
import { dictGet, type PdfDict, type PdfValue } from './pdf-object-scanner.js';
import { decodeStream } from './pdf-xref.js';
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
    if (opts.placements.some((p) => p.type === 'keyword')) chargeTextContent(index);
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

/**
 * Inflates (and drops) what text extraction will parse: every page's content streams and the form XObjects
 * they use (ISO 32000 §7.8, §8.10), each once, charged to the index's budget. A page whose content inflates to
 * hundreds of megabytes is refused here in milliseconds instead of holding a worker until its deadline. Only
 * what decodeStream reads (FlateDecode or no filter) is charged; any other filter is left to the deadline.
 */
function chargeTextContent(index: PdfObjectIndex): void {
  const budget = index.budget;
  const seen = new Set<number>();
  const dictOf = (v: PdfValue | undefined): PdfDict | undefined => {
    const d = index.deref(v);
    return d?.kind === 'dict' ? d : undefined;
  };
  /** Decodes a referenced stream once; its dictionary, or undefined if seen, missing or not a stream. */
  const decode = (v: PdfValue | undefined): PdfDict | undefined => {
    if (v?.kind !== 'ref' || seen.has(v.num)) return undefined;
    seen.add(v.num);
    const r = index.resolve(v.num);
    if (!r?.obj.stream || r.obj.value.kind !== 'dict') return undefined;
    decodeStream(index.scanner, r.obj.value, r.obj.stream);
    return r.obj.value;
  };
  const resources: PdfValue[] = [];
  const nodes: PdfValue[] = [];
  const pages = dictOf(index.trailer?.entries.get('Root'))?.entries.get('Pages');
  if (pages) nodes.push(pages);
  const visited = new Set<number>();
  while (nodes.length) {
    budget.tick();
    const ref = nodes.pop()!;
    if (ref.kind === 'ref') {
      if (visited.has(ref.num)) continue;
      visited.add(ref.num);
    }
    const node = dictOf(ref);
    if (!node) continue;
    for (const kid of dictGet(node, 'Kids', 'array')?.items ?? []) nodes.push(kid);
    const contents = node.entries.get('Contents');
    const list = contents?.kind === 'array' ? contents.items : contents ? [contents] : [];
    for (const c of list) decode(c);
    const res = node.entries.get('Resources');
    if (res) resources.push(res);
  }
  while (resources.length) {
    budget.tick();
    const xobjects = dictOf(dictOf(resources.pop())?.entries.get('XObject'));
    for (const x of xobjects?.entries.values() ?? []) {
      budget.tick();
      if (x.kind !== 'ref' || seen.has(x.num)) continue;
      const d = index.resolve(x.num)?.obj.value;
      if (d?.kind !== 'dict' || dictGet(d, 'Subtype', 'name')?.value !== 'Form') continue;
      const form = decode(x);
      const inner = form?.entries.get('Resources');
      if (inner) resources.push(inner);
    }
  }
}
