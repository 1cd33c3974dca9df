import { z } from 'zod';
import { LICENCE_SIGNATURE_FORMATS } from './licence-sealer.js';

// The issuance request as the API and the NDJSON batch lines accept it (one schema for both).

const DATE = z.iso.date();

export const faceValues = z
  .record(z.string().regex(/^[a-z][A-Za-z0-9]{0,47}$/), z.string().max(2000))
  .describe('照面信息');

export const issueLicenceBody = z.strictObject({
  typeCode: z.string().describe('证照类型代码'),
  holder: z.strictObject({
    name: z.string().trim().min(1).max(200).describe('持证主体'),
    code: z.string().min(1).max(64).describe('持证主体代码'),
    codeType: z
      .string()
      .regex(/^\d{3}$/)
      .describe('持证主体代码类型代码，如 111 居民身份证、001 统一社会信用代码'),
  }),
  number: z.string().trim().min(1).max(64).optional().describe('证照编号；缺省时使用流水号'),
  validFrom: DATE.describe('有效期起始日期'),
  validTo: DATE.nullable().optional().describe('有效期截止日期；null 为长期'),
  fields: faceValues,
  sealEsID: z
    .string()
    .regex(/^[0-9A-Za-z]{4,64}$/)
    .optional()
    .describe('缺省时使用本机构最新的有效印章'),
  timestamp: z.boolean().optional().describe('在签章中加入本节点的时间戳'),
  signatureFormat: z
    .enum(LICENCE_SIGNATURE_FORMATS)
    .optional()
    .describe(
      '签名格式：ses（GB/T 38540，默认）、cms-rfc5652 或 cms-gbt35275（CMS SignedData，adbe.pkcs7.detached）',
    ),
});
