// What a change made after a signature is, from the least to the most serious (pyHanko's ModificationLevel,
// with two SealTrust distinctions: a new approval signature apart from validation data, so that DocMDP P=1
// can allow the one and not the other; and an annotation that can paint over the signed page apart from one
// that cannot).
//   validation-data  a document security store (/DSS, ISO 32000-2 §12.8.4.3) or a document timestamp
//                    (§12.8.5) with its field: evidence about the signatures, not document content
//   signature        another signature whose /ByteRange really covers the revision that adds it, with its
//                    field, widgets and their appearance
//   form-fill        values and appearances of form fields that existed when the document was signed, and
//                    new empty signature fields that draw nothing
//   annotation       annotations added, changed or removed that cannot paint over the page (hidden, zero
//                    area, outside the crop box, or a subtype a viewer shows as an icon: Text, Link, Popup, …)
//   overlay          an annotation, widget or appearance that can paint over signed page content
//   other            anything no rule whitelists (page content, resources, pages, catalog entries; shadow
//                    attacks; bytes after the last revision)

export type ModificationCategory =
  'validation-data' | 'signature' | 'form-fill' | 'annotation' | 'overlay' | 'other';

export const CATEGORY_RANK: Readonly<Record<ModificationCategory, number>> = {
  'validation-data': 0,
  signature: 1,
  'form-fill': 2,
  annotation: 3,
  overlay: 4,
  other: 5,
};

export function worse(a: ModificationCategory, b: ModificationCategory): ModificationCategory {
  return CATEGORY_RANK[b] > CATEGORY_RANK[a] ? b : a;
}

export interface ObjectChange {
  /** Object number (null: not an object, e.g. bytes after the last revision). */
  num: number | null;
  /** Revision that made the change. */
  revision: number;
  kind: 'added' | 'changed' | 'deleted' | 'appended-bytes' | 'unreadable-revision';
  category: ModificationCategory;
  /** What the object is, in English ('page', 'content stream', 'signature dictionary', …). */
  what: string;
  /** The whitelist rule that accepted the change (absent: none did, or it took its category from a user). */
  rule?: string;
  /** Fully qualified name of the form field whose value changed (form fill, for /FieldMDP). */
  field?: string;
}

export interface ModificationAnalysis {
  signedRevision: number;
  /** Revisions after the signed one. */
  laterRevisions: number;
  /** Changes that matter (unchanged re-writes and invisible orphans are left out); at most MAX_REPORTED. */
  changes: ObjectChange[];
  /** The categories found (all changes, not only the reported ones). */
  categories: ModificationCategory[];
  /** Names of form fields whose values changed (all changes). */
  filledFields: string[];
  /** The most serious category found, null when nothing changed. */
  worst: ModificationCategory | null;
}
