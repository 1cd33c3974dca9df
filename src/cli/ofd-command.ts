import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { LocResolution } from '../ofd/loc.js';
import { signatureCoverage } from '../ofd/ofd-coverage.js';
import { OfdError } from '../ofd/ofd-error.js';
import { openOfd, type OfdFileKind, type OfdPackage } from '../ofd/ofd-package.js';
import { VERIFY_EXIT } from './verify-command.js';

// `sealtrust ofd inspect <file>`: what an OFD package is made of and what each signature says it protects,
// without judging any signature (that is `sealtrust verify`). Structure as GB/T 33190 §7 lays it out (OFD.xml
// → documents → pages, resources, attachments…), each file with the kind the verifier weighs it by (rendered,
// data, signature, protection); per signature (GM/T 0099-2020 §7) its References and what, reachable from
// OFD.xml, they leave out — the same facts the verifier's `coverage` check decides on.

export interface OfdInspection {
  file: string;
  documents: {
    index: number;
    docId: string | null;
    documentPath: string;
    pages: { id: string; baseLoc: string; path: string | null }[];
    signaturesPath: string | null;
  }[];
  /** Every file in the package, archive order; `stray` when nothing reaches it. */
  files: { path: string; kind: OfdFileKind | 'stray'; roles: string[]; bytes: number }[];
  /** References of the package (not of signatures) that lead to no file. */
  unresolved: { loc: string; from: string; role: string; status: string }[];
  /** GM/T 0099 §7.4 protection files: present, not evaluated. */
  protection: string[];
  signatures: {
    document: number;
    id: string;
    type: string;
    baseLoc: string;
    signatureXml: string | null;
    unreadable: string | null;
    provider: { name: string | null; company: string | null; version: string | null } | null;
    signatureMethod: string | null;
    signatureDateTime: string | null;
    /** As written; null when absent (the 2016 schema's default is MD5). */
    checkMethod: string | null;
    seal: string | null;
    signedValue: string | null;
    stampAnnots: number;
    references: number;
    covers: string[];
    doesNotCover: { path: string; kind: OfdFileKind }[];
    /** Files nothing reaches that this signature nevertheless covers. */
    coversStray: string[];
    /** FileRefs that lead to no file (missing, ambiguous, invalid). */
    missing: string[];
  }[];
  findings: { code: string; severity: string; message: string; path: string | null }[];
}

const where = (l: LocResolution | undefined): string | null =>
  l === undefined ? null : l.status === 'invalid' ? l.loc : '/' + l.path;

export function inspectOfd(pkg: OfdPackage, file: string): OfdInspection {
  return {
    file,
    documents: pkg.documents.map((d) => ({
      index: d.index,
      docId: d.docId ?? null,
      documentPath: d.documentPath,
      pages: d.pages.map((p) => ({ id: p.id, baseLoc: p.baseLoc, path: p.path ?? null })),
      signaturesPath: d.signaturesPath ?? null,
    })),
    files: pkg.zip.entries
      .filter((e) => !e.isDirectory)
      .map((e) => {
        const r = pkg.reachable.get(e.name);
        return {
          path: e.name,
          // Not reached from OFD.xml: stray (pkg.stray lists exactly these files).
          kind: r ? r.kind : ('stray' as const),
          roles: r ? [...r.roles] : [],
          bytes: e.data.length,
        };
      }),
    unresolved: pkg.unresolved.map((u) => ({
      loc: u.loc,
      from: u.from,
      role: u.role,
      status: u.location.status,
    })),
    protection: [...pkg.protection],
    signatures: pkg.documents.flatMap((d) =>
      d.signatures.map((rec) => {
        const sig = rec.signature;
        const cov = sig ? signatureCoverage(pkg, sig) : undefined;
        return {
          document: d.index,
          id: rec.id,
          type: rec.type,
          baseLoc: rec.baseLoc,
          signatureXml: sig ? '/' + sig.path : null,
          unreadable:
            rec.unreadable?.message ??
            (rec.location.status === 'found' ? null : `${rec.baseLoc}: ${rec.location.status}`),
          provider: sig?.provider
            ? {
                name: sig.provider.name ?? null,
                company: sig.provider.company ?? null,
                version: sig.provider.version ?? null,
              }
            : null,
          signatureMethod: sig?.signatureMethod ?? null,
          signatureDateTime: sig?.signatureDateTime ?? null,
          checkMethod: sig?.checkMethod ?? null,
          seal: where(sig?.seal?.location),
          signedValue: where(sig?.signedValue?.location),
          stampAnnots: sig?.stampAnnots.length ?? 0,
          references: sig?.references.length ?? 0,
          covers: cov ? cov.covered.map((f) => f.path) : [],
          doesNotCover: cov ? cov.uncovered.map((f) => ({ path: f.path, kind: f.kind })) : [],
          coversStray: cov ? [...cov.coveredStray] : [],
          missing: cov ? [...cov.unresolvedReferences] : [],
        };
      }),
    ),
    findings: pkg.findings.map((f) => ({
      code: f.code,
      severity: f.severity,
      message: f.message,
      path: f.path ?? null,
    })),
  };
}

