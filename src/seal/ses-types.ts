// Decoded GB/T 38540-2020 (v4), GM/T 0031-2014 (v1) and GM/T 0031-2025 (v5) seals and seal signatures.
// Buffers in these objects are views into the decoded input (no copies): do not modify the input afterwards.

/** Structural version: 1 = GM/T 0031-2014, 4 = GB/T 38540-2020, 5 = GM/T 0031-2025. */
export type SesVersion = 1 | 4 | 5;

export interface SesExtData {
  extnID: string;
  /** FALSE when the producer left the DEFAULT out (noted as 'extdata-critical-absent'). */
  critical: boolean;
  extnValue: Buffer;
}

export interface SesSeal {
  version: SesVersion;
  /** The whole SESeal as received. */
  der: Buffer;
  /** `version` is the header's value as written (unreliable in v1 files: 1, 2 and 11 occur). */
  header: { id: string; version: number; vid: string };
  esID: string;
  property: {
    type: number;
    name: string;
    /** 1 = certificates, 2 = certificate digests (v1 seals have no field and are always 1). */
    certListType: 1 | 2;
    /** Content of every OCTET STRING entry of a type-1 certList (should be DER certificates; not checked here). */
    certs: Buffer[];
    /** Entries of a type-2 certList; `type` as the producer wrote it (e.g. 'SM3', 'sha1'). */
    certDigests: { type: string; value: Buffer }[];
    /**
     * Content octets of each certList entry whatever its tag, in order (the v1 vendor quirk of IA5String entries
     * included): for type 1 the certificate bytes (the whole TLV for a certificate SEQUENCE written without its
     * OCTET STRING wrapper), for type 2 the contents of the digest entry SEQUENCE.
     */
    rawCertList: Buffer[];
    /** null when the time could not be read (noted as 'unreadable-date'). */
    createDate: Date | null;
    validStart: Date | null;
    validEnd: Date | null;
  };
  picture: { type: string; data: Buffer; width: number; height: number };
  extDatas: SesExtData[];
  /** Seal maker's (制章者) certificate, DER as found in the seal. */
  makerCert: Buffer;
  signAlgID: string;
  /** Contents of the signedValue BIT STRING (DER SM2 signature or raw 64-byte r‖s). */
  signedValue: Buffer;
  /**
   * Exact bytes the maker signed: the original SES_SealInfo TLV (v4/v5), or for v1 the DER of
   * SEQUENCE { SES_SealInfo, cert, signatureAlgorithm } built from the original TLVs.
   */
  makerSignedBytes: Buffer;
  /** The original SES_SealInfo TLV. */
  sealInfoDer: Buffer;
  /** v5 seal timestamp (RFC 3161 token DER), when present. */
  timeStamp?: Buffer;
  /** Producer variations seen while decoding (see ses-decoder.ts for the list). */
  notes: string[];
}

export interface SesSignature {
  version: SesVersion;
  /** The whole SES_Signature as received. */
  der: Buffer;
  seal: SesSeal;
  /** Exact bytes of the embedded seal (byte-identical copy of the registered seal). */
  sealDer: Buffer;
  /** The signing time claimed in TBS_Sign; null when v1 free bytes hold no readable time. */
  timeInfo: Date | null;
  /** Content octets of the timeInfo element (GeneralizedTime text, or the v1 BIT STRING bytes). */
  timeInfoRaw: Buffer;
  dataHash: Buffer;
  propertyInfo: string;
  extDatas: SesExtData[];
  /** Signer's (签章者) certificate, DER as found. */
  signerCert: Buffer;
  signatureAlgID: string;
  /** Contents of the signature BIT STRING (DER SM2 signature or raw 64-byte r‖s). */
  signature: Buffer;
  /** RFC 3161 timestamp token DER (v4/v5 timeStamp, or a v1 timeInfo that holds a token). */
  timeStamp?: Buffer;
  /** Exact signed bytes: the original TBS_Sign TLV (7 elements in v1, which include the signer cert). */
  tbsSignDer: Buffer;
  notes: string[];
}
