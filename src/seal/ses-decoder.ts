import { DerReader, isSingleSequence, TAG, tlv, type Tlv } from './ses-der.js';
import { SesParseError } from './ses-parse-error.js';
import { parseGeneralizedTime, parseTimeText, parseUtcTime } from './ses-time.js';
import type { SesExtData, SesSeal, SesSignature, SesVersion } from './ses-types.js';

// Decoder for SES seals and seal signatures: GB/T 38540-2020 (v4), GM/T 0031-2014 (v1), GM/T 0031-2025 (v5).
//
// The version is detected by structure, never by the header (v1 headers say 1, 2 or 11): a seal of 2 elements
// is v1, of 4–5 elements v4/v5; a signature of 2 elements whose first child has 7 elements is v1, of 4–5
// elements v4/v5; a v4-shaped structure whose header (or TBS) version is 5 is v5.
//
// Every signed part is kept as the original bytes (views into the input, no copies): verify over those, never
// over a re-encoding. Producer variations are accepted and recorded in `notes`:
//   seal:      'utctime-dates', 'picture-type-ofd', 'raw-signature' (64-byte r‖s signedValue),
//              'certlist-entry-not-octet-string' (v1 vendor writing IA5String entries),
//              'certlist-entry-raw-certificate' (a certificate SEQUENCE without its OCTET STRING wrapper),
//              'property-without-certlisttype' / 'property-with-certlisttype' (field count contradicting the
//              structural version), 'tagged-extdatas', 'extdata-critical-absent', 'unreadable-date',
//              'string-type-<field>' (a string field in another string type than the standard's),
//              'header-id-not-es', 'header-version-<n>' (v4-shaped seal whose header says neither 4 nor 5),
//              'untagged-timestamp', 'implicit-timestamp', 'timestamp-not-bit-string'
//   signature: 'raw-signature', 'untagged-extdatas', 'untagged-timestamp', 'implicit-timestamp',
//              'timestamp-not-bit-string', 'time-info-text' (v1 timeInfo as text), 'time-info-timestamp'
//              (v1 timeInfo holding a token, exposed as timeStamp), 'unreadable-time-info', 'utctime-time-info',
//              'tbs-version-<n>' (TBS version other than 1/4/5), 'version-mismatch' (TBS and seal disagree),
//              'data-hash-length-<n>' (not 32 bytes)
//
// Limits: input at most MAX_SES_BYTES; definite lengths only; at most 4096 children per element; nesting is
// bounded by the fixed schema (nothing is parsed recursively). Everything malformed is a SesParseError.

/** Largest SES input accepted (the biggest real seals, with an embedded OFD picture, are tens of kilobytes). */
export const MAX_SES_BYTES = 32 * 1024 * 1024;

function reader(der: Uint8Array, path: string): DerReader {
  if (!(der instanceof Uint8Array)) throw new SesParseError(path, 'input must be a Uint8Array');
  if (der.byteLength > MAX_SES_BYTES)
    throw new SesParseError(path, `input larger than ${MAX_SES_BYTES} bytes`);
  return new DerReader(der);
}

/** Runs `fn`, turning any unexpected exception into a SesParseError so callers only ever see that type. */
function guarded<T>(path: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof SesParseError) throw err;
    throw new SesParseError(path, `undecodable (${(err as Error)?.message ?? String(err)})`, { cause: err });
  }
}

function note(notes: string[], n: string): void {
  if (!notes.includes(n)) notes.push(n);
}

const STRING_TAGS = new Set<number>([TAG.utf8String, TAG.printableString, TAG.t61String, TAG.ia5String]);

/** A string field; other string types than `expected` are accepted and noted. */
function str(
  r: DerReader,
  t: Tlv | undefined,
  path: string,
  expected: number,
  field: string,
  notes: string[],
) {
  if (!t) throw new SesParseError(path, 'missing string');
  const c = r.content(t);
  if (t.tag === TAG.bmpString) {
    if (c.length % 2) throw new SesParseError(path, 'odd-length BMPString');
    note(notes, `string-type-${field}`);
    return Buffer.from(c).swap16().toString('utf16le');
  }
  if (!STRING_TAGS.has(t.tag))
    throw new SesParseError(path, `expected a string, found tag 0x${t.tag.toString(16)}`);
  if (t.tag !== expected) note(notes, `string-type-${field}`);
  return c.toString('utf8');
}

