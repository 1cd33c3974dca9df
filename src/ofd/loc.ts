import { hasControlCharacter } from './control-characters.js';

/**
 * ST_Loc resolution (GB/T 33190 Table 2, ofdrw-core `basicType/ST_Loc.java`): `/x` is relative to the package
 * root, anything else to the directory of the file that holds the reference; `.` and `..` are allowed; names are
 * case-sensitive. Real files break the last rule (a gomain invoice references `TPLS/Tpl_0/Content.xml` while the
 * package holds `Tpls/Tpl_0/Content.xml`) and Windows readers cope, so an exact miss falls back to a case-insensitive
 * match — reported, and only when it is unique: if two package files match, a verifier and a viewer could pick
 * different ones, so the reference fails.
 */
export type LocResolution =
  /** `caseFixed`: found only by the case-insensitive fallback. */
  | { readonly status: 'found'; readonly path: string; readonly caseFixed: boolean }
  | { readonly status: 'missing'; readonly path: string }
  | { readonly status: 'ambiguous'; readonly path: string; readonly candidates: readonly string[] }
  /** Empty, escapes the root, or has backslashes / control characters. */
  | { readonly status: 'invalid'; readonly loc: string; readonly why: string };

/** Case and Unicode normalisation folded, as the ZIP reader folds names when it refuses look-alikes. */
const fold = (s: string): string => s.normalize('NFC').toLowerCase();

/** The file names of a package, with a case-folded index built once. */
export class PackagePaths {
  private readonly exact: ReadonlySet<string>;
  private readonly folded = new Map<string, string[]>();

  constructor(names: Iterable<string>) {
    this.exact = new Set(names);
    for (const n of this.exact) {
      const k = fold(n);
      const list = this.folded.get(k);
      if (list) list.push(n);
      else this.folded.set(k, [n]);
    }
  }

  has(path: string): boolean {
    return this.exact.has(path);
  }

  caseInsensitive(path: string): readonly string[] {
    return this.folded.get(fold(path)) ?? [];
  }
}

/** Directory part of a package path ('' for the root). Package paths carry no leading slash. */
export function dirOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

/**
 * The package path a loc names, without looking it up: absolute or relative to `baseDir` ('' = root),
 * `.`/`..` and repeated slashes folded. Undefined with a reason when it cannot name a package file.
 */
export function normaliseLoc(loc: string, baseDir: string): { path: string } | { why: string } {
  const s = loc.trim();
  if (s === '') return { why: 'empty' };
  if (s.includes('\\')) return { why: 'backslash' };
  if (hasControlCharacter(s)) return { why: 'control character' };
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(s)) return { why: 'URI scheme or drive letter' };
  const absolute = s.startsWith('/');
  const parts: string[] = absolute || baseDir === '' ? [] : baseDir.split('/');
  for (const seg of s.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (parts.length === 0) return { why: 'escapes the package root' };
      parts.pop();
    } else parts.push(seg);
  }
  if (parts.length === 0) return { why: 'names the package root' };
  return { path: parts.join('/') };
}

export function resolveLoc(loc: string, baseDir: string, paths: PackagePaths): LocResolution {
  const n = normaliseLoc(loc, baseDir);
  if ('why' in n) return { status: 'invalid', loc, why: n.why };
  if (paths.has(n.path)) return { status: 'found', path: n.path, caseFixed: false };
  const candidates = paths.caseInsensitive(n.path);
  if (candidates.length === 1) return { status: 'found', path: candidates[0]!, caseFixed: true };
  if (candidates.length > 1) return { status: 'ambiguous', path: n.path, candidates: [...candidates].sort() };
  return { status: 'missing', path: n.path };
}
