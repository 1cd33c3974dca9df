import { z } from 'zod';
import type { DocumentFormat } from '../../service/verification/document-format.js';
import { VerificationBusy } from '../../service/verification/verification-service.js';
import type { Services } from '../../service/services.js';
import type { ApiRouter } from '../api-router.js';
import { readMultipart } from '../multipart.js';
import { hasFileSm3 } from '../../licence/licence-file-entry.js';
import { ProblemError } from '../problem.js';
import { RateLimiter } from '../rate-limit.js';
import { readRawBody } from '../raw-body.js';
import { IDENTIFIER } from './licence-routes.js';

// Public verification: anyone may send a PDF or an OFD and get the validation report, or look up a licence's status
// (what a QR code on a licence links to). No token, so these are rate limited per client IP.

const INDICATION = z.enum(['TOTAL_PASSED', 'TOTAL_FAILED', 'INDETERMINATE']);
const checkSchema = z.object({
  id: z.string(),
  status: z.enum(['passed', 'failed', 'indeterminate', 'skipped', 'warning']),
  code: z.string(),
  message: z.string(),
  messageEn: z.string(),
  details: z.record(z.string(), z.unknown()).optional(),
});
const reportSchema = z.object({
  indication: INDICATION,
  subIndication: z.string().nullable(),
  validatedAt: z.iso.datetime(),
  signatures: z.array(
    z.looseObject({
      format: z.string(),
      indication: INDICATION,
      subIndication: z.string().nullable(),
      signingTime: z.string().nullable(),
      bestSignatureTime: z.string().nullable(),
      seal: z.looseObject({ esID: z.string(), name: z.string() }).nullable(),
      signer: z.looseObject({ subject: z.string(), serial: z.string() }).nullable(),
      chain: z.array(z.looseObject({ subject: z.string(), serial: z.string() })),
      checks: z.array(checkSchema),
      ofd: z
        .object({
          id: z.string(),
          type: z.string(),
          signatureXml: z.string().nullable(),
        })
        .optional()
        .describe(
          'OFD 签名：Signatures.xml 中的 ID、Type 与签名描述文件 / an OFD signature: its ID, Type and Signature.xml',
        ),
    }),
  ),
  findings: z
    .array(
      z.object({
        code: z.string(),
        severity: z.enum(['info', 'warning', 'error']),
        message: z.string(),
        messageEn: z.string(),
        path: z.string().optional(),
      }),
    )
    .optional()
    .describe(
      '文件级发现（OFD：未被引用的文件、缺失的引用、未评估的保护文件）/ document-level findings (OFD: stray files, missing references, protection files not evaluated)',
    ),
  licence: z
    .looseObject({
      identifier: z.string(),
      status: z.string().nullable(),
      version: z.string().nullable(),
      latestVersion: z.string().nullable(),
      indication: INDICATION,
      subIndication: z.string().nullable(),
      checks: z.array(checkSchema),
    })
    .optional(),
});

const HUB_NULL =
  '其他节点的证照为 null：目录日志不含该信息 / null for another node’s licence: the directory log does not hold it';

const publicLicenceSchema = z.object({
  identifier: z.string(),
  status: z.string(),
  statusName: z.string(),
  version: z.string(),
  latestVersion: z.string().nullable(),
  successor: z.string().nullable(),
  pdfSm3: z.string().nullable(),
  files: z
    .array(z.object({ format: z.string(), sm3: z.string(), bytes: z.number() }))
    .nullable()
    .optional()
    .describe(
      '签发的全部版式文件（PDF、OFD）的 SM3 与大小；仅当 ?sm3= 与其一致时提供 / every issued file’s SM3 and size; only with ?sm3= of one of them',
    ),
  statusHistory: z.array(z.object({ at: z.string(), status: z.string(), operation: z.string() })),
  name: z.string().nullable().describe(HUB_NULL),
  typeCode: z.string(),
  typeName: z.string().nullable().describe(HUB_NULL),
  issuer: z.object({ name: z.string().nullable().describe(HUB_NULL), code: z.string() }),
  holder: z
    .object({ name: z.string(), code: z.string(), codeType: z.string() })
    .optional()
    .describe('已脱敏；仅当 ?sm3= 与该证照或其加注件的文件一致时提供 / masked; only with ?sm3= of its file'),
  issueDate: z.string().nullable().describe(HUB_NULL),
  validFrom: z.string().nullable().describe(HUB_NULL),
  validTo: z.string().nullable(),
  versions: z.array(
    z.object({ identifier: z.string(), version: z.string(), status: z.string(), statusName: z.string() }),
  ),
  copies: z
    .array(
      z.looseObject({
        sm3: z.string(),
        purpose: z.string(),
        expiresAt: z.string(),
        files: z.array(z.object({ format: z.string(), sm3: z.string(), bytes: z.number() })).optional(),
      }),
    )
    .optional(),
  copy: z.looseObject({ sm3: z.string(), purpose: z.string(), expiresAt: z.string() }).nullable().optional(),
  source: z
    .literal('hub')
    .optional()
    .describe(
      '仅其他节点的证照：由国家枢纽的目录日志证据核实后作答 / another node’s licence only: answered from the hub’s verified log evidence',
    ),
  node: z
    .object({ id: z.string(), name: z.string() })
    .nullable()
    .optional()
    .describe('签发节点（信任列表所列）/ the issuing node as the trust list names it'),
  asOf: z
    .object({
      witnessTime: z.string().nullable(),
      size: z.number().nullable(),
      origin: z.string().nullable(),
    })
    .optional()
    .describe(
      '所依据的枢纽联署检查点：见证时间、树大小、日志名 / the hub-cosigned checkpoint the answer is as of',
    ),
  trustList: z
    .object({ sequenceNumber: z.number(), state: z.enum(['valid', 'expired']), nextUpdate: z.string() })
    .nullable()
    .optional(),
  notAvailable: z
    .array(z.string())
    .optional()
    .describe('枢纽不掌握的字段（值为 null）/ members the hub does not hold (null)'),
});

