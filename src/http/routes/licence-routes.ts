import { z } from 'zod';
import {
  LICENCE_EVENT_OPERATIONS,
  LICENCE_STATUSES,
  type LicenceStatus,
} from '../../licence/licence-lifecycle.js';
import type { LicenceEvent } from '../../licence/licence-event.js';
import type { LicenceSummary } from '../../licence/licence-record.js';
import type { LicenceView } from '../../service/licences/licence-service.js';
import {
  fileOf,
  LICENCE_FILE_FORMATS,
  type LicenceFileEntry,
  type LicenceFileFormat,
} from '../../licence/licence-file-entry.js';
import type { Services } from '../../service/services.js';
import type { ApiRouter } from '../api-router.js';
import { actionContext, principalOf } from '../context.js';
import { collection, collectionSchema, pageQuery, toPageRequest } from '../pagination.js';
import { ProblemError } from '../problem.js';
import { faceValues, issueLicenceBody } from '../../service/licences/licence-request-schema.js';

export const IDENTIFIER = /^1\.2\.156\.3005\.2\.[0-9A-Z.]{24,113}$/;
const identifierParam = z.object({ identifier: z.string().regex(IDENTIFIER).describe('证照标识') });
const STATUS_NAMES = Object.keys(LICENCE_STATUSES) as [LicenceStatus, ...LicenceStatus[]];
const DATE = z.iso.date();

const FORMATS = LICENCE_FILE_FORMATS as [LicenceFileFormat, ...LicenceFileFormat[]];

/** The media type and download name of each layout file (ofd.md §4.6: OFD has no registered type). */
const MEDIA: Record<LicenceFileFormat, { type: string; disposition: 'inline' | 'attachment' }> = {
  pdf: { type: 'application/pdf', disposition: 'inline' },
  ofd: { type: 'application/ofd', disposition: 'attachment' },
};

const fileSchema = z.object({
  format: z.enum(FORMATS),
  url: z.string(),
  sm3: z.string(),
  bytes: z.number(),
});

function presentFiles(files: readonly LicenceFileEntry[], url: (f: LicenceFileFormat) => string) {
  return files.map((f) => ({ format: f.format, url: url(f.format), sm3: f.sm3, bytes: f.bytes }));
}

const issuedSchema = z.object({
  identifier: z.string(),
  version: z.string(),
  status: z.enum(STATUS_NAMES),
  pdfUrl: z
    .string()
    .describe('PDF 的下载地址（未制作 PDF 时为首个文件的）/ the PDF (or the first file made)'),
  sm3: z.string().describe('该文件的 SM3 / that file’s SM3'),
  files: z.array(fileSchema).describe('制作的全部版式文件 / every file made (SEALTRUST_LICENCE_FORMATS)'),
  warnings: z.array(z.object({ code: z.string(), field: z.string(), message: z.string() })),
});

const eventSchema = z.object({
  identifier: z.string(),
  operation: z.string(),
  fromStatus: z.string().nullable(),
  toStatus: z.string(),
  reason: z.string().nullable(),
  relatedIdentifier: z.string().nullable(),
  actorRole: z.string(),
  at: z.iso.datetime(),
});

const licenceSchema = z.object({
  identifier: z.string(),
  typeCode: z.string(),
  name: z.string(),
  number: z.string(),
  version: z.string(),
  issuer: z.object({ agencyId: z.uuid(), name: z.string(), code: z.string() }),
  issueDate: z.string(),
  holder: z
    .object({ name: z.string(), code: z.string(), codeType: z.string(), masked: z.boolean() })
    .nullable()
    .describe('null: 其他机构未提供用证要素的查询结果 / another agency’s search hit without usage elements'),
  validFrom: z.string(),
  validTo: z.string().nullable(),
  regionCode: z.string(),
  status: z.enum(STATUS_NAMES),
  statusName: z.string(),
  statusCode: z.string(),
  statusReason: z.string().nullable(),
  predecessor: z.string().nullable(),
  successor: z.string().nullable(),
  seal: z.object({ esID: z.string(), signerSerial: z.string(), signatureFormat: z.string() }),
  pdf: z
    .object({ url: z.string(), sm3: z.string(), bytes: z.number() })
    .nullable()
    .describe('null：未制作 PDF / no PDF was made'),
  files: z
    .array(fileSchema)
    .describe('可下载的版式文件及其 SM3、大小 / the available formats with SM3 and size'),
  signedAt: z.iso.datetime(),
  face: z.record(z.string(), z.string()).optional(),
  history: z
    .array(eventSchema)
    .optional()
    .describe('最近 50 条状态事件（由旧到新）；更早的见 …/events / the latest 50 events, oldest first'),
  historyTruncated: z
    .boolean()
    .optional()
    .describe('有更早的事件未列出 / older events exist: page them at GET /v1/licences/{identifier}/events'),
  versions: z.array(z.object({ identifier: z.string(), version: z.number(), status: z.string() })).optional(),
});

