import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { InvalidArgumentError, type Command } from 'commander';
import { CryptoInputError } from '../crypto/crypto-input-error.js';
import { fromPem } from '../crypto/pem.js';
import { parseCertificate, type CertificateInfo } from '../pki/certificate.js';
import {
  buildCertId,
  buildOcspRequest,
  certificateSerialOctets,
  certificateSubjectDer,
  OCSP_HASHES,
  parseOcspRequest,
  parseOcspResponse,
  type OcspCertId,
  type OcspCertStatus,
  type OcspHash,
  verifyOcspResponseSigner,
} from '../pki/ocsp.js';

/** Bad input or an unreachable responder: exit 2. */
class UsageError extends Error {}
/** The responder answered, but not with something we can trust: exit 1. */
class InvalidResponse extends Error {}

/** Tolerated clock difference with the responder (OpenSSL's `-validity_period` default). */
const SKEW_MS = 5 * 60_000;
const TIMEOUT_MS = 10_000;

interface CheckOptions {
  cert: string;
  issuer: string;
  url: string;
  nonce?: boolean;
  hash: OcspHash;
}

async function readCertificate(path: string, what: string): Promise<CertificateInfo> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new UsageError(`cannot read ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  const text = bytes.toString('latin1');
  const der = text.includes('-----BEGIN') ? fromPem(text, ['CERTIFICATE']).der : bytes;
  return parseCertificate(der);
}

async function post(url: string, body: Buffer): Promise<Buffer> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/ocsp-request', accept: 'application/ocsp-response' },
      body,
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
    throw new UsageError(`responder ${url} unreachable: ${cause}`);
  }
  const bytes = Buffer.from(await res.arrayBuffer());
  if (res.status !== 200) throw new InvalidResponse(`HTTP ${res.status} from ${url}`);
  return bytes;
}

function sameCertId(a: OcspCertId, b: OcspCertId): boolean {
  return (
    a.hash === b.hash &&
    a.serial === b.serial &&
    a.issuerNameHash.equals(b.issuerNameHash) &&
    a.issuerKeyHash.equals(b.issuerKeyHash)
  );
}

/** Checks everything a relying party must before believing the answer, and returns the status. */
function verifyResponse(
  der: Buffer,
  issuer: CertificateInfo,
  certId: OcspCertId,
  nonceExtnValue: Buffer | null,
): { status: OcspCertStatus; thisUpdate: Date; nextUpdate: Date | null; responder: string } {
  let parsed: ReturnType<typeof parseOcspResponse>;
  try {
    parsed = parseOcspResponse(der);
  } catch (err) {
    throw new InvalidResponse((err as Error).message);
  }
  const basic = parsed.basic;
  if (!basic) throw new InvalidResponse(`responder answered ${parsed.status}`);
  // The issuer or a delegated responder it certified, the signature checked (shared with the verifier).
  const verified = verifyOcspResponseSigner(basic, issuer, new Date());
  if ('error' in verified) throw new InvalidResponse(verified.error);
  const signer = verified.signer;
  if (nonceExtnValue && !(basic.nonceExtnValue && basic.nonceExtnValue.equals(nonceExtnValue))) {
    throw new InvalidResponse(basic.nonceExtnValue ? 'the nonce does not match' : 'the nonce is missing');
  }
  const single = basic.responses.find((r) => sameCertId(r.certId, certId));
  if (!single) throw new InvalidResponse('the response does not cover the certificate asked about');
  const now = Date.now();
  if (single.thisUpdate.getTime() > now + SKEW_MS || basic.producedAt.getTime() > now + SKEW_MS) {
    throw new InvalidResponse(`the response is from the future (${single.thisUpdate.toISOString()})`);
  }
  if (single.nextUpdate && single.nextUpdate.getTime() < now - SKEW_MS) {
    throw new InvalidResponse(`the response is stale (nextUpdate ${single.nextUpdate.toISOString()})`);
  }
  return {
    status: single.status,
    thisUpdate: single.thisUpdate,
    nextUpdate: single.nextUpdate,
    responder: signer.subject,
  };
}

function hashChoice(value: string): OcspHash {
  if (!(value in OCSP_HASHES))
    throw new InvalidArgumentError(`--hash must be ${Object.keys(OCSP_HASHES).join(', ')}`);
  return value as OcspHash;
}

function urlChoice(value: string): string {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new InvalidArgumentError('--url must be an http(s) URL');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new InvalidArgumentError('--url must be an http(s) URL');
  return value;
}

async function check(opts: CheckOptions): Promise<void> {
  const cert = await readCertificate(opts.cert, 'certificate');
  const issuer = await readCertificate(opts.issuer, 'issuer certificate');
  if (!cert.issuerDer.equals(issuer.subjectDer)) {
    throw new UsageError(`${opts.cert} is issued by "${cert.issuer}", not by "${issuer.subject}"`);
  }
  const certIdDer = buildCertId(
    opts.hash,
    certificateSubjectDer(issuer.der),
    issuer.publicKey,
    certificateSerialOctets(cert.der),
  );
  // RFC 8954 recommends the full 32 octets.
  const request = buildOcspRequest([certIdDer], opts.nonce ? randomBytes(32) : undefined);
  const sent = parseOcspRequest(request);
  const answer = verifyResponse(await post(opts.url, request), issuer, sent.certIds[0]!, sent.nonceExtnValue);
  const s = answer.status;
  const line =
    s.kind === 'revoked' ? `revoked (${s.reason ?? 'unspecified'}, ${s.revokedAt.toISOString()})` : s.kind;
  process.stdout.write(
    `${line}\n` +
      `  this update: ${answer.thisUpdate.toISOString()}` +
      (answer.nextUpdate ? `, next update: ${answer.nextUpdate.toISOString()}` : '') +
      `\n  responder: ${answer.responder}\n`,
  );
  if (s.kind !== 'good') process.exitCode = 1;
}

/** `sealtrust ocsp check`: asks an OCSP responder about one certificate and verifies the answer. */
export function registerOcspCommands(program: Command): void {
  const ocsp = program
    .command('ocsp')
    .description('OCSP 在线证书状态 / online certificate status (RFC 6960)');
  ocsp
    .command('check')
    .description(
      '查询证书状态 / ask a responder about a certificate: exit 0 good, 1 revoked/unknown/invalid response, 2 bad input/unreachable',
    )
    .requiredOption('--cert <file>', 'the certificate to check (PEM or DER)')
    .requiredOption('--issuer <file>', 'its issuing CA certificate (PEM or DER)')
    .requiredOption('--url <url>', 'the OCSP responder URL', urlChoice)
    .option('--nonce', 'send a nonce (RFC 8954) and require it back')
    .option('--hash <alg>', 'CertID hash: sha1, sha256 or sm3', hashChoice, 'sha1' as OcspHash)
    .action(async (opts: CheckOptions) => {
      try {
        await check(opts);
      } catch (err) {
        const invalid = err instanceof InvalidResponse;
        const reason =
          invalid || err instanceof UsageError || err instanceof CryptoInputError ? err.message : String(err);
        process.stderr.write(
          `sealtrust ocsp check: ${invalid ? 'invalid response: ' : ''}${reason.split('\n')[0]}\n`,
        );
        process.exitCode = invalid ? 1 : 2;
      }
    });
}
