import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { sniffSes } from '../seal/ses-decoder.js';
import { INDICATION_ZH, validationReport, type Check, type ValidationReport } from '../verify/report.js';
import { validateSesSeal, validateSesSignature } from '../verify/ses-validation.js';
import { loadTrustAnchors, TrustAnchorError } from '../verify/trust-anchors.js';

/** Exit codes of `sealtrust verify`. */
export const VERIFY_EXIT = { passed: 0, failed: 1, indeterminate: 2, unreadable: 3 } as const;

/** Input that cannot be read or is not an SES structure at all: exit 3. */
class UnreadableInput extends Error {}

interface VerifyOptions {
  data?: string;
  json?: boolean;
  trust: string[];
}

const MARK: Record<Check['status'], string> = {
  passed: '✓',
  failed: '✗',
  indeterminate: '?',
  skipped: '-',
  warning: '!',
};

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
  for (const s of report.signatures) {
    lines.push(`${file}: ${s.format}`);
    if (s.seal) lines.push(`  印章 seal: ${s.seal.name}（${s.seal.esID}）`);
    if (s.signer) lines.push(`  签章者 signer: ${s.signer.subject}（序列号 ${s.signer.serial}）`);
    if (s.signingTime) lines.push(`  签名时间 signing time (claimed): ${s.signingTime}`);
    if (s.bestSignatureTime) lines.push(`  时间戳证明 proof of existence: ${s.bestSignatureTime}`);
    for (const c of s.checks) lines.push(`  ${MARK[c.status]} ${c.id}: ${c.message}（${c.messageEn}）`);
    lines.push(
      `  签章结论 signature: ${INDICATION_ZH[s.indication]} ${s.indication}${s.subIndication ? ` / ${s.subIndication}` : ''}`,
    );
  }
  lines.push(
    `结论 verdict: ${INDICATION_ZH[report.indication]} ${report.indication}${report.subIndication ? ` / ${report.subIndication}` : ''}`,
  );
  return lines.join('\n') + '\n';
}

async function verify(file: string, opts: VerifyOptions): Promise<number> {
  const bytes = await read(file, 'file');
  const kind = sniffSes(bytes);
  if (!kind)
    throw new UnreadableInput(`${file} is not an SES seal or SES_Signature (GB/T 38540 / GM/T 0031)`);
  let anchors;
  try {
    anchors = await loadTrustAnchors(opts.trust);
  } catch (err) {
    if (err instanceof TrustAnchorError) throw new UnreadableInput(err.message);
    throw err;
  }
  const data = opts.data === undefined ? undefined : await read(opts.data, 'protected data');
  // Offline: no revocation source and no seal registry, so those checks are skipped with a reason.
  const ctx = { anchors, ...(data ? { data } : {}) };
  const now = new Date();
  const report =
    kind === 'seal'
      ? await validateSesSeal(bytes, { ...ctx, now })
      : await validateSesSignature(bytes, { ...ctx, now });
  const full = validationReport([report], now);
  process.stdout.write(opts.json ? JSON.stringify(full, null, 2) + '\n' : renderReport(full, file));
  if (kind === 'seal' && data) process.stderr.write('sealtrust verify: --data is ignored for a bare seal\n');
  return full.indication === 'TOTAL_PASSED'
    ? VERIFY_EXIT.passed
    : full.indication === 'TOTAL_FAILED'
      ? VERIFY_EXIT.failed
      : VERIFY_EXIT.indeterminate;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** `sealtrust verify <file>`: validates an SES seal (.esl) or SES_Signature offline and explains the verdict. */
export function registerVerifyCommands(program: Command): void {
  program
    .command('verify <file>')
    .description(
      '验证电子印章或电子签章（离线）/ validate an SES seal or seal signature offline; exit 0 TOTAL_PASSED, 1 TOTAL_FAILED, 2 INDETERMINATE, 3 unreadable input',
    )
    .option('--data <file>', 'the protected data (OFD Signature.xml, …): dataHash is checked against its SM3')
    .option('--json', 'print the validation report as JSON')
    .option(
      '--trust <dir>',
      'a directory (or file) of PEM certificates to trust as anchors; repeatable. Without it nothing is trusted',
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