function time(r: DerReader, t: Tlv | undefined, path: string, notes: string[]): Date | null {
  if (!t) throw new SesParseError(path, 'missing time');
  const text = r.content(t).toString('latin1');
  let d: Date | null;
  if (t.tag === TAG.generalizedTime) d = parseGeneralizedTime(text);
  else if (t.tag === TAG.utcTime) {
    note(notes, 'utctime-dates');
    d = parseUtcTime(text);
  } else
    throw new SesParseError(path, `expected GeneralizedTime or UTCTime, found tag 0x${t.tag.toString(16)}`);
  if (!d) note(notes, 'unreadable-date');
  return d;
}

function extDatas(r: DerReader, t: Tlv, path: string, notes: string[]): SesExtData[] {
  return r.sequence(t, path).map((e, i) => {
    const p = `${path}[${i}]`;
    const items = r.sequence(e, p, 2, 3);
    const extnID = r.oid(items[0], `${p}.extnID`);
    let critical = false;
    if (items.length === 3) critical = r.boolean(items[1], `${p}.critical`);
    else note(notes, 'extdata-critical-absent');
    const extnValue = r.octetString(items[items.length - 1], `${p}.extnValue`);
    return { extnID, critical, extnValue };
  });
}

/** A [0] EXPLICIT or untagged ExtensionDatas. */
function optionalExtDatas(
  r: DerReader,
  t: Tlv,
  path: string,
  notes: string[],
  untaggedNote: string,
  taggedNote: string,
): SesExtData[] {
  if (t.tag === TAG.context0) {
    if (taggedNote) note(notes, taggedNote);
    const inner = r.children(t, path);
    if (inner.length !== 1) throw new SesParseError(path, 'expected one element in [0]');
    return extDatas(r, inner[0]!, path, notes);
  }
  if (t.tag === TAG.sequence) {
    if (untaggedNote) note(notes, untaggedNote);
    return extDatas(r, t, path, notes);
  }
  throw new SesParseError(path, `expected ExtensionDatas, found tag 0x${t.tag.toString(16)}`);
}

/** timeStamp: [0] EXPLICIT BIT STRING as the standards write it; untagged or implicit forms noted. */
function timeStamp(r: DerReader, t: Tlv, path: string, notes: string[]): Buffer {
  if (t.tag === TAG.context0) {
    const inner = r.children(t, path);
    if (inner.length !== 1) throw new SesParseError(path, 'expected one element in [0]');
    const i = inner[0]!;
    if (i.tag === TAG.sequence) {
      note(notes, 'timestamp-not-bit-string');
      return r.tlv(i);
    }
    return r.bitString(i, path);
  }
  if (t.tag === TAG.bitString) {
    note(notes, 'untagged-timestamp');
    return r.bitString(t, path);
  }
  if (t.tag === TAG.context0Primitive) {
    note(notes, 'implicit-timestamp');
    const c = r.content(t);
    if (c.length === 0 || c[0] !== 0) throw new SesParseError(path, 'bad implicit BIT STRING');
    return c.subarray(1);
  }
  throw new SesParseError(path, `expected a timestamp, found tag 0x${t.tag.toString(16)}`);
}

interface SealInfoFields {
  header: SesSeal['header'];
  esID: string;
  property: SesSeal['property'];
  picture: SesSeal['picture'];
  extDatas: SesExtData[];
}

