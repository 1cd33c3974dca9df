import { z } from 'zod';

/**
 * `node.json` in a keys directory, written by `sealtrust ca init`: which files hold which certificate
 * and (encrypted) key. The root's key is written for the ceremony but never read by the service.
 */
export const caManifestSchema = z.strictObject({
  node: z.string(),
  createdAt: z.iso.datetime(),
  publicUrl: z.url(),
  urls: z.strictObject({
    crlBase: z.url().optional(),
    ocsp: z.url().optional(),
    caIssuersBase: z.url().optional(),
  }),
  provinces: z.array(z.string()).optional(),
  root: z.strictObject({ id: z.string(), certificate: z.string(), crl: z.string() }),
  issuingCas: z.array(
    z.strictObject({
      id: z.string(),
      certificate: z.string(),
      key: z.string(),
      crlValidityHours: z.number().int().positive(),
      ocspResponder: z.strictObject({ certificate: z.string(), key: z.string() }),
      tsa: z.strictObject({ certificate: z.string(), key: z.string(), policy: z.string() }).optional(),
      sealMaker: z.strictObject({ certificate: z.string(), key: z.string() }).optional(),
      /** The directory-log signer (federation.md §4.3); absent in keys made before the log. */
      logSigner: z.strictObject({ certificate: z.string(), key: z.string() }).optional(),
      /**
       * Log signers replaced by `sealtrust ca rotate-log-key`, oldest first (federation.md §5.4 "rotated log
       * key"): their certificates stay so the node lists them as withdrawn and still reads its old checkpoints;
       * their keys are never loaded again.
       */
      retiredLogSigners: z
        .array(z.strictObject({ certificate: z.string(), key: z.string(), retiredAt: z.iso.datetime() }))
        .optional(),
      /** The hub's witness cosigner. */
      witness: z.strictObject({ certificate: z.string(), key: z.string() }).optional(),
      /** The hub's national trust-list signer (federation.md §2.8). */
      trustListSigner: z.strictObject({ certificate: z.string(), key: z.string() }).optional(),
    }),
  ),
});
export type CaManifest = z.output<typeof caManifestSchema>;
