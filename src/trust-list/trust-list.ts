import canonicalize from 'canonicalize';
import { z } from 'zod';
import { TrustListError } from './trust-list-error.js';

// The national trust list (信任列表, federation.md §2.8), modelled on ETSI TS 119 612: sequenceNumber =
// TSLSequenceNumber, issuedAt = ListIssueDateTime, nextUpdate = NextUpdate, services[].history = ServiceHistory.
// Served as RFC 8785 canonical JSON; those exact bytes are what the hub signs and what a node verifies.

export const TRUST_LIST_SCHEMA = 'https://sealtrust.org.cn/ns/trust-list/1';

/** TS 119 612 service status, in SealTrust's three values. */
export const SERVICE_STATUSES = ['granted', 'suspended', 'withdrawn'] as const;
export type ServiceStatus = (typeof SERVICE_STATUSES)[number];

export const NODE_STATUSES = ['active', 'suspended', 'withdrawn'] as const;
export type NodeStatus = (typeof NODE_STATUSES)[number];

export const SERVICE_TYPES = ['root-ca', 'issuing-ca', 'ocsp-responder', 'tsa', 'seal-maker'] as const;
export type ServiceType = (typeof SERVICE_TYPES)[number];

const instant = z
  .string()
  .refine(
    (s) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/.test(s) && !Number.isNaN(Date.parse(s)),
    {
      message: 'an RFC 3339 UTC instant (…Z)',
    },
  );
const base64Der = z.string().regex(/^[A-Za-z0-9+/]+={0,2}$/, 'base64 DER');
const hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'lower-case hex SM3');
const nodeId = z.string().regex(/^[0-9A-Za-z-]{1,32}$/);

const history = <S extends readonly [string, ...string[]]>(statuses: S) =>
  z.array(z.object({ status: z.enum(statuses), since: instant }).strict()).min(1);

const serviceSchema = z
  .object({
    type: z.enum(SERVICE_TYPES),
    certificate: base64Der,
    /** SM3 of the certificate's DER, hex: how verifiers look a service up. */
    sm3: hex64,
    status: z.enum(SERVICE_STATUSES),
    history: history(SERVICE_STATUSES),
  })
  .strict();

const nodeSchema = z
  .object({
    nodeId,
    kind: z.enum(['province', 'hub', 'ministry']),
    name: z.string().min(1).max(200),
    regionCode: z.string().regex(/^\d{6}$/),
    status: z.enum(NODE_STATUSES),
    statusHistory: history(NODE_STATUSES),
    endpoints: z
      .object({
        base: z.string().url(),
        tlog: z.string().url().optional(),
        ocsp: z.string().url().optional(),
        tsa: z.string().url().optional(),
      })
      .strict(),
    log: z
      .object({
        origin: z.string().min(1).max(255),
        hash: z.literal('SM3'),
        keys: z
          .array(
            z
              .object({
                vkey: z.string().min(1),
                certificate: base64Der.optional(),
                status: z.enum(['active', 'withdrawn']),
                since: instant,
              })
              .strict(),
          )
          .min(1),
      })
      .strict(),
    services: z.array(serviceSchema),
  })
  .strict();

const baseSchema = z
  .object({
    schema: z.literal(TRUST_LIST_SCHEMA),
    sequenceNumber: z.number().int().positive(),
    issuedAt: instant,
    nextUpdate: instant,
    historicalPeriodDays: z.number().int().positive(),
    operator: z
      .object({ nodeId, name: z.string().min(1), uscc: z.string().min(1), url: z.string().url() })
      .strict(),
    signers: z
      .object({
        current: z.array(base64Der).min(1),
        next: z.array(base64Der),
        /** Sequence numbers of the lists whose signers changed: a node that missed versions walks them. */
        pivots: z.array(z.number().int().positive()),
      })
      .strict(),
    witnessPolicy: z
      .object({
        witnesses: z
          .array(
            z.object({ name: z.string().min(1), vkey: z.string().min(1), url: z.string().url() }).strict(),
          )
          .min(1),
        quorum: z.string().min(1),
      })
      .strict(),
    statusSigner: z
      .object({ name: z.string().min(1), vkey: z.string().min(1) })
      .strict()
      .optional(),
    nodes: z.array(nodeSchema),
  })
  .strict();

