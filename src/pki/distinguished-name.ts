import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { LruCache } from '../crypto/lru-cache.js';
import { PKI_OID } from './pki-oids.js';

/** Name attributes in the order they are written (most general first). */
export interface NameAttributes {
  C?: string; // 国家
  ST?: string; // 省
  L?: string; // 市
  O?: string; // 机构
  OU?: string; // 部门
  organizationIdentifier?: string; // 统一社会信用代码
  serialNumber?: string;
  CN?: string;
}

const ORDER: [keyof NameAttributes, string][] = [
  ['C', PKI_OID.country],
  ['ST', PKI_OID.stateOrProvince],
  ['L', PKI_OID.locality],
  ['O', PKI_OID.organization],
  ['OU', PKI_OID.organizationalUnit],
  ['organizationIdentifier', PKI_OID.organizationIdentifier],
  ['serialNumber', PKI_OID.serialNumber],
  ['CN', PKI_OID.commonName],
];

const SHORT: Record<string, string> = Object.fromEntries(ORDER.map(([k, oid]) => [oid, k]));

/**
 * DER of a Name with one attribute per RDN: SEQUENCE OF SET { AttributeTypeAndValue }.
 * pkijs would put all attributes in one SET (a multi-valued RDN), which no CA does.
 * C and serialNumber are PrintableString; everything else UTF8String (Chinese names).
 */
export function encodeName(attrs: NameAttributes): Buffer {
  const rdns: asn1js.Set[] = [];
  for (const [key, oid] of ORDER) {
    const value = attrs[key];
    if (value === undefined || value === '') continue;
    const printable = key === 'C' || key === 'serialNumber';
    rdns.push(
      new asn1js.Set({
        value: [
          new asn1js.Sequence({
            value: [
              new asn1js.ObjectIdentifier({ value: oid }),
              printable ? new asn1js.PrintableString({ value }) : new asn1js.Utf8String({ value }),
            ],
          }),
        ],
      }),
    );
  }
  return Buffer.from(new asn1js.Sequence({ value: rdns }).toBER());
}

/** A pkijs name that re-encodes to exactly these bytes (pkijs keeps valueBeforeDecode). */
export function pkijsName(der: Uint8Array): pkijs.RelativeDistinguishedNames {
  return new pkijs.RelativeDistinguishedNames({ schema: asn1js.fromBER(der).result });
}

/** The short name of an attribute type (CN, O, …), or its dotted OID when it has none. */
export function attributeTypeName(oid: string): string {
  return SHORT[oid] ?? oid;
}

/** The name's attributes as key/value pairs in order, for display and JSON. */
export function nameEntries(name: pkijs.RelativeDistinguishedNames): { type: string; value: string }[] {
  return name.typesAndValues.map((tv) => ({
    type: attributeTypeName(tv.type),
    value: String((tv.value as { valueBlock: { value: unknown } }).valueBlock.value),
  }));
}

/** RFC 4514-style one-line rendering of entries in DER order, most specific first (CN=…,O=…,C=CN). */
export function entriesToString(entries: readonly { type: string; value: string }[]): string {
  return entries
    .map((e) => `${e.type}=${e.value.replace(/([,+"\\<>;])/g, '\\$1')}`)
    .reverse()
    .join(',');
}

/** RFC 4514-style one-line rendering, most specific first (CN=…,O=…,C=CN). */
export function nameToString(name: pkijs.RelativeDistinguishedNames): string {
  return entriesToString(nameEntries(name));
}

export interface EncodedName {
  /** encodeName's DER. Shared: never modify it. */
  readonly der: Buffer;
  /** nameToString of that DER, as a parsed certificate would show it. */
  readonly text: string;
}

// Issuance builds the same few subjects over and over (one per agency, profile and common name); building
// one through asn1js and reading it back through pkijs costs about 0.4 ms.
const encodedNames = new LruCache<string, EncodedName>(512);

/** encodeName and its one-line form, cached by the attribute values. */
export function encodeNameCached(attrs: NameAttributes): EncodedName {
  const key = JSON.stringify(ORDER.map(([k]) => attrs[k] ?? null));
  let hit = encodedNames.get(key);
  if (!hit) {
    const der = encodeName(attrs);
    hit = { der, text: nameToString(pkijsName(der)) };
    encodedNames.set(key, hit);
  }
  return hit;
}