function sealInfo(r: DerReader, t: Tlv, path: string, structural: 1 | 4, notes: string[]): SealInfoFields {
  const items = r.sequence(t, path, 4, 5);
  const hp = `${path}.header`;
  const h = r.sequence(items[0], hp, 3, 3);
  const header = {
    id: str(r, h[0], `${hp}.id`, TAG.ia5String, 'header-id', notes),
    version: r.integer(h[1], `${hp}.version`),
    vid: str(r, h[2], `${hp}.vid`, TAG.ia5String, 'header-vid', notes),
  };
  if (header.id !== 'ES') note(notes, 'header-id-not-es');
  const esID = str(r, items[1], `${path}.esID`, TAG.ia5String, 'esid', notes);

  const pp = `${path}.property`;
  const p = r.sequence(items[2], pp, 6, 7);
  const hasListType = p.length === 7;
  if (structural === 4 && !hasListType) note(notes, 'property-without-certlisttype');
  if (structural === 1 && hasListType) note(notes, 'property-with-certlisttype');
  const at = hasListType ? 1 : 0;
  let certListType: 1 | 2 = 1;
  if (hasListType) {
    const v = r.integer(p[2], `${pp}.certListType`);
    if (v !== 1 && v !== 2) throw new SesParseError(`${pp}.certListType`, `unknown certListType ${v}`);
    certListType = v;
  }
  const lp = `${pp}.certList`;
  const list = r.sequence(p[2 + at], lp);
  const certs: Buffer[] = [];
  const certDigests: { type: string; value: Buffer }[] = [];
  const rawCertList: Buffer[] = [];
  list.forEach((e, i) => {
    const ep = `${lp}[${i}]`;
    if (certListType === 2) {
      const d = r.sequence(e, ep, 2, 2);
      certDigests.push({
        type: str(r, d[0], `${ep}.type`, TAG.printableString, 'digest-type', notes),
        value: r.octetString(d[1], `${ep}.value`),
      });
      rawCertList.push(r.content(e));
    } else if (e.tag === TAG.octetString) {
      certs.push(r.content(e));
      rawCertList.push(r.content(e));
    } else if (e.tag === TAG.sequence) {
      note(notes, 'certlist-entry-raw-certificate');
      certs.push(r.tlv(e));
      rawCertList.push(r.tlv(e));
    } else {
      note(notes, 'certlist-entry-not-octet-string');
      rawCertList.push(r.content(e));
    }
  });
  const property: SesSeal['property'] = {
    type: r.integer(p[0], `${pp}.type`),
    name: str(r, p[1], `${pp}.name`, TAG.utf8String, 'name', notes),
    certListType,
    certs,
    certDigests,
    rawCertList,
    createDate: time(r, p[3 + at], `${pp}.createDate`, notes),
    validStart: time(r, p[4 + at], `${pp}.validStart`, notes),
    validEnd: time(r, p[5 + at], `${pp}.validEnd`, notes),
  };

  const picp = `${path}.picture`;
  const pic = r.sequence(items[3], picp, 4, 4);
  const picture = {
    type: str(r, pic[0], `${picp}.type`, TAG.ia5String, 'picture-type', notes),
    data: r.octetString(pic[1], `${picp}.data`),
    width: r.integer(pic[2], `${picp}.width`),
    height: r.integer(pic[3], `${picp}.height`),
  };
  if (picture.type.toLowerCase() === 'ofd') note(notes, 'picture-type-ofd');

  const ext = items[4] ? optionalExtDatas(r, items[4], `${path}.extDatas`, notes, '', 'tagged-extdatas') : [];
  return { header, esID, property, picture, extDatas: ext };
}

function sealAt(r: DerReader, t: Tlv, path: string): SesSeal {
  const items = r.sequence(t, path, 2, 5);
  const notes: string[] = [];
  if (items.length === 2) {
    const infoPath = `${path}.esealInfo`;
    const info = r.expect(items[0], TAG.sequence, infoPath, 'SES_SealInfo');
    const fields = sealInfo(r, info, infoPath, 1, notes);
    const sp = `${path}.signInfo`;
    const si = r.sequence(items[1], sp, 3, 3);
    const makerCert = r.octetString(si[0], `${sp}.cert`);
    const signAlgID = r.oid(si[1], `${sp}.signatureAlgorithm`);
    const signedValue = r.bitString(si[2], `${sp}.signData`);
    if (signedValue.length === 64) note(notes, 'raw-signature');
    return {
      version: 1,
      der: r.tlv(t),
      ...fields,
      makerCert,
      signAlgID,
      signedValue,
      makerSignedBytes: tlv(TAG.sequence, r.tlv(info), r.tlv(si[0]!), r.tlv(si[1]!)),
      sealInfoDer: r.tlv(info),
      notes,
    };
  }
  if (items.length === 3) throw new SesParseError(path, 'unexpected element count 3');
  const infoPath = `${path}.eSealInfo`;
  const info = r.expect(items[0], TAG.sequence, infoPath, 'SES_SealInfo');
  const fields = sealInfo(r, info, infoPath, 4, notes);
  const makerCert = r.octetString(items[1], `${path}.cert`);
  const signAlgID = r.oid(items[2], `${path}.signAlgID`);
  const signedValue = r.bitString(items[3], `${path}.signedValue`);
  if (signedValue.length === 64) note(notes, 'raw-signature');
  const hv = fields.header.version;
  if (hv !== 4 && hv !== 5) note(notes, `header-version-${hv}`);
  const seal: SesSeal = {
    version: hv === 5 ? 5 : 4,
    der: r.tlv(t),
    ...fields,
    makerCert,
    signAlgID,
    signedValue,
    makerSignedBytes: r.tlv(info),
    sealInfoDer: r.tlv(info),
    notes,
  };
  if (items[4]) seal.timeStamp = timeStamp(r, items[4], `${path}.timeStamp`, notes);
  return seal;
}

