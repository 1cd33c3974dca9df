import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { dirOf, PackagePaths, resolveLoc } from '../../src/ofd/loc.js';

const paths = new PackagePaths([
  'OFD.xml',
  'Doc_0/Document.xml',
  'Doc_0/Tpls/Tpl_0/Content.xml',
  'Doc_0/Res/font_3.ttf',
  'Doc_0/Signs/Sign_0/Signature.xml',
]);

describe('ST_Loc resolution', () => {
  it('resolves absolute paths from the root and relative ones from the referencing file’s directory', () => {
    assert.deepEqual(resolveLoc('/Doc_0/Document.xml', 'Doc_0/Signs/Sign_0', paths), {
      status: 'found',
      path: 'Doc_0/Document.xml',
      caseFixed: false,
    });
    assert.deepEqual(resolveLoc('Doc_0/Document.xml', '', paths), {
      status: 'found',
      path: 'Doc_0/Document.xml',
      caseFixed: false,
    });
    assert.deepEqual(resolveLoc('Res/font_3.ttf', 'Doc_0', paths), {
      status: 'found',
      path: 'Doc_0/Res/font_3.ttf',
      caseFixed: false,
    });
    assert.deepEqual(resolveLoc('../../Document.xml', 'Doc_0/Signs/Sign_0', paths), {
      status: 'found',
      path: 'Doc_0/Document.xml',
      caseFixed: false,
    });
    assert.deepEqual(resolveLoc(' ./Res//font_3.ttf ', 'Doc_0', paths), {
      status: 'found',
      path: 'Doc_0/Res/font_3.ttf',
      caseFixed: false,
    });
  });

  it('falls back to a unique case-insensitive match and says so (the gomain TPLS/Tpls file)', () => {
    assert.deepEqual(resolveLoc('TPLS/Tpl_0/Content.xml', 'Doc_0', paths), {
      status: 'found',
      path: 'Doc_0/Tpls/Tpl_0/Content.xml',
      caseFixed: true,
    });
  });

  it('fails an ambiguous case-insensitive match', () => {
    const twins = new PackagePaths(['Doc_0/Pages/Page_0/Content.xml', 'Doc_0/pages/Page_0/Content.xml']);
    assert.deepEqual(resolveLoc('Doc_0/PAGES/Page_0/Content.xml', '', twins), {
      status: 'ambiguous',
      path: 'Doc_0/PAGES/Page_0/Content.xml',
      candidates: ['Doc_0/Pages/Page_0/Content.xml', 'Doc_0/pages/Page_0/Content.xml'],
    });
    // an exact match is never ambiguous
    assert.equal(resolveLoc('Doc_0/pages/Page_0/Content.xml', '', twins).status, 'found');
  });

  it('reports missing files and refuses locs that cannot name a package file', () => {
    assert.deepEqual(resolveLoc('PublicRes.xml', 'Doc_0', paths), {
      status: 'missing',
      path: 'Doc_0/PublicRes.xml',
    });
    // '../OFD.xml' from the root escapes it; from Doc_0 it would be fine
    const bad: [string, string][] = [
      ['', 'Doc_0'],
      ['  ', 'Doc_0'],
      ['../OFD.xml', ''],
      ['/..', 'Doc_0'],
      ['/', 'Doc_0'],
      ['Doc_0\\Document.xml', ''],
      ['file:///etc/passwd', ''],
      ['C:/x', ''],
      ['a\u0000b', 'Doc_0'],
    ];
    for (const [loc, dir] of bad)
      assert.equal(resolveLoc(loc, dir, paths).status, 'invalid', JSON.stringify(loc));
    assert.equal(resolveLoc('../OFD.xml', 'Doc_0', paths).status, 'found');
  });

  it('property: a path found absolutely is found the same way relative to any directory', () => {
    const seg = fc.stringMatching(/^[A-Za-z0-9_]{1,6}$/);
    fc.assert(
      fc.property(
        fc.array(seg, { minLength: 1, maxLength: 5 }),
        fc.array(seg, { maxLength: 4 }),
        (target, base) => {
          const path = target.join('/');
          const set = new PackagePaths([path]);
          const dir = base.join('/');
          const up = base.map(() => '..').join('/');
          const relative = up === '' ? path : `${up}/${path}`;
          assert.deepEqual(resolveLoc(`/${path}`, dir, set), { status: 'found', path, caseFixed: false });
          assert.deepEqual(resolveLoc(relative, dir, set), { status: 'found', path, caseFixed: false });
          assert.deepEqual(resolveLoc(`/${path}`.toUpperCase(), dir, set).status, 'found');
          // one more '..' than there are directories escapes the root
          assert.equal(resolveLoc(`../${relative}`, dir, set).status, 'invalid');
        },
      ),
    );
  });

  it('dirOf', () => {
    assert.equal(dirOf('OFD.xml'), '');
    assert.equal(dirOf('Doc_0/Signs/Sign_0/Signature.xml'), 'Doc_0/Signs/Sign_0');
  });
});
