/** Object identifiers of the X.509 / CMS / OCSP / TSP layer (SM2 ones per GM/T 0006). */
export const PKI_OID = Object.freeze({
  sm2WithSm3: '1.2.156.10197.1.501', // SM2 签名 with SM3
  sm2Sign: '1.2.156.10197.1.301.1', // SM2-1, GB/T 35275 digestEncryptionAlgorithm
  sm3: '1.2.156.10197.1.401',
  sha1: '1.3.14.3.2.26', // OCSP CertIDs and ResponderID byKey, ESS v1 hashes
  sha256: '2.16.840.1.101.3.4.2.1',
  ecPublicKey: '1.2.840.10045.2.1',
  sm2Curve: '1.2.156.10197.1.301',
  usccExtension: '1.2.156.10260.4.4', // GM/T 0015-2023 统一社会信用代码 extension

  // Name attributes
  commonName: '2.5.4.3',
  serialNumber: '2.5.4.5',
  country: '2.5.4.6',
  locality: '2.5.4.7',
  stateOrProvince: '2.5.4.8',
  organization: '2.5.4.10',
  organizationalUnit: '2.5.4.11',
  organizationIdentifier: '2.5.4.97',

  // Certificate extensions
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  basicConstraints: '2.5.29.19',
  crlDistributionPoints: '2.5.29.31',
  certificatePolicies: '2.5.29.32',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  authorityInfoAccess: '1.3.6.1.5.5.7.1.1',
  ocspNoCheck: '1.3.6.1.5.5.7.48.1.5',

  // CRL
  crlNumber: '2.5.29.20',
  crlReason: '2.5.29.21',
  invalidityDate: '2.5.29.24',

  // Access methods and key purposes
  ocsp: '1.3.6.1.5.5.7.48.1',
  caIssuers: '1.3.6.1.5.5.7.48.2',
  ocspBasic: '1.3.6.1.5.5.7.48.1.1',
  ocspNonce: '1.3.6.1.5.5.7.48.1.2',
  kpServerAuth: '1.3.6.1.5.5.7.3.1',
  kpClientAuth: '1.3.6.1.5.5.7.3.2',
  kpEmailProtection: '1.3.6.1.5.5.7.3.4',
  kpTimeStamping: '1.3.6.1.5.5.7.3.8',
  kpOcspSigning: '1.3.6.1.5.5.7.3.9',
  /** RFC 5940 §4.1: an OCSPResponse as CMS OtherRevocationInfoFormat. */
  riOcspResponse: '1.3.6.1.5.5.7.16.2',

  // CMS and timestamps
  cmsData: '1.2.840.113549.1.7.1',
  cmsSignedData: '1.2.840.113549.1.7.2',
  gmData: '1.2.156.10197.6.1.4.2.1',
  gmSignedData: '1.2.156.10197.6.1.4.2.2',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  tstInfo: '1.2.840.113549.1.9.16.1.4',
});
