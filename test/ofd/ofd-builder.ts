import { type BuildEntry, buildZip, text } from './zip-builder.js';

/**
 * A small sealed-OFD-shaped package (GB/T 33190 layout as SealTrust writes it) for tests: file contents are
 * plain strings, any file can be replaced (string) or dropped (null). Signature bytes are placeholders: the
 * format layer does not judge them.
 */
const NS = 'xmlns:ofd="http://www.ofdspec.org/2016"';

export const minimalFiles = (): Record<string, string> => ({
  'OFD.xml': `<?xml version="1.0" encoding="UTF-8"?><ofd:OFD ${NS} Version="1.0" DocType="OFD"><ofd:DocBody><ofd:DocInfo><ofd:DocID>abc</ofd:DocID></ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot><ofd:Signatures>Doc_0/Signs/Signatures.xml</ofd:Signatures></ofd:DocBody></ofd:OFD>`,
  'Doc_0/Document.xml': `<ofd:Document ${NS}><ofd:CommonData><ofd:MaxUnitID>9</ofd:MaxUnitID><ofd:PublicRes>PublicRes.xml</ofd:PublicRes><ofd:DocumentRes>DocumentRes.xml</ofd:DocumentRes><ofd:TemplatePage ID="1" BaseLoc="Tpls/Tpl_0/Content.xml"/></ofd:CommonData><ofd:Pages><ofd:Page ID="2" BaseLoc="Pages/Page_0/Content.xml"/></ofd:Pages><ofd:Annotations>Annots/Annotations.xml</ofd:Annotations><ofd:CustomTags>Tags/CustomTags.xml</ofd:CustomTags><ofd:Attachments>Attachs/Attachments.xml</ofd:Attachments></ofd:Document>`,
  'Doc_0/PublicRes.xml': `<ofd:Res ${NS} BaseLoc="Res"><ofd:Fonts><ofd:Font ID="3" FontName="F"><ofd:FontFile>font_3.ttf</ofd:FontFile></ofd:Font></ofd:Fonts></ofd:Res>`,
  'Doc_0/DocumentRes.xml': `<ofd:Res ${NS} BaseLoc="Res"><ofd:MultiMedias><ofd:MultiMedia ID="4" Type="Image"><ofd:MediaFile>image_4.png</ofd:MediaFile></ofd:MultiMedia></ofd:MultiMedias></ofd:Res>`,
  'Doc_0/Res/font_3.ttf': 'font',
  'Doc_0/Res/image_4.png': 'png',
  'Doc_0/Res/image_5.png': 'png on a page',
  'Doc_0/Tpls/Tpl_0/Content.xml': `<ofd:Page ${NS}><ofd:Content/></ofd:Page>`,
  'Doc_0/Pages/Page_0/Content.xml': `<ofd:Page ${NS}><ofd:PageRes>PageRes.xml</ofd:PageRes><ofd:Content/></ofd:Page>`,
  'Doc_0/Pages/Page_0/PageRes.xml': `<ofd:Res ${NS}><ofd:MultiMedias><ofd:MultiMedia ID="5" Type="Image"><ofd:MediaFile>/Doc_0/Res/image_5.png</ofd:MediaFile></ofd:MultiMedia></ofd:MultiMedias></ofd:Res>`,
  'Doc_0/Annots/Annotations.xml': `<ofd:Annotations ${NS}><ofd:Page PageID="2"><ofd:FileLoc>Page_0/Annotation.xml</ofd:FileLoc></ofd:Page></ofd:Annotations>`,
  'Doc_0/Annots/Page_0/Annotation.xml': `<ofd:PageAnnot ${NS}/>`,
  'Doc_0/Tags/CustomTags.xml': `<ofd:CustomTags ${NS}><ofd:CustomTag TypeID="licence"><ofd:FileLoc>Tag_Licence.xml</ofd:FileLoc></ofd:CustomTag></ofd:CustomTags>`,
  // tag payloads are never parsed: this one is not even namespace-well-formed, like a real tax invoice's
  'Doc_0/Tags/Tag_Licence.xml': '<:eInvoice xmlns:=""/>',
  'Doc_0/Attachs/Attachments.xml': `<ofd:Attachments ${NS}><ofd:Attachment ID="a1" Name="licence.json"><ofd:FileLoc>licence.json</ofd:FileLoc></ofd:Attachment></ofd:Attachments>`,
  'Doc_0/Attachs/licence.json': '{}',
  'Doc_0/Signs/Signatures.xml': `<ofd:Signatures ${NS}><ofd:MaxSignId>s001</ofd:MaxSignId><ofd:Signature ID="s001" Type="Seal" BaseLoc="/Doc_0/Signs/Sign_0/Signature.xml"/></ofd:Signatures>`,
  'Doc_0/Signs/Sign_0/Signature.xml': signatureXml([
    '/OFD.xml',
    '/Doc_0/Document.xml',
    '/Doc_0/PublicRes.xml',
    '/Doc_0/Res/font_3.ttf',
    '/Doc_0/Pages/Page_0/Content.xml',
    '/Doc_0/Signs/Sign_0/Seal.esl',
  ]),
  'Doc_0/Signs/Sign_0/Seal.esl': 'seal',
  'Doc_0/Signs/Sign_0/SignedValue.dat': 'sig',
});

export function signatureXml(refs: readonly string[], checkMethod = '1.2.156.10197.1.401'): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?><ofd:Signature ${NS}><ofd:SignedInfo><ofd:Provider ProviderName="SealTrust" Version="0.1.0"/>` +
    `<ofd:SignatureMethod>1.2.156.10197.1.501</ofd:SignatureMethod><ofd:SignatureDateTime>20261204021412Z</ofd:SignatureDateTime>` +
    `<ofd:References CheckMethod="${checkMethod}">` +
    refs
      .map((r) => `<ofd:Reference FileRef="${r}"><ofd:CheckValue>AAAA</ofd:CheckValue></ofd:Reference>`)
      .join('') +
    `</ofd:References><ofd:StampAnnot ID="s002" PageRef="2" Boundary="10 10 40 40"/>` +
    `<ofd:Seal><ofd:BaseLoc>/Doc_0/Signs/Sign_0/Seal.esl</ofd:BaseLoc></ofd:Seal></ofd:SignedInfo>` +
    `<ofd:SignedValue>/Doc_0/Signs/Sign_0/SignedValue.dat</ofd:SignedValue></ofd:Signature>`
  );
}

export function buildOfd(changes: Record<string, string | null> = {}): Buffer {
  const files: Record<string, string | null> = { ...minimalFiles(), ...changes };
  const entries: BuildEntry[] = Object.entries(files)
    .filter((e): e is [string, string] => e[1] !== null)
    .map(([name, content]) => ({ name, data: text(content) }));
  return buildZip(entries);
}
