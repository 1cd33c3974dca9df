import { readFileSync } from 'node:fs';
import { ConfigError } from '../../config.js';
import { parsePemCertificates, TrustAnchorError } from '../../verify/trust-anchors.js';

/**
 * The DER certificates of a PEM file (SEALTRUST_TRUST_LIST_SIGNERS: the trust list's bootstrap signers, the
 * analogue of the Official Journal publication in TS 119 612); each must parse, and there must be one.
 * @throws ConfigError
 */
export function readCertificateBundle(file: string): Buffer[] {
  try {
    const certs = parsePemCertificates(readFileSync(file, 'utf8'), file);
    if (certs.length === 0) throw new ConfigError(`${file}: no PEM certificate`);
    return certs.map((c) => c.der);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    if (err instanceof TrustAnchorError) throw new ConfigError(err.message);
    throw new ConfigError(`${file}: ${(err as Error).message}`);
  }
}
