import { spawn } from 'node:child_process';
import { SEALTRUST_BIN } from '../../src/cli/federation-demo/node-process.js';

export const CLI = SEALTRUST_BIN;

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `sealtrust ...` as a separate process, the way an operator would. */
export function runCli(
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; input?: Buffer } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, LOG_LEVEL: 'silent', ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(opts.input);
  });
}
