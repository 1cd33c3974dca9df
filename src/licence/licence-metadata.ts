// The metadata of one licence file (元数据, GB/T 36903-2018; the element list as systems on the national platform
// implement it, 加注件 elements for copies). Written into the PDF twice (XMP and the embedded licence.json) and
// kept in the licence directory.

/** 加注件: a purpose-bound copy; not a new version. */
export interface LicenceCopyMetadata {
  maker: string; // 加注件制作者
  madeAt: string; // 加注件制作时间, ISO 8601
  purpose: string; // 制作事由
  expiresAt: string; // 有效期截止时间, ISO 8601
}

export interface LicenceMetadata {
  identifier: string; // 证照标识
  name: string; // 证照名称
  typeName: string; // 证照类型名称
  typeCode: string; // 证照类型代码
  number: string; // 证照编号
  issuerName: string; // 证照颁发机构
  issuerCode: string; // 证照颁发机构代码
  issueDate: string; // 证照颁发日期, YYYY-MM-DD
  holderName: string; // 持证主体
  holderCode: string; // 持证主体代码
  holderCodeType: string; // 持证主体代码类型代码 (HOLDER_CODE_TYPES in holder-code.ts)
  validFrom: string; // 证照有效期起始日期, YYYY-MM-DD
  validTo: string | null; // 证照有效期截止日期, YYYY-MM-DD; null = 长期
  regionCode: string; // 证照所属管辖属地编码 (GB/T 2260)
  version: string; // 版本号, '001'…
  predecessor?: string | undefined; // 关联证照标识 (replacement)
  face: Record<string, string>; // 照面信息
  copy?: LicenceCopyMetadata | undefined;
}

/** Name of the embedded file (EmbeddedFiles name tree and /F of its filespec). */
export const LICENCE_ATTACHMENT_NAME = 'licence.json';
/** XMP namespace for the GB/T 36903 elements. */
export const SEALTRUST_XMP_NS = 'https://sealtrust.org.cn/ns/licence/1.0/';
