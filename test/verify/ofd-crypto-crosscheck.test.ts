import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import smCrypto from 'sm-crypto';
import { validateOfd } from '../../src/verify/ofd-validation.js';
import { addSeal, trustedCtx, unsignedFiles, zip } from './ofd-sealed-fixtures.js';

// T6, independent crypto: the entries are taken out by Python's zipfile (not our ZIP reader), every Reference is
// recomputed with node:crypto's SM3 over those raw bytes and compared with its base64 CheckValue, and the SES
// signer signature is verified with sm-crypto over TBS_Sign — itself taken apart by the few lines of DER below,
// not by our decoder — after checking that its dataHash is SM3(Signature.xml). Our validator must agree.

const dir = fileURLToPath(new URL('../../../shared/fixtures/ofd/', import.meta.url));
const python = (() => {
  try {
    execFileSync('python3', ['-c', 'import zipfile'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const skipFixtures = !existsSync(dir + 'MANIFEST.md')
  ? `fixtures absent: ${dir}`
  : !python && 'python3 absent: no independent ZIP reader';

function pythonEntries(file: string): Map<string, Buffer> {
  const script =
    'import sys,zipfile,base64,json\n' +
    'z=zipfile.ZipFile(sys.argv[1])\n' +
    'print(json.dumps({i.filename: base64.b64encode(z.read(i)).decode() for i in z.infolist() if not i.is_dir()}))';
  const out = JSON.parse(execFileSync('python3', ['-c', script, file], { encoding: 'utf8' })) as Record<
    string,
    string
  >;
  return new Map(Object.entries(out).map(([k, v]) => [k, Buffer.from(v, 'base64')]));
}

/** One DER TLV: tag, content start and end. */
function tlv(b: Buffer, at: number): { tag: number; start: number; end: number } {
  const tag = b[at]!;
  let len = b[at + 1]!;
  let start = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + b[start + i]!;
    start += n;
  }
  return { tag, start, end: start + len };
}
function children(b: Buffer, parent: { start: number; end: number }) {
  const out = [];
  for (let p = parent.start; p < parent.end;) {
    const t = tlv(b, p);
    out.push({ ...t, at: p });
    p = t.end;
  }
  return out;
}

/** SES_Signature v4 (GB/T 38540 §7): TBS_Sign bytes, its dataHash, the signer certificate and signature. */
function sesParts(der: Buffer) {
  const [tbs, cert, , sig] = children(der, tlv(der, 0));
  const tbsFields = children(der, tbs!);
  const dataHash = tbsFields[3]!;
  assert.equal(dataHash.tag, 0x03, 'dataHash BIT STRING');
  return {
    tbsSign: der.subarray(tbs!.at, tbs!.end),
    dataHash: der.subarray(dataHash.start + 1, dataHash.end),
    cert: der.subarray(cert!.start, cert!.end),
    signature: der.subarray(sig!.start + 1, sig!.end),
  };
}

function crossCheck(entries: Map<string, Buffer>): { references: number; signatures: number } {
  const text = (n: string) => entries.get(n)!.toString('utf8');
  const ofd = text('OFD.xml');
  const listPath = /<(?:\w+:)?Signatures>\/?([^<]+)</.exec(ofd)![1]!;
  const list = text(listPath);
  let references = 0;
  let signatures = 0;
  for (const m of list.matchAll(/BaseLoc="\/?([^"]+)"/g)) {
    const sigPath = m[1]!;
    const xml = text(sigPath);
    for (const r of xml.matchAll(/FileRef="\/([^"]+)"\s*>\s*<(?:\w+:)?CheckValue>([^<]+)</g)) {
      const digest = createHash('sm3').update(entries.get(r[1]!)!).digest('base64');
      assert.equal(digest, r[2]!.trim(), `${sigPath}: ${r[1]}`);
      references++;
    }
    const sv = /<(?:\w+:)?SignedValue>\/?([^<]+)</.exec(xml)![1]!;
    const ses = sesParts(entries.get(sv)!);
    assert.ok(
      ses.dataHash.equals(createHash('sm3').update(entries.get(sigPath)!).digest()),
      'dataHash = SM3(Signature.xml)',
    );
    const spki = new X509Certificate(ses.cert).publicKey.export({ type: 'spki', format: 'der' });
    const point = spki.subarray(spki.length - 65).toString('hex');
    const raw = ses.signature.length === 64;
    assert.equal(
      smCrypto.sm2.doVerifySignature(ses.tbsSign, ses.signature.toString('hex'), point, {
        hash: true,
        der: !raw,
        userId: '1234567812345678',
      }),
      true,
      `${sigPath}: sm-crypto verifies the signer signature`,
    );
    signatures++;
  }
  return { references, signatures };
}

describe('OFD independent crypto cross-check (node:crypto SM3, sm-crypto, Python zipfile)', () => {
  for (const file of [
    'gomain_tax_invoice_chongqing.ofd',
    'ofdrw_v4_whole.ofd',
    'antchain_tax_noseal_file.ofd',
  ])
    it(
      `${file}: every Reference digest and the SES signer signature, as our validator says`,
      { skip: skipFixtures },
      async () => {
        const { references, signatures } = crossCheck(pythonEntries(dir + file));
        assert.equal(signatures, 1);
        const r = await validateOfd(readFileSync(dir + file), { anchors: [] });
        const s = r.signatures[0]!;
        const ours = s.checks.find((c) => c.id === 'references')!;
        assert.equal(ours.status, 'passed');
        assert.equal(ours.details?.count, references);
        for (const id of ['data-hash', 'signature'])
          assert.equal(s.checks.find((c) => c.id === id)!.status, 'passed', id);
      },
    );

  it('an OFD sealed here', { skip: !python && 'python3 absent' }, async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'ofd-x-'));
    try {
      const bytes = zip(addSeal(unsignedFiles(), { lock: true }));
      writeFileSync(join(tmp, 'a.ofd'), bytes);
      const { references } = crossCheck(pythonEntries(join(tmp, 'a.ofd')));
      assert.equal(references, 18);
      assert.equal((await validateOfd(bytes, trustedCtx())).indication, 'TOTAL_PASSED');
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