function presentEvent(e: LicenceEvent) {
  return {
    identifier: e.identifier,
    operation: e.operation,
    fromStatus: e.fromStatus,
    toStatus: e.toStatus,
    reason: e.reason,
    relatedIdentifier: e.relatedIdentifier,
    actorRole: e.actorRole,
    at: e.at.toISOString(),
  };
}

export function presentLicence(
  l: LicenceSummary,
  fileUrl: (format: LicenceFileFormat) => string,
  holder: { code: string; masked: boolean } | null,
  view?: Pick<LicenceView, 'history' | 'historyTruncated' | 'versions'>,
) {
  return {
    identifier: l.identifier,
    typeCode: l.typeCode,
    name: l.metadata.name,
    number: l.number,
    version: String(l.version).padStart(3, '0'),
    issuer: { agencyId: l.agencyId, name: l.metadata.issuerName, code: l.issuerCode },
    issueDate: l.issueDate,
    holder: holder && {
      name: l.holderName,
      code: holder.code,
      codeType: l.holderCodeType,
      masked: holder.masked,
    },
    validFrom: l.validFrom,
    validTo: l.validTo,
    regionCode: l.regionCode,
    status: l.status,
    statusName: LICENCE_STATUSES[l.status].zh,
    statusCode: LICENCE_STATUSES[l.status].code,
    statusReason: l.statusReason,
    predecessor: l.predecessor,
    successor: l.successor,
    seal: { esID: l.esID, signerSerial: l.signerSerial, signatureFormat: l.signatureFormat },
    pdf: pdfOf(l, fileUrl),
    files: presentFiles(l.files, fileUrl),
    signedAt: l.signedAt.toISOString(),
    ...(view
      ? {
          face: l.metadata.face,
          history: view.history.map(presentEvent),
          historyTruncated: view.historyTruncated,
          versions: view.versions,
        }
      : {}),
  };
}

function pdfOf(l: LicenceSummary, fileUrl: (format: LicenceFileFormat) => string) {
  const pdf = fileOf(l.files, 'pdf');
  return pdf ? { url: fileUrl('pdf'), sm3: pdf.sm3, bytes: pdf.bytes } : null;
}

const readers = ['admin', 'issuer', 'sync-peer'] as const;

/**
 * 用证五要素: required when an agency other than the issuer reads the record or the file. 用证机构 is the
 * caller's own agency, recorded from its token: `organization` is still accepted from older clients, and
 * ignored.
 */
const usageElements = z.strictObject({
  organization: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .optional()
    .describe('用证机构：取自令牌绑定的机构，此参数被忽略 / taken from the token’s agency; ignored'),
  user: z.string().trim().min(1).max(100).optional().describe('用证人'),
  itemName: z.string().trim().min(1).max(200).optional().describe('事项名称'),
  itemCode: z.string().trim().min(1).max(64).optional().describe('事项编码'),
  businessNumber: z.string().trim().min(1).max(64).optional().describe('业务流水号'),
  requestedBy: z
    .string()
    .regex(/^(?:[0-9]{2}|m-[0-9A-HJ-NPQRTUWXY]{18})$/)
    .optional()
    .describe('枢纽转发时：请求节点 / for a relay by the hub (hub tokens): the node it asks on behalf of'),
});

