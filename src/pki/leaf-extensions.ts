import type * as pkijs from 'pkijs';
import {
  authorityInfoAccessExtension,
  authorityKeyIdentifierExtension,
  basicConstraintsExtension,
  certificatePoliciesExtension,
  crlDistributionPointsExtension,
  extKeyUsageExtension,
  keyUsageExtension,
  ocspNoCheckExtension,
  subjectKeyIdentifierExtension,
  usccExtension,
  type KeyUsageName,
} from './certificate-extensions.js';

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
