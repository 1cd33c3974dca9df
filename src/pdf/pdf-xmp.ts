// The XMP packet (ISO 16684-1) of a licence PDF: Dublin Core and XMP basics for ordinary readers, and every
// GB/T 36903 metadata element in the SealTrust namespace (prefix `stl`) for machines.
import { SEALTRUST_XMP_NS, type LicenceMetadata } from '../licence/licence-metadata.js';

export interface LicenceXmpOptions {
  /** Producer (pdf:Producer) and creator tool. */
  producer: string;
  createDate: Date;
  /** Defaults to createDate. */
  modifyDate?: Date;
}

/** XML 1.0 text or attribute value: escapes markup characters and drops characters XML cannot carry. */
export function xmlEscape(value: string): string {
  return value
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(
      /[&<>"']/g,
      (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!,
    );
}

/** xmp:DateTime: ISO 8601 with seconds, in UTC. */
const xmpDate = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

const simple = (name: string, value: string | undefined | null, indent = '      '): string =>
  value === undefined || value === null ? '' : `${indent}<${name}>${xmlEscape(value)}</${name}>\n`;

const langAlt = (name: string, value: string): string =>
  `      <${name}><rdf:Alt><rdf:li xml:lang="x-default">${xmlEscape(value)}</rdf:li></rdf:Alt></${name}>\n`;

/**
 * The complete packet with its xpacket wrapper (read-only: no padding, a licence file is never edited in place).
 * The `stl` elements use the field names of LicenceMetadata; face data (照面信息) is a bag of key/label-free
 * key/value structs because face keys are type-specific; a copy (加注件) adds stl:copy.
 */
export function buildLicenceXmp(m: LicenceMetadata, opts: LicenceXmpOptions): string {
  const created = xmpDate(opts.createDate);
  const modified = xmpDate(opts.modifyDate ?? opts.createDate);
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
  const body =
    langAlt('dc:title', m.name) +
    `      <dc:creator><rdf:Seq><rdf:li>${xmlEscape(m.issuerName)}</rdf:li></rdf:Seq></dc:creator>\n` +
    langAlt('dc:description', `${m.typeName} ${m.number} ${m.holderName}`) +
    simple('dc:identifier', m.identifier) +
    simple('dc:format', 'application/pdf') +
    simple('xmp:CreateDate', created) +
    simple('xmp:ModifyDate', modified) +
    simple('xmp:MetadataDate', modified) +
    simple('xmp:CreatorTool', opts.producer) +
    simple('pdf:Producer', opts.producer) +
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
  return (
    '<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>\n' +
    '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n' +
    '  <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n' +
    '    <rdf:Description rdf:about=""\n' +
    '        xmlns:dc="http://purl.org/dc/elements/1.1/"\n' +
    '        xmlns:xmp="http://ns.adobe.com/xap/1.0/"\n' +
    '        xmlns:pdf="http://ns.adobe.com/pdf/1.3/"\n' +
    `        xmlns:stl="${SEALTRUST_XMP_NS}">\n` +
    body +
    '    </rdf:Description>\n' +
    '  </rdf:RDF>\n' +
    '</x:xmpmeta>\n' +
    '<?xpacket end="r"?>'
  );
}
