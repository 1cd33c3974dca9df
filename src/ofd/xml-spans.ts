/**
 * Where each element of an XML file sits in its raw bytes, so that a stamper can splice a new child or a new
 * text into a file another signature may have digested instead of re-serialising it (GM/T 0099 digests are over
 * raw bytes: no canonicalisation, GB/T 33190 §18.1). Byte offsets, not string indices: every markup character is
 * ASCII, so a UTF-8 file scans byte by byte. Meant for files the strict reader (xml-reader.ts) has already
 * accepted; it still refuses what it cannot place rather than guess.
 */
export interface XmlSpan {
  /** Qualified name as written. */
  readonly name: string;
  readonly prefix: string;
  readonly localName: string;
  /** Offset of '<' of the start tag. */
  readonly start: number;
  /** Offset just after the start tag's '>' (for an empty-element tag, just after '/>'). */
  readonly openEnd: number;
  /** Offset of '<' of the end tag (= openEnd for an empty-element tag). */
  readonly closeStart: number;
  /** Offset just after the element. */
  readonly end: number;
  readonly selfClosing: boolean;
  readonly children: readonly XmlSpan[];
}

export class XmlSpanError extends Error {
  override readonly name = 'XmlSpanError';
}

const LT = 0x3c;
const GT = 0x3e;
const SLASH = 0x2f;
const BANG = 0x21;
const QUESTION = 0x3f;

/** The root element's span tree. */
export function xmlSpans(bytes: Uint8Array): XmlSpan {
  const ascii = (at: number, s: string) => {
    for (let i = 0; i < s.length; i++) if (bytes[at + i] !== s.charCodeAt(i)) return false;
    return true;
  };
  const find = (at: number, s: string): number => {
    for (let i = at; i + s.length <= bytes.length; i++) if (ascii(i, s)) return i + s.length;
    throw new XmlSpanError(`unterminated markup, expected ${s}`);
  };
  /** Past a tag, honouring quoted attribute values (which may hold '>'). */
  const tagEnd = (at: number): number => {
    let quote = 0;
    for (let i = at; i < bytes.length; i++) {
      const b = bytes[i]!;
      if (quote) {
        if (b === quote) quote = 0;
      } else if (b === 0x22 || b === 0x27) quote = b;
      else if (b === GT) return i + 1;
    }
    throw new XmlSpanError('unterminated tag');
  };
  const nameAt = (at: number): string => {
    let i = at;
    while (i < bytes.length) {
      const b = bytes[i]!;
      if (b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d || b === SLASH || b === GT) break;
      i++;
    }
    return Buffer.from(bytes.subarray(at, i)).toString('utf8');
  };

  interface Open {
    name: string;
    start: number;
    openEnd: number;
    children: XmlSpan[];
  }
  const stack: Open[] = [];
  let root: XmlSpan | undefined;
  let i = 0;
  while (i < bytes.length) {
    if (bytes[i] !== LT) {
      i++;
      continue;
    }
    const next = bytes[i + 1];
    if (next === QUESTION) i = find(i + 2, '?>');
    else if (next === BANG) {
      if (ascii(i, '<!--')) i = find(i + 4, '-->');
      else if (ascii(i, '<![CDATA[')) i = find(i + 9, ']]>');
      else throw new XmlSpanError('DOCTYPE or unknown markup declaration');
    } else if (next === SLASH) {
      const name = nameAt(i + 2);
      const end = tagEnd(i + 2);
      const open = stack.pop();
      if (!open || open.name !== name) throw new XmlSpanError(`mismatched end tag </${name}>`);
      const span = make(open, i, end, false);
      if (stack.length === 0) root = span;
      else stack.at(-1)!.children.push(span);
      i = end;
    } else {
      if (root) throw new XmlSpanError('content after the root element');
      const name = nameAt(i + 1);
      const end = tagEnd(i + 1);
      if (bytes[end - 2] === SLASH) {
        const span = make({ name, start: i, openEnd: end, children: [] }, end, end, true);
        if (stack.length === 0) root = span;
        else stack.at(-1)!.children.push(span);
      } else stack.push({ name, start: i, openEnd: end, children: [] });
      i = end;
    }
  }
  if (!root || stack.length > 0) throw new XmlSpanError('no complete root element');
  return root;
}

function make(
  open: { name: string; start: number; openEnd: number; children: XmlSpan[] },
  closeStart: number,
  end: number,
  selfClosing: boolean,
): XmlSpan {
  const colon = open.name.indexOf(':');
  return {
    name: open.name,
    prefix: colon < 0 ? '' : open.name.slice(0, colon),
    localName: colon < 0 ? open.name : open.name.slice(colon + 1),
    start: open.start,
    openEnd: open.openEnd,
    closeStart,
    end,
    selfClosing,
    children: open.children,
  };
}

export interface Splice {
  readonly at: number;
  /** Bytes removed from `at`. */
  readonly remove: number;
  readonly insert: string;
}

/**
 * Applies non-overlapping splices to the original bytes; everything else stays as it was. At one offset, pure
 * insertions go before a replacement that starts there (given order kept among insertions).
 */
export function applySplices(bytes: Uint8Array, splices: readonly Splice[]): Uint8Array {
  const sorted = [...splices].sort((a, b) => a.at - b.at || Math.sign(a.remove) - Math.sign(b.remove));
  const parts: Uint8Array[] = [];
  let at = 0;
  for (const s of sorted) {
    if (s.at < at) throw new XmlSpanError('overlapping splices');
    parts.push(bytes.subarray(at, s.at), Buffer.from(s.insert, 'utf8'));
    at = s.at + s.remove;
  }
  parts.push(bytes.subarray(at));
  return new Uint8Array(Buffer.concat(parts));
}

/** Escapes text or an attribute value (XML 1.0 §2.4, §3.1). */
export function escapeXml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!,
  );
}
