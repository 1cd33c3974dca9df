import type { CertificateInfo } from '../../pki/certificate.js';
import type { ChainResult } from '../../pki/certificate-chain.js';
import type { Check } from '../report.js';
import type { CheckId } from './check-registry.js';
import { chainValidatorText, emit, withText, type Text } from './messages.js';

// The 'chain' and 'maker-chain' checks: the certificate chains to a trust anchor at the signing time
// (RFC 5280 path validation, pki/certificate-chain.ts, which words its own result).

export function chainCheck(
  id: Extract<CheckId, 'chain' | 'maker-chain'>,
  party: Text,
  cert: CertificateInfo | null,
  r: ChainResult | null,
): Check {
  if (!cert || !r) return emit(id, 'indeterminate', 'NO_SIGNING_CERTIFICATE_FOUND', { party });
  return withText(id, r.status, r.code, chainValidatorText(party, { zh: r.message, en: r.messageEn }), {
    chain: r.chain.map((c) => c.subject),
    ...(r.failedAt === undefined ? {} : { failedAt: r.failedAt }),
  });
}
