import { readFileSync } from 'node:fs';
import { fromPem } from '../../crypto/pem.js';
import { parseCertificate } from '../../pki/certificate.js';
import { ConfigError } from '../../config.js';

const BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/**
 * The DER certificates of a PEM file (SEALTRUST_TRUST_LIST_SIGNERS: the trust list's bootstrap signers, the
 * analogue of the Official Journal publication in TS 119 612); each must parse, and there must be one.
 * @throws ConfigError
 */
export function readCertificateBundle(file: string): Buffer[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`${file}: ${(err as Error).message}`);
  }
  const ders = [...text.matchAll(BLOCK)].map((m) => fromPem(m[0], ['CERTIFICATE']).der);
  if (ders.length === 0) throw new ConfigError(`${file}: no PEM certificate`);
  for (const d of ders) parseCertificate(d);
  return ders;
}
