import { z } from 'zod';
import { StampingBusy } from '../../service/seals/document-stamping-service.js';
import type { Services } from '../../service/services.js';
import type { ApiRouter } from '../api-router.js';
import { actionContext } from '../context.js';
import { readMultipart } from '../multipart.js';
import { ProblemError } from '../problem.js';
import { validationProblem } from '../validation-problem.js';

const mm = z.number().min(-10_000).max(10_000);
const pageNumber = z.number().int().min(1).describe('页码，从 1 开始 / 1-based page number');

const placementSchema = z.discriminatedUnion('type', [
  z
    .strictObject({
      type: z.literal('absolute'),
      page: z.union([pageNumber, z.literal('last')]),
      xMm: mm,
      yMm: mm,
      origin: z.enum(['top-left', 'bottom-left']).optional(),
    })
    .describe(
      '印章靠近原点的一角位于距页面该角 (xMm, yMm) 处 / the seal corner nearest the origin at (xMm, yMm)',
    ),
  z
    .strictObject({
      type: z.literal('keyword'),
      text: z.string().trim().min(1).max(100).describe('关键字，如 盖章处 / the text to find'),
      occurrence: z.enum(['first', 'last', 'all']).optional().describe('default first'),
      offsetXMm: mm.optional().describe('向右偏移 / right'),
      offsetYMm: mm.optional().describe('向下偏移 / down'),
    })
    .describe('关键字定位：印章中心对准关键字中心 / the seal centred on the text'),
  z
    .strictObject({
      type: z.literal('cross-page'),
      pages: z.union([z.literal('all'), z.tuple([pageNumber, pageNumber])]),
      yMm: mm
        .optional()
        .describe('印章上沿距页面上沿，默认垂直居中 / top of the seal from the top; default centred'),
    })
    .describe('骑缝章：印章切成 N 条，依次盖在 N 页的右边缘 / the seal cut into N slices on the right edges'),
]);

const stampRequestSchema = z.strictObject({
  esID: z
    .string()
    .regex(/^[0-9A-Za-z]{4,64}$/)
    .describe('印章编码'),
  placements: z.array(placementSchema).min(1).max(50),
  timestamp: z.boolean().optional().describe('加盖本节点的时间戳 / add an RFC 3161 timestamp'),
  reason: z.string().trim().min(1).max(200).optional().describe('PDF /Reason'),
  location: z.string().trim().min(1).max(200).optional().describe('PDF /Location'),
  lock: z
    .boolean()
    .optional()
    .describe(
      '仅 OFD：签名保护签名列表文件，此后不能再签章（GB/T 33190 §18.1）/ OFD only: the signature covers Signatures.xml and no further signature is accepted',
    ),
});

/** The media type and download name of a stamped document. */
const OUTPUT = {
  pdf: { type: 'application/pdf', file: 'sealed.pdf' },
  // application/ofd: the de facto type of GB/T 33190 files (not registered with IANA).
  ofd: { type: 'application/ofd', file: 'sealed.ofd' },
} as const;

/** Problem types of this operation beyond the generic ones, by status (for the OpenAPI document). */
const PROBLEMS = {
  409: ['document-locked', 'docmdp-forbids-signing', 'seal-not-usable'],
  422: [
    'not-a-pdf',
    'malformed-pdf',
    'encrypted-pdf',
    'not-an-ofd',
    'malformed-ofd',
    'unsupported-package',
    'too-complex',
    'too-many-pages',
    'page-out-of-range',
    'seal-off-page',
    'keyword-not-found',
    'cross-page-too-few-pages',
    'invalid-placement',
    'lock-unsupported',
  ],
};

export function documentRoutes(api: ApiRouter, s: Services): void {
  const limit = s.documentStamping.limits.maxBytes;
  api.route({
    method: 'post',
    path: '/v1/documents/seal',
    operationId: 'sealDocument',
    summary: '对 PDF 或 OFD 文档加盖电子印章 / Stamp a PDF or an OFD with an electronic seal',
    tags: ['documents'],
    auth: ['issuer'],
    rawBody: {
      contentTypes: ['multipart/form-data'],
      limitBytes: limit,
      schema: {
        type: 'object',
        required: ['file', 'request'],
        properties: {
          file: {
            type: 'string',
            format: 'binary',
            description: `PDF 或 OFD（按内容识别：ZIP 包含 OFD.xml 即为 OFD），至多 ${limit} 字节 / PDF or OFD (recognised by content: a ZIP package with OFD.xml is an OFD), at most ${limit} bytes`,
          },
          request: {
            ...(z.toJSONSchema(stampRequestSchema, { io: 'input' }) as Record<string, unknown>),
            $schema: undefined,
            description: 'JSON',
          },
        },
      },
      encoding: { file: { contentType: 'application/pdf, application/ofd, application/zip' } },
    },
    responses: {
      200: {
        description:
          '盖章后的文档，与上传的格式相同（sealed.pdf 或 sealed.ofd）/ The sealed document, in the format uploaded',
        contentType: [OUTPUT.pdf.type, OUTPUT.ofd.type],
      },
      409: {
        description: `problem+json: ${PROBLEMS[409].join(', ')}`,
        contentType: 'application/problem+json',
      },
      422: {
        description: `problem+json (field file or request.…): ${PROBLEMS[422].join(', ')}`,
        contentType: 'application/problem+json',
      },
    },
    handler: async (ctx) => {
      const body = await readMultipart(ctx.req, {
        file: {
          name: 'file',
          limitBytes: limit,
          tooLargeDetail: `文件超过 ${limit} 字节上限 / the file is over the ${limit}-byte limit`,
        },
        fields: ['request'],
      });
      let json: unknown;
      try {
        json = JSON.parse(body.fields.request!);
      } catch {
        throw new ProblemError(
          422,
          'malformed-json',
          '表单字段 request 不是有效的 JSON / the "request" field is not valid JSON',
          { field: 'request' },
        );
      }
      const parsed = stampRequestSchema.safeParse(json);
      if (!parsed.success) throw validationProblem(parsed.error, 'request');
      let result;
      try {
        result = await s.documentStamping.stamp(actionContext(ctx), body.file.data, parsed.data);
      } catch (err) {
        if (err instanceof StampingBusy)
          throw new ProblemError(503, 'stamping-busy', err.message, {
            headers: { 'Retry-After': String(err.retryAfterSeconds) },
          });
        throw err;
      }
      const out = OUTPUT[result.format];
      ctx.type = out.type;
      ctx.set('Content-Disposition', `attachment; filename="${out.file}"`);
      ctx.set('X-SealTrust-Seal-Pages', result.pages.join(','));
      ctx.body = result.document;
    },
  });
}
