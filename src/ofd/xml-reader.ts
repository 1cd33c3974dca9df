import { malformed, OfdError, tooComplex } from './ofd-error.js';
import { finding, type OfdFinding } from './ofd-finding.js';
import { OFD_LIMITS, type OfdLimits } from './ofd-limits.js';
import type { XmlElement } from './xml-element.js';

/**
 * A strict, small XML 1.0 + Namespaces reader for the OFD structural files (OFD.xml, Document.xml, Res,
 * pages, annotation/attachment/tag indexes, Signatures.xml, Signature.xml). Hand-written because no XML parser
 * is installed (saxes, the choice of the design, is not in node_modules) and because the subset OFD needs is
 * small: elements, attributes, character data, CDATA, comments and processing instructions.
 *
 * Hostile-input rules: any `<!DOCTYPE` is refused (no internal subset, so no entity expansion and no external
 * fetch can ever happen); only the five predefined entities and character references are expanded, any other
 * `&name;` is not well-formed without a DTD and is refused; size, depth and element count are bounded
 * (`too-complex`). The encoding must be UTF-8 (GB/T 33190 §7.1), a BOM is accepted and noted.
 *
 * Namespace notes (GB/T 33190 §7.1: namespace http://www.ofdspec.org/2016, prefix `ofd`): an element in another
 * namespace, a default-namespace OFD element, or another prefix is noted once per file; matching is by local
 * name regardless (xml-element.ts).
 */
export const OFD_NAMESPACE = 'http://www.ofdspec.org/2016';

export interface XmlDocument {
  readonly root: XmlElement;
  readonly findings: readonly OfdFinding[];
  readonly hasBom: boolean;
}

