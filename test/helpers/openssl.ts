// The real OpenSSL 3 CLI as an independent interop peer, in two styles: `openssl` (async, for the HTTP and
// PKI tests that run beside a server) and `opensslSync`/`opensslSyncOk` (for the crypto tests' plain loops).
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** Runs OpenSSL; resolves with its exit code and text output, never rejects on exit != 0. */
export async function openssl(
  args: string[],
  cwd?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec('openssl', args, {
      cwd,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** Runs OpenSSL synchronously; `stdout` is raw bytes (DER output), `status` null if a signal ended it. */
export function opensslSync(args: readonly string[]): {
  status: number | null;
  stdout: Buffer;
  stderr: string;
} {
  const r = spawnSync('openssl', args, { maxBuffer: 1 << 24 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.toString() };
}

/** Like opensslSync() but fails the test, with OpenSSL's message, when it exits non-zero. */
export function opensslSyncOk(args: readonly string[]): Buffer {
  const r = opensslSync(args);
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

/** A scratch directory: `file(name)` is a path in it, `file(name, data)` also writes it; `cleanup()` removes it. */
export function scratchDir(prefix = 'sealtrust-'): {
  dir: string;
  file(name: string, data?: string | Uint8Array): string;
  cleanup(): void;
} {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    file(name, data) {
      const p = join(dir, name);
      if (data !== undefined) writeFileSync(p, data);
      return p;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The SM2 signer ID of GB/T 35276 (1234567812345678), as OpenSSL's -pkeyopt/-sigopt takes it. */
export const DISTID = 'distid:1234567812345678';

/** `openssl pkeyutl -verify` of a standard-ID SM2 signature over the raw bytes of `dataFile`. */
export function sm2VerifyArgs(publicKeyFile: string, dataFile: string, signatureFile: string): string[] {
  return [
    'pkeyutl',
    '-verify',
    '-rawin',
    '-digest',
    'sm3',
    '-pkeyopt',
    DISTID,
    '-pubin',
    '-inkey',
    publicKeyFile,
    '-in',
    dataFile,
    '-sigfile',
    signatureFile,
  ];
}
