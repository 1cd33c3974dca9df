import { createHash } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { derOid, derSequence, tlv } from './der-writer.js';
import { PKI_OID } from './pki-oids.js';

export type KeyUsageName =
  | 'digitalSignature'
  | 'nonRepudiation'
  | 'keyEncipherment'
  | 'dataEncipherment'
  | 'keyAgreement'
  | 'keyCertSign'
  | 'cRLSign';

const KEY_USAGE_BITS: Record<KeyUsageName, number> = {
  digitalSignature: 0,
  nonRepudiation: 1,
  keyEncipherment: 2,
  dataEncipherment: 3,
  keyAgreement: 4,
  keyCertSign: 5,
  cRLSign: 6,
};

/** RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey BIT STRING value. */
export function keyIdentifier(publicKey: Uint8Array): Buffer {
  return createHash('sha1').update(publicKey).digest();
}

function ext(extnID: string, critical: boolean, value: asn1js.BaseBlock): pkijs.Extension {
  return new pkijs.Extension({ extnID, critical, extnValue: value.toBER() });
}

const CRITICAL = Buffer.from([0x01, 0x01, 0xff]);

/** An Extension's DER: SEQUENCE { extnID, critical (only when true: DEFAULT FALSE), extnValue }. */
export function encodeExtension(e: pkijs.Extension): Buffer {
  const value = tlv(0x04, e.extnValue.valueBlock.valueHexView);
  return e.critical ? derSequence(derOid(e.extnID), CRITICAL, value) : derSequence(derOid(e.extnID), value);
}

/** subjectKeyIdentifierExtension(publicKey), encoded, without the pkijs and asn1js objects. */
export function encodedSubjectKeyIdentifier(publicKey: Uint8Array): Buffer {
  return derSequence(derOid(PKI_OID.subjectKeyIdentifier), tlv(0x04, tlv(0x04, keyIdentifier(publicKey))));
}

/** KeyUsage as a DER BIT STRING with trailing zero bits trimmed (DER named-bit rule). */
export function keyUsageExtension(usages: KeyUsageName[]): pkijs.Extension {
  let bits = 0;
  for (const u of usages) bits |= 1 << KEY_USAGE_BITS[u];
  const highest = Math.max(...usages.map((u) => KEY_USAGE_BITS[u]));
  const bytes = highest >= 8 ? 2 : 1;
  const buf = new Uint8Array(bytes);
  for (let i = 0; i <= highest; i++) if (bits & (1 << i)) buf[i >> 3]! |= 0x80 >> (i & 7);
  const unusedBits = bytes * 8 - (highest + 1);
  return ext(PKI_OID.keyUsage, true, new asn1js.BitString({ valueHex: buf, unusedBits }));
}

export function basicConstraintsExtension(ca: boolean, pathLen?: number): pkijs.Extension {
  const bc = new pkijs.BasicConstraints(
    ca ? { cA: true, ...(pathLen !== undefined ? { pathLenConstraint: pathLen } : {}) } : {},
  );
  return ext(PKI_OID.basicConstraints, ca, bc.toSchema());
}

export function extKeyUsageExtension(purposes: string[], critical: boolean): pkijs.Extension {
  return ext(PKI_OID.extKeyUsage, critical, new pkijs.ExtKeyUsage({ keyPurposes: purposes }).toSchema());
}

export function subjectKeyIdentifierExtension(publicKey: Uint8Array): pkijs.Extension {
  return ext(
    PKI_OID.subjectKeyIdentifier,
    false,
    new asn1js.OctetString({ valueHex: keyIdentifier(publicKey) }),
  );
}

export function authorityKeyIdentifierExtension(issuerKeyId: Uint8Array): pkijs.Extension {
  const aki = new pkijs.AuthorityKeyIdentifier({
    keyIdentifier: new asn1js.OctetString({ valueHex: issuerKeyId }),
  });
  return ext(PKI_OID.authorityKeyIdentifier, false, aki.toSchema());
}

function uri(value: string): pkijs.GeneralName {
  return new pkijs.GeneralName({ type: 6, value });
}

export function crlDistributionPointsExtension(url: string): pkijs.Extension {
  const cdp = new pkijs.CRLDistributionPoints({
    distributionPoints: [new pkijs.DistributionPoint({ distributionPoint: [uri(url)] })],
  });
  return ext(PKI_OID.crlDistributionPoints, false, cdp.toSchema());
}

export function authorityInfoAccessExtension(urls: { ocsp?: string; caIssuers?: string }): pkijs.Extension {
  const descriptions: pkijs.AccessDescription[] = [];
  if (urls.ocsp)
    descriptions.push(
      new pkijs.AccessDescription({ accessMethod: PKI_OID.ocsp, accessLocation: uri(urls.ocsp) }),
    );
  if (urls.caIssuers) {
    descriptions.push(
      new pkijs.AccessDescription({ accessMethod: PKI_OID.caIssuers, accessLocation: uri(urls.caIssuers) }),
    );
  }
  return ext(
    PKI_OID.authorityInfoAccess,
    false,
    new pkijs.InfoAccess({ accessDescriptions: descriptions }).toSchema(),
  );
}

export function certificatePoliciesExtension(policyOids: string[]): pkijs.Extension {
  const cp = new pkijs.CertificatePolicies({
    certificatePolicies: policyOids.map(
      (policyIdentifier) => new pkijs.PolicyInformation({ policyIdentifier }),
    ),
  });
  return ext(PKI_OID.certificatePolicies, false, cp.toSchema());
}

/** GM/T 0015-2023: the holder's Unified Social Credit Code as its own extension. */
export function usccExtension(uscc: string): pkijs.Extension {
  return ext(PKI_OID.usccExtension, false, new asn1js.PrintableString({ value: uscc }));
}

/** RFC 6960 §4.2.2.2.1: a delegated responder's certificate is not itself checked by OCSP. */
export function ocspNoCheckExtension(): pkijs.Extension {
  return ext(PKI_OID.ocspNoCheck, false, new asn1js.Null());
}
