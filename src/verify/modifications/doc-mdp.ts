import type { PdfObjectIndex } from '../../pdf/pdf-object-index.js';
import { dictGet, type PdfDict, type PdfValue } from '../../pdf/pdf-object-scanner.js';
import { decodeTextString } from '../../pdf/pdf-text-string.js';
import type { ModificationCategory } from './categories.js';
import { RevisionReader, snapshotAt } from './revision-reader.js';

// Modification detection and prevention (ISO 32000-1 §12.8.2.2–12.8.2.4), read with the verifier's own
// parser from the revision the signature covers (so it is what the signer signed):
//   DocMDP    the certification signature: the catalog's /Perms /DocMDP names its signature dictionary,
//             whose /Reference holds a signature reference with /TransformMethod /DocMDP and
//             /TransformParams /P: 1 no changes, 2 (the default) form filling and signing, 3 also
//             annotations (Table 254).
//   FieldMDP  any signature whose /Reference holds /TransformMethod /FieldMDP (Table 255): the fields named by
//             /Action /All, /Include /Fields or /Exclude /Fields are locked after it.

export type DocMdpPermission = 1 | 2 | 3;

export interface FieldLock {
  action: 'All' | 'Include' | 'Exclude';
  fields: string[];
}

export interface SignaturePermissions {
  /** P of the DocMDP transform, when this is the certification signature; else null. */
  docMdp: DocMdpPermission | null;
  fieldLock: FieldLock | null;
}

export const NO_PERMISSIONS: SignaturePermissions = { docMdp: null, fieldLock: null };

/**
 * What each P permits after the certified revision (Table 254). Validation data (a /DSS, ISO 32000-2
 * §12.8.4.3, or a document timestamp, §12.8.5) is permitted at every level, as in pyHanko, whose LTA_UPDATES
 * level passes P=1: long-term validation material is evidence about the signatures, not a change of the
 * document. A new approval signature is not permitted by P=1.
 */
export const DOC_MDP_ALLOWS: Readonly<Record<DocMdpPermission, ReadonlySet<ModificationCategory>>> = {
  1: new Set(['validation-data']),
  2: new Set(['validation-data', 'signature', 'form-fill']),
  3: new Set(['validation-data', 'signature', 'form-fill', 'annotation', 'overlay']),
};

const MAX_REFERENCES = 16;
const MAX_LOCKED_FIELDS = 10_000;

/**
 * The DocMDP and FieldMDP restrictions of the signature whose dictionary is object `sigObject`, as the
 * revision `signedRevision` holds them. The signature is the certification signature when the catalog's
 * /Perms /DocMDP names it or its own /Reference holds a DocMDP transform (either is signed by it, so
 * either binds it). A /P other than 1, 2 or 3 is read as 1: the strictest reading of a value nobody can
 * interpret.
 */
export function signaturePermissions(
  index: PdfObjectIndex,
  signedRevision: number,
  sigObject: number | null,
): SignaturePermissions {
  const rev = index.revisions[signedRevision];
  if (sigObject === null || !rev?.xref) return NO_PERMISSIONS;
  const reader = new RevisionReader(index);
  const snap = snapshotAt(index, rev.startxref, rev.xref.trailer);
  const deref = (v: PdfValue | undefined) => reader.deref(v, snap.view);
  const sig = reader.value(sigObject, snap.view);
  if (sig?.kind !== 'dict') return NO_PERMISSIONS;

  const catalog = snap.root === null ? undefined : reader.value(snap.root, snap.view);
  const perms = deref(catalog?.kind === 'dict' ? catalog.entries.get('Perms') : undefined);
  const docMdpRef = perms?.kind === 'dict' ? perms.entries.get('DocMDP') : undefined;
  const namedByCatalog = docMdpRef?.kind === 'ref' && docMdpRef.num === sigObject;

  let docMdp: DocMdpPermission | null = namedByCatalog ? 2 : null;
  let fieldLock: FieldLock | null = null;
  const refs = deref(sig.entries.get('Reference'));
  const list = refs?.kind === 'array' ? refs.items.slice(0, MAX_REFERENCES) : [];
  for (const item of list) {
    const ref = deref(item);
    if (ref?.kind !== 'dict') continue;
    const method = dictGet(ref, 'TransformMethod', 'name')?.value;
    const params = deref(ref.entries.get('TransformParams'));
    if (method === 'DocMDP') docMdp = docMdpP(params);
    else if (method === 'FieldMDP' && params?.kind === 'dict') fieldLock = readFieldLock(params, deref);
  }
  return { docMdp, fieldLock };
}

function docMdpP(params: PdfValue | undefined): DocMdpPermission {
  const p = params?.kind === 'dict' ? params.entries.get('P') : undefined;
  if (p === undefined) return 2; // Table 254: default 2
  return p.kind === 'number' && (p.value === 1 || p.value === 2 || p.value === 3) ? p.value : 1;
}

function readFieldLock(params: PdfDict, deref: (v: PdfValue | undefined) => PdfValue | undefined): FieldLock {
  const action = dictGet(params, 'Action', 'name')?.value;
  const names = deref(params.entries.get('Fields'));
  const fields =
    names?.kind === 'array'
      ? names.items
          .slice(0, MAX_LOCKED_FIELDS)
          .flatMap((x) => (x.kind === 'string' ? [decodeTextString(x.bytes)] : []))
      : [];
  // An unknown action locks everything: the strictest reading.
  return { action: action === 'Include' || action === 'Exclude' ? action : 'All', fields };
}

/** The fields of `changed` that the lock forbids changing (a name locks its descendants too, §12.7.3.2). */
export function lockedFieldsChanged(lock: FieldLock, changed: readonly string[]): string[] {
  const named = (f: string) => lock.fields.some((n) => f === n || f.startsWith(`${n}.`));
  return changed.filter((f) =>
    lock.action === 'All' ? true : lock.action === 'Include' ? named(f) : !named(f),
  );
}