/**
 * What the client says it sent: only a tie-breaker for bytes that are neither format by their first bytes
 * (the service sniffs). OFD has no registered media type; `application/ofd` is what OFD readers use.
 */
function declaredFormat(mediaType: string | undefined, filename = ''): DocumentFormat | undefined {
  const type = (mediaType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/ofd' || type === 'application/zip' || /\.ofd$/i.test(filename)) return 'ofd';
  if (type === 'application/pdf' || /\.pdf$/i.test(filename)) return 'pdf';
  return undefined;
}

/** The 422 problem types of POST /v1/verify, for the OpenAPI document (each names `field: file`). */
const VERIFY_PROBLEMS = [
  ['not-a-pdf', '不是 PDF 也不是 ZIP / neither a PDF nor a ZIP archive'],
  ['malformed-pdf', 'PDF 无法读取 / the PDF cannot be read'],
  ['not-an-ofd', 'ZIP 根目录没有 OFD.xml / a ZIP without OFD.xml at its root'],
  [
    'malformed-ofd',
    'OFD 包、ZIP 或 XML 违反规则（`reason` 指明规则）/ the package, ZIP or XML breaks a rule (`reason` names it)',
  ],
  [
    'too-complex',
    '超出时间或资源限制（`limit` 指明）/ over the time or resource limits (`limit` names which)',
  ],
  ['file-too-large', '超过大小上限 / over the size limit'],
] as const;

export function verifyRoutes(
  api: ApiRouter,
  s: Services,
  limiter = new RateLimiter(s.verification.options.rate),
): void {
  const { maxBytes } = s.verification.options;
  const tooLarge = `文件超过 ${maxBytes} 字节上限 / the file is over the ${maxBytes}-byte limit`;

  api.route({
    method: 'post',
    path: '/v1/verify',
    // The id predates OFD; kept so that generated clients keep working.
    operationId: 'verifyPdf',
    summary:
      '验证 PDF 或 OFD 中的电子签章与电子证照 / Validate the seals and licence of a PDF or OFD (anonymous)',
    tags: ['verification'],
    auth: 'public',
    rateLimit: limiter,
    rawBody: {
      contentTypes: [
        'application/pdf',
        'application/ofd',
        'application/zip',
        'application/octet-stream',
        'multipart/form-data',
      ],
      limitBytes: maxBytes,
      tooLargeDetail: tooLarge,
      schema: {
        type: 'object',
        required: ['file'],
        properties: {
          file: {
            type: 'string',
            format: 'binary',
            description: `PDF 或 OFD（按内容识别），至多 ${maxBytes} 字节 / PDF or OFD (recognised by content), at most ${maxBytes} bytes`,
          },
        },
      },
    },
    responses: {
      200: { description: '验证报告（中英文说明）/ The validation report', schema: reportSchema },
      422: {
        description:
          '无法验证的文件（problem+json，field 为 file）/ A file that cannot be validated (problem+json, field: file): ' +
          VERIFY_PROBLEMS.map(([type, what]) => `\`${type}\` ${what}`).join('; '),
        contentType: 'application/problem+json',
      },
      503: { description: '繁忙，见 Retry-After / busy: see Retry-After (`verification-busy`)' },
    },
    handler: async (ctx) => {
      let file: { data: Buffer; declared: DocumentFormat | undefined };
      if (ctx.is('multipart/form-data')) {
        const part = (
          await readMultipart(ctx.req, {
            file: { name: 'file', limitBytes: maxBytes, tooLargeDetail: tooLarge },
            fields: [],
          })
        ).file;
        file = { data: part.data, declared: declaredFormat(part.mimeType, part.filename) };
      } else {
        const data = await readRawBody(ctx.req, maxBytes, tooLarge);
        file = { data, declared: declaredFormat(ctx.get('content-type')) };
      }
      try {
        ctx.body = await s.verification.verify(file.data, file.declared);
      } catch (err) {
        if (err instanceof VerificationBusy)
          throw new ProblemError(503, 'verification-busy', err.message, {
            headers: { 'Retry-After': String(err.retryAfterSeconds) },
          });
        throw err;
      }
      ctx.set('Cache-Control', 'no-store');
    },
  });

  api.route({
    method: 'get',
    path: '/v1/verify/licences/:identifier',
    operationId: 'verifyLicenceStatus',
    summary: '证照状态查询（扫码核验）/ Licence status for QR scans and online verifiers (anonymous)',
    tags: ['verification'],
    auth: 'public',
    params: z.object({ identifier: z.string().regex(IDENTIFIER).describe('证照标识') }),
    query: z.object({
      sm3: z
        .string()
        .regex(/^[0-9a-fA-F]{64}$/)
        .optional()
        .describe(
          '所持文件的 SM3（十六进制）：与证照（PDF 或 OFD）或其加注件一致时提供持证主体（脱敏）/ SM3 of the file held: when it is the licence (its PDF or OFD) or one of its copies, the (masked) holder is shown',
        ),
    }),
    responses: {
      200: {
        description:
          '证照状态、类型、发证机构与有效期；持有文件者另见持证主体（脱敏）/ Status, type, issuer and validity; the masked holder for whoever holds the file',
        schema: publicLicenceSchema,
      },
      404: {
        description: '没有这个证照 / no such licence (`licence-not-found`)',
        contentType: 'application/problem+json',
      },
      503: {
        description:
          '其他节点的证照暂无法判定（无有效信任列表、枢纽不可达、证据未通过验证），见 Retry-After / another node’s licence cannot be judged now (`licence-status-indeterminate`)',
        contentType: 'application/problem+json',
      },
    },
    // Identifiers are sequential with a computable check character, so anyone can enumerate them: the answer
    // is rate limited per client, and without proof of holding the file it tells status, type, issuer and
    // validity only. The issued file's SM3 and its copies' are withheld too, or they would be that proof.
    rateLimit: limiter,
    handler: async (ctx, { params, query }) => {
      const sm3 = query.sm3?.toLowerCase();
      const record = await s.verification.publicLicence(params.identifier, sm3);
      if (!record)
        throw new ProblemError(404, 'licence-not-found', `没有这个证照 / no licence ${params.identifier}`, {
          field: 'identifier',
        });
      ctx.set('Cache-Control', 'no-cache');
      // Either issued file (PDF or OFD, ofd.md §4.3) or a copy's proves holding it.
      const held =
        sm3 !== undefined &&
        (record.pdfSm3 === sm3 ||
          hasFileSm3(record.files ?? [], sm3) ||
          (!!record.copy && (record.copy.sm3 === sm3 || hasFileSm3(record.copy.files ?? [], sm3))));
      if (held) ctx.body = record;
      else {
        const { holder: _holder, copies: _copies, ...open } = record;
        ctx.body = { ...open, pdfSm3: null, files: null, copy: null };
      }
    },
  });

  api.route({
    method: 'get',
    path: '/v1/verify/seals/:ref',
    operationId: 'verifySealPicture',
    summary: '本节点登记的印模图片（验证页展示用）/ The registered picture of a seal of this node',
    tags: ['verification'],
    auth: 'public',
    params: z.object({
      ref: z
        .string()
        .regex(/^[0-9A-Za-z]{4,64}\.png$/)
        .describe('{esID}.png'),
    }),
    responses: { 200: { description: 'PNG', contentType: 'image/png' } },
    handler: async (ctx, { params }) => {
      const png = await s.verification.sealPicture(params.ref.slice(0, -4));
      if (!png)
        throw new ProblemError(404, 'seal-not-found', '没有这枚印章 / no such seal', { field: 'esID' });
      ctx.type = 'image/png';
      ctx.set('Cache-Control', 'public, max-age=300');
      ctx.body = png;
    },
  });
}
