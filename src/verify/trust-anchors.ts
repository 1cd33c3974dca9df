import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CryptoInputError } from '../crypto/crypto-input-error.js';
import { parseCertificate, type CertificateInfo } from '../pki/certificate.js';

// Trust anchors from the file system: directories (or single files) of certificates, each file PEM with any
// number of CERTIFICATE blocks (other blocks are skipped), or a single DER certificate (.der/.cer/.crt).

const CERT_BLOCK = /-----BEGIN CERTIFICATE-----\r?\n([\s\S]*?)-----END CERTIFICATE-----/g;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const CERT_EXTENSIONS = /\.(pem|crt|cer|der)$/i;

export class TrustAnchorError extends Error {
  override readonly name = 'TrustAnchorError';
}

/** Every CERTIFICATE block of a PEM text, parsed. @throws TrustAnchorError naming the file and block. */
export function parsePemCertificates(text: string, source = 'PEM'): CertificateInfo[] {
  const certs: CertificateInfo[] = [];
  let i = 0;
  for (const m of text.matchAll(CERT_BLOCK)) {
    i++;
    const b64 = (m[1] ?? '').replace(/\s+/g, '');
    if (b64.length === 0 || b64.length % 4 !== 0 || !BASE64.test(b64))
      throw new TrustAnchorError(`${source}: certificate ${i} has invalid base64`);
    try {
      certs.push(parseCertificate(Buffer.from(b64, 'base64')));
    } catch (err) {
      const why = err instanceof CryptoInputError ? err.message : String(err);
      throw new TrustAnchorError(`${source}: certificate ${i} cannot be parsed: ${why}`);
    }
  }
  return certs;
}

async function loadFile(path: string): Promise<CertificateInfo[]> {
  const bytes = await readFile(path);
  const text = bytes.toString('latin1');
  if (text.includes('-----BEGIN CERTIFICATE-----')) return parsePemCertificates(text, path);
  if (bytes[0] === 0x30) {
    try {
      return [parseCertificate(bytes)];
    } catch (err) {
      throw new TrustAnchorError(`${path}: not a certificate (${(err as Error).message})`);
    }
  }
  return [];
}

/**
 * Certificates from each directory's *.pem/*.crt/*.cer/*.der files (not recursive; sorted by name), or from a
 * path that is a file. Duplicates (same DER) are kept once. @throws TrustAnchorError for an unreadable path
 * or a certificate that does not parse.
 */
export async function loadTrustAnchors(paths: readonly string[]): Promise<CertificateInfo[]> {
  const out: CertificateInfo[] = [];
  const seen = new Set<string>();
  const add = (certs: CertificateInfo[]) => {
    for (const c of certs) {
      const key = c.der.toString('base64');
      if (!seen.has(key)) {
        seen.add(key);
        out.push(c);
      }
    }
  };
  for (const p of paths) {
    let isDir: boolean;
    try {
      isDir = (await stat(p)).isDirectory();
    } catch (err) {
      throw new TrustAnchorError(
        `cannot read trust path ${p}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
      );
    }
    if (!isDir) {
      add(await loadFile(p));
      continue;
    }
    const names = (await readdir(p)).filter((n) => CERT_EXTENSIONS.test(n)).sort();
    for (const n of names) add(await loadFile(join(p, n)));
  }
  return out;
}