/** Reading one licence: the readers, and the national hub relaying a sharing query (federation.md §3.6). */
const relayReaders = [...readers, 'hub'] as const;

function idempotencyKey(value: string): string | undefined {
  if (value === '') return undefined;
  if (!/^[\x21-\x7e]{1,128}$/.test(value))
    throw new ProblemError(
      422,
      'invalid-idempotency-key',
      'Idempotency-Key 须为 1–128 个可见 ASCII 字符 / Idempotency-Key must be 1–128 visible ASCII characters',
      { field: 'Idempotency-Key' },
    );
  return value;
}

export function licenceRoutes(api: ApiRouter, s: Services): void {
  api.route({
    method: 'post',
    path: '/v1/licences',
    operationId: 'issueLicence',
    summary: '颁发电子证照（赋码、生成版式文件、加盖电子印章、入库）/ Issue an electronic licence',
    tags: ['licences'],
    auth: ['issuer'],
    body: issueLicenceBody,
    responses: {
      201: {
        description: 'Issued (or the replay of an earlier request with the same Idempotency-Key)',
        schema: issuedSchema,
      },
    },
    handler: async (ctx, { body }) => {
      const key = idempotencyKey(ctx.get('Idempotency-Key'));
      const { issued, replayed } = await s.licences.issue(actionContext(ctx), body, key);
      ctx.status = 201;
      ctx.set('Location', `/v1/licences/${issued.identifier}`);
      if (replayed) ctx.set('Idempotent-Replayed', 'true');
      ctx.body = issued;
    },
  });

  api.route({
    method: 'get',
    path: '/v1/licences',
    operationId: 'searchLicences',
    summary: '证照目录查询 / Search the licence directory',
    tags: ['licences'],
    auth: [...readers],
    query: pageQuery.extend(usageElements.shape).extend({
      typeCode: z
        .string()
        .regex(/^[0-9A-Z]{21}$/)
        .optional(),
      agencyId: z.uuid().optional(),
      status: z.enum(STATUS_NAMES).optional(),
      issuedFrom: DATE.optional(),
      issuedTo: DATE.optional(),
      holderCode: z.string().min(1).max(64).optional().describe('精确匹配；仅发证机构可用于本机构证照'),
    }),
    responses: {
      200: {
        description:
          '一页证照；其他机构的证照不含持证主体，除非提供用证要素（每条记为一次用证）/ A page of licences; another agency’s without holder unless the usage elements are given (each hit recorded as a use)',
        schema: collectionSchema(licenceSchema),
      },
    },
    handler: async (ctx, { query }) => {
      const principal = principalOf(ctx);
      const {
        limit,
        cursor,
        organization,
        user,
        itemName,
        itemCode,
        businessNumber,
        requestedBy,
        ...filter
      } = query;
      const page = await s.licences.search(principal, filter, toPageRequest({ limit, cursor }));
      const shown = await s.licenceUsage.disclose(actionContext(ctx), page.items, {
        organization,
        user,
        itemName,
        itemCode,
        businessNumber,
        requestedBy,
      });
      ctx.body = collection(page, (l) =>
        presentLicence(
          l,
          (f) => s.licences.fileUrl(l.identifier, f),
          shown.has(l.identifier) ? { code: l.holderCodeMasked, masked: true } : null,
        ),
      );
    },
  });

  api.route({
    method: 'get',
    path: '/v1/licences/:identifier',
    operationId: 'getLicence',
    summary:
      '查询证照（元数据、状态、历史、版本）；其他机构须提供用证五要素 / Get a licence; other agencies give the five usage elements',
    tags: ['licences'],
    auth: [...relayReaders],
    params: identifierParam,
    query: usageElements,
    responses: { 200: { description: 'The licence', schema: licenceSchema } },
    handler: async (ctx, { params, query }) => {
      const found = await s.licences.find(params.identifier);
      if (found) await s.licenceUsage.authorize(actionContext(ctx), found, 'record', query);
      const view = await s.licences.get(principalOf(ctx), params.identifier, found);
      ctx.body = presentLicence(
        view.licence,
        (f) => s.licences.fileUrl(params.identifier, f),
        { code: view.holderCode, masked: view.holderCodeMasked },
        view,
      );
    },
  });

  api.route({
    method: 'get',
    path: '/v1/licences/:identifier/events',
    operationId: 'listLicenceEvents',
    summary:
      '证照状态事件（全部，分页，由旧到新）；其他机构须提供用证五要素 / A licence’s events, all of them, paged; other agencies give the five usage elements',
    tags: ['licences'],
    auth: [...relayReaders],
    params: identifierParam,
    query: pageQuery.extend(usageElements.shape),
    responses: {
      200: { description: 'A page of events, oldest first', schema: collectionSchema(eventSchema) },
    },
    handler: async (ctx, { params, query }) => {
      const { limit, cursor, ...usage } = query;
      const found = await s.licences.find(params.identifier);
      if (found) await s.licenceUsage.authorize(actionContext(ctx), found, 'record', usage);
      const page = await s.licences.events(params.identifier, toPageRequest({ limit, cursor }));
      ctx.body = collection(page, presentEvent);
    },
  });

  for (const format of LICENCE_FILE_FORMATS) {
    const upper = format.toUpperCase();
    api.route({
      method: 'get',
      path: `/v1/licences/:identifier/${format}`,
      operationId: `getLicence${upper[0]}${format.slice(1)}`,
      summary: `下载证照版式文件（已签章 ${upper}）；其他机构须提供用证五要素 / Download the sealed ${upper}; other agencies give the five usage elements`,
      tags: ['licences'],
      auth: [...relayReaders],
      params: identifierParam,
      query: usageElements,
      responses: {
        200: { description: `The sealed ${upper}`, contentType: MEDIA[format].type },
        404: {
          description:
            'problem+json：licence-not-found，或 format-not-available（未制作该格式，SEALTRUST_LICENCE_FORMATS）/ licence-not-found, or format-not-available (that format was not made)',
          contentType: 'application/problem+json',
        },
      },
      handler: async (ctx, { params, query }) => {
        const found = await s.licences.find(params.identifier);
        // A format that was not made is answered before the use is recorded: nothing is handed over.
        if (found && fileOf(found.files, format)) {
          await s.licenceUsage.authorize(actionContext(ctx), found, 'file', query);
        }
        const { file } = await s.licences.file(params.identifier, format);
        sendFile(ctx, file, format, `${params.identifier}.${format}`);
      },
    });
  }

  api.route({
    method: 'post',
    path: '/v1/licences/:identifier/events',
    operationId: 'licenceEvent',
    summary:
      '证照状态变更：暂扣、恢复、撤销、注销、吊销、转出、失效、延续（新版本）、换发（新证照）/ Lifecycle operation',
    tags: ['licences'],
    auth: ['issuer', 'admin'],
    params: identifierParam,
    body: z.strictObject({
      operation: z.enum(LICENCE_EVENT_OPERATIONS as [string, ...string[]]).describe('操作'),
      reason: z.string().trim().min(2).max(500).describe('原因'),
      validFrom: DATE.optional().describe('延续/换发：新的起始日期'),
      validTo: DATE.nullable().optional().describe('延续/换发：新的截止日期'),
      fields: faceValues.optional().describe('延续/换发：变更的照面信息'),
      number: z.string().trim().min(1).max(64).optional().describe('换发：新的证照编号'),
      sealEsID: z
        .string()
        .regex(/^[0-9A-Za-z]{4,64}$/)
        .optional(),
    }),
    responses: {
      200: {
        description: 'The licence after the change, and the new file for renew/replace',
        schema: z.object({ licence: licenceSchema, created: issuedSchema.optional() }),
      },
    },
    handler: async (ctx, { params, body }) => {
      const principal = principalOf(ctx);
      const { licence, created } = await s.licences.applyEvent(actionContext(ctx), params.identifier, {
        ...body,
        operation: body.operation as (typeof LICENCE_EVENT_OPERATIONS)[number],
      });
      const view = await s.licences.get(principal, licence.identifier, licence);
      ctx.body = {
        licence: presentLicence(
          licence,
          (f) => s.licences.fileUrl(licence.identifier, f),
          { code: view.holderCode, masked: view.holderCodeMasked },
          view,
        ),
        ...(created ? { created } : {}),
      };
    },
  });
}

