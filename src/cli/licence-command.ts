import { readFile, writeFile } from 'node:fs/promises';
import { extname } from 'node:path';
import type { Command } from 'commander';
import { ApiError, apiBase, apiRequest, type ApiClientOptions } from './api-client.js';

interface IssueOptions extends ApiClientOptions {
  type: string;
  data: string;
  out: string;
  holderName?: string;
  holderCode?: string;
  holderCodeType: string;
  validFrom?: string;
  validTo?: string;
  number?: string;
  seal?: string;
  timestamp?: boolean;
  idempotencyKey?: string;
  format: string;
}

const MEDIA = { pdf: 'application/pdf', ofd: 'application/ofd' } as const;
type Format = keyof typeof MEDIA;

/** `--format pdf`, `ofd` or `pdf,ofd`: the files to save, PDF first. */
export function parseFormats(value: string): Format[] {
  const asked = value.split(',').map((f) => f.trim().toLowerCase());
  for (const f of asked) if (f !== 'pdf' && f !== 'ofd') throw new Error(`--format: ${f} is not pdf or ofd`);
  return (['pdf', 'ofd'] as const).filter((f) => asked.includes(f));
}

/** Where each file goes: `--out` itself for one format; for several, `--out` with each format's extension. */
export function outputPaths(out: string, formats: readonly Format[]): Map<Format, string> {
  if (formats.length === 1) return new Map([[formats[0]!, out]]);
  const ext = extname(out);
  const stem = ext === '' ? out : out.slice(0, -ext.length);
  return new Map(formats.map((f) => [f, `${stem}.${f}`]));
}

/**
 * The request from `--data`: either a whole issuance request (it has `fields`) or just the face data, with
 * the holder and validity from the options.
 */
async function issuanceRequest(opts: IssueOptions): Promise<Record<string, unknown>> {
  let data: unknown;
  try {
    data = JSON.parse(await readFile(opts.data, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read ${opts.data} as JSON: ${(err as Error).message}`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data))
    throw new Error(`${opts.data} must hold a JSON object`);
  const given = data as Record<string, unknown>;
  const whole = 'fields' in given;
  const req: Record<string, unknown> = whole ? { ...given } : { fields: given };
  req.typeCode = opts.type;
  if (opts.holderName || opts.holderCode)
    req.holder = { name: opts.holderName, code: opts.holderCode, codeType: opts.holderCodeType };
  if (!req.holder)
    throw new Error('the holder is missing: give --holder-name and --holder-code, or put holder in --data');
  if (opts.validFrom) req.validFrom = opts.validFrom;
  if (opts.validTo) req.validTo = opts.validTo === 'long-term' ? null : opts.validTo;
  if (!req.validFrom) throw new Error('validFrom is missing: give --valid-from YYYY-MM-DD');
  if (opts.number) req.number = opts.number;
  if (opts.seal) req.sealEsID = opts.seal;
  if (opts.timestamp) req.timestamp = true;
  return req;
}

export function registerLicenceCommands(program: Command): void {
  const licence = program
    .command('licence')
    .description('电子证照 / electronic licences (through a running node)');
  licence
    .command('issue')
    .description(
      '颁发证照并下载已签章的版式文件（PDF、OFD）/ issue a licence and save its sealed PDF and/or OFD',
    )
    .requiredOption('--type <code>', '证照类型代码 / licence type code')
    .requiredOption(
      '--data <face.json>',
      '照面信息 JSON（或完整颁发请求）/ face data JSON, or a whole issuance request',
    )
    .requiredOption(
      '--out <file>',
      '输出文件；两种格式时按扩展名分别保存 / where to write the file (for both formats: one per extension)',
    )
    .option(
      '--format <pdf|ofd|pdf,ofd>',
      '保存的版式（须为节点制作的格式）/ which files to save (formats the node makes)',
      'pdf',
    )
    .option('--holder-name <name>', '持证主体')
    .option('--holder-code <code>', '持证主体代码')
    .option('--holder-code-type <type>', '持证主体代码类型（111 居民身份证，001 统一社会信用代码）', '111')
    .option('--valid-from <date>', '有效期起始日期 YYYY-MM-DD')
    .option('--valid-to <date>', '有效期截止日期 YYYY-MM-DD，或 long-term')
    .option('--number <number>', '证照编号（缺省使用流水号）')
    .option('--seal <esID>', '使用的印章（缺省为本机构最新有效印章）')
    .option('--timestamp', '加入时间戳 / add a timestamp from the node')
    .option('--idempotency-key <key>', '重试时保持一致 / repeat-safe key')
    .option('--url <url>', 'node URL (default SEALTRUST_URL or http://localhost:8080)')
    .option('--token <token>', 'issuer token (default SEALTRUST_TOKEN)')
    .action(async (opts: IssueOptions) => {
      try {
        const formats = parseFormats(opts.format);
        if (formats.length === 0) throw new Error('--format: give pdf, ofd or pdf,ofd');
        const body = await issuanceRequest(opts);
        const res = await apiRequest(
          opts,
          'POST',
          '/v1/licences',
          body,
          'application/json',
          opts.idempotencyKey ? { 'idempotency-key': opts.idempotencyKey } : {},
        );
        const issued = (await res.json()) as {
          identifier: string;
          sm3: string;
          version: string;
          files?: { format: string; sm3: string }[];
        };
        // The licence exists from here on: say which, even if a download below fails.
        process.stdout.write(`证照标识 identifier: ${issued.identifier}\n版本 version: ${issued.version}\n`);
        const lines: string[] = [];
        for (const [format, path] of outputPaths(opts.out, formats)) {
          const file = await apiRequest(
            opts,
            'GET',
            `/v1/licences/${issued.identifier}/${format}`,
            undefined,
            MEDIA[format],
          );
          await writeFile(path, Buffer.from(await file.arrayBuffer()));
          const sm3 =
            issued.files?.find((f) => f.format === format)?.sm3 ?? file.headers.get('x-content-sm3') ?? '';
          // The first format keeps the plain `SM3:` line older scripts read.
          lines.push(
            formats.length === 1 ? `SM3: ${sm3}` : `${format.toUpperCase()} SM3: ${sm3}`,
            `已保存 saved: ${path}`,
          );
        }
        lines.push(`查验 verify: ${apiBase(opts)}/l/${issued.identifier}`);
        process.stdout.write(lines.join('\n') + '\n');
      } catch (err) {
        process.stderr.write(`sealtrust licence issue: ${(err as Error).message}\n`);
        process.exitCode = err instanceof ApiError && err.status >= 500 ? 1 : 2;
      }
    });
}
