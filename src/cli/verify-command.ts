import { readFile, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { OfdError } from '../ofd/ofd-error.js';
import { PdfError } from '../pdf/pdf-error.js';
import { sniffCms } from '../pki/cms-signed-data.js';
import { SEALTRUST_POLICY } from '../pki/sealtrust-policies.js';
import { sniffSes } from '../seal/ses-decoder.js';
import { validateCmsSignature } from '../verify/cms-validation.js';
import type { LicenceDirectoryRecord, LicenceDirectoryView } from '../verify/licence-validation.js';
import { sniffDocumentFormat } from '../service/verification/document-format.js';
import { validateOfd } from '../verify/ofd-validation.js';
import { ofdLicenceLayer } from '../verify/ofd-licence-layer.js';
import { validatePdf, ValidationTooComplex } from '../verify/pdf-validation.js';
import { INDICATION_ZH, validationReport, type Check, type ValidationReport } from '../verify/report.js';
import { validateSesSeal, validateSesSignature } from '../verify/ses-validation.js';
import { loadTrustAnchors, TrustAnchorError } from '../verify/trust-anchors.js';
import { httpCrlRevocationView } from '../service/verification/http-crl-revocation.js';
import {
  trustListVerification,
  TrustListInputError,
  type TrustListVerification,
} from './verify-trust-list.js';

/** Exit codes of `sealtrust verify`. */
export const VERIFY_EXIT = { passed: 0, failed: 1, indeterminate: 2, unreadable: 3 } as const;

/** Input that cannot be read or is not an SES structure at all: exit 3. */
class UnreadableInput extends Error {}

interface VerifyOptions {
  data?: string;
  json?: boolean;
  trust: string[];
  online?: string;
  trustList?: string;
  trustListSigner?: string;
  trustListCache?: string;
  hub?: string;
  logProof?: string;
}

/**
 * The licence directory of a node over HTTP: `GET <node>/v1/verify/licences/{identifier}?sm3=<file SM3>`.
 * 404 is "no such licence"; anything else that is not a 2xx JSON record makes the directory checks
 * INDETERMINATE (the engine catches the error).
 */
export function httpLicenceDirectory(baseUrl: string, timeoutMs = 10_000): LicenceDirectoryView {
  const base = baseUrl.replace(/\/+$/, '');
  return {
    async lookup(identifier, opts) {
      const q = opts?.fileSm3 ? `?sm3=${encodeURIComponent(opts.fileSm3)}` : '';
      const url = `${base}/v1/verify/licences/${encodeURIComponent(identifier)}${q}`;
      let res: Response;
      try {
        res = await fetch(url, {
          headers: { accept: 'application/json' },
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (err) {
        throw new Error(`${url}: ${(err as Error).message}`);
      }
      if (res.status === 404) return null;
      if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
      const body = (await res.json()) as Partial<LicenceDirectoryRecord>;
      if (typeof body?.identifier !== 'string' || typeof body.status !== 'string')
        throw new Error(`${url}: not a licence record`);
      return {
        identifier: body.identifier,
        status: body.status,
        version: String(body.version ?? ''),
        latestVersion: body.latestVersion ?? null,
        successor: body.successor ?? null,
        pdfSm3: body.pdfSm3 ?? null,
        ...(Array.isArray(body.files) ? { files: body.files } : {}),
        statusHistory: Array.isArray(body.statusHistory) ? body.statusHistory : [],
        ...(Array.isArray(body.copies) ? { copies: body.copies } : {}),
        ...(body.copy ? { copy: body.copy } : {}),
      };
    },
  };
}

const MARK: Record<Check['status'], string> = {
  passed: '✓',
  failed: '✗',
  indeterminate: '?',
  skipped: '-',
  warning: '!',
};

const FINDING_MARK = { info: 'i', warning: '!', error: '✗' } as const;

async function read(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    throw new UnreadableInput(
      `cannot read ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
    );
  }
}

/** The human rendering: one line per check, Chinese first, then the verdict. */
export function renderReport(report: ValidationReport, file: string): string {
  const lines: string[] = [];
  if (report.signatures.length === 0) lines.push(`${file}: 未找到签名 / no signature found`);
  for (const s of report.signatures) {
    lines.push(`${file}: ${s.format}${s.fieldName ? `（${s.fieldName}）` : ''}`);
    if (s.ofd)
      lines.push(
        `  OFD 签名 signature: ${s.ofd.id}（${s.ofd.type}）${s.ofd.signatureXml ? ` ${s.ofd.signatureXml}` : ''}`,
      );
    if (s.subFilter !== undefined)
      lines.push(
        `  修订版本 revision: ${s.revision ?? '?'}，/SubFilter ${s.subFilter ?? '-'}，${s.coversWholeDocument ? '覆盖整个文件 covers the whole file' : '未覆盖整个文件 does not cover the whole file'}`,
      );
    if (s.seal) lines.push(`  印章 seal: ${s.seal.name}（${s.seal.esID}）`);
    if (s.signer) lines.push(`  签章者 signer: ${s.signer.subject}（序列号 ${s.signer.serial}）`);
    if (s.signingTime) lines.push(`  签名时间 signing time (claimed): ${s.signingTime}`);
    if (s.bestSignatureTime) lines.push(`  时间戳证明 proof of existence: ${s.bestSignatureTime}`);
    for (const c of s.checks) lines.push(`  ${MARK[c.status]} ${c.id}: ${c.message}（${c.messageEn}）`);
    lines.push(
      `  签章结论 signature: ${INDICATION_ZH[s.indication]} ${s.indication}${s.subIndication ? ` / ${s.subIndication}` : ''}`,
    );
  }
  if (report.findings?.length) {
    lines.push(`${file}: 文件级发现 document findings`);
    for (const f of report.findings)
      lines.push(
        `  ${FINDING_MARK[f.severity]} ${f.code}${f.path ? ` ${f.path}` : ''}: ${f.message}（${f.messageEn}）`,
      );
  }
  const l = report.licence;
  if (l) {
    lines.push(`电子证照 licence: ${l.identifier || '?'}`);
    if (l.status)
      lines.push(`  状态 status: ${l.status}${l.successor ? `，替代 successor ${l.successor}` : ''}`);
    if (l.version)
      lines.push(
        `  版本 version: ${l.version}${l.latestVersion ? `（最新 latest ${l.latestVersion}）` : ''}`,
      );
    if (l.copy) lines.push(`  加注件 copy: ${l.copy.purpose}，有效期至 until ${l.copy.expiresAt}`);
    for (const c of l.checks) lines.push(`  ${MARK[c.status]} ${c.id}: ${c.message}（${c.messageEn}）`);
    lines.push(
      `  证照结论 licence: ${INDICATION_ZH[l.indication]} ${l.indication}${l.subIndication ? ` / ${l.subIndication}` : ''}`,
    );
  }
  lines.push(
    `结论 verdict: ${INDICATION_ZH[report.indication]} ${report.indication}${report.subIndication ? ` / ${report.subIndication}` : ''}`,
  );
  return lines.join('\n') + '\n';
}

function exitCode(r: ValidationReport): number {
  return r.indication === 'TOTAL_PASSED'
    ? VERIFY_EXIT.passed
    : r.indication === 'TOTAL_FAILED'
      ? VERIFY_EXIT.failed
      : VERIFY_EXIT.indeterminate;
}

async function verify(file: string, opts: VerifyOptions): Promise<number> {
  const bytes = await read(file, 'file');
  // A ZIP (or a file named .ofd) is an OFD, as POST /v1/verify decides.
  const format = sniffDocumentFormat(bytes, /\.ofd$/i.test(file) ? 'ofd' : undefined);
  const pdf = format === 'pdf';
  const ofd = format === 'ofd';
  const kind = format ? null : sniffSes(bytes);
  const cms = format || kind ? null : sniffCms(bytes);
  if (!format && !kind && !cms)
    throw new UnreadableInput(
      `${file} is not an SES seal or SES_Signature (GB/T 38540 / GM/T 0031), a CMS SignedData, a PDF or an OFD`,
    );
  if (opts.trustList && opts.online)
    throw new UnreadableInput('--trust-list and --online exclude each other / 二者只能选一');
  for (const [given, name] of [
    [opts.hub, '--hub'],
    [opts.logProof, '--log-proof'],
    [opts.trustListSigner, '--trust-list-signer'],
    [opts.trustListCache, '--trust-list-cache'],
  ] as const)
    if (given !== undefined && !opts.trustList) throw new UnreadableInput(`${name} needs --trust-list`);
  let anchors;
  try {
    anchors = await loadTrustAnchors(opts.trust);
  } catch (err) {
    if (err instanceof TrustAnchorError) throw new UnreadableInput(err.message);
    throw err;
  }
  // Certificates given with --trust that carry the seal-maker policy are the seal-making systems this
  // verification knows (seals of any other maker are INDETERMINATE; offline there is no registry to ask).
  // They are not anchors: a maker still chains to a trusted CA and has its revocation checked.
  const isMaker = (c: { policies: string[] }) => c.policies.includes(SEALTRUST_POLICY.sealMaker);
  const now = new Date();
  // --trust-list: the list's roots, issuing CAs and seal makers (none registered here), the hub's log evidence
  // for the licence and each listed node's CRL, judged as a node judges another node's licence.
  let fed: TrustListVerification | undefined;
  if (opts.trustList) {
    try {
      fed = await trustListVerification(
        {
          trustList: opts.trustList,
          signers: opts.trustListSigner,
          cache: opts.trustListCache,
          hub: opts.hub,
          warn: (line) => process.stderr.write(`sealtrust verify: ${line}\n`),
        },
        now,
      );
    } catch (err) {
      if (err instanceof TrustListInputError) throw new UnreadableInput(err.message);
      throw err;
    }
  }
  const sealMakers = {
    certificates: [...anchors.filter(isMaker), ...(fed?.sealMakers.certificates ?? [])],
    ...(fed ? { registeredHere: fed.sealMakers.registeredHere } : {}),
  };
  anchors = [...anchors.filter((c) => !isMaker(c)), ...(fed?.anchors ?? [])];
  const intermediates = fed?.intermediates;
  // The licence directory and revocation: the trust list's (hub evidence, listed nodes' CRLs) or --online's node.
  const licences = fed?.licences ?? (opts.online ? httpLicenceDirectory(opts.online) : undefined);
  const revocation = fed?.revocation ?? (opts.online ? httpCrlRevocationView(opts.online) : undefined);
  const registry = fed ? { sealRegistry: fed.sealRegistry } : {};
  let full: ValidationReport;
  if (ofd) {
    if (opts.data !== undefined) process.stderr.write('sealtrust verify: --data is ignored for an OFD\n');
    // As for a PDF: offline chains to --trust and no registry; --online adds the CRLs. Each signature's
    // protected data is its own Signature.xml inside the package (GM/T 0099 §7).
    try {
      full = await validateOfd(bytes, {
        anchors,
        ...(intermediates ? { intermediates } : {}),
        sealMakers,
        now,
        // The licence layer as for a PDF: --online or --trust-list gives a directory, offline its checks skip.
        licenceLayer: ofdLicenceLayer(licences),
        ...(revocation ? { revocation } : {}),
        ...registry,
      });
    } catch (err) {
      if (err instanceof OfdError) throw new UnreadableInput(`${file}: ${err.code}: ${err.message}`);
      if (err instanceof ValidationTooComplex) throw new UnreadableInput(`${file}: ${err.message}`);
      throw err;
    }
  } else if (pdf) {
    if (opts.data !== undefined) process.stderr.write('sealtrust verify: --data is ignored for a PDF\n');
    // Offline: chains to --trust, revocation only from data embedded in the signatures (counted when fresh
    // relative to the signing time), no seal registry; --online adds the node's licence directory and the
    // CRLs the certificates point at (the node's own CRLs are authoritative for its CAs).
    try {
      full = await validatePdf(bytes, {
        anchors,
        ...(intermediates ? { intermediates } : {}),
        sealMakers,
        now,
        ...(licences ? { licences } : {}),
        ...(revocation ? { revocation } : {}),
        ...registry,
      });
    } catch (err) {
      if (err instanceof PdfError || err instanceof ValidationTooComplex)
        throw new UnreadableInput(`${file}: ${err.message}`);
      throw err;
    }
  } else {
    const data = opts.data === undefined ? undefined : await read(opts.data, 'protected data');
    // Offline: no seal registry, and revocation only from CRLs a CMS SignedData carries (else skipped with a
    // reason); --online adds the CRLs the certificates point at, as for a PDF.
    const ctx = {
      anchors,
      ...(intermediates ? { intermediates } : {}),
      sealMakers,
      now,
      ...(data ? { data } : {}),
      ...(revocation ? { revocation } : {}),
    };
    const report =
      kind === 'seal'
        ? await validateSesSeal(bytes, ctx)
        : kind === 'signature'
          ? await validateSesSignature(bytes, ctx)
          : await validateCmsSignature(bytes, ctx);
    full = validationReport([report], now);
    if (kind === 'seal' && data)
      process.stderr.write('sealtrust verify: --data is ignored for a bare seal\n');
  }
  process.stdout.write(opts.json ? JSON.stringify(full, null, 2) + '\n' : renderReport(full, file));
  if (opts.logProof !== undefined && fed) await writeLogProof(full, fed, opts.logProof);
  return exitCode(full);
}

/**
 * `--log-proof <out>`: the tlog-proof-sm3 bundle (federation.md §2.7) of the leaf that records the file, once
 * `licence-in-log` passed; otherwise nothing is written and stderr says why (the exit code is the report's).
 */
async function writeLogProof(
  report: ValidationReport,
  fed: TrustListVerification,
  out: string,
): Promise<void> {
  const check = report.licence?.checks.find((c) => c.id === 'licence-in-log');
  const index = check?.details?.leafIndex;
  const text =
    check?.status === 'passed' && typeof index === 'number' && report.licence
      ? fed.logProof(report.licence.identifier, index)
      : undefined;
  if (text === undefined) {
    process.stderr.write(
      `sealtrust verify: 未写出日志证明 / no log proof written: licence-in-log ${check ? `${check.status} ${check.code}` : 'not run'}\n`,
    );
    return;
  }
  try {
    await writeFile(out, text);
  } catch (err) {
    throw new UnreadableInput(`cannot write ${out}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/**
 * `sealtrust verify <file>`: validates a sealed or signed PDF or OFD, an SES seal (.esl), an SES_Signature or a CMS
 * SignedData offline and explains the verdict; `--online <node>` adds the licence directory checks.
 */
export function registerVerifyCommands(program: Command): void {
  program
    .command('verify <file>')
    .description(
      '验证 PDF 或 OFD 签章、电子印章或电子签章（离线）/ validate a sealed PDF or OFD, an SES seal or seal signature offline; exit 0 TOTAL_PASSED, 1 TOTAL_FAILED, 2 INDETERMINATE, 3 unreadable input',
    )
    .option(
      '--data <file>',
      'for SES/CMS files: the protected data (OFD Signature.xml, …), checked against the signed digest',
    )
    .option(
      '--online <url>',
      "a SealTrust node's base URL: adds the licence directory checks (GET /v1/verify/licences/{identifier}) and revocation from the CRLs the certificates name (the node's own CRLs are authoritative for its CAs)",
    )
    .option(
      '--trust-list <url|dir|file>',
      "trust the national trust list: the hub's …/trust/list.json (fetched and accepted into the --trust-list-cache directory, as `sealtrust trust-list fetch`), or a cache directory or list.json kept by it (offline). Its roots, issuing CAs and seal makers are trusted; another node's licence is checked against the hub's log evidence (licence-in-log, trust-list) and its node's CRL",
    )
    .option(
      '--trust-list-signer <pem>',
      'PEM certificates: for a URL, the first list may be signed with them (bootstrap); for a local list, it must be',
    )
    .option('--trust-list-cache <dir>', 'where a --trust-list URL is cached (default: as `trust-list fetch`)')
    .option(
      '--hub <url>',
      "with --trust-list: the hub asked for log evidence (default: the list's operator URL)",
    )
    .option(
      '--log-proof <file>',
      'with --trust-list: write the tlog-proof-sm3 bundle of the log leaf that records the file, when licence-in-log passed',
    )
    .option('--json', 'print the validation report as JSON')
    .option(
      '--trust <dir>',
      'a directory (or file) of PEM certificates to trust as anchors; repeatable. Without it nothing is trusted. Those with the seal-maker policy are the known seal-making systems',
      collect,
      [],
    )
    .action(async (file: string, opts: VerifyOptions) => {
      try {
        process.exitCode = await verify(file, opts);
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        process.stderr.write(`sealtrust verify: ${reason.split('\n')[0]}\n`);
        process.exitCode = VERIFY_EXIT.unreadable;
      }
    });
}
