import { LruCache } from '../crypto/lru-cache.js';
import { sm3 } from '../crypto/sm3.js';
import { mm, type OfdSealParts } from '../ofd/ofd-stamping.js';
import { generalizedTime, SM2_SM3_SIGNATURE_METHOD, writeSignatureXml } from '../ofd/ofd-signature-writer.js';
import { OFD_NAMESPACE } from '../ofd/xml-reader.js';
import { escapeXml } from '../ofd/xml-spans.js';
import { deflateEntry, packZipEntries, prepareZipEntry } from '../ofd/zip-writer.js';
import { cachedFile, type CachedOfdFile, type OfdFile } from './licence-ofd-writer.js';

// Sealing a licence OFD as it is written (GB/T 33190 §18, GM/T 0099-2020 §7; design §1.4 "whole protection"):
// the first and only signature of a package SealTrust has just made, so nothing has to be read back. The
// steps are ofdrw's OFDSigner.exeSign and src/ofd/ofd-stamping.ts's for a package without signatures: OFD.xml
// already names Signatures.xml (licence-ofd-writer.ts), Signatures.xml gets the record and MaxSignId, Seal.esl
// is written, References = SM3 of every file at that moment — Signatures.xml included: the document is locked —
// then Signature.xml (ofd-signature-writer.ts) whose SM3 is what the SES or CMS signature signs.

/**
 * How a licence entry is stored; it changes the ZIP bytes only, not any entry's content.
 * - Under 4 KB (OFD.xml, Document.xml, the tags, the attachment and its list, Signatures.xml, Signature.xml):
 *   stored. Each node:zlib call builds a stream object and a zlib state, 17–60 µs apiece inside a render, which
 *   for these ten files was a quarter of writing the package, to save ~5 KB of ~70.
 * - The big entries (font subset, page content, Seal.esl): level 2, half the CPU of level 6 for 3 % more bytes,
 *   measured on the largest demo licence.
 */
const STORED_BELOW = 4096;
const DEFLATE_LEVEL = 2;
const entryOptions = (data: Uint8Array) =>
  data.length < STORED_BELOW ? { method: 0 as const } : { level: DEFLATE_LEVEL };

/**
 * Seal.esl is the registered seal (its picture included), the same file in every licence the seal signs: its
 * deflate and CRC are kept by its SM3, which the References need anyway. A few seals per issuing agency.
 */
const sealFiles = new LruCache<string, CachedOfdFile>(64);
function sealFile(der: Uint8Array): CachedOfdFile {
  const digest = sm3(der);
  const key = digest.toString('hex');
  let hit = sealFiles.get(key);
  if (!hit) sealFiles.set(key, (hit = cachedFile(der, deflateEntry(der, DEFLATE_LEVEL), digest)));
  return hit;
}

/** A licence OFD prepared up to its signature: sign `digest` (SM3 of Signature.xml), then finishOfdSeal(parts). */
export interface PreparedLicenceOfd {
  parts: OfdSealParts;
  /** SM3 of the exact Signature.xml bytes: TBS_Sign.dataHash (or the CMS message digest). */
  digest: Buffer;
  /** TBS_Sign.propertyInfo: the absolute ST_Loc of Signature.xml. */
  propertyInfo: string;
  /** SignatureDateTime as written in Signature.xml: TBS_Sign.timeInfo must be this instant (whole seconds). */
  signingTime: Date;
}

export interface NewOfdSealOptions {
  /** Package path of Signatures.xml (OFD.xml's DocBody/Signatures); Sign_0 goes beside it. */
  signaturesPath: string;
  /** DER SESeal, written as Seal.esl (= TBS_Sign.eseal). */
  sealFile?: Uint8Array;
  /** The seal box on the page (page ID, x y w h in mm): the reader draws the SES picture there (§1.6). */
  stampAnnot?: { pageRef: string; boundary: readonly number[] };
  signatureType: 'Seal' | 'Sign';
  provider: { name: string; company?: string; version?: string };
  /** SignatureDateTime (= TBS_Sign.timeInfo), whole seconds; also the ZIP entries' time. */
  signDate: Date;
}

/** The package of `files` with one locking signature, up to its signed value (plain data: see finishOfdSeal). */
export function sealNewLicenceOfd(files: readonly OfdFile[], o: NewOfdSealOptions): PreparedLicenceOfd {
  const signs = o.signaturesPath.slice(0, o.signaturesPath.lastIndexOf('/'));
  const signDir = `${signs}/Sign_0`;
  const signaturePath = `${signDir}/Signature.xml`;
  const signedValuePath = `${signDir}/SignedValue.dat`;
  const sealPath = o.sealFile ? `${signDir}/Seal.esl` : undefined;
  // IDs as ofdrw writes them (Signature 1, StampAnnot 2, MaxSignId = the last issued) rather than GB/T 33190's
  // recommended sNNN: ofd.js 0.2.6 layers a seal with `z-index: <StampAnnot ID>…`, which "s002" makes invalid
  // CSS, so the seal was drawn under the page and never seen (issue 17, T5). Readers accept both (ofd.md §1).
  const annotId = o.stampAnnot ? '2' : undefined;
  const signaturesXml = Buffer.from(
    `<?xml version="1.0" encoding="UTF-8"?><ofd:Signatures xmlns:ofd="${OFD_NAMESPACE}">` +
      `<ofd:MaxSignId>${annotId ?? '1'}</ofd:MaxSignId>` +
      `<ofd:Signature ID="1" Type="${o.signatureType}" BaseLoc="${escapeXml('/' + signaturePath)}"/>` +
      `</ofd:Signatures>`,
    'utf8',
  );
  const all: OfdFile[] = [...files, { path: o.signaturesPath, data: signaturesXml }];
  if (sealPath) all.push({ path: sealPath, data: o.sealFile!, cached: sealFile(o.sealFile!) });
  const signatureXml = writeSignatureXml({
    provider: o.provider,
    signatureMethod: SM2_SM3_SIGNATURE_METHOD,
    signatureDateTime: generalizedTime(o.signDate),
    references: all.map((f) => ({
      fileRef: '/' + f.path,
      checkValue: (f.cached?.sm3 ?? sm3(f.data)).toString('base64'),
    })),
    stampAnnots: o.stampAnnot
      ? [{ id: annotId!, pageRef: o.stampAnnot.pageRef, boundary: o.stampAnnot.boundary.map(mm).join(' ') }]
      : [],
    ...(sealPath ? { sealLoc: '/' + sealPath } : {}),
    signedValueLoc: '/' + signedValuePath,
  });
  const modified = o.signDate;
  const entries = [...all, { path: signaturePath, data: signatureXml } as OfdFile].map((f) =>
    prepareZipEntry(
      {
        name: f.path,
        data: f.data,
        ...(f.cached ? { deflated: f.cached.deflated, crc32: f.cached.crc32 } : entryOptions(f.data)),
      },
      modified,
    ),
  );
  return {
    parts: { head: packZipEntries(entries), signedValuePath, modified },
    digest: sm3(signatureXml),
    propertyInfo: '/' + signaturePath,
    // SignatureDateTime has whole seconds: TBS_Sign.timeInfo must be that instant.
    signingTime: new Date(Math.floor(o.signDate.getTime() / 1000) * 1000),
  };
}
