import { createHash } from 'node:crypto';
import { CryptoInputError } from '../crypto/crypto-input-error.js';
import { sm2Verify } from '../crypto/sm2.js';
import { sm3 } from '../crypto/sm3.js';
import { tryParseCertificate, type CertificateInfo } from '../pki/certificate.js';
import { validateChain } from '../pki/certificate-chain.js';
import { parseCmsSignedData, type CmsSignedData, type CmsSignerInfo } from '../pki/cms-signed-data.js';
import { PKI_OID } from '../pki/pki-oids.js';
import { verifyTimestampToken } from '../pki/timestamp.js';
import { combineRevocationSources } from './revocation/combine-revocation-sources.js';
import { embeddedRevocationSource } from './revocation/embedded-revocation-source.js';
import { chainCheck } from './checks/chain-check.js';
import { CHECK_ORDER, orderChecks } from './checks/check-registry.js';
import { signerProfileCheck } from './checks/certificate-profile-checks.js';
import { undecodableReport } from './checks/format-check.js';
import { emit } from './checks/messages.js';
import { revocationCheck } from './checks/revocation-check.js';
import { evaluateTimestamp } from './checks/timestamp-evaluation.js';
import { certWindow, validityCheck } from './checks/validity-time.js';
import { deriveIndication, type Check, type SignatureReport } from './report.js';
import { party, summary } from './report-summaries.js';
import type { Claim, SesValidationContext } from './validation-context.js';

// Validation of a CMS SignedData digital signature (RFC 5652 or GB/T 35275 OIDs) over detached data: the PDF
// /ByteRange bytes, or an OFD Signature.xml. Same vocabulary and order as the SES engine; a digital signature
// carries no seal, so the seal checks are reported as not applicable.

/** The CMS report's checks, in order (the registry's; kept under its old name). */
export const CMS_CHECK_IDS = CHECK_ORDER.cms;

const SM2_SIGNATURE_OIDS = new Set<string>([PKI_OID.sm2WithSm3, PKI_OID.sm2Sign]);
const DATA_OIDS = new Set<string>([PKI_OID.cmsData, PKI_OID.gmData]);
const KNOWN_OTHER_SIGNATURE_ALGORITHMS: Record<string, string> = {
  '1.2.840.113549.1.1.1': 'RSA',
  '1.2.840.113549.1.1.5': 'RSA with SHA-1',
  '1.2.840.113549.1.1.11': 'RSA with SHA-256',
  '1.2.840.113549.1.1.12': 'RSA with SHA-384',
  '1.2.840.113549.1.1.13': 'RSA with SHA-512',
  '1.2.840.113549.1.1.10': 'RSASSA-PSS',
  '1.2.840.10045.4.3.2': 'ECDSA with SHA-256',
  '1.2.840.10045.4.3.3': 'ECDSA with SHA-384',
  '1.2.840.10045.2.1': 'EC public key',
};

function flavourName(c: CmsSignedData): string {
  return c.flavour === 'gbt35275' ? 'CMS (GB/T 35275)' : 'CMS (RFC 5652)';
}

function notApplicable(id: 'signer-in-seal' | 'seal-signature' | 'seal-status'): Check {
  return emit(id, 'skipped', 'NOT_APPLICABLE', undefined);
}

function matchesSid(cert: CertificateInfo, sid: CmsSignerInfo['sid']): boolean {
  if ('keyId' in sid) return cert.subjectKeyId !== null && cert.subjectKeyId.equals(sid.keyId);
  return cert.issuerDer.equals(sid.issuer) && BigInt('0x' + (cert.serialHex || '0')) === sid.serial;
}

function formatFailure(err: unknown): SignatureReport {
  const why = err instanceof Error ? err.message : String(err);
  return undecodableReport('CMS', emit('format', 'failed', 'FORMAT_FAILURE', { kind: 'cms', why }), 'cms');
}