const copySchema = z.object({
  id: z.uuid(),
  identifier: z.string(),
  purpose: z.string(),
  maker: z.string(),
  madeAt: z.iso.datetime(),
  expiresAt: z.iso.datetime(),
  sm3: z.string().describe('PDF（未制作时为首个文件）的 SM3 / the PDF’s (or first file’s) SM3'),
  bytes: z.number(),
  files: z.array(fileSchema),
});

/** A file download: its media type, name, SM3 header; never cached by intermediaries (it names the holder). */
function sendFile(
  ctx: Parameters<Parameters<ApiRouter['route']>[0]['handler']>[0],
  file: { data: Buffer; sm3: string },
  format: LicenceFileFormat,
  name: string,
): void {
  ctx.type = MEDIA[format].type;
  ctx.set('Content-Disposition', `${MEDIA[format].disposition}; filename="${name}"`);
  ctx.set('X-Content-SM3', file.sm3);
  ctx.set('Cache-Control', 'private, no-store');
  ctx.body = file.data;
}

const usageSchema = z.object({
  identifier: z.string(),
  action: z.string(),
  organization: z.string(),
  user: z.string(),
  itemName: z.string(),
  itemCode: z.string(),
  businessNumber: z.string(),
  userAgencyId: z.uuid().nullable(),
  userNode: z
    .string()
    .nullable()
    .describe('用证节点（联邦节点或国家枢纽 00）/ the node that used it, if not an agency here'),
  requestedBy: z
    .string()
    .nullable()
    .describe('枢纽转发的请求节点 / for a relay by the hub: the node it asked for'),
  at: z.iso.datetime(),
});

