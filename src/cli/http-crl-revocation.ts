import type { CertificateInfo } from '../pki/certificate.js';
import { embeddedCrlView } from '../verify/embedded-revocation.js';
import type { RevocationAnswer, RevocationView } from '../verify/ses-validation.js';

const MAX_CRL_BYTES = 64 * 1024 * 1024;

/**
 * `sealtrust verify --online <node>`: revocation from the CRLs the certificates name (their CRL distribution
 * points, and the same paths on the given node, which publishes its CAs' CRLs at /crl/{caId}.crl), fetched over
 * HTTP once per run. A CRL only counts when the issuer's signature on it verifies, so the network is used, not
 * trusted; a certificate without a reachable CRL stays 'unknown'.
 */
export function httpCrlRevocationView(nodeUrl?: string, timeoutMs = 10_000): RevocationView {
  const node = nodeUrl?.replace(/\/+$/, '');
  const candidates = (cdps: string[]) => {
    const urls = cdps.filter((u) => /^https?:\/\//i.test(u));
    if (node)
      for (const u of [...urls]) {
        let onNode: string;
        try {
          onNode = node + new URL(u).pathname;
        } catch {
          continue; // not a URL after all
        }
        if (!urls.includes(onNode)) urls.push(onNode);
      }
    return urls;
  };
  const fetched = new Map<string, Promise<Uint8Array | null>>();
  const get = (url: string) => {
    let p = fetched.get(url);
    if (!p) {
      p = (async () => {
        try {
          const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
          if (!res.ok) return null;
          const body = new Uint8Array(await res.arrayBuffer());
          return body.length <= MAX_CRL_BYTES ? body : null;
        } catch {
          return null;
        }
      })();
      fetched.set(url, p);
    }
    return p;
  };
  return {
    async statusAt(cert: CertificateInfo, issuer: CertificateInfo, at: Date): Promise<RevocationAnswer> {
      const urls = candidates(cert.crlUrls);
      const crls = (await Promise.all(urls.map(get))).filter((c): c is Uint8Array => c !== null);
      const answer = await embeddedCrlView(crls).statusAt(cert, issuer, at);
      if (answer.source === 'crl:embedded') return { ...answer, source: `crl:${urls.join(' ')}` };
      return urls.length
        ? { status: 'unknown', source: `crl unavailable: ${urls.join(' ')}` }
        : { status: 'no-source', source: 'no-crl-url' };
    },
  };
}