/** Decodes an SESeal (v1, v4 or v5). @throws SesParseError */
export function decodeSesSeal(der: Uint8Array): SesSeal {
  return guarded('SESeal', () => {
    const r = reader(der, 'SESeal');
    return sealAt(r, r.root('SESeal'), 'SESeal');
  });
}

/** Decodes an SES_Signature (v1, v4 or v5) with its embedded seal. @throws SesParseError */
export function decodeSesSignature(der: Uint8Array): SesSignature {
  return guarded('SES_Signature', () => {
    const path = 'SES_Signature';
    const r = reader(der, path);
    const root = r.root(path);
    const items = r.sequence(root, path, 2, 5);
    const notes: string[] = [];
    const tp = `${path}.toSign`;
    if (items.length === 2) {
      const tbsTlv = r.expect(items[0], TAG.sequence, tp, 'TBS_Sign');
      const tbs = r.sequence(tbsTlv, tp, 7, 7);
      const tbsVersion = r.integer(tbs[0], `${tp}.version`);
      const sealTlv = r.expect(tbs[1], TAG.sequence, `${tp}.eseal`, 'SESeal');
      const seal = sealAt(r, sealTlv, `${tp}.eseal`);
      if (seal.version !== 1) note(notes, 'version-mismatch');
      if (tbsVersion !== 1 && tbsVersion !== 4 && tbsVersion !== 5) note(notes, `tbs-version-${tbsVersion}`);
      const timeInfoRaw = r.bitString(tbs[2], `${tp}.timeInfo`);
      let timeInfo: Date | null = null;
      let token: Buffer | undefined;
      if (timeInfoRaw[0] === TAG.sequence && isSingleSequence(timeInfoRaw)) {
        token = timeInfoRaw;
        note(notes, 'time-info-timestamp');
      } else {
        timeInfo = parseTimeText(timeInfoRaw.toString('latin1'));
        note(notes, timeInfo ? 'time-info-text' : 'unreadable-time-info');
      }
      const dataHash = r.bitString(tbs[3], `${tp}.dataHash`);
      if (dataHash.length !== 32) note(notes, `data-hash-length-${dataHash.length}`);
      const propertyInfo = str(r, tbs[4], `${tp}.propertyInfo`, TAG.ia5String, 'property-info', notes);
      const signerCert = r.octetString(tbs[5], `${tp}.cert`);
      const signatureAlgID = r.oid(tbs[6], `${tp}.signatureAlgorithm`);
      const signature = r.bitString(items[1], `${path}.signature`);
      if (signature.length === 64) note(notes, 'raw-signature');
      const sig: SesSignature = {
        version: 1,
        der: r.tlv(root),
        seal,
        sealDer: seal.der,
        timeInfo,
        timeInfoRaw,
        dataHash,
        propertyInfo,
        extDatas: [],
        signerCert,
        signatureAlgID,
        signature,
        tbsSignDer: r.tlv(tbsTlv),
        notes,
      };
      if (token) sig.timeStamp = token;
      return sig;
    }
    if (items.length === 3) throw new SesParseError(path, 'unexpected element count 3');
    const tbsTlv = r.expect(items[0], TAG.sequence, tp, 'TBS_Sign');
    const tbs = r.sequence(tbsTlv, tp, 5, 6);
    const tbsVersion = r.integer(tbs[0], `${tp}.version`);
    const sealTlv = r.expect(tbs[1], TAG.sequence, `${tp}.eseal`, 'SESeal');
    const seal = sealAt(r, sealTlv, `${tp}.eseal`);
    if (tbsVersion !== 4 && tbsVersion !== 5) note(notes, `tbs-version-${tbsVersion}`);
    const version: SesVersion = seal.version === 5 || tbsVersion === 5 ? 5 : 4;
    if (seal.version === 1 || (tbsVersion === 5) !== (seal.version === 5)) note(notes, 'version-mismatch');
    const tiTlv = tbs[2]!;
    const timeInfoRaw = r.content(tiTlv);
    let timeInfo: Date | null;
    if (tiTlv.tag === TAG.generalizedTime) timeInfo = parseGeneralizedTime(timeInfoRaw.toString('latin1'));
    else if (tiTlv.tag === TAG.utcTime) {
      note(notes, 'utctime-time-info');
      timeInfo = parseUtcTime(timeInfoRaw.toString('latin1'));
    } else
      throw new SesParseError(
        `${tp}.timeInfo`,
        `expected GeneralizedTime, found tag 0x${tiTlv.tag.toString(16)}`,
      );
    if (!timeInfo) note(notes, 'unreadable-time-info');
    const dataHash = r.bitString(tbs[3], `${tp}.dataHash`);
    if (dataHash.length !== 32) note(notes, `data-hash-length-${dataHash.length}`);
    const propertyInfo = str(r, tbs[4], `${tp}.propertyInfo`, TAG.ia5String, 'property-info', notes);
    const ext = tbs[5] ? optionalExtDatas(r, tbs[5], `${tp}.extDatas`, notes, 'untagged-extdatas', '') : [];
    const signerCert = r.octetString(items[1], `${path}.cert`);
    const signatureAlgID = r.oid(items[2], `${path}.signatureAlgID`);
    const signature = r.bitString(items[3], `${path}.signature`);
    if (signature.length === 64) note(notes, 'raw-signature');
    const sig: SesSignature = {
      version,
      der: r.tlv(root),
      seal,
      sealDer: seal.der,
      timeInfo,
      timeInfoRaw,
      dataHash,
      propertyInfo,
      extDatas: ext,
      signerCert,
      signatureAlgID,
      signature,
      tbsSignDer: r.tlv(tbsTlv),
      notes,
    };
    if (items[4]) sig.timeStamp = timeStamp(r, items[4], `${path}.timeStamp`, notes);
    return sig;
  });
}

