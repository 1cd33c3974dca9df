import { inflateSync } from 'node:zlib';
import { PdfError } from './pdf-error.js';
import { PdfObjectIndex } from './pdf-object-index.js';
import { dictGet, type PdfDict, type PdfValue } from './pdf-object-scanner.js';
import { decodeTextString } from './pdf-text-string.js';
import { streamFilters, type XrefEntry } from './pdf-xref.js';

/**
 * Reads embedded files (ISO 32000 §7.11.4) from the catalog's /Names /EmbeddedFiles name tree: name → file
 * specification → /EF /F (or /UF) stream, decoded. Read in one revision's view (the signed revision for a
 * licence), so a later update cannot swap the attachment the signature vouches for. Bounded: tree depth,
 * entries visited and decoded size; only unfiltered and FlateDecode streams.
 */
export interface EmbeddedFile {
  name: string;
  data: Buffer;
  /** /Subtype of the embedded file stream (a MIME type with '/' written as #2F), if any. */
  subtype: string | null;
}

export const MAX_EMBEDDED_FILE_BYTES = 4 * 1024 * 1024;
const MAX_TREE_DEPTH = 16;
const MAX_TREE_NODES = 10_000;

/**
 * The embedded file named `name`, or null when there is none. `view` selects the revision (default: what a
 * viewer sees). PdfError('MALFORMED') when the named file exists but cannot be decoded or is too large.
 */
export function readEmbeddedFile(
  index: PdfObjectIndex,
  name: string,
  options: { view?: Map<number, XrefEntry>; trailer?: PdfDict | null; maxBytes?: number } = {},
): EmbeddedFile | null {
  const view = options.view ?? index.current;
  const trailer = options.trailer === undefined ? index.trailer : options.trailer;
  const deref = (v: PdfValue | undefined): PdfValue | undefined =>
    v?.kind === 'ref' ? index.resolve(v.num, view)?.obj.value : v;
  const root = deref(trailer?.entries.get('Root'));
  const names = deref(root?.kind === 'dict' ? root.entries.get('Names') : undefined);
  const tree = deref(names?.kind === 'dict' ? names.entries.get('EmbeddedFiles') : undefined);
  if (tree?.kind !== 'dict') return null;
  const spec = lookup(tree, name, deref);
  if (!spec) return null;
  const specDict = deref(spec);
  if (specDict?.kind !== 'dict')
    throw new PdfError('MALFORMED', `embedded file ${name}: no file specification`);
  const ef = deref(specDict.entries.get('EF'));
  if (ef?.kind !== 'dict') throw new PdfError('MALFORMED', `embedded file ${name}: no /EF`);
  const streamRef = ef.entries.get('F') ?? ef.entries.get('UF');
  if (streamRef?.kind !== 'ref')
    throw new PdfError('MALFORMED', `embedded file ${name}: /EF /F is not a stream`);
  const r = index.resolve(streamRef.num, view);
  if (!r || r.inObjectStream || !r.obj.stream || r.obj.value.kind !== 'dict')
    throw new PdfError('MALFORMED', `embedded file ${name}: the stream cannot be read`);
  const data = decode(
    index.scanner.bytes,
    r.obj.value,
    r.obj.stream,
    options.maxBytes ?? MAX_EMBEDDED_FILE_BYTES,
    name,
  );
  return { name, data, subtype: dictGet(r.obj.value, 'Subtype', 'name')?.value ?? null };
}

/** Finds `name` in a name tree (leaf /Names [key value …], inner /Kids); the value, or null. */
function lookup(
  tree: PdfDict,
  name: string,
  deref: (v: PdfValue | undefined) => PdfValue | undefined,
): PdfValue | null {
  let visited = 0;
  const seen = new Set<PdfValue>();
  const walk = (node: PdfValue | undefined, depth: number): PdfValue | null => {
    if (node?.kind !== 'dict' || depth > MAX_TREE_DEPTH || seen.has(node) || ++visited > MAX_TREE_NODES)
      return null;
    seen.add(node);
    const leaf = deref(node.entries.get('Names'));
    if (leaf?.kind === 'array') {
      for (let i = 0; i + 1 < leaf.items.length; i += 2) {
        const key = deref(leaf.items[i]);
        if (key?.kind === 'string' && decodeTextString(key.bytes) === name) return leaf.items[i + 1]!;
      }
    }
    const kids = deref(node.entries.get('Kids'));
    if (kids?.kind === 'array')
      for (const kid of kids.items) {
        const hit = walk(deref(kid), depth + 1);
        if (hit) return hit;
      }
    return null;
  };
  return walk(tree, 0);
}

function decode(
  bytes: Uint8Array,
  dict: PdfDict,
  span: { start: number; end: number },
  maxBytes: number,
  name: string,
): Buffer {
  const raw = Buffer.from(bytes.buffer, bytes.byteOffset + span.start, span.end - span.start);
  const filters = streamFilters(dict);
  if (filters.length === 0) {
    if (raw.length > maxBytes)
      throw new PdfError('MALFORMED', `embedded file ${name} exceeds ${maxBytes} bytes`);
    return Buffer.from(raw);
  }
  if (filters.length !== 1 || (filters[0] !== 'FlateDecode' && filters[0] !== 'Fl'))
    throw new PdfError('MALFORMED', `embedded file ${name}: unsupported filter ${filters.join(', ')}`);
  try {
    return inflateSync(raw, { maxOutputLength: maxBytes });
  } catch (err) {
    throw new PdfError('MALFORMED', `embedded file ${name} cannot be inflated within ${maxBytes} bytes`, {
      cause: err,
    });
  }
}
