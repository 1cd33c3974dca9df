import { CryptoInputError } from './crypto-input-error.js';

/** RFC 7468 text encoding: base64 in 64-column lines between BEGIN/END lines. */
export function toPem(label: string, der: Uint8Array): string {
  const b64 = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END ([A-Z0-9 ]+)-----/g;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * The first PEM block whose label is one of `expectedLabels` (any label if omitted). Other
 * blocks are skipped, e.g. the `EC PARAMETERS` block `openssl ecparam -genkey` writes first.
 * @throws CryptoInputError('MALFORMED_PEM') if there is no such block, its base64 is invalid,
 *   or it is a legacy OpenSSL-encrypted block (Proc-Type/DEK-Info headers).
 */
export function fromPem(text: string, expectedLabels?: readonly string[]): { label: string; der: Buffer } {
  for (const match of text.matchAll(BLOCK)) {
    const [, label = '', body = '', endLabel] = match;
    if (label !== endLabel)
      throw new CryptoInputError('MALFORMED_PEM', `PEM BEGIN ${label} ends with END ${endLabel}`);
    if (expectedLabels && !expectedLabels.includes(label)) continue;
    if (body.includes(':')) {
      throw new CryptoInputError(
        'MALFORMED_PEM',
        `PEM ${label} has headers (legacy OpenSSL encryption?); convert it with openssl pkcs8 -topk8`,
      );
    }
    const b64 = body.replace(/\s+/g, '');
    if (b64.length === 0 || b64.length % 4 !== 0 || !BASE64.test(b64)) {
      throw new CryptoInputError('MALFORMED_PEM', `PEM ${label} has invalid base64`);
    }
    return { label, der: Buffer.from(b64, 'base64') };
  }
  const wanted = expectedLabels ? expectedLabels.join(' or ') : 'any';
  throw new CryptoInputError('MALFORMED_PEM', `no PEM block found (expected ${wanted})`);
}