/**
 * Length of the DER element at the start of `bytes` (header + contents), or null when there is none. For PDF
 * /Contents, which is zero-padded after the DER: decode `bytes.subarray(0, sesDerLength(bytes))`.
 */
export function sesDerLength(bytes: Uint8Array): number | null {
  try {
    const r = new DerReader(bytes);
    return r.read(0, bytes.byteLength, 'x').end;
  } catch {
    return null;
  }
}

/**
 * Structural detection (never trusting header versions): 'seal' for an SESeal, 'signature' for an
 * SES_Signature, null for anything else (CMS/GB/T 35275 SignedData, garbage). Bytes after the first element
 * (PDF /Contents padding) are ignored. Never throws. A positive answer does not promise a successful decode.
 */
export function sniffSes(der: Uint8Array): 'seal' | 'signature' | null {
  try {
    if (!(der instanceof Uint8Array)) return null;
    const r = new DerReader(der);
    const root = r.read(0, der.byteLength, 'x');
    if (root.tag !== TAG.sequence) return null;
    const items = r.children(root, 'x');
    const first = items[0];
    if (!first || first.tag !== TAG.sequence) return null;
    const inner = r.children(first, 'x');
    const isSealInfo = (c: Tlv[]) => {
      if (c.length < 4 || c.length > 5 || c[0]!.tag !== TAG.sequence || c[2]!.tag !== TAG.sequence)
        return false;
      const header = r.children(c[0]!, 'x');
      return header.length === 3 && header[1]!.tag === TAG.integer && STRING_TAGS.has(header[0]!.tag);
    };
    const isSeal = (t: Tlv | undefined) => {
      if (!t || t.tag !== TAG.sequence) return false;
      const c = r.children(t, 'x');
      return c.length >= 2 && c.length <= 5 && c.length !== 3 && c[0]!.tag === TAG.sequence;
    };
    if (items.length === 2) {
      if (inner.length === 7 && inner[0]!.tag === TAG.integer && isSeal(inner[1])) return 'signature';
      if (isSealInfo(inner) && items[1]!.tag === TAG.sequence) return 'seal';
      return null;
    }
    if (items.length < 4 || items.length > 5 || items[1]!.tag !== TAG.octetString) return null;
    if (inner.length >= 5 && inner.length <= 6 && inner[0]!.tag === TAG.integer && isSeal(inner[1]))
      return 'signature';
    if (isSealInfo(inner)) return 'seal';
    return null;
  } catch {
    return null;
  }
}