/** Node ids unique, and every current status the last of its history (a change appends, never rewrites). */
function checkNodes(
  nodes: readonly z.infer<typeof nodeSchema>[],
  ctx: z.RefinementCtx,
  path: (string | number)[],
): void {
  const ids = new Set<string>();
  nodes.forEach((n, i) => {
    if (ids.has(n.nodeId))
      ctx.addIssue({ code: 'custom', path: [...path, i, 'nodeId'], message: 'duplicate' });
    ids.add(n.nodeId);
    if (n.statusHistory.at(-1)!.status !== n.status)
      ctx.addIssue({ code: 'custom', path: [...path, i, 'status'], message: 'differs from its history' });
    n.services.forEach((s, j) => {
      if (s.history.at(-1)!.status !== s.status)
        ctx.addIssue({
          code: 'custom',
          path: [...path, i, 'services', j, 'status'],
          message: 'differs from its history',
        });
    });
  });
}

const trustListSchema = baseSchema.superRefine((l, ctx) => {
  if (Date.parse(l.nextUpdate) <= Date.parse(l.issuedAt))
    ctx.addIssue({ code: 'custom', path: ['nextUpdate'], message: 'must be after issuedAt' });
  checkNodes(l.nodes, ctx, ['nodes']);
});

/** What hub admins edit (§3.3): the list without the fields the hub sets when it publishes. */
const draftSchema = baseSchema
  .omit({ schema: true, sequenceNumber: true, issuedAt: true, nextUpdate: true, signers: true })
  .superRefine((d, ctx) => checkNodes(d.nodes, ctx, ['nodes']));

export type TrustList = z.infer<typeof trustListSchema>;
export type TrustListNode = TrustList['nodes'][number];
export type TrustListDraft = z.infer<typeof draftSchema>;
export type TrustListService = TrustListNode['services'][number];
export type StatusChange<S extends string> = { status: S; since: string };

/** The list's served bytes: RFC 8785 canonical JSON, UTF-8. */
export function encodeTrustList(list: TrustList): Buffer {
  // Checked before encoding, so the hub can never publish what nodes would refuse to read.
  const checked = trustListSchema.safeParse(list);
  if (!checked.success) throw malformed(checked.error);
  return Buffer.from(canonicalize(list)!, 'utf8');
}

/**
 * Reads served list bytes strictly: valid UTF-8 JSON, exactly its RFC 8785 canonical form (one encoding per list,
 * so its SM3 identifies it), and the schema. Verify the signature over these same bytes, never re-encoded.
 * @throws TrustListError MALFORMED_TRUST_LIST | NOT_CANONICAL
 */
export function parseTrustList(bytes: Uint8Array): TrustList {
  let text: string;
  let json: unknown;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    json = JSON.parse(text);
  } catch (err) {
    throw new TrustListError(
      'MALFORMED_TRUST_LIST',
      '信任列表不是 UTF-8 JSON / the trust list is not UTF-8 JSON',
      {
        cause: err,
      },
    );
  }
  if (canonicalize(json) !== text)
    throw new TrustListError(
      'NOT_CANONICAL',
      '信任列表不是 RFC 8785 规范形式 / the trust list is not in RFC 8785 canonical form',
    );
  const checked = trustListSchema.safeParse(json);
  if (!checked.success) throw malformed(checked.error);
  return checked.data;
}

function malformed(err: z.ZodError): TrustListError {
  const issue = err.issues[0]!;
  const at = issue.path.join('.') || '(root)';
  return new TrustListError(
    'MALFORMED_TRUST_LIST',
    `信任列表字段 ${at} 无效 / trust list field ${at}: ${issue.message}`,
    { cause: err },
  );
}

/** A draft (§3.3) from JSON, checked as strictly as a list. @throws TrustListError MALFORMED_TRUST_LIST */
export function parseTrustListDraft(json: unknown): TrustListDraft {
  const checked = draftSchema.safeParse(json);
  if (!checked.success) throw malformed(checked.error);
  return checked.data;
}

/** One node entry of a draft from JSON. @throws TrustListError MALFORMED_TRUST_LIST */
export function parseTrustListNode(json: unknown): TrustListNode {
  const checked = nodeSchema.superRefine((n, ctx) => checkNodes([n], ctx, [])).safeParse(json);
  if (!checked.success) throw malformed(checked.error);
  return checked.data;
}