function dataHashCheck(c: CmsSignedData, si: CmsSignerInfo, data: SesValidationContext['data']): Check {
  if (data === undefined) return emit('data-hash', 'skipped', 'DATA_NOT_PROVIDED', { kind: 'cms' });
  const expected = data instanceof Uint8Array ? sm3(data) : Buffer.from(data.expectedHash);
  let got: Buffer | null;
  let what: string;
  if (si.signedAttrsSet) {
    got = si.messageDigest;
    what = 'messageDigest';
  } else if (c.eContent && c.eContent.length === 32) {
    // GB/T 35275 producers without signed attributes embed SM3 of the data as the content.
    got = c.eContent;
    what = 'eContent';
  } else if (c.eContent) {
    got = sm3(c.eContent);
    what = 'SM3(eContent)';
  } else {
    // Detached without signed attributes: the signature itself covers the data (checked in 'signature').
    return emit('data-hash', 'passed', 'DATA_SIGNED_DIRECTLY', undefined);
  }
  if (!got) return emit('data-hash', 'failed', 'MESSAGE_DIGEST_MISSING', undefined);
  if (si.digestAlgorithm !== PKI_OID.sm3)
    return emit('data-hash', 'indeterminate', 'UNSUPPORTED_DIGEST', {
      algorithm: si.digestAlgorithm,
      imprint: false,
    });
  if (got.equals(expected)) return emit('data-hash', 'passed', 'DATA_HASH_MATCH', { what });
  return emit('data-hash', 'failed', 'DATA_HASH_MISMATCH', { what });
}

function signatureCheck(
  c: CmsSignedData,
  si: CmsSignerInfo,
  cert: CertificateInfo | null,
  data: SesValidationContext['data'],
): Check {
  const alg = si.signatureAlgorithm;
  if (!SM2_SIGNATURE_OIDS.has(alg)) {
    const name = KNOWN_OTHER_SIGNATURE_ALGORITHMS[alg] ?? alg;
    return emit('signature', 'indeterminate', 'UNSUPPORTED_ALGORITHM', { name }, { algorithm: alg });
  }
  if (!cert) return emit('signature', 'indeterminate', 'SIGNER_CERT_NOT_FOUND', undefined);
  if (!cert.isSm2) return emit('signature', 'indeterminate', 'UNSUPPORTED_ALGORITHM', { name: null });
  let signed: Uint8Array | null = si.signedAttrsSet ?? c.eContent;
  if (!signed) {
    const bytes = data instanceof Uint8Array ? data : data?.bytes?.();
    if (!bytes) return emit('signature', 'indeterminate', 'DATA_NOT_PROVIDED', undefined);
    signed = bytes;
  }
  let ok = false;
  try {
    ok = sm2Verify(cert.publicKey, signed, si.signature);
  } catch (err) {
    if (!(err instanceof CryptoInputError)) throw err;
  }
  const over = si.signedAttrsSet
    ? { zh: '签名属性', en: 'the signed attributes' }
    : c.eContent
      ? { zh: '封装内容', en: 'the encapsulated content' }
      : { zh: '受保护数据', en: 'the protected data' };
  return ok
    ? emit('signature', 'passed', 'SIGNATURE_VALID', { over })
    : emit('signature', 'failed', 'SIGNATURE_INVALID', { over });
}

function formatCheck(c: CmsSignedData, si: CmsSignerInfo): Check {
  const problems: string[] = [];
  if (si.signedAttrsSet) {
    if (!si.contentType) problems.push('signed attributes lack contentType');
    else if (
      si.contentType !== c.eContentType &&
      !(DATA_OIDS.has(si.contentType) && DATA_OIDS.has(c.eContentType))
    )
      problems.push(`contentType attribute ${si.contentType} differs from eContentType ${c.eContentType}`);
  }
  if (problems.length) return emit('format', 'failed', 'CMS_ATTRIBUTES_INVALID', { problems });
  return emit('format', 'passed', 'FORMAT_OK', {
    kind: 'cms',
    flavour: flavourName(c),
    signers: c.signers.length,
  });
}

const IMPRINT_DIGESTS = new Set(['sm3', 'sha256', 'sha384', 'sha512']);

/**
 * A document timestamp (/Type /DocTimeStamp, RFC 3161 token over the ByteRange bytes): the token verifies,
 * its imprint is the digest of the data, and the TSA chains to an anchor at genTime.
 */
