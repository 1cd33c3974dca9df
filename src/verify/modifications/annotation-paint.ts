import { dictGet, type PdfDict, type PdfValue } from '../../pdf/pdf-object-scanner.js';
import { overlaps, rectOf, type Rect } from './pdf-values.js';
import type { RevisionReader, View } from './revision-reader.js';

// Whether an annotation can paint over the page it sits on (ISO 32000-1 §12.5). An annotation is drawn from
// its normal appearance stream (/AP /N, §12.5.5), mapped into its /Rect; without one, a viewer draws what
// the subtype defines. It draws nothing when:
//   - /F has Hidden (bit 2), or NoView (bit 6) without Print (bit 3) (§12.5.3 Table 165; NoView with Print
//     still prints, so a printed copy would show it);
//   - its /Rect has no area, or does not meet the page's crop box (§14.11.2: nothing outside it is shown);
//   - its appearance stream draws nothing (empty, or only q / Q);
//   - it has no appearance and its subtype is one a viewer shows as an icon or not at all: Text (a note icon,
//     §12.5.6.4), Link (at most a border, §12.5.6.5), Popup (a window, not page content, §12.5.6.14),
//     FileAttachment and Sound (icons, §12.5.6.15–16), Movie, Screen, PrinterMark, TrapNet, Watermark, 3D,
//     RichMedia, Projection (nothing without an appearance: §12.5.6.17–21, ISO 32000-2 §12.5.6.24–25), and a
//     signature field's widget (an unsigned field shows nothing without an appearance, §12.7.4.5).
// Every other subtype without an appearance can be drawn by the viewer from its own entries: FreeText from
// /Contents and /DA (§12.5.6.6), the markup shapes from /C and /BS (§12.5.6.7–13), Stamp as a named stamp such
// as /Approved (§12.5.6.12), Redact from /OverlayText (§12.5.6.23), a form widget from the field value and
// /DA (§12.7.3.3, which a viewer regenerates when /NeedAppearances is set).

const HIDDEN = 1 << 1;
const PRINT = 1 << 2;
const NO_VIEW = 1 << 5;

const NO_APPEARANCE_NO_PAINT = new Set([
  'Text',
  'Link',
  'Popup',
  'FileAttachment',
  'Sound',
  'Movie',
  'Screen',
  'PrinterMark',
  'TrapNet',
  'Watermark',
  '3D',
  'RichMedia',
  'Projection',
]);

export interface PaintVerdict {
  paints: boolean;
  /** Why, in English, for the report. */
  why: string;
}

/**
 * Can the annotation `d` paint over page content? `page` is the page listing it (or /P), null when unknown
 * (then the crop box test is skipped: it might be anywhere).
 */
export function canPaint(
  reader: RevisionReader,
  d: PdfDict,
  view: View,
  page: number | null,
  fieldType: string | null,
): PaintVerdict {
  const flags = dictGet(d, 'F', 'number')?.value ?? 0;
  if (flags & HIDDEN) return { paints: false, why: 'hidden' };
  if (flags & NO_VIEW && !(flags & PRINT)) return { paints: false, why: 'not viewed nor printed' };
  const rect = rectOf(reader.deref(d.entries.get('Rect'), view));
  if (!rect) return { paints: false, why: 'no /Rect' };
  if (rect[2] - rect[0] <= 0 || rect[3] - rect[1] <= 0) return { paints: false, why: 'zero area' };
  const pageNum = page ?? dictGet(d, 'P', 'ref')?.num ?? null;
  const crop: Rect | null = pageNum === null ? null : reader.cropBox(pageNum, view);
  if (crop && !overlaps(rect, crop)) return { paints: false, why: 'outside the crop box' };
  const ap = reader.deref(d.entries.get('AP'), view);
  const normal = ap?.kind === 'dict' ? ap.entries.get('N') : undefined;
  if (normal) {
    return appearanceDraws(reader, d, normal.kind === 'ref' ? normal.num : null, normal, view)
      ? { paints: true, why: 'appearance stream' }
      : { paints: false, why: 'empty appearance' };
  }
  const sub = dictGet(d, 'Subtype', 'name')?.value ?? '';
  if (sub === 'Widget' && fieldType === 'Sig')
    return { paints: false, why: 'signature widget without appearance' };
  if (NO_APPEARANCE_NO_PAINT.has(sub)) return { paints: false, why: `${sub} without appearance` };
  return { paints: true, why: `${sub || 'annotation'} drawn by the viewer` };
}

/** The normal appearance (a stream, or a dictionary of states chosen by /AS) draws something. */
function appearanceDraws(
  reader: RevisionReader,
  annot: PdfDict,
  ref: number | null,
  normal: PdfValue,
  view: View,
): boolean {
  if (ref !== null) {
    const data = reader.streamData(ref, view);
    if (data !== undefined) return data === null || drawsSomething(data);
  }
  const states = reader.deref(normal, view);
  if (states?.kind !== 'dict') return false; // neither a stream nor states: a viewer draws nothing
  const as = dictGet(annot, 'AS', 'name')?.value;
  const chosen = as !== undefined ? [states.entries.get(as)] : [...states.entries.values()];
  return chosen.some((s) => {
    if (s?.kind !== 'ref') return false;
    const data = reader.streamData(s.num, view);
    return data === null || (data !== undefined && drawsSomething(data));
  });
}

/** Content stream data that is more than whitespace and graphics-state save/restore. */
function drawsSomething(data: Buffer): boolean {
  return !/^[\s qQ]*$/.test(data.toString('latin1'));
}
