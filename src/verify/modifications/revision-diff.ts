import type { PdfObjectIndex } from '../../pdf/pdf-object-index.js';
import { isPdfWhitespace, type PdfValue } from '../../pdf/pdf-object-scanner.js';
import type { XrefEntry } from '../../pdf/pdf-xref.js';
import {
  CATEGORY_RANK,
  worse,
  type ModificationAnalysis,
  type ModificationCategory,
  type ObjectChange,
} from './categories.js';
import { refsOf, sameValue } from './pdf-values.js';
import { RevisionReader, snapshotAt, type Snapshot, type View } from './revision-reader.js';
import { RuleContext, type RuleVerdict, type WhitelistRule } from './rule.js';
import { WHITELIST_RULES } from './rules/index.js';

// What changed after a signature (validation.md, "Content added after a signature"): each revision after the
// signed one is compared with the one before it as a viewer reads them, object by object (pyHanko reviews
// each revision on its own too: what an intermediate update did may not be visible in the last one). Every
// added, changed or deleted object must be accepted by a whitelist rule (rules/); what none accepts is
// 'other'. New objects nobody's rule speaks for take the category of the changed objects that use them (a
// widget's appearance stream is what its widget is); an unused new object is invisible, unless the signed
// revision already referred to its number (the replacement half of a shadow attack: 'other').

const MAX_REPORTED = 50;
const MAX_WALK = 200_000;

interface Pending {
  num: number;
  kind: 'added' | 'changed' | 'deleted';
  category: RuleVerdict['category'];
  what: string;
  rule?: string;
  field?: string;
  value: PdfValue | undefined;
}

function sameEntry(a: XrefEntry | undefined, b: XrefEntry | undefined): boolean {
  if (!a || !b) return a === b;
  return a.type === b.type && a.offset === b.offset && a.stream === b.stream && a.index === b.index;
}

/** Every object number referenced by any object of a view (for the shadow checks); bounded. */
function allReferences(reader: RevisionReader, view: View): Set<number> {
  const out = new Set<number>();
  let n = 0;
  for (const [num, e] of view) {
    if (e.type === 'free' || n++ > MAX_WALK) continue;
    const v = reader.value(num, view);
    if (v) refsOf(v, out);
  }
  return out;
}

/** The first rule's answer for one changed object, or null when no rule speaks for it. */
export function judge(
  change: { num: number; value: PdfValue; old: PdfValue | undefined },
  ctx: RuleContext,
  rules: readonly WhitelistRule[] = WHITELIST_RULES,
): (RuleVerdict & { rule: string }) | null {
  for (const rule of rules) {
    const v = rule.apply(change, ctx);
    if (v) return { ...v, rule: rule.name };
  }
  return null;
}

/** Compares revision `revision` (snapshot `next`) with the one before it (`prev`). */
export function diffRevision(
  reader: RevisionReader,
  prev: Snapshot,
  next: Snapshot,
  revision: number,
): ObjectChange[] {
  const { view: pv } = prev;
  const { view: nv } = next;
  const ctx = new RuleContext(reader, prev, next, revision);
  let signedRefs: Set<number> | null = null;
  const referencedBefore = () => (signedRefs ??= allReferences(reader, pv));
  const changedContainers = new Set<number>();
  for (const [num, e] of nv) if (!sameEntry(e, pv.get(num))) changedContainers.add(num);
  const pending = new Map<number, Pending>();

  for (const num of new Set([...nv.keys(), ...pv.keys()])) {
    const e = nv.get(num);
    const p = pv.get(num);
    const compressedMoved = e?.type === 'compressed' && changedContainers.has(e.stream!);
    if (sameEntry(e, p) && !compressedMoved) continue;
    const existed = !!p && p.type !== 'free';
    if (!e || e.type === 'free') {
      if (existed)
        pending.set(num, { num, kind: 'deleted', category: 'derive', what: 'object', value: undefined });
      continue;
    }
    const kind = existed ? 'changed' : 'added';
    const value = reader.value(num, nv);
    const old = existed ? reader.value(num, pv) : undefined;
    if (!value) {
      pending.set(num, { num, kind, category: 'other', what: 'unreadable object', value: undefined });
      continue;
    }
    if (existed && old && sameValue(value, old)) {
      const ns = reader.streamBytes(num, nv);
      const os = reader.streamBytes(num, pv);
      if ((ns === null && os === null) || (ns && os && ns.equals(os))) continue; // rewritten unchanged
    }
    const verdict = judge({ num, value, old }, ctx);
    if (verdict) pending.set(num, { num, kind, ...verdict, value });
    else
      pending.set(num, {
        num,
        kind,
        category: existed ? 'other' : 'derive',
        what: describeObject(value),
        value,
      });
  }

  // New objects take the category of the changed objects that use them.
  const referrers = new Map<number, number[]>();
  for (const p of pending.values()) {
    if (!p.value) continue;
    for (const r of refsOf(p.value)) {
      if (r === p.num || !pending.has(r)) continue;
      const list = referrers.get(r) ?? [];
      list.push(p.num);
      referrers.set(r, list);
    }
  }
  for (let pass = 0, progress = true; progress && pass < 64; pass++) {
    progress = false;
    for (const p of pending.values()) {
      if (p.category !== 'derive') continue;
      const from = (referrers.get(p.num) ?? []).map((n) => pending.get(n)!.category);
      const known = from.filter((c): c is ModificationCategory => c !== 'derive' && c !== 'ignore');
      if (known.length && known.length === from.filter((c) => c !== 'ignore').length) {
        p.category = known.reduce(worse);
        progress = true;
      }
    }
  }
  const out: ObjectChange[] = [];
  for (const p of pending.values()) {
    let category = p.category;
    if (category === 'derive') {
      const from = referrers.get(p.num) ?? [];
      if (p.kind === 'deleted' || from.length === 0)
        category = referencedBefore().has(p.num) ? 'other' : 'ignore';
      else if (from.every((n) => pending.get(n)!.category === 'ignore')) category = 'ignore';
      else category = 'other'; // a cycle of new objects no rule speaks for
      if (category === 'other' && from.length === 0) p.what = `${p.what} referenced by the signed revision`;
      delete p.rule;
    }
    if (category === 'ignore') continue;
    out.push({
      num: p.num,
      revision,
      kind: p.kind,
      category,
      what: p.what,
      ...(p.rule ? { rule: p.rule } : {}),
      ...(p.field ? { field: p.field } : {}),
    });
  }
  return out;
}

