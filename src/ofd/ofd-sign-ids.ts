import type { OfdDocument } from './ofd-package.js';

/**
 * Signature-side IDs for a new signature (Signature/@ID, StampAnnot/@ID, Signatures/MaxSignId; xs:ID by the
 * schema, GB/T 33190 recommends `sNNN`). One counter covers all of them, as ofdrw's MaxSignId does (a one-seal
 * ofdrw file says Signature ID="1", MaxSignId="2": the StampAnnot took 2). Existing IDs are read the way
 * ofdrw's NumberFormatAtomicSignID does (digits only), and new ones continue the file's style: the prefix and
 * zero-padded width of MaxSignId (or of the last Signature ID); a file that has none gets ofdrw's plain numbers
 * (1, 2, …), not the recommended `s001`: ofd.js 0.2.6 stacks a seal with `z-index: <StampAnnot ID>…`, which a
 * letter prefix makes invalid CSS, so the seal would be drawn under the page (licence T5 found this).
 */
export interface SignIds {
  readonly signature: string;
  readonly stampAnnots: readonly string[];
  /** The last ID issued: the new MaxSignId. */
  readonly maxSignId: string;
}

interface Style {
  readonly prefix: string;
  readonly width: number;
}

const DEFAULT_STYLE: Style = { prefix: '', width: 1 };

function styleOf(id: string | undefined): Style | undefined {
  const m = id === undefined ? null : /^(\D*)(\d+)$/.exec(id.trim());
  if (!m) return undefined;
  const digits = m[2]!;
  return { prefix: m[1]!, width: digits.length > 1 && digits.startsWith('0') ? digits.length : 1 };
}

function numberOf(id: string): number | undefined {
  const digits = id.replace(/\D/g, '');
  if (digits === '') return undefined;
  const n = Number(digits);
  return Number.isSafeInteger(n) ? n : undefined;
}

export function allocateSignIds(doc: OfdDocument, stampAnnots: number): SignIds {
  const taken = new Set<string>();
  if (doc.maxSignId !== undefined) taken.add(doc.maxSignId.trim());
  for (const r of doc.signatures) {
    taken.add(r.id.trim());
    for (const a of r.signature?.stampAnnots ?? []) if (a.id !== undefined) taken.add(a.id.trim());
  }
  let max = 0;
  for (const id of taken) max = Math.max(max, numberOf(id) ?? 0);
  const style = styleOf(doc.maxSignId) ?? styleOf(doc.signatures.at(-1)?.id) ?? DEFAULT_STYLE;
  let n = max;
  const next = (): string => {
    for (;;) {
      n++;
      const id = style.prefix + String(n).padStart(style.width, '0');
      if (!taken.has(id)) {
        taken.add(id);
        return id;
      }
    }
  };
  const signature = next();
  const annots = Array.from({ length: stampAnnots }, next);
  return { signature, stampAnnots: annots, maxSignId: annots.at(-1) ?? signature };
}
