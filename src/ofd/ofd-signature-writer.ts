import { escapeXml } from './xml-spans.js';
import { OFD_NAMESPACE } from './xml-reader.js';

/**
 * Signature.xml as SealTrust writes it (GB/T 33190 §18.2, Signature.xsd sequence order: SignedInfo{Provider,
 * SignatureMethod, SignatureDateTime, References, StampAnnot*, Seal?}, SignedValue), prefix `ofd`, UTF-8 without
 * BOM. These exact bytes are what SM3 is taken over for the SES dataHash (GM/T 0099-2020 §7.2), so they are
 * produced once and never re-serialised.
 */
export const SM2_SM3_SIGNATURE_METHOD = '1.2.156.10197.1.501';
/** SM3 (GM/T 0006): the OID most government producers write; the 2016 XSD's default would be MD5. */
export const SM3_CHECK_METHOD = '1.2.156.10197.1.401';

export interface SignatureXmlInput {
  readonly provider: { readonly name: string; readonly company?: string; readonly version?: string };
  readonly signatureMethod: string;
  /** GeneralizedTime YYYYMMDDhhmmssZ (= TBS_Sign.timeInfo). */
  readonly signatureDateTime: string;
  readonly references: readonly { readonly fileRef: string; readonly checkValue: string }[];
  readonly stampAnnots: readonly {
    readonly id: string;
    readonly pageRef: string;
    readonly boundary: string;
    readonly clip?: string;
  }[];
  /** Absolute ST_Loc of Seal.esl, when the signature ships one. */
  readonly sealLoc?: string;
  /** Absolute ST_Loc of SignedValue.dat. */
  readonly signedValueLoc: string;
}

export function writeSignatureXml(s: SignatureXmlInput): Uint8Array {
  const a = (name: string, value: string | undefined) =>
    value === undefined ? '' : ` ${name}="${escapeXml(value)}"`;
  const parts = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<ofd:Signature xmlns:ofd="${OFD_NAMESPACE}"><ofd:SignedInfo>`,
    `<ofd:Provider${a('ProviderName', s.provider.name)}${a('Company', s.provider.company)}${a('Version', s.provider.version)}/>`,
    `<ofd:SignatureMethod>${escapeXml(s.signatureMethod)}</ofd:SignatureMethod>`,
    `<ofd:SignatureDateTime>${escapeXml(s.signatureDateTime)}</ofd:SignatureDateTime>`,
    `<ofd:References CheckMethod="${SM3_CHECK_METHOD}">`,
    ...s.references.map(
      (r) =>
        `<ofd:Reference${a('FileRef', r.fileRef)}><ofd:CheckValue>${r.checkValue}</ofd:CheckValue></ofd:Reference>`,
    ),
    '</ofd:References>',
    ...s.stampAnnots.map(
      (x) =>
        `<ofd:StampAnnot${a('ID', x.id)}${a('PageRef', x.pageRef)}${a('Boundary', x.boundary)}${a('Clip', x.clip)}/>`,
    ),
    s.sealLoc === undefined ? '' : `<ofd:Seal><ofd:BaseLoc>${escapeXml(s.sealLoc)}</ofd:BaseLoc></ofd:Seal>`,
    '</ofd:SignedInfo>',
    `<ofd:SignedValue>${escapeXml(s.signedValueLoc)}</ofd:SignedValue>`,
    '</ofd:Signature>',
  ];
  return new Uint8Array(Buffer.from(parts.join(''), 'utf8'));
}

/** GeneralizedTime as SES TBS_Sign.timeInfo encodes it (UTC, seconds, no fraction). */
export function generalizedTime(d: Date): string {
  return d
    .toISOString()
    .replace(/[-:T]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}
