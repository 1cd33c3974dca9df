// The XMP packet of a licence PDF: Dublin Core and XMP basics for ordinary readers (pdf-xmp), and every
// GB/T 36903 metadata element in the SealTrust namespace (prefix `stl`) for machines.
import { buildXmpPacket, xmlEscape, xmpSimple as simple } from '../pdf/pdf-xmp.js';
import { SEALTRUST_XMP_NS, type LicenceMetadata } from './licence-metadata.js';

export interface LicenceXmpOptions {
  /** Producer (pdf:Producer) and creator tool. */
  producer: string;
  createDate: Date;
  /** Defaults to createDate. */
  modifyDate?: Date;
}

/**
 * The complete packet. The `stl` elements use the field names of LicenceMetadata; face data (照面信息) is a bag
 * of key/label-free key/value structs because face keys are type-specific; a copy (加注件) adds stl:copy.
 */
export function buildLicenceXmp(m: LicenceMetadata, opts: LicenceXmpOptions): string {
  const face = Object.keys(m.face)
    .sort()
    .map(
      (k) =>
        `          <rdf:li rdf:parseType="Resource"><stl:key>${xmlEscape(k)}</stl:key><stl:value>${xmlEscape(m.face[k]!)}</stl:value></rdf:li>\n`,
    )
    .join('');
  const copy = m.copy
    ? '      <stl:copy rdf:parseType="Resource">\n' +
      simple('stl:maker', m.copy.maker, '        ') + // 加注件制作者
      simple('stl:madeAt', m.copy.madeAt, '        ') + // 加注件制作时间
      simple('stl:purpose', m.copy.purpose, '        ') + // 制作事由
      simple('stl:expiresAt', m.copy.expiresAt, '        ') + // 有效期截止时间
      '      </stl:copy>\n'
    : '';
  const elements =
    simple('stl:identifier', m.identifier) + // 证照标识
    simple('stl:name', m.name) + // 证照名称
    simple('stl:typeName', m.typeName) + // 证照类型名称
    simple('stl:typeCode', m.typeCode) + // 证照类型代码
    simple('stl:number', m.number) + // 证照编号
    simple('stl:issuerName', m.issuerName) + // 证照颁发机构
    simple('stl:issuerCode', m.issuerCode) + // 证照颁发机构代码
    simple('stl:issueDate', m.issueDate) + // 证照颁发日期
    simple('stl:holderName', m.holderName) + // 持证主体
    simple('stl:holderCode', m.holderCode) + // 持证主体代码
    simple('stl:holderCodeType', m.holderCodeType) + // 持证主体代码类型代码
    simple('stl:validFrom', m.validFrom) + // 有效期起始日期
    // 截止日期: empty element = 长期 (no end date), so readers can tell "absent" from "long-term".
    (m.validTo === null ? '      <stl:validTo/>\n' : simple('stl:validTo', m.validTo)) +
    simple('stl:regionCode', m.regionCode) + // 管辖属地编码
    simple('stl:version', m.version) + // 版本号
    simple('stl:predecessor', m.predecessor) + // 关联证照标识
    (face ? `      <stl:face>\n        <rdf:Bag>\n${face}        </rdf:Bag>\n      </stl:face>\n` : '') +
    copy;
  return buildXmpPacket({
    title: m.name,
    creator: m.issuerName,
    description: `${m.typeName} ${m.number} ${m.holderName}`,
    identifier: m.identifier,
    producer: opts.producer,
    createDate: opts.createDate,
    ...(opts.modifyDate ? { modifyDate: opts.modifyDate } : {}),
    extra: { prefix: 'stl', uri: SEALTRUST_XMP_NS, elements },
  });
}
