// The OpenSSL CLI as an independent SM2 peer for witness cosignatures (§2.5): it verifies a cosignature made by
// the product's cosigner over the subtree/v1 cosigned_message, rebuilt here byte by byte from the spec.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { generateSm2KeyPair } from '../../src/crypto/sm2.js';
import { sm2PublicKeyToPem } from '../../src/crypto/sm2-keys.js';
import { formatCheckpoint } from '../../src/tlog/checkpoint.js';
import { cosignatureSigner } from '../../src/tlog/cosignature.js';
import { opensslSync, scratchDir, sm2VerifyArgs } from '../helpers/openssl.js';

const tmp = scratchDir('sealtrust-cosig-');
after(() => tmp.cleanup());

/** cosigned_message as §2.5 lays it out, built without the product's encoder. */
function cosignedMessage(name: string, ts: number, origin: string, size: number, root: Buffer): Buffer {
  const u64 = (n: number) => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(BigInt(n));
    return b;
  };
  const v8 = (s: string) => Buffer.concat([Buffer.of(Buffer.byteLength(s)), Buffer.from(s)]);
  return Buffer.concat([
    Buffer.from('subtree/v1\n\0'),
    v8(name),
    u64(ts),
    v8(origin),
    u64(0),
    u64(size),
    root,
  ]);
}

describe('witness cosignatures against the OpenSSL CLI', () => {
  it('openssl verifies a cosignature over the subtree/v1 message, and refuses another size', () => {
    const kp = generateSm2KeyPair();
    const name = 'hub.sealtrust.example/witness';
    const origin = 'zj.sealtrust.example/directory';
    const root = Buffer.alloc(32, 5);
    const ts = 1_798_761_600;
    const text = formatCheckpoint({ origin, size: 9, rootHash: root, extensions: [] });
    const sig = Buffer.from(cosignatureSigner(name, kp.privateKey, () => ts).sign(Buffer.from(text)));
    assert.equal(sig.readBigUInt64BE(0), BigInt(ts));
    const pem = tmp.file('witness.pem', sm2PublicKeyToPem(kp.publicKey));
    const der = tmp.file('cosig.sig', sig.subarray(8));
    const verify = (msg: Buffer, file: string) =>
      opensslSync(sm2VerifyArgs(pem, tmp.file(file, msg), der)).status === 0;
    assert.equal(verify(cosignedMessage(name, ts, origin, 9, root), 'good.msg'), true);
    assert.equal(verify(cosignedMessage(name, ts, origin, 10, root), 'other.msg'), false);
  });
});
