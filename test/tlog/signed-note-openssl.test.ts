// The OpenSSL CLI as an independent SM2 peer (spec §5.2): it verifies the exact note bytes our signer signs.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { generateSm2KeyPair } from '../../src/crypto/sm2.js';
import { sm2PublicKeyToPem } from '../../src/crypto/sm2-keys.js';
import { formatCheckpoint } from '../../src/tlog/checkpoint.js';
import { parseNote, signNote } from '../../src/tlog/signed-note.js';
import { parseVerifierKey, sm2NoteSigner } from '../../src/tlog/sm2-note-key.js';
import { opensslSync, scratchDir, sm2VerifyArgs } from '../helpers/openssl.js';

const tmp = scratchDir('sealtrust-tlog-');
after(() => tmp.cleanup());

function opensslVerify(publicKey: Uint8Array, msg: Uint8Array, sig: Uint8Array, name: string): boolean {
  const r = opensslSync(
    sm2VerifyArgs(
      tmp.file(`${name}.pem`, sm2PublicKeyToPem(publicKey)),
      tmp.file(`${name}.msg`, msg),
      tmp.file(`${name}.sig`, sig),
    ),
  );
  return r.status === 0;
}

describe('checkpoint signatures against the OpenSSL CLI', () => {
  it('openssl verifies our checkpoint signature over the note text, and refuses a changed size', () => {
    const kp = generateSm2KeyPair();
    const origin = 'zj.sealtrust.example/directory';
    const text = formatCheckpoint({ origin, size: 5, rootHash: Buffer.alloc(32, 3), extensions: [] });
    const sig = parseNote(signNote(text, [sm2NoteSigner(origin, kp.privateKey)])).signatures[0]!.signature;
    assert.equal(opensslVerify(kp.publicKey, Buffer.from(text), sig, 'ours'), true);
    assert.equal(
      opensslVerify(kp.publicKey, Buffer.from(text.replace('\n5\n', '\n6\n')), sig, 'changed'),
      false,
    );
  });

  it('openssl verifies the spec §2.4 example log signature', () => {
    const vkey =
      'zj.sealtrust.example/directory+11c02628+/ydzZWFsdHJ1c3Qub3JnLmNuL3NpZ25lZC1ub3RlL3NtMi1zbTNAdjEERO5aEd87w4fOIB9YN787lYrR99zuBjKoGNfBpdLZ8hsydtppZ2GTLwhn2TTJlYcP/vgSr8V2KB3rXABnjLi56w==';
    const text = 'zj.sealtrust.example/directory\n5\nuxDJlq7rvNxpvjcV/IRzRN53RC03pauCE9qfQXhbEDs=\n';
    const sig = Buffer.from(
      'EcAmKDBFAiEA9rHVbuSuTqy5qfSRphVcnQm9Q+XppS3ez01B+O7pqJcCIA7olXAUhEj1oZLCAmVFJxo7a8dK3/P8mIA7ZCXRRGLl',
      'base64',
    ).subarray(4);
    assert.equal(opensslVerify(parseVerifierKey(vkey).publicKey, Buffer.from(text), sig, 'example'), true);
  });
});
