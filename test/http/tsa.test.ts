import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { sm3 } from '../../src/crypto/sm3.js';
import {
  encodeTimestampRequest,
  parseTimestampRequest,
  parseTimestampResponse,
} from '../../src/pki/timestamp.js';
import { findTimestamp } from '../../src/store/timestamp-repository.js';
import { openssl, scratchDir, sm2VerifyArgs } from '../helpers/openssl.js';
import { runCli } from '../helpers/run-cli.js';
import { DEV_KEYS_DIR, startTestServer, type TestServer } from '../helpers/test-server.js';

const tmp = scratchDir('sealtrust-tsa-');
let srv: TestServer;
before(async () => {
  srv = await startTestServer();
});
after(async () => {
  await srv.stop();
  tmp.cleanup();
});

const TSA_CERT = `${DEV_KEYS_DIR}/dev-ca-tsa.crt.pem`;
const data = tmp.file('contract.pdf', '%PDF-1.7 统一电子印章 test document\n');

async function ok(args: string[]): Promise<string> {
  const r = await openssl(args, tmp.dir);
  assert.equal(r.code, 0, `openssl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

async function query(name: string, ...args: string[]): Promise<Buffer> {
  await ok(['ts', '-query', '-data', data, ...args, '-out', name]);
  return readFileSync(tmp.file(name));
}

function post(body: Uint8Array | string, contentType = 'application/timestamp-query'): Promise<Response> {
  return srv.request('/tsa', { method: 'POST', headers: { 'content-type': contentType }, body });
}

/** POSTs a query, checks the HTTP envelope, stores the reply as `name` and returns it. */
async function stamp(name: string, body: Uint8Array): Promise<Buffer> {
  const res = await post(body);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'application/timestamp-reply');
  const reply = Buffer.from(await res.arrayBuffer());
  tmp.file(name, reply);
  return reply;
}

/**
 * The signed attributes (re-tagged as SET) and the signature of a token, located by OpenSSL's own parse:
 * ContentInfo(0) [0](1) SignedData(2) SignerInfos(3) SignerInfo(4) → signedAttrs [0] and signature at depth 5.
 */
async function extractSignedAttrs(tokenFile: string): Promise<{ attrs: Buffer; sig: Buffer }> {
  const token = readFileSync(tmp.file(tokenFile));
  const lines = (await ok(['asn1parse', '-inform', 'DER', '-in', tokenFile])).split('\n');
  const field = (re: RegExp) => {
    const hits = lines.map((l) => re.exec(l)).filter((m) => m !== null);
    const m = hits[hits.length - 1];
    assert.ok(m, `no ${re}`);
    const [offset, hl, len] = [Number(m[1]), Number(m[2]), Number(m[3])];
    return { offset, hl, len };
  };
  const a = field(/^\s*(\d+):d=5\s+hl=(\d+)\s+l=\s*(\d+)\s+cons:\s+cont \[ 0 \]/);
  const s = field(/^\s*(\d+):d=5\s+hl=(\d+)\s+l=\s*(\d+)\s+prim:\s+OCTET STRING/);
  const attrs = Buffer.from(token.subarray(a.offset, a.offset + a.hl + a.len));
  assert.equal(attrs[0], 0xa0);
  attrs[0] = 0x31;
  return { attrs, sig: token.subarray(s.offset + s.hl, s.offset + s.hl + s.len) };
}

describe('POST /tsa with OpenSSL as the client', () => {
  it('answers an SM3 query with certReq; OpenSSL reads it and verifies the SM2 signature', async () => {
    const q = await query('sm3.tsq', '-sm3', '-cert');
    const req = parseTimestampRequest(q);
    await stamp('sm3.tsr', q);
    const text = await ok(['ts', '-reply', '-in', 'sm3.tsr', '-text']);
    assert.match(text, /Status: Granted/);
    assert.match(text, /Hash Algorithm: sm3/);
    assert.match(text, /Accuracy: 0x01 seconds/);
    assert.match(text, new RegExp(`Policy OID: ${srv.node.defaultCa.tsa!.policy.replaceAll('.', '\\.')}`));
    const hex = (b: Buffer) => b.toString('hex').toUpperCase();
    assert.match(text, new RegExp(`Nonce: 0x0*${req.nonce!.toString(16).toUpperCase()}`));
    // OpenSSL's hex dump of the imprint, bytes joined back up.
    const dump = [...text.matchAll(/^\s+[0-9a-f]{4} - ((?:[0-9a-f]{2}[ -]){1,16})/gm)].map((m) => m[1]!);
    assert.equal(dump.join('').replace(/[ -]/g, '').toUpperCase(), hex(req.imprint));

    await ok(['ts', '-reply', '-in', 'sm3.tsr', '-token_out', '-out', 'sm3.tok']);
    const cms = await ok(['cms', '-cmsout', '-print', '-inform', 'DER', '-in', 'sm3.tok']);
    assert.match(cms, /d\.certificate:/);
    const { attrs, sig } = await extractSignedAttrs('sm3.tok');
    tmp.file('attrs.der', attrs);
    tmp.file('sig.der', sig);
    await ok(['x509', '-in', TSA_CERT, '-pubkey', '-noout', '-out', 'tsa-pub.pem']);
    await ok(sm2VerifyArgs('tsa-pub.pem', 'attrs.der', 'sig.der'));
    // messageDigest is SM3 of the eContent (TSTInfo) as sent.
    const tok = readFileSync(tmp.file('sm3.tok'));
    const tst = /^\s*(\d+):d=5\s+hl=(\d+)\s+l=\s*(\d+)\s+prim:\s+OCTET STRING/m.exec(
      await ok(['asn1parse', '-inform', 'DER', '-in', 'sm3.tok']),
    )!;
    const start = Number(tst[1]) + Number(tst[2]);
    assert.ok(attrs.includes(sm3(tok.subarray(start, start + Number(tst[3])))));
    // A changed attribute byte must fail OpenSSL's check.
    attrs[attrs.length - 1]! ^= 1;
    tmp.file('attrs-bad.der', attrs);
    assert.notEqual(
      (await openssl(sm2VerifyArgs('tsa-pub.pem', 'attrs-bad.der', 'sig.der'), tmp.dir)).code,
      0,
    );
  });

  it('answers SHA-256 and no-nonce queries; without certReq the token holds no certificate', async () => {
    await stamp('sha.tsr', await query('sha.tsq', '-sha256'));
    const text = await ok(['ts', '-reply', '-in', 'sha.tsr', '-text']);
    assert.match(text, /Hash Algorithm: sha256/);
    await ok(['ts', '-reply', '-in', 'sha.tsr', '-token_out', '-out', 'sha.tok']);
    const cms = await ok(['cms', '-cmsout', '-print', '-inform', 'DER', '-in', 'sha.tok']);
    assert.match(cms, /certificates:\s*<ABSENT>/);

    await stamp('nonce.tsr', await query('nonce.tsq', '-sm3', '-no_nonce'));
    const t2 = await ok(['ts', '-reply', '-in', 'nonce.tsr', '-text']);
    assert.match(t2, /Status: Granted/);
    assert.match(t2, /Nonce: unspecified/);
  });

  it('gives distinct increasing serials and records each token', async () => {
    const q = await query('serial.tsq', '-sm3');
    const serials: number[] = [];
    for (const n of [1, 2, 3]) {
      const reply = parseTimestampResponse(await stamp(`serial${n}.tsr`, q));
      const m = /Serial number: 0x([0-9A-F]+)/.exec(
        await ok(['ts', '-reply', '-in', `serial${n}.tsr`, '-text']),
      );
      assert.ok(reply.token && m);
      serials.push(parseInt(m[1]!, 16));
    }
    assert.ok(serials[0]! < serials[1]! && serials[1]! < serials[2]!, serials.join(','));
    const rec = await findTimestamp(srv.database.knex, serials[2]!);
    assert.equal(rec?.caId, srv.node.defaultCa.id);
    assert.equal(rec?.hashAlgorithm, 'sm3');
    assert.deepEqual(rec?.messageImprint, parseTimestampRequest(q).imprint);
  });

  it('honours a requested policy that is ours', async () => {
    const policy = srv.node.defaultCa.tsa!.policy;
    await stamp('pol.tsr', await query('pol.tsq', '-sm3', '-tspolicy', policy));
    assert.match(await ok(['ts', '-reply', '-in', 'pol.tsr', '-text']), /Status: Granted/);
  });
});

describe('POST /tsa rejections', () => {
  async function rejected(name: string, body: Uint8Array | string, failure: string, printed: RegExp) {
    const reply = parseTimestampResponse(
      await stamp(name, typeof body === 'string' ? Buffer.from(body) : body),
    );
    assert.equal(reply.status, 2);
    assert.deepEqual(reply.failures, [failure]);
    assert.equal(reply.token, undefined);
    const text = await ok(['ts', '-reply', '-in', name, '-text']);
    assert.match(text, /Status: Rejected/);
    assert.match(text, printed);
  }

  it('SHA-1 imprint → badAlg', async () => {
    await rejected(
      'sha1.tsr',
      await query('sha1.tsq', '-sha1'),
      'badAlg',
      /unsupported algorithm identifier/,
    );
  });

  it('imprint of the wrong length → badDataFormat', async () => {
    const q = encodeTimestampRequest({ hashAlgorithm: 'sm3', imprint: Buffer.alloc(20, 1), nonce: 1n });
    await rejected('len.tsr', q, 'badDataFormat', /wrong format/);
  });

  it('unknown policy → unacceptedPolicy', async () => {
    const q = await query('unk.tsq', '-sm3', '-tspolicy', '1.2.3.4.5');
    await rejected('unk.tsr', q, 'unacceptedPolicy', /TSA policy is not supported/);
  });

  it('garbage and an empty body → badDataFormat, HTTP 200, never a 500', async () => {
    await rejected('garbage.tsr', 'hello, this is not DER', 'badDataFormat', /wrong format/);
    await rejected('empty.tsr', new Uint8Array(0), 'badDataFormat', /wrong format/);
    await rejected('deep.tsr', Buffer.alloc(200, 0x30), 'badDataFormat', /wrong format/);
  });

  it('a wrong Content-Type is 415 problem+json; an oversized body is 413', async () => {
    const q = await query('ct.tsq', '-sm3');
    const res = await post(q, 'application/octet-stream');
    assert.equal(res.status, 415);
    assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
    const p = (await res.json()) as { type: string };
    assert.match(p.type, /unsupported-media-type$/);
    const big = await post(Buffer.alloc(100_000));
    assert.equal(big.status, 413);
  });
});

describe('sealtrust ts', () => {
  const url = () => `${srv.url}/tsa`;

  it('request: hashes, asks, checks and saves; verify accepts it; OpenSSL reads the file', async () => {
    const out = tmp.file('cli.tsr');
    const r = await runCli(['ts', 'request', '--in', data, '--url', url(), '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /serial: +\d+/);
    assert.match(await ok(['ts', '-reply', '-in', 'cli.tsr', '-text']), /Hash Algorithm: sm3/);
    const v = await runCli(['ts', 'verify', '--in', data, '--token', out, '--tsa-cert', TSA_CERT]);
    assert.equal(v.code, 0, v.stderr);
    const other = tmp.file('other.txt', 'a different document');
    const bad = await runCli(['ts', 'verify', '--in', other, '--token', out]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /imprint/);
    // A bare token, as openssl ts -token_out writes it, is accepted too.
    await ok(['ts', '-reply', '-in', 'cli.tsr', '-token_out', '-out', 'cli.tok']);
    assert.equal((await runCli(['ts', 'verify', '--in', data, '--token', tmp.file('cli.tok')])).code, 0);
  });

  it('request: SHA-256 without the certificate, checked against the pinned TSA certificate', async () => {
    const out = tmp.file('cli-sha.tsr');
    const args = [
      'ts',
      'request',
      '--in',
      data,
      '--url',
      url(),
      '--out',
      out,
      '--hash',
      'sha256',
      '--no-cert',
    ];
    assert.equal((await runCli(args)).code, 2); // no way to check the signature
    const r = await runCli([...args, '--tsa-cert', TSA_CERT]);
    assert.equal(r.code, 0, r.stderr);
  });

  it('request: a rejection is exit 1, an unreachable TSA or a bad option exit 2', async () => {
    const rej = await runCli([
      'ts',
      'request',
      '--in',
      data,
      '--url',
      url(),
      '--out',
      tmp.file('x.tsr'),
      '--policy',
      '1.2.3',
    ]);
    assert.equal(rej.code, 1);
    assert.match(rej.stderr, /unacceptedPolicy/);
    const down = await runCli([
      'ts',
      'request',
      '--in',
      data,
      '--url',
      'http://127.0.0.1:9/tsa',
      '--out',
      tmp.file('y.tsr'),
    ]);
    assert.equal(down.code, 2);
    const hash = await runCli([
      'ts',
      'request',
      '--in',
      data,
      '--url',
      url(),
      '--out',
      tmp.file('z.tsr'),
      '--hash',
      'md5',
    ]);
    assert.equal(hash.code, 2);
  });
});
