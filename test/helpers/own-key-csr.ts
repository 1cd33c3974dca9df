import { toPem } from '../../src/crypto/pem.js';
import { generateSm2KeyPair } from '../../src/crypto/sm2.js';
import { sm2PrivateKeyToPem } from '../../src/crypto/sm2-keys.js';
import { buildCsr } from '../../src/pki/csr.js';
import { encodeName } from '../../src/pki/distinguished-name.js';

/**
 * A key made here (the holder's device) and its PKCS#10 request, for POST /v1/certificates with `csr`: the
 * way a seal-signer certificate is obtained outside the signer-key vault (the server generates no such key).
 */
export function ownKeyCsr(passphrase = 'test passphrase 123'): {
  csr: string;
  privateKey: Uint8Array;
  /** The key as encrypted PKCS#8 PEM (what server-side generation used to return). */
  privateKeyPem: string;
} {
  const kp = generateSm2KeyPair();
  const csr = toPem('CERTIFICATE REQUEST', buildCsr(kp, encodeName({ C: 'CN', CN: '签章人' })));
  return { csr, privateKey: kp.privateKey, privateKeyPem: sm2PrivateKeyToPem(kp.privateKey, { passphrase }) };
}