const KIND_ZH: Record<OfdFileKind | 'stray', string> = {
  rendered: '显示 rendered',
  data: '数据 data',
  signature: '签名 signature',
  protection: '保护 protection',
  stray: '夹带 stray',
};

/** The human rendering: structure, files, then one block per signature; Chinese first. */
export function renderInspection(i: OfdInspection): string {
  const lines: string[] = [`${i.file}: OFD`];
  for (const d of i.documents) {
    lines.push(`文档 document ${d.index}: ${d.documentPath}${d.docId ? `（DocID ${d.docId}）` : ''}`);
    lines.push(`  页 pages: ${d.pages.length}`);
    for (const p of d.pages) lines.push(`    ${p.id}: ${p.path ?? `${p.baseLoc}（未找到 not found）`}`);
    if (d.signaturesPath) lines.push(`  签名列表 signatures list: ${d.signaturesPath}`);
  }
  lines.push(`文件 files: ${i.files.length}`);
  for (const f of i.files)
    lines.push(
      `  ${KIND_ZH[f.kind].padEnd(14)} ${f.path}${f.roles.length ? `（${f.roles.join(', ')}）` : ''}`,
    );
  for (const u of i.unresolved)
    lines.push(`  缺失 missing: ${u.loc}（${u.role}，引用自 from ${u.from || 'OFD.xml'}，${u.status}）`);
  for (const p of i.protection) lines.push(`  未评估的保护文件 protection file not evaluated: ${p}`);
  lines.push(`签名 signatures: ${i.signatures.length}`);
  for (const s of i.signatures) {
    lines.push(`  ${s.id}（${s.type}）${s.signatureXml ?? s.baseLoc}`);
    if (s.unreadable) {
      lines.push(`    无法读取 unreadable: ${s.unreadable}`);
      continue;
    }
    if (s.provider)
      lines.push(
        `    提供者 provider: ${[s.provider.name, s.provider.company, s.provider.version].filter(Boolean).join(' / ') || '-'}`,
      );
    if (s.signatureDateTime) lines.push(`    签名时间 time (claimed): ${s.signatureDateTime}`);
    lines.push(`    摘要算法 CheckMethod: ${s.checkMethod ?? '（未写明 absent: MD5 by default）'}`);
    if (s.seal) lines.push(`    印章 seal: ${s.seal}`);
    if (s.signedValue) lines.push(`    签名值 signed value: ${s.signedValue}`);
    lines.push(`    引用 references: ${s.references}，签章注释 stamp annotations: ${s.stampAnnots}`);
    lines.push(`    覆盖 covers: ${s.covers.length}`);
    for (const p of s.covers) lines.push(`      ✓ ${p}`);
    lines.push(`    未覆盖 does not cover: ${s.doesNotCover.length}`);
    for (const f of s.doesNotCover) lines.push(`      ✗ ${f.path}（${KIND_ZH[f.kind]}）`);
    for (const p of s.coversStray) lines.push(`      覆盖的夹带文件 covers stray file: ${p}`);
    for (const p of s.missing) lines.push(`      引用的文件不存在 missing: ${p}`);
  }
  if (i.findings.length) {
    lines.push(`发现 findings: ${i.findings.length}`);
    for (const f of i.findings)
      lines.push(`  [${f.severity}] ${f.code}${f.path ? ` ${f.path}` : ''}: ${f.message}`);
  }
  return lines.join('\n') + '\n';
}

async function inspect(file: string, json: boolean): Promise<void> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw new Error(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  let pkg: OfdPackage;
  try {
    pkg = openOfd(bytes);
  } catch (err) {
    if (err instanceof OfdError) throw new Error(`${file}: ${err.code} (${err.reason}): ${err.message}`);
    throw err;
  }
  const report = inspectOfd(pkg, file);
  process.stdout.write(json ? JSON.stringify(report, null, 2) + '\n' : renderInspection(report));
}

export function registerOfdCommands(program: Command): void {
  const ofd = program.command('ofd').description('OFD 文件工具 / OFD file tools');
  ofd
    .command('inspect <file>')
    .description(
      '显示 OFD 的结构、文件和每个签名覆盖的内容（不验证签名）/ show the structure, files and what each signature covers (no validation); exit 3 unreadable',
    )
    .option('--json', 'print the inspection as JSON')
    .action(async (file: string, opts: { json?: boolean }) => {
      try {
        await inspect(file, opts.json ?? false);
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        process.stderr.write(`sealtrust ofd inspect: ${reason.split('\n')[0]}\n`);
        process.exitCode = VERIFY_EXIT.unreadable;
      }
    });
}
