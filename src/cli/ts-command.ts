import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { InvalidArgumentError, type Command } from 'commander';
import { CryptoInputError } from '../crypto/crypto-input-error.js';
import { fromPem } from '../crypto/pem.js';
import { parseCertificate, type CertificateInfo } from '../pki/certificate.js';
import {
  encodeTimestampRequest,
  parseTimestampResponse,
  PKI_STATUS,
  verifyTimestampToken,
  type ImprintAlgorithm,
  type TimestampVerification,
} from '../pki/timestamp.js';

/** Bad input or an unreachable TSA: exit 2. */
class UsageError extends Error {}
/** A reply that was refused or does not check out: exit 1. */
class InvalidReply extends Error {}

interface RequestOptions {
  in: string;
  url: string;
  out: string;
  hash: ImprintAlgorithm;
  cert: boolean;
  policy?: string;
  tsaCert?: string;
  timeout: number;
}

interface VerifyOptions {
  in: string;
  token: string;
  tsaCert?: string;
}

async function digestFile(path: string, algorithm: string): Promise<Buffer> {
  const hash = createHash(algorithm);
  try {
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  } catch (err) {
    throw new UsageError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  return hash.digest();
}

async function read(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    throw new UsageError(`cannot read ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}

async function readCert(path: string): Promise<CertificateInfo> {
  const bytes = await read(path, 'TSA certificate');
  const text = bytes.toString('latin1');
  return parseCertificate(text.includes('-----BEGIN') ? fromPem(text, ['CERTIFICATE']).der : bytes);
}

/** Positive and non-zero 63-bit nonce: unpredictable, so a replayed old reply cannot pass for a fresh one. */
function randomNonce(): bigint {
  const b = randomBytes(8);
  b[0]! &= 0x7f;
  return BigInt('0x' + b.toString('hex')) || 1n;
}

function describe(v: TimestampVerification): string {
  const acc = v.accuracy
    ? ` ±${v.accuracy.seconds ?? 0}s${v.accuracy.millis ? ` ${v.accuracy.millis}ms` : ''}${v.accuracy.micros ? ` ${v.accuracy.micros}µs` : ''}`
    : '';
  return [
    `serial:   ${v.serial}`,
    `genTime:  ${v.genTime.toISOString()}${acc}`,
    `policy:   ${v.policy}`,
    `imprint:  ${v.imprintAlg} ${v.imprint.toString('hex')}`,
    `TSA:      ${v.tsaCert?.subject ?? '(unknown)'}`,
  ].join('\n');
}

/** The token bytes from a .tsr reply (TimeStampResp) or a bare token (ContentInfo, as `openssl ts -token_out`). */
function tokenFrom(bytes: Buffer): Buffer {
  let reply: ReturnType<typeof parseTimestampResponse>;
  try {
    reply = parseTimestampResponse(bytes);
  } catch {
    return bytes;
  }
  if (!reply.token)
    throw new InvalidReply(
      `the reply holds no token (status ${reply.status}: ${reply.statusText.join('; ')})`,
    );
  return reply.token;
}

function guarded<T>(name: string, action: (opts: T) => Promise<void>): (opts: T) => Promise<void> {
  return async (opts: T) => {
    try {
      await action(opts);
    } catch (err) {
      const invalid = err instanceof InvalidReply;
      const known = invalid || err instanceof UsageError || err instanceof CryptoInputError;
      const reason = known ? (err as Error).message : String(err);
      process.stderr.write(`sealtrust ts ${name}: ${reason.split('\n')[0]}\n`);
      process.exitCode = invalid ? 1 : 2;
    }
  };
}

function hashChoice(value: string): ImprintAlgorithm {
  if (value !== 'sm3' && value !== 'sha256') throw new InvalidArgumentError('--hash must be sm3 or sha256');
  return value;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

async function request(opts: RequestOptions): Promise<void> {
  if (!opts.cert && !opts.tsaCert) {
    throw new UsageError(
      '--no-cert leaves the token without the TSA certificate: pass --tsa-cert to check it',
    );
  }
  const tsaCert = opts.tsaCert ? await readCert(opts.tsaCert) : undefined;
  const imprint = await digestFile(opts.in, opts.hash);
  const nonce = randomNonce();
  const query = encodeTimestampRequest({
    hashAlgorithm: opts.hash,
    imprint,
    nonce,
    certReq: opts.cert,
    ...(opts.policy ? { reqPolicy: opts.policy } : {}),
  });
  let res: Response;
  try {
    res = await fetch(opts.url, {
      method: 'POST',
      headers: { 'content-type': 'application/timestamp-query', accept: 'application/timestamp-reply' },
      body: query,
      signal: AbortSignal.timeout(opts.timeout * 1000),
    });
  } catch (err) {
    throw new UsageError(`cannot reach ${opts.url}: ${(err as Error).cause ?? (err as Error).message}`);
  }
  const body = Buffer.from(await res.arrayBuffer());
  if (res.status !== 200 || !res.headers.get('content-type')?.startsWith('application/timestamp-reply')) {
    throw new UsageError(`${opts.url} did not answer with a timestamp reply (HTTP ${res.status})`);
  }
  let reply: ReturnType<typeof parseTimestampResponse>;
  try {
    reply = parseTimestampResponse(body);
  } catch (err) {
    throw new InvalidReply(`unreadable reply: ${(err as Error).message}`);
  }
  if (reply.status !== PKI_STATUS.granted && reply.status !== PKI_STATUS.grantedWithMods) {
    const why = [...reply.failures, ...reply.statusText].join('; ');
    throw new InvalidReply(`时间戳请求被拒绝 / rejected (status ${reply.status}): ${why}`);
  }
  if (!reply.token) throw new InvalidReply('granted reply without a token');
  const v = verifyTimestampToken(reply.token, {
    expectedImprint: imprint,
    ...(tsaCert ? { trustedTsaCerts: [tsaCert] } : {}),
  });
  const problems = [...v.problems];
  if (v.imprintAlg !== opts.hash) problems.push(`imprint algorithm ${v.imprintAlg}, asked for ${opts.hash}`);
  if (v.nonce !== nonce) problems.push('nonce does not match the request');
  if (opts.policy && v.policy !== opts.policy) problems.push(`policy ${v.policy}, asked for ${opts.policy}`);
  if (!v.signatureValid || v.imprintMatches !== true || !v.ekuOk || problems.length > 0) {
    throw new InvalidReply(`时间戳无效 / invalid token: ${problems.join('; ') || 'verification failed'}`);
  }
  try {
    await writeFile(opts.out, body);
  } catch (err) {
    throw new UsageError(`cannot write ${opts.out}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  process.stdout.write(`时间戳有效 / timestamp granted and verified\n${describe(v)}\n`);
}

async function verify(opts: VerifyOptions): Promise<void> {
  const tsaCert = opts.tsaCert ? await readCert(opts.tsaCert) : undefined;
  const token = tokenFrom(await read(opts.token, 'token'));
  // First pass reads the imprint algorithm; the data is then hashed with it.
  const first = verifyTimestampToken(token, tsaCert ? { trustedTsaCerts: [tsaCert] } : {});
  const algorithm = ['sm3', 'sha256', 'sha384', 'sha512', 'sha1'].includes(first.imprintAlg)
    ? first.imprintAlg
    : null;
  if (!algorithm) throw new UsageError(`imprint algorithm ${first.imprintAlg} is not supported`);
  const v = verifyTimestampToken(token, {
    expectedImprint: await digestFile(opts.in, algorithm),
    ...(tsaCert ? { trustedTsaCerts: [tsaCert] } : {}),
  });
  if (!v.signatureValid || v.imprintMatches !== true || !v.ekuOk) {
    throw new InvalidReply(`时间戳无效 / invalid token: ${v.problems.join('; ')}`);
  }
  process.stdout.write(`时间戳有效 / timestamp valid\n${describe(v)}\n`);
  if (!tsaCert) {
    process.stderr.write(
      'note: the TSA certificate was taken from the token; pass --tsa-cert to pin the TSA\n',
    );
  }
}

/** `sealtrust ts request|verify`: RFC 3161 timestamps as a client. Exit 0 ok, 1 rejected/invalid, 2 bad input. */
export function registerTsCommands(program: Command): void {
  const ts = program.command('ts').description('时间戳 / RFC 3161 timestamps (GB/T 20520)');

  ts.command('request')
    .description('申请时间戳 / hash a file, request a timestamp, check the reply and save it (.tsr)')
    .requiredOption('--in <file>', 'file to timestamp')
    .requiredOption('--url <url>', 'TSA URL, e.g. http://localhost:8080/tsa')
    .requiredOption('--out <file>', 'reply to write (DER TimeStampResp, as openssl ts -reply reads it)')
    .option('--hash <alg>', 'sm3 or sha256', hashChoice, 'sm3')
    .option('--no-cert', 'do not ask for the TSA certificate in the token (needs --tsa-cert)')
    .option('--policy <oid>', 'request this TSA policy')
    .option('--tsa-cert <file>', 'TSA certificate (PEM or DER) the token must be signed with')
    .option('--timeout <seconds>', 'HTTP timeout', positiveInt, 30)
    .action(guarded('request', request));

  ts.command('verify')
    .description(
      '验证时间戳 / verify a timestamp reply or token against a file: exit 0 valid, 1 invalid, 2 bad input',
    )
    .requiredOption('--in <file>', 'the timestamped file')
    .requiredOption('--token <file>', 'reply (.tsr) or bare token (openssl ts -token_out)')
    .option('--tsa-cert <file>', 'TSA certificate (PEM or DER) to trust instead of the embedded one')
    .action(guarded('verify', verify));
}