export function licenceCopyAndUsageRoutes(api: ApiRouter, s: Services): void {
  api.route({
    method: 'post',
    path: '/v1/licences/:identifier/copies',
    operationId: 'makeLicenceCopy',
    summary:
      '制作加注件（水印注明用途与有效期，发证节点签章）/ Make an annotated copy (purpose and expiry watermark, sealed by the issuing node)',
    tags: ['licences'],
    auth: ['issuer', 'sync-peer', 'hub'],
    params: identifierParam,
    body: z.strictObject({
      purpose: z.string().trim().min(2).max(40).describe('制作事由，如 办理公积金贷款'),
      expiresAt: z.iso.datetime({ offset: true }).describe('加注件有效期截止时间'),
      maker: z.string().trim().min(2).max(100).describe('加注件制作者'),
      usage: usageElements.optional().describe('其他机构制作时须提供用证五要素'),
      formats: z
        .array(z.enum(FORMATS))
        .min(1)
        .max(FORMATS.length)
        .optional()
        .describe(
          '制作的版式（缺省为本节点的 SEALTRUST_LICENCE_FORMATS）/ files to make (default: the node’s formats)',
        ),
    }),
    responses: {
      201: {
        description:
          'The sealed copy: the PDF when one was made, else the OFD; every file is linked (Link rel=alternate) and served at …/copies/{id}/{format}',
        contentType: ['application/pdf', 'application/ofd'],
      },
      422: {
        description:
          'problem+json：format-not-enabled（本节点不制作该格式）等 / format-not-enabled (the node does not make that format), …',
        contentType: 'application/problem+json',
      },
    },
    handler: async (ctx, { params, body }) => {
      const found = await s.licences.find(params.identifier);
      if (!found)
        throw new ProblemError(404, 'licence-not-found', '证照不存在 / no such licence', {
          field: 'identifier',
        });
      const action = actionContext(ctx);
      const usage = await s.licenceUsage.prepare(action, found, 'copy', body.usage ?? {});
      const { copy, files } = await s.licences.makeCopy(
        action,
        params.identifier,
        {
          purpose: body.purpose,
          expiresAt: new Date(body.expiresAt),
          maker: body.maker,
          formats: body.formats,
        },
        usage,
      );
      const first = files[0]!;
      ctx.status = 201;
      ctx.set('Location', `/v1/licences/${params.identifier}/copies/${copy.id}`);
      ctx.set('X-Copy-Id', copy.id);
      ctx.set(
        'Link',
        files
          .map(
            (f) =>
              `<${s.licences.copyFileUrl(params.identifier, copy.id, f.format)}>; rel="alternate"; type="${MEDIA[f.format].type}"`,
          )
          .join(', '),
      );
      sendFile(ctx, first, first.format, `${params.identifier}.copy.${first.format}`);
    },
  });

  api.route({
    method: 'get',
    path: '/v1/licences/:identifier/copies',
    operationId: 'listLicenceCopies',
    summary: '加注件列表（发证机构）/ Annotated copies of a licence (issuing agency)',
    tags: ['licences'],
    auth: ['issuer', 'admin'],
    params: identifierParam,
    responses: { 200: { description: 'The copies', schema: z.object({ items: z.array(copySchema) }) } },
    handler: async (ctx, { params }) => {
      const found = await s.licences.find(params.identifier);
      if (!found || !s.licenceUsage.isOwner(principalOf(ctx), found))
        throw new ProblemError(404, 'licence-not-found', '证照不存在 / no such licence', {
          field: 'identifier',
        });
      const copies = await s.licences.copies(params.identifier);
      ctx.body = {
        items: copies.map((c) => ({
          id: c.id,
          identifier: c.identifier,
          purpose: c.purpose,
          maker: c.maker,
          madeAt: c.madeAt.toISOString(),
          expiresAt: c.expiresAt.toISOString(),
          sm3: (fileOf(c.files, 'pdf') ?? c.files[0])?.sm3 ?? '',
          bytes: (fileOf(c.files, 'pdf') ?? c.files[0])?.bytes ?? 0,
          files: presentFiles(c.files, (f) => s.licences.copyFileUrl(c.identifier, c.id, f)),
        })),
      };
    },
  });

  api.route({
    method: 'get',
    path: '/v1/licences/:identifier/copies/:copyId/:format',
    operationId: 'getLicenceCopyFile',
    summary:
      '下载加注件的版式文件（发证机构或加注件所为之机构）/ Download a file of an annotated copy (issuer, or the agency it was made for)',
    tags: ['licences'],
    auth: ['issuer', 'admin'],
    params: identifierParam.extend({ copyId: z.uuid(), format: z.enum(FORMATS) }),
    responses: {
      200: { description: 'The sealed copy', contentType: ['application/pdf', 'application/ofd'] },
      404: {
        description:
          'problem+json：copy-not-found，或 format-not-available / copy-not-found, or format-not-available',
        contentType: 'application/problem+json',
      },
    },
    handler: async (ctx, { params }) => {
      const file = await s.licences.copyFile(
        principalOf(ctx),
        params.identifier,
        params.copyId,
        params.format,
      );
      sendFile(ctx, file, params.format, `${params.identifier}.copy.${params.format}`);
    },
  });

  api.route({
    method: 'get',
    path: '/v1/licence-usages',
    operationId: 'listLicenceUsages',
    summary: '用证记录（本机构证照被谁、为何使用）/ Who used this agency’s licences, for what',
    tags: ['licences'],
    auth: ['issuer', 'admin'],
    query: pageQuery.extend({
      identifier: z.string().regex(IDENTIFIER).optional(),
      agencyId: z.uuid().optional().describe('管理员须指定'),
    }),
    responses: { 200: { description: 'A page of uses', schema: collectionSchema(usageSchema) } },
    handler: async (ctx, { query }) => {
      const { limit, cursor, ...filter } = query;
      const page = await s.licenceUsage.list(principalOf(ctx), filter, toPageRequest({ limit, cursor }));
      ctx.body = collection(page, (u) => ({
        identifier: u.identifier,
        action: u.action,
        organization: u.organization,
        user: u.user,
        itemName: u.itemName,
        itemCode: u.itemCode,
        businessNumber: u.businessNumber,
        userAgencyId: u.userAgencyId,
        userNode: u.userNode,
        requestedBy: u.requestedBy,
        at: u.at.toISOString(),
      }));
    },
  });
}
