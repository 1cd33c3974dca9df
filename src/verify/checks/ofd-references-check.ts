import { createHash } from 'node:crypto';
import type { OfdPackage } from '../../ofd/ofd-package.js';
import type { OfdSignatureXml } from '../../ofd/ofd-signatures.js';
import type { Check } from '../report.js';
import { emit, type Text } from './messages.js';

// The 'references' check of an OFD signature (GM/T 0099-2020 §7.1, GB/T 33190 §18.2.2): every file the
// signature lists exists and still has the digest written beside it, over its exact uncompressed bytes (no
// canonicalisation: the digests are over raw bytes). CheckMethod `SM3` (ofdrw) or the SM3 OID (government
// producers) in any case; absent means MD5 (the 2016 XSD default); MD5 and SHA-1 prove nothing today; anything
// else (dms360's `…401.2`) is not supported. A duplicate or a self-reference makes the list itself invalid.

const SM3 = new Set(['sm3', '1.2.156.10197.1.401']);
const WEAK: Readonly<Record<string, 'md5' | 'sha1'>> = {
  md5: 'md5',
  '1.2.840.113549.2.5': 'md5',
  sha1: 'sha1',
  'sha-1': 'sha1',
  '1.3.14.3.2.26': 'sha1',
};
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export interface ReferencesOutcome {
  check: Check;
  /** Package paths whose digest does not match (the later-changes check reads Signatures.xml from here). */
  mismatched: ReadonlySet<string>;
}

/** `tick` is called once per reference (the validation deadline). */
export function referencesCheck(
  pkg: OfdPackage,
  sig: OfdSignatureXml,
  tick: () => void = () => {},
): ReferencesOutcome {
  const written = sig.checkMethod?.trim() ?? '';
  const key = written.toLowerCase();
  const algorithm = written === '' ? 'md5' : SM3.has(key) ? 'sm3' : WEAK[key];
  const problems: Text[] = [];
  const mismatched = new Set<string>();
  const missing: string[] = [];
  const seen = new Set<string>();
  const own = new Set([sig.path]);
  if (sig.signedValue?.location.status === 'found') own.add(sig.signedValue.location.path);

  if (sig.references.length === 0)
    problems.push({ zh: 'Signature.xml 没有列出任何文件', en: 'Signature.xml lists no file' });
  for (const r of sig.references) {
    tick();
    const loc = r.location;
    if (loc.status === 'missing') {
      missing.push(r.fileRef);
      continue;
    }
    if (loc.status === 'ambiguous') {
      problems.push({
        zh: `${r.fileRef} 按大小写不敏感匹配到多个文件（${loc.candidates.join('、')}）`,
        en: `${r.fileRef} matches several files ignoring case (${loc.candidates.join(', ')})`,
      });
      continue;
    }
    if (loc.status === 'invalid') {
      problems.push({
        zh: `无效路径 ${JSON.stringify(r.fileRef)}（${loc.why}）`,
        en: `invalid path ${JSON.stringify(r.fileRef)} (${loc.why})`,
      });
      continue;
    }
    if (seen.has(loc.path)) {
      problems.push({ zh: `重复列出 /${loc.path}`, en: `/${loc.path} listed twice` });
      continue;
    }
    seen.add(loc.path);
    if (own.has(loc.path)) {
      problems.push({
        zh: `列出了签名自身的文件 /${loc.path}`,
        en: `lists the signature's own file /${loc.path}`,
      });
      continue;
    }
    if (algorithm === undefined) continue;
    const expected = BASE64.test(r.checkValue.replace(/\s+/g, ''))
      ? Buffer.from(r.checkValue.replace(/\s+/g, ''), 'base64')
      : null;
    const data = pkg.file(loc.path)!;
    const got = createHash(algorithm).update(data).digest();
    if (!expected || !got.equals(expected)) mismatched.add(loc.path);
  }

  const details = {
    checkMethod: sig.checkMethod ?? null,
    count: sig.references.length,
    mismatched: [...mismatched],
    missing,
  };
  let check: Check;
  if (problems.length) check = emit('references', 'failed', 'REFERENCES_INVALID', { problems }, details);
  else if (mismatched.size || missing.length)
    check = emit(
      'references',
      'failed',
      'DIGEST_MISMATCH',
      { mismatched: [...mismatched].map((p) => '/' + p), missing },
      details,
    );
  else if (algorithm === undefined)
    check = emit('references', 'indeterminate', 'UNSUPPORTED_CHECK_METHOD', { method: written }, details);
  else if (algorithm !== 'sm3')
    check = emit(
      'references',
      'indeterminate',
      'WEAK_CHECK_METHOD',
      { method: written, algorithm: algorithm.toUpperCase(), count: sig.references.length },
      details,
    );
  else
    check = emit(
      'references',
      'passed',
      'REFERENCES_MATCH',
      { count: sig.references.length, method: 'SM3' },
      details,
    );
  return { check, mismatched };
}
