// Runs the real OpenSSL CLI (3.0 here) as the interop peer of the crypto tests.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface OpensslResult {
  status: number | null;
  stdout: Buffer;
  stderr: string;
}

export function openssl(args: readonly string[]): OpensslResult {
  const r = spawnSync('openssl', args, { maxBuffer: 1 << 24 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.toString() };
}

/** Like openssl() but fails the test, with OpenSSL's message, when it exits non-zero. */
export function opensslOk(args: readonly string[]): Buffer {
  const r = openssl(args);
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

/** A scratch directory with a helper to write files into it; remove() when done. */
export function scratchDir(): {
  path: (name: string) => string;
  write: (name: string, data: string | Uint8Array) => string;
  remove: () => void;
} {
  const dir = mkdtempSync(join(tmpdir(), 'sealtrust-crypto-'));
  const path = (name: string) => join(dir, name);
  return {
    path,
    write: (name, data) => {
      writeFileSync(path(name), data);
      return path(name);
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
