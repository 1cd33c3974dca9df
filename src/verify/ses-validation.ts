// The SES validation API in one import (callers and the other engines import from here): the context and
// views, the two SES engines, and the shared checks. Each concept lives in its own module.

export type { RevocationAnswer, RevocationView } from './revocation/revocation-source.js';
export type {
  Claim,
  KnownSealMakers,
  SealRegistryStatus,
  SealRegistryView,
  SealStatusAnswer,
  SesValidationContext,
} from './validation-context.js';
export { evaluateTimestamp, type TimestampOutcome } from './checks/timestamp-evaluation.js';
export { certWindow, validityCheck, type Window } from './checks/validity-time.js';
export { chainCheck } from './checks/chain-check.js';
export { judgeRevocation, revocationCheck } from './checks/revocation-check.js';
export { sealStatusCheck } from './checks/seal-status-check.js';
export { makerAuthorityCheck, signerProfileCheck } from './checks/certificate-profile-checks.js';
export { party, summary } from './report-summaries.js';
export { validateSesSignature } from './ses-signature-engine.js';
export { validateSesSeal } from './ses-seal-engine.js';
