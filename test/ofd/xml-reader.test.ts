import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { OfdError } from '../../src/ofd/ofd-error.js';
import { OFD_LIMITS } from '../../src/ofd/ofd-limits.js';
import { attr, child, childrenNamed, type XmlElement } from '../../src/ofd/xml-element.js';
import { OFD_NAMESPACE, readXml } from '../../src/ofd/xml-reader.js';
import { text } from './zip-builder.js';

function refusal(xml: string | Uint8Array, limits = OFD_LIMITS): string {
  try {
    readXml(typeof xml === 'string' ? text(xml) : xml, { limits });
  } catch (err) {
    if (err instanceof OfdError) return `${err.code}/${err.reason}`;
    throw err;
  }
  return 'accepted';
}

const codes = (xml: string | Uint8Array) =>
  readXml(typeof xml === 'string' ? text(xml) : xml).findings.map((f) => f.code);

describe('XML reader', () => {
  it('builds the element tree with namespaces, attributes, text and references expanded', () => {
    const doc = readXml(
      text(
        '<?xml version="1.0" encoding="UTF-8"?>\r\n<!-- c --><ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016" Version="1.0">' +
          '<ofd:DocBody><ofd:DocRoot> Doc_0/Document.xml </ofd:DocRoot><ofd:Creator>OFD R&amp;W &#x4E2D;&#25991;</ofd:Creator>' +
          '<ofd:X A="a&lt;b&quot;\tc"/><![CDATA[<raw & text>]]><?pi data?></ofd:DocBody></ofd:OFD>',
      ),
    );
    const root = doc.root;
    assert.equal(root.localName, 'OFD');
    assert.equal(root.prefix, 'ofd');
    assert.equal(root.namespace, OFD_NAMESPACE);
    assert.equal(attr(root, 'Version'), '1.0');
    const body = child(root, 'DocBody')!;
    assert.equal(child(body, 'DocRoot')!.text, ' Doc_0/Document.xml ');
    assert.equal(child(body, 'Creator')!.text, 'OFD R&W 中文');
    assert.equal(attr(child(body, 'X')!, 'A'), 'a<b" c');
    assert.equal(body.text, '<raw & text>');
    assert.deepEqual(doc.findings, []);
  });

  it('matches by local name whatever the namespace, and notes the namespace', () => {
    const old = '<ofd:OFD xmlns:ofd="http://www.ofdspec.org"><ofd:DocBody/></ofd:OFD>';
    assert.equal(childrenNamed(readXml(text(old)).root, 'DocBody').length, 1);
    assert.deepEqual(codes(old), ['xml-namespace-nonstandard']);
    assert.deepEqual(codes('<OFD xmlns="http://www.ofdspec.org/2016"><DocBody/></OFD>'), [
      'xml-namespace-default',
    ]);
    assert.deepEqual(codes('<o:OFD xmlns:o="http://www.ofdspec.org/2016"/>'), ['xml-prefix-nonstandard']);
    assert.deepEqual(codes('<OFD/>'), ['xml-namespace-nonstandard']);
    assert.deepEqual(
      codes(new Uint8Array([0xef, 0xbb, 0xbf, ...text('<ofd:a xmlns:ofd="http://www.ofdspec.org/2016"/>')])),
      ['xml-bom'],
    );
  });

  const refused: [string, string, string][] = [
    ['a DOCTYPE', '<!DOCTYPE a><a/>', 'malformed-ofd/xml-doctype'],
    [
      'entity expansion (billion laughs)',
      '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><l>&b;</l>',
      'malformed-ofd/xml-doctype',
    ],
    ['an external entity', '<!DOCTYPE a SYSTEM "file:///etc/passwd"><a>&x;</a>', 'malformed-ofd/xml-doctype'],
    ['an undeclared entity reference', '<a>&x;</a>', 'malformed-ofd/xml-doctype'],
    ['a markup declaration inside content', '<a><!ENTITY x "y"></a>', 'malformed-ofd/xml-doctype'],
    ['a non-UTF-8 encoding', '<?xml version="1.0" encoding="GBK"?><a/>', 'malformed-ofd/xml-encoding'],
    ['mismatched tags', '<a><b></a></b>', 'malformed-ofd/xml-syntax'],
    ['an unclosed element', '<a><b/>', 'malformed-ofd/xml-syntax'],
    ['content after the root', '<a/><b/>', 'malformed-ofd/xml-syntax'],
    ['text before the root', 'x<a/>', 'malformed-ofd/xml-syntax'],
    ['a duplicate attribute', '<a x="1" x="2"/>', 'malformed-ofd/xml-syntax'],
    ['< in an attribute', '<a x="<"/>', 'malformed-ofd/xml-syntax'],
    ['a bare ampersand', '<a>AT&T</a>', 'malformed-ofd/xml-syntax'],
    ['a reference to a non-character', '<a>&#0;</a>', 'malformed-ofd/xml-syntax'],
    ['an unbound prefix', '<ofd:a/>', 'malformed-ofd/xml-namespace'],
    ['an empty prefix (tax CustomTag.xml shape)', '<:eInvoice xmlns:=""/>', 'malformed-ofd/xml-namespace'],
    ['an undeclared prefix binding', '<a xmlns:p=""/>', 'malformed-ofd/xml-namespace'],
    ['no root', '<?xml version="1.0"?>', 'malformed-ofd/xml-syntax'],
    [']]> in character data', '<a>x]]>y</a>', 'malformed-ofd/xml-syntax'],
  ];
  for (const [title, xml, expected] of refused)
    it(`refuses ${title}`, () => assert.equal(refusal(xml), expected));

  it('refuses invalid UTF-8', () =>
    assert.equal(
      refusal(new Uint8Array([0x3c, 0x61, 0x3e, 0xc3, 0x28, 0x3c, 0x2f, 0x61, 0x3e])),
      'malformed-ofd/xml-encoding',
    ));

  it('bounds depth, element count and size (too-complex), without exhausting the stack', () => {
    const deep = (n: number) => '<a>'.repeat(n) + '</a>'.repeat(n);
    assert.equal(refusal(deep(256)), 'accepted');
    assert.equal(refusal(deep(257)), 'too-complex/xml-too-deep');
    assert.equal(refusal(deep(200_000)), 'too-complex/xml-too-deep');
    const many = `<a>${'<b/>'.repeat(50)}</a>`;
    assert.equal(refusal(many, { ...OFD_LIMITS, maxXmlElements: 51 }), 'accepted');
    assert.equal(refusal(many, { ...OFD_LIMITS, maxXmlElements: 50 }), 'too-complex/xml-too-many-elements');
    assert.equal(refusal(many, { ...OFD_LIMITS, maxXmlBytes: 100 }), 'too-complex/xml-too-large');
  });

  // Property: a random tree written out is read back as the same tree.
  interface Tree {
    name: string;
    attrs: [string, string][];
    text: string;
    children: Tree[];
  }
  const nameArb = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.-]{0,8}$/);
  // XML 1.0 §2.2 Char, minus CR (end-of-line handling would turn it into LF)
  const isXmlChar = (c: number) => c === 0x9 || c === 0xa || (c >= 0x20 && c !== 0xfffe && c !== 0xffff);
  const textArb = fc
    .string({
      maxLength: 20,
      unit: fc.constantFrom('a', ' ', '\t', '\n', '&', '<', '>', '"', "'", ']]>', '中', '😀', '\u0001'),
    })
    .map((s) => [...s].filter((ch) => isXmlChar(ch.codePointAt(0)!)).join(''));
  const node = (children: fc.Arbitrary<Tree[]>) =>
    fc.record({
      name: nameArb,
      attrs: fc.uniqueArray(fc.tuple(nameArb, textArb), { maxLength: 3, selector: (a) => a[0] }),
      text: textArb,
      children,
    });
  // three levels, up to three children each
  const tree = node(fc.array(node(fc.array(node(fc.constant([])), { maxLength: 3 })), { maxLength: 3 }));
  const esc = (s: string) =>
    s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  const write = (t: Tree): string =>
    `<ofd:${t.name}${t.attrs.map(([k, v]) => ` ${k}="${esc(v).replace(/\t/g, '&#9;').replace(/\n/g, '&#10;')}"`).join('')}>` +
    esc(t.text) +
    t.children.map(write).join('') +
    `</ofd:${t.name}>`;
  const same = (e: XmlElement, t: Tree): void => {
    assert.equal(e.localName, t.name);
    assert.equal(e.namespace, OFD_NAMESPACE);
    for (const [k, v] of t.attrs) assert.equal(attr(e, k), v);
    assert.equal(e.text, t.text);
    assert.equal(e.children.length, t.children.length);
    e.children.forEach((c, i) => same(c, t.children[i]!));
  };

  it('reads back any tree it is given', () => {
    fc.assert(
      fc.property(tree, (t) => {
        const xml = write(t).replace(/^<ofd:[^ >]+/, (m) => `${m} xmlns:ofd="${OFD_NAMESPACE}"`);
        same(readXml(text(`<?xml version="1.0" encoding="UTF-8"?>${xml}`)).root, t);
      }),
      { numRuns: 200 },
    );
  });

  it('random input and mutations end in a tree or an OfdError, never another exception', () => {
    const sample = text(
      '<?xml version="1.0"?><ofd:Signature xmlns:ofd="http://www.ofdspec.org/2016"><ofd:SignedInfo><ofd:References CheckMethod="SM3">' +
        '<ofd:Reference FileRef="/OFD.xml"><ofd:CheckValue>AAA=</ofd:CheckValue></ofd:Reference></ofd:References></ofd:SignedInfo>' +
        '<![CDATA[x]]><!-- c --></ofd:Signature>',
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(sample.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
        (flips) => {
          const m = Uint8Array.from(sample);
          for (const [at, v] of flips) m[at] = v;
          refusal(m);
        },
      ),
      { numRuns: 1500 },
    );
    fc.assert(
      fc.property(
        fc.string({
          maxLength: 80,
          unit: fc.constantFrom(
            '<',
            '>',
            '/',
            '!',
            '?',
            '&',
            ';',
            '"',
            "'",
            '=',
            'a',
            ':',
            ' ',
            '[',
            ']',
            '-',
            '#',
            'x',
          ),
        }),
        (s) => {
          refusal(s);
        },
      ),
      { numRuns: 1500 },
    );
  });
});
