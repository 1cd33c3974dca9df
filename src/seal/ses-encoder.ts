import { signMessage, type Signer } from '../crypto/signer.js';
import { sm2Sign } from '../crypto/sm2.js';
import {
  DER_FALSE,
  DER_TRUE,
  DerReader,
  derBitString,
  derGeneralizedTime,
  derIa5String,
  derInteger,
  derOid,
  derUtf8String,
  TAG,
  tlv,
} from './ses-der.js';
import type { SesExtData } from './ses-types.js';

// Encoder for GB/T 38540-2020 seals (v4, or v5 = header version 5) and seal signatures, in strict DER:
// BIT STRINGs with unused bits 00, GeneralizedTime `YYYYMMDDhhmmssZ` (sub-second parts are dropped, so a
// Date with milliseconds encodes as its whole second), ExtData `critical` always written, SES_SealInfo
// extDatas untagged (as every producer writes it), TBS_Sign extDatas and the signature timeStamp [0] EXPLICIT.
// Decoding our output and re-encoding from the decoded fields gives the same bytes.
//
// Signatures are assembled by Buffer concatenation around the already encoded seal: nothing re-encodes or
// re-parses the seal per signature. Invalid arguments (non-ASCII IA5String text, invalid dates, a dataHash
// that is not 32 bytes, an input that is not one DER SEQUENCE) throw RangeError or TypeError.

export const SM2_WITH_SM3_OID = '1.2.156.10197.1.501';

const SM2_WITH_SM3 = derOid(SM2_WITH_SM3_OID);
const HEADER_ID = derIa5String('ES', 'header id');
const CERT_LIST_TYPE_CERTS = derInteger(1);
const CERT_LIST_TYPE_DIGESTS = derInteger(2);
const TBS_VERSION = { 4: derInteger(4), 5: derInteger(5) } as const;

export interface SesSealInfoInput {
  version: 4 | 5;
  /** Vendor id (IA5String). */
  vid: string;
  /** Seal code (IA5String), e.g. 14 digits. */
  esID: string;
  /** Business-defined seal type. */
  type: number;
  name: string;
  /** DER certificates of the signers allowed to use the seal (certListType 1). */
  certs: Buffer[];
  /**
   * Instead of `certs`: digests of the signers' certificates (certListType 2, GB/T 38540 §7.2 CertDigestList),
   * each `{ type: 'SM3', value }`, the type a PrintableString.
   */
  certDigests?: { type: string; value: Buffer }[];
  createDate: Date;
  validStart: Date;
  validEnd: Date;
  /** width/height in millimetres. */
  picture: { type: string; data: Buffer; width: number; height: number };
  /** Written untagged after the picture; omitted when absent or empty. */
  extDatas?: SesExtData[];
}

function bytes(v: unknown, what: string): Uint8Array {
  if (!(v instanceof Uint8Array)) throw new TypeError(`${what} must be a Buffer/Uint8Array`);
  return v;
}

function oneSequence(v: unknown, what: string): Uint8Array {
  const b = bytes(v, what);
  let ok = false;
  try {
    const r = new DerReader(b);
    ok = r.root(what).tag === TAG.sequence;
  } catch {
    ok = false;
  }
  if (!ok) throw new RangeError(`${what} must be exactly one DER SEQUENCE`);
  return b;
}

function encodeExtDatas(list: SesExtData[]): Buffer {
  return tlv(
    TAG.sequence,
    ...list.map((e, i) =>
      tlv(
        TAG.sequence,
        derOid(e.extnID),
        e.critical ? DER_TRUE : DER_FALSE,
        tlv(TAG.octetString, bytes(e.extnValue, `extDatas[${i}].extnValue`)),
      ),
    ),
  );
}

/** DER SES_SealInfo (the bytes the seal maker signs). */
export function encodeSealInfo(input: SesSealInfoInput): Buffer {
  if (input.version !== 4 && input.version !== 5) throw new RangeError('seal version must be 4 or 5');
  const { picture } = input;
  const header = tlv(TAG.sequence, HEADER_ID, derInteger(input.version), derIa5String(input.vid, 'vid'));
  const digests = input.certDigests;
  const certList = digests
    ? tlv(
        TAG.sequence,
        ...digests.map((d, i) =>
          tlv(
            TAG.sequence,
            tlv(TAG.printableString, Buffer.from(d.type, 'latin1')),
            tlv(TAG.octetString, bytes(d.value, `certDigests[${i}].value`)),
          ),
        ),
      )
    : tlv(TAG.sequence, ...input.certs.map((c, i) => tlv(TAG.octetString, bytes(c, `certs[${i}]`))));
  const property = tlv(
    TAG.sequence,
    derInteger(input.type),
    derUtf8String(input.name),
    digests ? CERT_LIST_TYPE_DIGESTS : CERT_LIST_TYPE_CERTS,
    certList,
    derGeneralizedTime(input.createDate, 'createDate'),
    derGeneralizedTime(input.validStart, 'validStart'),
    derGeneralizedTime(input.validEnd, 'validEnd'),
  );
  const pic = tlv(
    TAG.sequence,
    derIa5String(picture.type, 'picture type'),
    tlv(TAG.octetString, bytes(picture.data, 'picture data')),
    derInteger(picture.width),
    derInteger(picture.height),
  );
  const parts = [header, derIa5String(input.esID, 'esID'), property, pic];
  if (input.extDatas && input.extDatas.length > 0) parts.push(encodeExtDatas(input.extDatas));
  return tlv(TAG.sequence, ...parts);
}

