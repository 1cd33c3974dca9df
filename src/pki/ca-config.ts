import { z } from 'zod';

// The JSON files in ca/: one per CA node (its hierarchy) and one per certificate profile.

const nameSchema = z.strictObject({
  C: z.string().length(2).default('CN'),
  ST: z.string().optional(),
  L: z.string().optional(),
  O: z.string().min(1),
  OU: z.string().optional(),
  organizationIdentifier: z.string().optional(),
  CN: z.string().min(1),
});

const urlOverrides = z
  .strictObject({
    /** Base for CRLs: `<crlBase>/<caId>.crl`. */
    crlBase: z.url().optional(),
    ocsp: z.url().optional(),
    /** Base for CA certificates: `<caIssuersBase>/<caId>.crt`. */
    caIssuersBase: z.url().optional(),
  })
  .default({});

/** A node-wide key certified from a ca/profiles profile; validity defaults to the profile's. */
const nodeProfileKey = z.strictObject({
  validityDays: z.number().int().min(1).max(3650).optional(),
});

export const caNodeConfigSchema = z
  .strictObject({
    /** Node id, e.g. `zhejiang` or `mohurd`. */
    node: z.string().regex(/^[a-z0-9-]{2,40}$/),
    description: z.string().optional(),
    root: z.strictObject({
      id: z
        .string()
        .regex(/^[a-z0-9-]{2,40}$/)
        .default('root'),
      subject: nameSchema,
      validityYears: z.number().int().min(1).max(40),
      pathLen: z.number().int().min(0).max(5).default(1),
      /** How long the root's (offline-signed) CRL stays valid. */
      crlValidityDays: z.number().int().min(1).max(400).default(365),
    }),
    issuingCas: z
      .array(
        z.strictObject({
          id: z.string().regex(/^[a-z0-9-]{2,40}$/),
          subject: nameSchema,
          validityYears: z.number().int().min(1).max(30),
          pathLen: z.number().int().min(0).max(5).default(0),
          crlValidityHours: z
            .number()
            .int()
            .min(1)
            .max(24 * 30)
            .default(24),
          policies: z.array(z.string().regex(/^\d+(\.\d+)+$/)).default([]),
          ocspResponder: z.strictObject({
            subject: nameSchema,
            validityDays: z.number().int().min(1).max(3650),
          }),
          /** The node's seal-making system (制章者): signs every SESeal this node makes. */
          sealMaker: z
            .strictObject({ subject: nameSchema, validityDays: z.number().int().min(1).max(3650) })
            .optional(),
          tsa: z
            .strictObject({
              subject: nameSchema,
              validityDays: z
                .number()
                .int()
                .min(1)
                .max(3650 * 2),
              policy: z.string().regex(/^\d+(\.\d+)+$/),
            })
            .optional(),
          /**
           * The node's directory-log signer (federation.md §4.3), from ca/profiles/log-signer.json with `operator`
           * as its subject's organisation. Every node has one; configs written before the log lack it.
           */
          logSigner: nodeProfileKey.optional(),
          /** The hub's witness cosigner (ca/profiles/witness.json); a province has none unless it witnesses peers. */
          witness: nodeProfileKey.optional(),
          /**
           * The hub's national trust-list signer (ca/profiles/trust-list-signer.json; federation.md §2.8 signs
           * list.json with it as detached SM2 CMS); a province has none.
           */
          trustListSigner: nodeProfileKey.optional(),
        }),
      )
      .min(1),
    /**
     * Who runs the node (its trust-service centre): the "agency" the node-wide certificates of ca/profiles name
     * (log signer, witness, trust-list signer), as an agency is named in the certificates issued to it.
     */
    operator: z
      .strictObject({
        name: z.string().min(1),
        uscc: z.string().regex(/^[0-9A-HJ-NPQRTUWXY]{18}$/),
        /** The subject's ST, e.g. 浙江省 (北京市 for the national hub). */
        provinceName: z.string().min(1),
        /** GB/T 2260 six-digit code, for profiles whose subject uses {regionCode}. */
        regionCode: z
          .string()
          .regex(/^\d{6}$/)
          .optional(),
      })
      .optional(),
    urls: urlOverrides,
    /** Province codes (GB/T 2260, two digits) whose agencies this node serves; absent means all (development). */
    provinces: z.array(z.string().regex(/^\d{2}$/)).optional(),
  })
  .superRefine((c, ctx) => {
    // The node's own profile-based keys name the operator in their subject, as an agency's name its own.
    if (c.operator) return;
    c.issuingCas.forEach((ic, i) => {
      if (ic.logSigner || ic.witness || ic.trustListSigner)
        ctx.addIssue({
          code: 'custom',
          path: ['issuingCas', i],
          message:
            'logSigner, witness and trustListSigner need "operator" (who runs the node) to name their subject',
        });
    });
  });
export type CaNodeConfig = z.output<typeof caNodeConfigSchema>;
export type CaOperator = NonNullable<CaNodeConfig['operator']>;

export type CaName = z.output<typeof nameSchema>;

const keyUsageName = z.enum([
  'digitalSignature',
  'nonRepudiation',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
]);

export const certificateProfileSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9-]{2,40}$/),
  name: z.string(),
  validityDays: z.number().int().min(1).max(3650),
  keyUsage: z.array(keyUsageName).min(1),
  extKeyUsage: z
    .strictObject({ purposes: z.array(z.string().regex(/^\d+(\.\d+)+$/)).min(1), critical: z.boolean() })
    .optional(),
  policies: z.array(z.string().regex(/^\d+(\.\d+)+$/)).default([]),
  /**
   * The subject, with placeholders filled from the agency: {agencyName} {uscc} {regionCode} {provinceName},
   * and {commonName} from the request when the profile allows one.
   */
  subject: nameSchema,
  allowCommonName: z.boolean().default(false),
  usccExtension: z.boolean().default(true),
  ocspNoCheck: z.boolean().default(false),
  /**
   * Certificates of the node's own services (OCSP responder, TSA, directory-log signer, witness, trust-list
   * signer): made by the key ceremony (`sealtrust ca init` / `ca add-keys`) only, never through the API, so no
   * agency can hold a certificate a verifier would take for the node's responder, timestamp authority, log or
   * trust list.
   */
  nodeOnly: z.boolean().default(false),
});
export type CertificateProfile = z.output<typeof certificateProfileSchema>;

/** Fills `{placeholder}` fields of a subject template; unknown placeholders are an error, not silence. */
export function fillSubject(template: CaName, values: Record<string, string>): CaName {
  const fill = (s: string | undefined) =>
    s?.replace(/\{([A-Za-z]+)\}/g, (_, key: string) => {
      const v = values[key];
      if (v === undefined) throw new Error(`subject template uses {${key}}, which has no value`);
      return v;
    });
  return Object.fromEntries(Object.entries(template).map(([k, v]) => [k, fill(v)])) as CaName;
}

/** Where this node publishes CRLs, OCSP and CA certificates, from its public URL unless overridden. */
export function caUrls(config: Pick<CaNodeConfig, 'urls'>, publicUrl: string, caId: string) {
  const base = publicUrl.replace(/\/+$/, '');
  return {
    crl: `${(config.urls.crlBase ?? `${base}/crl`).replace(/\/+$/, '')}/${caId}.crl`,
    ocsp: config.urls.ocsp ?? `${base}/ocsp`,
    caIssuers: `${(config.urls.caIssuersBase ?? `${base}/ca`).replace(/\/+$/, '')}/${caId}.crt`,
  };
}