export interface XmlReadOptions {
  /** Package path, for findings and messages. */
  readonly path?: string;
  readonly limits?: OfdLimits;
  /** Check elements against the OFD namespace and note deviations (default true). */
  readonly ofdNamespace?: boolean;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', apos: "'", quot: '"' };
const XML_NS = 'http://www.w3.org/XML/1998/namespace';

interface Building {
  name: string;
  prefix: string;
  localName: string;
  namespace: string;
  attributes: Map<string, string>;
  children: XmlElement[];
  text: string;
  scope: Map<string, string>;
}

export function readXml(bytes: Uint8Array, options: XmlReadOptions = {}): XmlDocument {
  const limits = options.limits ?? OFD_LIMITS;
  const where = options.path === undefined ? '' : `: ${options.path}`;
  if (bytes.length > limits.maxXmlBytes)
    throw tooComplex('xml-too-large', `XML 文件过大 / XML file too large (${bytes.length} bytes)${where}`);
  const hasBom = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  let src: string;
  try {
    src = utf8.decode(hasBom ? bytes.subarray(3) : bytes);
  } catch (err) {
    throw malformed('xml-encoding', `XML 不是有效的 UTF-8 / XML is not valid UTF-8${where}`, err);
  }
  // XML 1.0 §2.11 end-of-line handling.
  if (src.includes('\r')) src = src.replace(/\r\n?/g, '\n');
  const findings: OfdFinding[] = [];
  if (hasBom)
    findings.push(finding('xml-bom', 'info', 'XML 文件带 BOM / XML file starts with a BOM', options.path));
  const root = new Parser(src, limits, where).parse();
  if (options.ofdNamespace !== false) noteNamespaces(root, findings, options.path);
  return { root, findings, hasBom };
}

function noteNamespaces(root: XmlElement, findings: OfdFinding[], path: string | undefined): void {
  const others = new Set<string>();
  let unprefixed = false;
  let otherPrefix: string | undefined;
  const stack: XmlElement[] = [root];
  while (stack.length > 0) {
    const e = stack.pop()!;
    if (e.namespace !== OFD_NAMESPACE) others.add(e.namespace === '' ? '(none)' : e.namespace);
    else if (e.prefix === '') unprefixed = true;
    else if (e.prefix !== 'ofd') otherPrefix = e.prefix;
    for (const c of e.children) stack.push(c);
  }
  if (others.size > 0)
    findings.push(
      finding(
        'xml-namespace-nonstandard',
        'warning',
        `元素不在 OFD 命名空间 / elements outside the OFD namespace (${[...others].join(', ')}); matched by local name`,
        path,
      ),
    );
  if (unprefixed)
    findings.push(
      finding(
        'xml-namespace-default',
        'warning',
        'OFD 元素使用默认命名空间 / OFD elements in the default namespace',
        path,
      ),
    );
  if (otherPrefix !== undefined)
    findings.push(
      finding(
        'xml-prefix-nonstandard',
        'info',
        `OFD 命名空间前缀为 ${otherPrefix} / OFD namespace prefix is ${otherPrefix}`,
        path,
      ),
    );
}

// XML 1.0 §2.3 NameStartChar / NameChar, the ASCII part exactly; non-ASCII letters accepted wholesale.
const isNameStart = (c: number) =>
  (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || c === 0x3a || c >= 0xc0;
const isNameChar = (c: number) =>
  isNameStart(c) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2e || c === 0xb7;
const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;

class Parser {
  private pos = 0;
  private elements = 0;

  constructor(
    private readonly src: string,
    private readonly limits: OfdLimits,
    private readonly where: string,
  ) {}

  private fail(message: string): OfdError {
    return malformed(
      'xml-syntax',
      `XML 格式错误 / malformed XML: ${message} at offset ${this.pos}${this.where}`,
    );
  }

  parse(): XmlElement {
    this.prolog();
    if (!this.src.startsWith('<', this.pos)) throw this.fail('no root element');
    const root = this.element();
    this.misc();
    if (this.pos !== this.src.length) throw this.fail('content after the root element');
    return root;
  }

  private prolog(): void {
    if (this.src.startsWith('<?xml', this.pos) && isSpace(this.src.charCodeAt(this.pos + 5))) {
      const end = this.src.indexOf('?>', this.pos);
      if (end < 0) throw this.fail('unterminated XML declaration');
      const decl = this.src.slice(this.pos, end);
      const enc = /\sencoding\s*=\s*["']([^"']*)["']/.exec(decl)?.[1];
      if (enc !== undefined && !/^utf-?8$/i.test(enc))
        throw malformed(
          'xml-encoding',
          `XML 编码不是 UTF-8 / XML encoding is not UTF-8: ${enc}${this.where}`,
        );
      this.pos = end + 2;
    }
    this.misc();
    if (this.src.startsWith('<!DOCTYPE', this.pos) || this.src.startsWith('<!doctype', this.pos))
      throw malformed('xml-doctype', `XML 含 DOCTYPE（不允许）/ XML with a DOCTYPE is refused${this.where}`);
  }

  /** Comments, processing instructions and white space. */
  private misc(): void {
    for (;;) {
      while (this.pos < this.src.length && isSpace(this.src.charCodeAt(this.pos))) this.pos++;
      if (this.src.startsWith('<!--', this.pos)) this.comment();
      else if (this.src.startsWith('<?', this.pos)) this.pi();
      else return;
    }
  }

  private comment(): void {
    const end = this.src.indexOf('-->', this.pos + 4);
    if (end < 0) throw this.fail('unterminated comment');
    this.pos = end + 3;
  }

  private pi(): void {
    const end = this.src.indexOf('?>', this.pos + 2);
    if (end < 0) throw this.fail('unterminated processing instruction');
    const target = this.src.slice(this.pos + 2, end).split(/\s/, 1)[0]!;
    if (target.toLowerCase() === 'xml') throw this.fail('misplaced XML declaration');
    this.pos = end + 2;
  }

  private name(): string {
    const start = this.pos;
    if (!isNameStart(this.src.charCodeAt(this.pos))) throw this.fail('expected a name');
    this.pos++;
    while (this.pos < this.src.length && isNameChar(this.src.charCodeAt(this.pos))) this.pos++;
    return this.src.slice(start, this.pos);
  }

  private spaces(): boolean {
    const start = this.pos;
    while (this.pos < this.src.length && isSpace(this.src.charCodeAt(this.pos))) this.pos++;
    return this.pos > start;
  }

  /** Iterative, so depth is bounded by the limit and never by the JavaScript stack. */
  private element(): XmlElement {
    const stack: Building[] = [];
    let parentScope = new Map<string, string>([['xml', XML_NS]]);
    for (;;) {
      // at '<' of a start tag
      const open = this.startTag(parentScope);
      if (++this.elements > this.limits.maxXmlElements)
        throw tooComplex('xml-too-many-elements', `XML 元素过多 / too many XML elements${this.where}`);
      if (open.selfClosing) {
        const done = freeze(open.element);
        if (stack.length === 0) return done;
        stack[stack.length - 1]!.children.push(done);
      } else {
        stack.push(open.element);
        if (stack.length > this.limits.maxXmlDepth)
          throw tooComplex('xml-too-deep', `XML 嵌套过深 / XML nested too deeply${this.where}`);
      }
      // content until the next start tag, or closing as many elements as end here
      for (;;) {
        const top = stack[stack.length - 1];
        if (top === undefined) throw this.fail('internal: empty stack');
        const lt = this.src.indexOf('<', this.pos);
        if (lt < 0) throw this.fail(`unclosed element ${top.name}`);
        if (lt > this.pos) {
          const data = this.src.slice(this.pos, lt);
          if (data.includes(']]>')) throw this.fail(']]> in character data'); // XML 1.0 §2.4
          top.text += this.chars(data);
        }
        this.pos = lt;
        if (this.src.startsWith('</', this.pos)) {
          this.pos += 2;
          const name = this.name();
          this.spaces();
          if (this.src[this.pos] !== '>') throw this.fail('expected >');
          this.pos++;
          if (name !== top.name) throw this.fail(`</${name}> closes <${top.name}>`);
          stack.pop();
          const done = freeze(top);
          if (stack.length === 0) return done;
          stack[stack.length - 1]!.children.push(done);
        } else if (this.src.startsWith('<!--', this.pos)) this.comment();
        else if (this.src.startsWith('<![CDATA[', this.pos)) {
          const end = this.src.indexOf(']]>', this.pos + 9);
          if (end < 0) throw this.fail('unterminated CDATA section');
          top.text += this.src.slice(this.pos + 9, end);
          this.pos = end + 3;
        } else if (this.src.startsWith('<!', this.pos))
          throw malformed('xml-doctype', `XML 含声明（不允许）/ markup declaration refused${this.where}`);
        else if (this.src.startsWith('<?', this.pos)) this.pi();
        else {
          parentScope = top.scope;
          break;
        }
      }
    }
  }

  private startTag(parentScope: Map<string, string>): { element: Building; selfClosing: boolean } {
    this.pos++; // '<'
    const name = this.name();
    const raw: [string, string][] = [];
    let selfClosing = false;
    for (;;) {
      const hadSpace = this.spaces();
      const c = this.src[this.pos];
      if (c === '>') {
        this.pos++;
        break;
      }
      if (c === '/' && this.src[this.pos + 1] === '>') {
        this.pos += 2;
        selfClosing = true;
        break;
      }
      if (!hadSpace) throw this.fail('expected white space between attributes');
      const attrName = this.name();
      this.spaces();
      if (this.src[this.pos] !== '=') throw this.fail('expected =');
      this.pos++;
      this.spaces();
      const q = this.src[this.pos];
      if (q !== '"' && q !== "'") throw this.fail('expected a quoted attribute value');
      const end = this.src.indexOf(q, this.pos + 1);
      if (end < 0) throw this.fail('unterminated attribute value');
      const rawValue = this.src.slice(this.pos + 1, end);
      if (rawValue.includes('<')) throw this.fail('< in an attribute value');
      this.pos = end + 1;
      if (raw.some(([n]) => n === attrName)) throw this.fail(`duplicate attribute ${attrName}`);
      raw.push([attrName, this.chars(rawValue.replace(/[\t\n]/g, ' '))]);
    }

    let scope = parentScope;
    const attributes = new Map<string, string>();
    for (const [n, v] of raw) {
      if (n === 'xmlns' || n.startsWith('xmlns:')) {
        if (scope === parentScope) scope = new Map(parentScope);
        const p = n === 'xmlns' ? '' : n.slice(6);
        // Namespaces in XML 1.0 §3: a prefix cannot be undeclared, `xml`/`xmlns` cannot be rebound.
        if (p !== '' && v === '') throw this.nsFail(`prefix ${p} bound to the empty name`);
        if (p === 'xmlns' || (p === 'xml' && v !== XML_NS)) throw this.nsFail(`reserved prefix ${p}`);
        scope.set(p, v);
      }
      attributes.set(n, v);
    }
    for (const n of attributes.keys()) {
      const colon = n.indexOf(':');
      if (colon > 0 && !n.startsWith('xmlns:') && !scope.has(n.slice(0, colon)))
        throw this.nsFail(`unbound prefix in attribute ${n}`);
    }
    const colon = name.indexOf(':');
    if (colon === 0 || colon === name.length - 1 || name.indexOf(':', colon + 1) >= 0)
      throw this.nsFail(`malformed qualified name ${name}`);
    const prefix = colon > 0 ? name.slice(0, colon) : '';
    const localName = colon > 0 ? name.slice(colon + 1) : name;
    const namespace = scope.get(prefix);
    if (namespace === undefined && prefix !== '') throw this.nsFail(`unbound prefix ${prefix}`);
    return {
      element: {
        name,
        prefix,
        localName,
        namespace: namespace ?? '',
        attributes,
        children: [],
        text: '',
        scope,
      },
      selfClosing,
    };
  }

  private nsFail(message: string): OfdError {
    return malformed('xml-namespace', `XML 命名空间错误 / XML namespace error: ${message}${this.where}`);
  }

  /** Expands references in character data; refuses `&name;` other than the five predefined ones. */
  private chars(s: string): string {
    if (!s.includes('&')) return s;
    return s.replace(/&([^;&<]*);|&/g, (m, ref: string | undefined) => {
      if (ref === undefined) throw this.fail('bare &');
      if (ref.startsWith('#')) {
        const hex = ref[1] === 'x';
        const digits = ref.slice(hex ? 2 : 1);
        if (!(hex ? /^[0-9a-fA-F]{1,6}$/ : /^[0-9]{1,7}$/).test(digits))
          throw this.fail(`bad character reference ${m}`);
        const cp = parseInt(digits, hex ? 16 : 10);
        // XML 1.0 §2.2 Char
        const ok =
          cp === 0x9 ||
          cp === 0xa ||
          cp === 0xd ||
          (cp >= 0x20 && cp <= 0xd7ff) ||
          (cp >= 0xe000 && cp <= 0xfffd) ||
          (cp >= 0x10000 && cp <= 0x10ffff);
        if (!ok) throw this.fail(`character reference to a non-character ${m}`);
        return String.fromCodePoint(cp);
      }
      const v = PREDEFINED[ref];
      if (v === undefined)
        throw malformed(
          'xml-doctype',
          `XML 引用了未定义的实体 &${ref}; / undefined entity &${ref};${this.where}`,
        );
      return v;
    });
  }
}

function freeze(b: Building): XmlElement {
  return {
    name: b.name,
    prefix: b.prefix,
    localName: b.localName,
    namespace: b.namespace,
    attributes: b.attributes,
    children: b.children,
    text: b.text,
  };
}
