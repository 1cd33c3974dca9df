// An XMP packet (ISO 16684-1) for a PDF's /Metadata stream: the RDF wrapper and the Dublin Core, XMP basic and
// Adobe PDF schemas every reader knows. What a document adds in its own namespace (a licence's GB/T 36903
// elements) is written by that document's module and passed in as `extra`, so this layer knows no licence.

export interface XmpPacketOptions {
  /** dc:title (x-default). */
  title: string;
  /** dc:creator (one entry). */
  creator: string;
  /** dc:description (x-default). */
  description: string;
  /** dc:identifier. */
  identifier: string;
  /** pdf:Producer and xmp:CreatorTool. */
  producer: string;
  createDate: Date;
  /** Defaults to createDate. */
  modifyDate?: Date;
  /** A further namespace: its prefix, URI and the already-serialised elements (see xmpSimple). */
  extra?: { prefix: string; uri: string; elements: string };
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

/** One simple-valued property line; nothing when the value is absent. */
export const xmpSimple = (name: string, value: string | undefined | null, indent = '      '): string =>
  value === undefined || value === null ? '' : `${indent}<${name}>${xmlEscape(value)}</${name}>\n`;

const langAlt = (name: string, value: string): string =>
  `      <${name}><rdf:Alt><rdf:li xml:lang="x-default">${xmlEscape(value)}</rdf:li></rdf:Alt></${name}>\n`;

/** The complete packet with its xpacket wrapper (read-only: no padding, the file is never edited in place). */
export function buildXmpPacket(o: XmpPacketOptions): string {
  const created = xmpDate(o.createDate);
  const modified = xmpDate(o.modifyDate ?? o.createDate);
  const body =
    langAlt('dc:title', o.title) +
    `      <dc:creator><rdf:Seq><rdf:li>${xmlEscape(o.creator)}</rdf:li></rdf:Seq></dc:creator>\n` +
    langAlt('dc:description', o.description) +
    xmpSimple('dc:identifier', o.identifier) +
    xmpSimple('dc:format', 'application/pdf') +
    xmpSimple('xmp:CreateDate', created) +
    xmpSimple('xmp:ModifyDate', modified) +
    xmpSimple('xmp:MetadataDate', modified) +
    xmpSimple('xmp:CreatorTool', o.producer) +
    xmpSimple('pdf:Producer', o.producer) +
    (o.extra?.elements ?? '');
  return (
    '<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>\n' +
    '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n' +
    '  <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n' +
    '    <rdf:Description rdf:about=""\n' +
    '        xmlns:dc="http://purl.org/dc/elements/1.1/"\n' +
    '        xmlns:xmp="http://ns.adobe.com/xap/1.0/"\n' +
    (o.extra
      ? '        xmlns:pdf="http://ns.adobe.com/pdf/1.3/"\n' +
        `        xmlns:${o.extra.prefix}="${xmlEscape(o.extra.uri)}">\n`
      : '        xmlns:pdf="http://ns.adobe.com/pdf/1.3/">\n') +
    body +
    '    </rdf:Description>\n' +
    '  </rdf:RDF>\n' +
    '</x:xmpmeta>\n' +
    '<?xpacket end="r"?>'
  );
}
