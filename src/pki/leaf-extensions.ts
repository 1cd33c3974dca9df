import type * as pkijs from 'pkijs';
import { LruCache } from '../crypto/lru-cache.js';
import {
  authorityInfoAccessExtension,
  authorityKeyIdentifierExtension,
  basicConstraintsExtension,
  certificatePoliciesExtension,
  crlDistributionPointsExtension,
  encodedSubjectKeyIdentifier,
  encodeExtension,
  extKeyUsageExtension,
  keyUsageExtension,
  ocspNoCheckExtension,
  subjectKeyIdentifierExtension,
  usccExtension,
  type KeyUsageName,
} from './certificate-extensions.js';
import { PKI_OID } from './pki-oids.js';

export interface LeafExtensionSpec {
  publicKey: Uint8Array;
  issuerKeyId: Uint8Array;
  keyUsage: KeyUsageName[];
  extKeyUsage?: { purposes: string[]; critical: boolean } | undefined;
  /** Where relying parties find this certificate's status and issuer (absent for a delegated OCSP responder). */
  urls?: { crl: string; ocsp: string; caIssuers: string } | undefined;
  policies?: string[] | undefined;
  uscc?: string | undefined;
  ocspNoCheck?: boolean | undefined;
}

/**
 * The extensions of an end-entity certificate, in one order for every leaf this CA issues: the key
 * ceremony's own certificates (OCSP responder, TSA, seal maker) and those issued from profiles.
 */
export function leafExtensions(spec: LeafExtensionSpec): pkijs.Extension[] {
  return [
    basicConstraintsExtension(false),
    keyUsageExtension(spec.keyUsage),
    ...(spec.extKeyUsage ? [extKeyUsageExtension(spec.extKeyUsage.purposes, spec.extKeyUsage.critical)] : []),
    subjectKeyIdentifierExtension(spec.publicKey),
    authorityKeyIdentifierExtension(spec.issuerKeyId),
    ...(spec.urls
      ? [
          crlDistributionPointsExtension(spec.urls.crl),
          authorityInfoAccessExtension({ ocsp: spec.urls.ocsp, caIssuers: spec.urls.caIssuers }),
        ]
      : []),
    ...(spec.policies?.length ? [certificatePoliciesExtension(spec.policies)] : []),
    ...(spec.uscc ? [usccExtension(spec.uscc)] : []),
    ...(spec.ocspNoCheck ? [ocspNoCheckExtension()] : []),
  ];
}

interface EncodedLeafExtensions {
  /** encodeExtension of each of leafExtensions' results, in order. */
  readonly encoded: readonly Buffer[];
  /** Where the subject key identifier, the one extension that depends on the key, sits. */
  readonly keyIdentifierAt: number;
}

// One entry per profile, CA and USCC in practice; building them through pkijs and asn1js is about 0.3 ms a
// certificate, of which only the subject key identifier differs from one certificate to the next.
const encodedExtensions = new LruCache<string, EncodedLeafExtensions>(256);

/**
 * leafExtensions(spec), each already encoded as encodeExtension would (the same bytes), for
 * CertificateSpec.extensions. Everything but the subject key identifier comes from a cache keyed by the
 * rest of the spec. The buffers are shared: never modify them.
 */
export function encodedLeafExtensions(spec: LeafExtensionSpec): Buffer[] {
  const key = JSON.stringify([
    Buffer.from(spec.issuerKeyId).toString('hex'),
    spec.keyUsage,
    spec.extKeyUsage ?? null,
    spec.urls ?? null,
    spec.policies ?? null,
    spec.uscc ?? null,
    spec.ocspNoCheck ?? null,
  ]);
  const hit = encodedExtensions.get(key);
  if (hit) {
    const out = hit.encoded.slice();
    out[hit.keyIdentifierAt] = encodedSubjectKeyIdentifier(spec.publicKey);
    return out;
  }
  const extensions = leafExtensions(spec);
  const encoded = extensions.map(encodeExtension);
  encodedExtensions.set(key, {
    encoded,
    keyIdentifierAt: extensions.findIndex((e) => e.extnID === PKI_OID.subjectKeyIdentifier),
  });
  return encoded.slice();
}
