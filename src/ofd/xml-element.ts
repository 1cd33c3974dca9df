/**
 * The small element tree the XML reader builds for OFD structural files. Elements are matched by local name,
 * as ofdrw does (`OFDElement`, NSStrictMode = false): real producers bind `ofd` to other URIs or use a default
 * namespace, and the namespace is reported as a finding, not used to skip elements.
 */
export interface XmlElement {
  /** Qualified name as written (`ofd:Page`). */
  readonly name: string;
  readonly prefix: string;
  readonly localName: string;
  /** Namespace URI the prefix is bound to; '' when none. */
  readonly namespace: string;
  /** Attributes by qualified name as written, values normalised per XML 1.0 §3.3.3 (CDATA type). */
  readonly attributes: ReadonlyMap<string, string>;
  readonly children: readonly XmlElement[];
  /** The element's own character data (children's text excluded), entity references expanded. */
  readonly text: string;
}

export function child(e: XmlElement, localName: string): XmlElement | undefined {
  return e.children.find((c) => c.localName === localName);
}

export function childrenNamed(e: XmlElement, localName: string): XmlElement[] {
  return e.children.filter((c) => c.localName === localName);
}

/** Text of the first child with this local name, trimmed; undefined when absent or blank. */
export function childText(e: XmlElement, localName: string): string | undefined {
  const t = child(e, localName)?.text.trim();
  return t === undefined || t === '' ? undefined : t;
}

/** Unprefixed attribute (GB/T 33190 schemas: attributeFormDefault="unqualified"). */
export function attr(e: XmlElement, name: string): string | undefined {
  return e.attributes.get(name);
}

/** Depth-first walk, the element itself first. */
export function* descendants(e: XmlElement): Generator<XmlElement> {
  const stack: XmlElement[] = [e];
  while (stack.length > 0) {
    const x = stack.pop()!;
    yield x;
    for (let i = x.children.length - 1; i >= 0; i--) stack.push(x.children[i]!);
  }
}
