import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { generateSm2KeyPair, sm2Sign, sm2Verify } from '../../src/crypto/sm2.js';
import { parseSm2PrivateKey, parseSm2PublicKey, sm2PublicKeyToPem } from '../../src/crypto/sm2-keys.js';
import { sm2SignatureToRaw } from '../../src/crypto/sm2-signature-encoding.js';
import { DISTID, opensslSync, opensslSyncOk, scratchDir } from '../helpers/openssl.js';

const tmp = scratchDir('sealtrust-crypto-');
after(() => tmp.cleanup());

function opensslVerify(pubPem: string, msg: string, sig: string, distid = DISTID): boolean {
  const r = opensslSync([
    'pkeyutl',
    '-verify',
    '-rawin',
    '-digest',
    'sm3',
    '-pkeyopt',
    distid,
    '-pubin',
    '-inkey',
    pubPem,
    '-in',
    msg,
    '-sigfile',
    sig,
  ]);
  return r.status === 0;
}

describe('SM2 signatures against the OpenSSL CLI', () => {
  const { privateKey, publicKey } = generateSm2KeyPair();
  const pubPem = tmp.file('pub.pem', sm2PublicKeyToPem(publicKey));

  it('openssl pkeyutl -verify accepts our signatures (random messages)', () => {
    let i = 0;
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (msg) => {
        const m = tmp.file(`m${i}`, msg);
        const s = tmp.file(`s${i++}.der`, sm2Sign(privateKey, msg));
        assert.equal(opensslVerify(pubPem, m, s), true);
      }),
      { numRuns: 8 },
    );
  });

  it('openssl rejects ours under a different ID, and a tampered message', () => {
    const m = tmp.file('msg', 'seal');
    const s = tmp.file('sig.der', sm2Sign(privateKey, Buffer.from('seal')));
    assert.equal(opensslVerify(pubPem, m, s, 'distid:ALICE123@YAHOO.COM'), false);
    assert.equal(opensslVerify(pubPem, tmp.file('msg2', 'seaL'), s), false);
    const withId = tmp.file(
      'sig-id.der',
      sm2Sign(privateKey, Buffer.from('seal'), { id: 'ALICE123@YAHOO.COM' }),
    );
    assert.equal(opensslVerify(pubPem, m, withId, 'distid:ALICE123@YAHOO.COM'), true);
  });

  it('we verify signatures made by openssl pkeyutl -sign, and reject them under another ID', () => {
    const keyPem = tmp.file('ossl.pem');
    opensslSyncOk(['genpkey', '-algorithm', 'SM2', '-out', keyPem]);
    const key = parseSm2PrivateKey(readFileSync(keyPem, 'utf8'));
    const pub = parseSm2PublicKey(opensslSyncOk(['pkey', '-in', keyPem, '-pubout']).toString());
    for (let i = 0; i < 5; i++) {
      const msg = Buffer.from(`第${i}份电子证照 / licence ${i}`.repeat(i + 1));
      const m = tmp.file(`om${i}`, msg);
      const s = tmp.file(`os${i}.der`);
      opensslSyncOk([
        'pkeyutl',
        '-sign',
        '-rawin',
        '-digest',
        'sm3',
        '-pkeyopt',
        DISTID,
        '-inkey',
        keyPem,
        '-in',
        m,
        '-out',
        s,
      ]);
      const sig = readFileSync(s);
      assert.equal(sm2Verify(pub, msg, sig), true);
      assert.equal(sm2Verify(pub, msg, sm2SignatureToRaw(sig)), true);
      assert.equal(sm2Verify(key.publicKey, msg, sig, { id: 'other' }), false);
    }
  });
});