/**
 * SESeal v4/v5 around an encoded SES_SealInfo, the maker certificate and the maker's signature over the
 * SES_SealInfo bytes (DER or raw 64 bytes, written as given). `timeStamp` (v5 only) becomes the fifth element,
 * [0] EXPLICIT BIT STRING.
 */
export function assembleSeal(input: {
  sealInfo: Buffer;
  makerCert: Buffer;
  signedValue: Buffer;
  timeStamp?: Buffer;
}): Buffer {
  const parts = [
    oneSequence(input.sealInfo, 'sealInfo'),
    tlv(TAG.octetString, bytes(input.makerCert, 'makerCert')),
    SM2_WITH_SM3,
    derBitString(bytes(input.signedValue, 'signedValue')),
  ];
  if (input.timeStamp) parts.push(tlv(TAG.context0, derBitString(bytes(input.timeStamp, 'timeStamp'))));
  return tlv(TAG.sequence, ...parts);
}

/** Encodes SES_SealInfo, signs it with the maker's key (SM2, default ID) and assembles the SESeal. */
export function makeSeal(info: SesSealInfoInput, maker: { cert: Buffer; privateKey: Uint8Array }): Buffer {
  const sealInfo = encodeSealInfo(info);
  return assembleSeal({ sealInfo, makerCert: maker.cert, signedValue: sm2Sign(maker.privateKey, sealInfo) });
}

export interface SesTbsSignInput {
  /** The registered seal, byte for byte (only checked to be one DER SEQUENCE, not decoded). */
  sealDer: Buffer;
  /** Written as GeneralizedTime YYYYMMDDhhmmssZ; milliseconds are dropped. */
  timeInfo: Date;
  /** SM3 of the protected data, 32 bytes. */
  dataHash: Buffer;
  /** Names the protected range, IA5String (e.g. '/Doc_0/Signs/Sign_0/Signature.xml'). */
  propertyInfo: string;
  /** Written [0] EXPLICIT; omitted when absent or empty. */
  extDatas?: SesExtData[];
  /** TBS_Sign version, 4 unless given (GM/T 0031-2025 producers write 5 for v5 seals). */
  version?: 4 | 5;
}

/** DER TBS_Sign (the bytes the signer signs). */
export function encodeTbsSign(input: SesTbsSignInput): Buffer {
  const dataHash = bytes(input.dataHash, 'dataHash');
  if (dataHash.length !== 32) throw new RangeError('dataHash must be 32 bytes (SM3)');
  const version = TBS_VERSION[input.version ?? 4];
  if (!version) throw new RangeError('TBS_Sign version must be 4 or 5');
  const parts = [
    version,
    oneSequence(input.sealDer, 'sealDer'),
    derGeneralizedTime(input.timeInfo, 'timeInfo'),
    derBitString(dataHash),
    derIa5String(input.propertyInfo, 'propertyInfo'),
  ];
  if (input.extDatas && input.extDatas.length > 0)
    parts.push(tlv(TAG.context0, encodeExtDatas(input.extDatas)));
  return tlv(TAG.sequence, ...parts);
}

/** SES_Signature v4/v5; `timeStamp` (an RFC 3161 token over the signature value) as [0] EXPLICIT BIT STRING. */
export function assembleSignature(input: {
  tbsSign: Buffer;
  signerCert: Buffer;
  signature: Buffer;
  timeStamp?: Buffer;
}): Buffer {
  const parts = [
    oneSequence(input.tbsSign, 'tbsSign'),
    tlv(TAG.octetString, bytes(input.signerCert, 'signerCert')),
    SM2_WITH_SM3,
    derBitString(bytes(input.signature, 'signature')),
  ];
  if (input.timeStamp) parts.push(tlv(TAG.context0, derBitString(bytes(input.timeStamp, 'timeStamp'))));
  return tlv(TAG.sequence, ...parts);
}

/**
 * Signs a seal signature: TBS_Sign around the seal bytes, SM2 (default ID, DER) over it with the signer's key,
 * SES_Signature. Does not check that the signer certificate is listed in the seal or matches the key: the
 * caller does that once per seal/signer. To add a timestamp, call assembleSignature again with the token.
 */
export function signSesV4(input: SesSignInput, signer: { cert: Buffer; privateKey: Uint8Array }): SignedSes {
  const tbsSign = tbsSignOf(input);
  return signedSes(tbsSign, signer.cert, sm2Sign(signer.privateKey, tbsSign));
}

/**
 * signSesV4 through the Signer seam (a key in the vault or, later, an HSM): the signer sees only
 * e = SM3(Z ‖ TBS_Sign), with the default ID, as for signSesV4.
 */
export async function signSesV4WithSigner(
  input: SesSignInput,
  signer: { cert: Buffer; signer: Signer },
): Promise<SignedSes> {
  const tbsSign = tbsSignOf(input);
  return signedSes(tbsSign, signer.cert, await signMessage(signer.signer, tbsSign));
}

export type SesSignInput = Omit<SesTbsSignInput, 'sealDer'> & { seal: Buffer };
export interface SignedSes {
  der: Buffer;
  tbsSign: Buffer;
  signature: Buffer;
}

function tbsSignOf(input: SesSignInput): Buffer {
  const { seal, ...rest } = input;
  return encodeTbsSign({ ...rest, sealDer: seal });
}

function signedSes(tbsSign: Buffer, cert: Buffer, signature: Buffer): SignedSes {
  return { der: assembleSignature({ tbsSign, signerCert: cert, signature }), tbsSign, signature };
}