function describeObject(v: PdfValue): string {
  if (v.kind !== 'dict') return v.kind;
  const type = v.entries.get('Type');
  const sub = v.entries.get('Subtype');
  const t = type?.kind === 'name' ? type.value : undefined;
  const s = sub?.kind === 'name' ? sub.value : undefined;
  if (t === 'Font' || t === 'FontDescriptor') return 'font';
  if (s === 'Image') return 'image';
  if (s === 'Form') return 'form XObject';
  if (t === 'Pages') return 'page tree';
  if (t) return t;
  if (v.entries.has('Length')) return 'stream';
  return 'dictionary';
}

/**
 * Classifies everything after the revision `signedRevision` (index into `index.revisions`). Nothing is
 * judged about the signature itself.
 */
export function analyseModifications(index: PdfObjectIndex, signedRevision: number): ModificationAnalysis {
  const reader = new RevisionReader(index);
  const revs = index.revisions;
  const changes: ObjectChange[] = [];
  const signed = revs[signedRevision];
  if (signed?.xref) {
    let prev = snapshotAt(index, signed.startxref, signed.xref.trailer);
    for (let k = signedRevision + 1; k < revs.length; k++) {
      const r = revs[k]!;
      if (!r.xref) {
        changes.push({
          num: null,
          revision: k,
          kind: 'unreadable-revision',
          category: 'other',
          what: 'revision without a readable cross-reference section',
        });
        continue;
      }
      const next = snapshotAt(index, r.startxref, r.xref.trailer);
      changes.push(...diffRevision(reader, prev, next, k));
      prev = next;
    }
  }
  const last = revs[revs.length - 1];
  const bytes = index.scanner.bytes;
  if (last) {
    let extra = 0;
    for (let i = last.end; i < bytes.length; i++) if (!isPdfWhitespace(bytes[i])) extra++;
    if (extra > 0)
      changes.push({
        num: null,
        revision: revs.length,
        kind: 'appended-bytes',
        category: 'other',
        what: `${extra} bytes after the last %%EOF that are not a revision`,
      });
  }
  const categories = [...new Set(changes.map((c) => c.category))].sort(
    (a, b) => CATEGORY_RANK[a] - CATEGORY_RANK[b],
  );
  const filledFields = [...new Set(changes.flatMap((c) => (c.field ? [c.field] : [])))];
  // The most serious changes first in the report, so the truncated list still names them.
  const reported = [...changes].sort((a, b) => CATEGORY_RANK[b.category] - CATEGORY_RANK[a.category]);
  return {
    signedRevision,
    laterRevisions: Math.max(0, revs.length - 1 - signedRevision),
    changes: reported.slice(0, MAX_REPORTED),
    categories,
    filledFields,
    worst: categories.length ? categories[categories.length - 1]! : null,
  };
}
