import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applySplices, escapeXml, XmlSpanError, xmlSpans } from '../../src/ofd/xml-spans.js';

// Byte offsets of elements, for splicing into files other signatures digested: markup hidden in comments,
// CDATA, processing instructions and attribute values must not be taken for elements.

const bytes = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));
const slice = (b: Uint8Array, from: number, to: number) => Buffer.from(b.subarray(from, to)).toString('utf8');

describe('xmlSpans', () => {
  const src = bytes(
    '\ufeff<?xml version="1.0" encoding="UTF-8"?>\n<!-- <ofd:Signature ID="x"/> -->\n' +
      '<ofd:Signatures xmlns:ofd="http://www.ofdspec.org/2016" note="a > b">' +
      '<ofd:MaxSignId>签2</ofd:MaxSignId><!-- </ofd:Signatures> --><?pi <ofd:Signature/>?>' +
      '<ofd:Signature ID="1" BaseLoc="/甲/Signature.xml"/><x><![CDATA[<ofd:Signature/>]]></x>' +
      '</ofd:Signatures>\n<!-- trailing -->\n',
  );
  const root = xmlSpans(src);

  it('finds the root and its children at their byte offsets, past non-ASCII text', () => {
    assert.equal(root.name, 'ofd:Signatures');
    assert.equal(root.prefix, 'ofd');
    assert.deepEqual(
      root.children.map((c) => c.localName),
      ['MaxSignId', 'Signature', 'x'],
    );
    const [max, sig, x] = root.children;
    assert.equal(slice(src, max!.openEnd, max!.closeStart), '签2');
    assert.equal(slice(src, sig!.start, sig!.end), '<ofd:Signature ID="1" BaseLoc="/甲/Signature.xml"/>');
    assert.equal(sig!.selfClosing, true);
    assert.deepEqual(x!.children, []);
    assert.equal(slice(src, root.closeStart, root.end), '</ofd:Signatures>');
  });

  it('splices without touching any other byte', () => {
    const [max, sig] = root.children;
    const out = applySplices(src, [
      { at: sig!.end, remove: 0, insert: '<ofd:Signature ID="3"/>' },
      { at: max!.openEnd, remove: max!.closeStart - max!.openEnd, insert: '3' },
    ]);
    const expected = Buffer.from(src)
      .toString('utf8')
      .replace('签2</ofd:MaxSignId>', '3</ofd:MaxSignId>')
      .replace('Signature.xml"/>', 'Signature.xml"/><ofd:Signature ID="3"/>');
    assert.equal(Buffer.from(out).toString('utf8'), expected);
    assert.throws(
      () =>
        applySplices(src, [
          { at: 5, remove: 4, insert: '' },
          { at: 6, remove: 0, insert: '' },
        ]),
      XmlSpanError,
    );
  });

  it('refuses what it cannot place', () => {
    for (const bad of ['<a><b></a>', '<a>', '<!DOCTYPE a><a/>', '<a/><b/>', '<a x="1></a>', ''])
      assert.throws(() => xmlSpans(bytes(bad)), XmlSpanError, bad);
  });

  it('escapes text and attribute values', () => {
    assert.equal(escapeXml(`a<b>&"c'`), 'a&lt;b&gt;&amp;&quot;c&apos;');
  });
});