function validateDocumentTimestamp(der: Buffer, ctx: SesValidationContext): SignatureReport {
  const checks: Check[] = [];
  let v: ReturnType<typeof verifyTimestampToken>;
  try {
    v = verifyTimestampToken(der);
  } catch (err) {
    return formatFailure(err);
  }
  checks.push(emit('format', 'passed', 'FORMAT_OK', { kind: 'document-timestamp' }));
  const data = ctx.data;
  const bytes = data instanceof Uint8Array ? data : data?.bytes?.();
  if (!bytes) checks.push(emit('data-hash', 'skipped', 'DATA_NOT_PROVIDED', { kind: 'document-timestamp' }));
  else if (!IMPRINT_DIGESTS.has(v.imprintAlg))
    checks.push(
      emit('data-hash', 'indeterminate', 'UNSUPPORTED_DIGEST', { algorithm: v.imprintAlg, imprint: true }),
    );
  else if (createHash(v.imprintAlg).update(bytes).digest().equals(v.imprint))
    checks.push(emit('data-hash', 'passed', 'DATA_HASH_MATCH', { what: null }));
  else checks.push(emit('data-hash', 'failed', 'DATA_HASH_MISMATCH', { what: null }));
  checks.push(
    v.signatureValid && v.ekuOk
      ? emit('signature', 'passed', 'SIGNATURE_VALID', { over: null })
      : emit('signature', 'failed', 'SIGNATURE_INVALID', { problems: v.problems }),
  );
  const chain = v.tsaCert
    ? validateChain(v.tsaCert, {
        anchors: ctx.tsaAnchors ?? ctx.anchors,
        intermediates: ctx.intermediates ?? [],
        at: v.genTime,
      })
    : null;
  checks.push(chainCheck('chain', { zh: '时间戳机构', en: 'TSA' }, v.tsaCert, chain));
  return {
    format: 'document timestamp',
    ...deriveIndication(checks),
    signingTime: v.genTime.toISOString(),
    bestSignatureTime: chain?.status === 'passed' && v.signatureValid ? v.genTime.toISOString() : null,
    seal: null,
    signer: party(v.tsaCert),
    chain: (chain?.chain ?? []).map(summary),
    checks,
  };
}

/**
 * Validates a CMS SignedData (DER ContentInfo; zero padding after it is ignored). `ctx.data` is the detached
 * signed data (or its SM3). Never throws for bad input: undecodable bytes are a FORMAT_FAILURE report.
 */
export async function validateCmsSignature(
  input: Uint8Array | CmsSignedData,
  ctx: SesValidationContext,
): Promise<SignatureReport> {
  const now = ctx.now ?? new Date();
  let c: CmsSignedData;
  try {
    c = input instanceof Uint8Array ? parseCmsSignedData(input) : input;
  } catch (err) {
    if (err instanceof CryptoInputError) return formatFailure(err);
    throw err;
  }
  if (c.eContentType === PKI_OID.tstInfo) return validateDocumentTimestamp(c.der, ctx);
  const si = c.signers[0]!;
  const certs = c.certificates
    .map((d) => tryParseCertificate(d))
    .filter((x): x is CertificateInfo => x !== null);
  const cert = certs.find((x) => matchesSid(x, si.sid)) ?? null;
  const checks: Check[] = [formatCheck(c, si)];
  checks.push(dataHashCheck(c, si, ctx.data));
  checks.push(signatureCheck(c, si, cert, ctx.data));
  for (const id of ['signer-in-seal', 'seal-signature', 'seal-status'] as const)
    checks.push(notApplicable(id));

  const ts = evaluateTimestamp(
    { timeStamp: si.timeStampToken ?? undefined, signature: si.signature, version: 4, notes: [] },
    ctx,
    now,
  );
  const claimed = si.signingTime;
  const claim: Claim = { claimed, best: ts.best };
  const t = claimed ?? ts.best;
  const label = claimed
    ? { zh: '签名时间', en: 'the signing time' }
    : { zh: '时间戳时间', en: 'the timestamp time' };
  const window = certWindow('签名者证书', 'signer certificate', cert);
  checks.push(validityCheck(window ? [window] : [], t, ts.best, now, label));
  const intermediates = [...(ctx.intermediates ?? []), ...certs.filter((x) => x !== cert)];
  const chain = cert ? validateChain(cert, { anchors: ctx.anchors, intermediates, at: t ?? now }) : null;
  const who = { zh: '签名者', en: 'signer' };
  checks.push(chainCheck('chain', who, cert, chain));
  checks.push(signerProfileCheck(cert, chain));
  const revocation = combineRevocationSources([
    ctx.revocation,
    c.crls.length || c.ocsps.length ? embeddedRevocationSource(c.crls, c.ocsps) : undefined,
  ]);
  checks.push(await revocationCheck('revocation', who, chain, revocation, claim, now));
  checks.push(ts.check);
  const ordered = orderChecks(checks, 'cms');
  return {
    format: flavourName(c),
    ...deriveIndication(ordered),
    signingTime: claimed ? claimed.toISOString() : null,
    bestSignatureTime: ts.best ? ts.best.toISOString() : null,
    seal: null,
    signer: party(cert),
    chain: (chain?.chain ?? []).map(summary),
    checks: ordered,
    ...(ts.summary ? { timestamp: ts.summary } : {}),
  };
}
