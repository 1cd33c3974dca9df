/**
 * Resource bounds for reading an untrusted OFD (the verifier is public and unauthenticated). Exceeding one is
 * `too-complex`, never a crash or an unbounded allocation. Values beside PDF_VALIDATION_LIMITS.
 */
export interface OfdLimits {
  /** ZIP entries, directories included. */
  readonly maxEntries: number;
  /** Sum of the inflated sizes of all entries. */
  readonly maxInflatedTotal: number;
  /** Inflated ÷ compressed size of one entry (zip-bomb shape)… */
  readonly maxRatio: number;
  /** …enforced only above this inflated size: small, repetitive XML legitimately compresses further. */
  readonly ratioFloor: number;
  /** One structural XML file we parse. */
  readonly maxXmlBytes: number;
  readonly maxXmlDepth: number;
  readonly maxXmlElements: number;
  readonly maxSignatures: number;
  readonly maxReferencesPerSignature: number;
}

export const OFD_LIMITS: OfdLimits = Object.freeze({
  maxEntries: 10_000,
  maxInflatedTotal: 256 * 1024 * 1024,
  maxRatio: 200,
  ratioFloor: 1024 * 1024,
  maxXmlBytes: 32 * 1024 * 1024,
  maxXmlDepth: 256,
  maxXmlElements: 1_000_000,
  maxSignatures: 64,
  maxReferencesPerSignature: 100_000,
});
