import type { CertificateInfo } from '../../pki/certificate.js';
import type { ParsedCrl } from '../../pki/crl.js';
import { combineRevocationAnswers } from '../../verify/revocation/combine-revocation-sources.js';
import { crlAnswer, parseCrls } from '../../verify/revocation/crl-revocation.js';
import type {
  RevocationAnswer,
  RevocationTimes,
  RevocationView,
} from '../../verify/revocation/revocation-source.js';

const MAX_CRL_BYTES = 64 * 1024 * 1024;

/**
 * `sealtrust verify --online <node>`: revocation from the CRLs the certificates name (their CRL distribution
 * points, and the same paths on the given node, which publishes its CAs' CRLs at /crl/{caId}.crl), fetched over
 * HTTP once per run. This is only the I/O: what the CRLs mean is judged by the shared code
 * (verify/revocation/crl-revocation.ts). A CRL served by the node is the node's live record for that CA
 * (authoritative: it publishes a new one after every revocation); one from anywhere else is judged like
 * embedded data, under the freshness rule. A CRL counts only when the issuer's signature on it verifies, so
 * the network is used, not trusted.
 */
export function httpCrlRevocationView(
  nodeUrl?: string,
  timeoutMs = 10_000,
  opts: {
    /** Only CRLs on the node are fetched (a service must not fetch what any certificate names: SSRF). */
    onlyNode?: boolean;
    /** Fetched CRLs are reused this long, ms (default: for the whole run, as the CLI wants). */
    cacheMs?: number;
  } = {},
): RevocationView {
  const node = nodeUrl?.replace(/\/+$/, '');
  const onNode = (url: string) => node !== undefined && (url === node || url.startsWith(node + '/'));
  const candidates = (cdps: string[]) => {
    const urls = cdps.filter((u) => /^https?:\/\//i.test(u));
    if (node)
      for (const u of [...urls]) {
        let there: string;
        try {
          there = node + new URL(u).pathname;
        } catch {
          continue; // not a URL after all
        }
        if (!urls.includes(there)) urls.push(there);
      }
    return opts.onlyNode ? urls.filter(onNode) : urls;
  };
  const fetched = new Map<string, Promise<ParsedCrl[] | null>>();
  const fetchedAt = new Map<string, number>();
  const get = (url: string) => {
    let p = fetched.get(url);
    const age = Date.now() - (fetchedAt.get(url) ?? 0);
    if (p && opts.cacheMs !== undefined && age >= opts.cacheMs) p = undefined;
    if (!p) {
      fetchedAt.set(url, Date.now());
      p = (async () => {
        try {
          const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
          if (!res.ok) return null;
          const body = new Uint8Array(await res.arrayBuffer());
          return body.length <= MAX_CRL_BYTES ? parseCrls([body]) : null;
        } catch {
          return null;
        }
      })();
      fetched.set(url, p);
    }
    return p;
  };
  return {
    async statusAt(
      cert: CertificateInfo,
      issuer: CertificateInfo,
      at: Date,
      times?: RevocationTimes,
    ): Promise<RevocationAnswer> {
      const urls = candidates(cert.crlUrls);
      if (urls.length === 0)
        return { status: 'no-source', code: 'NO_REVOCATION_SOURCE', source: 'no-crl-url' };
      const got = await Promise.all(urls.map(async (url) => ({ url, crls: await get(url) })));
      const answers = got
        .filter((g): g is { url: string; crls: ParsedCrl[] } => g.crls !== null)
        .map((g) =>
          crlAnswer(g.crls, cert, issuer, at, times, {
            source: `crl:${g.url}`,
            authoritative: onNode(g.url),
          }),
        );
      if (answers.every((a) => a.status === 'no-source'))
        return { status: 'unknown', code: 'TRY_LATER', source: `crl unavailable: ${urls.join(' ')}` };
      return combineRevocationAnswers(answers);
    },
  };
}
