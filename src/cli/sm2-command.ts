import { readFile, writeFile } from 'node:fs/promises';
import { InvalidArgumentError, type Command } from 'commander';
import { CryptoInputError } from '../crypto/crypto-input-error.js';
import type { Pkcs8Cipher, Pkcs8Kdf } from '../crypto/encrypted-pkcs8.js';
import { generateSm2KeyPair, sm2Sign, sm2Verify } from '../crypto/sm2.js';
import {
  parseSm2PrivateKey,
  parseSm2PublicKey,
  sm2PrivateKeyToPem,
  sm2PublicKeyToPem,
} from '../crypto/sm2-keys.js';

/** Bad input (exit 2) with a one-line reason; anything else thrown is reported the same way. */
class UsageError extends Error {}

interface KeygenOptions {
  out: string;
  pub?: string;
  passphraseEnv?: string;
  kdf: Pkcs8Kdf;
  cipher: Pkcs8Cipher;
  force?: boolean;
}

interface SignOptions {
  key: string;
  in: string;
  out: string;
  id?: string;
  passphraseEnv?: string;
}

interface VerifyOptions {
  pub: string;
  in: string;
  sig: string;
  id?: string;
}

function passphraseFrom(envVar: string | undefined): string | undefined {
  if (envVar === undefined) return undefined;
  const value = process.env[envVar];
  if (value === undefined || value === '') throw new UsageError(`environment variable ${envVar} is not set`);
  return value;
}

async function read(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    throw new UsageError(`cannot read ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}

async function write(
  path: string,
  data: string | Uint8Array,
  opts: { mode?: number; force?: boolean },
): Promise<void> {
  try {
    // 'wx' so a keygen never silently replaces an existing key.
    await writeFile(path, data, { mode: opts.mode ?? 0o644, flag: opts.force ? 'w' : 'wx' });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(
      code === 'EEXIST' ? `${path} exists (use --force)` : `cannot write ${path}: ${code ?? 'error'}`,
    );
  }
}

/** Runs an action; reports bad input as one line on stderr with exit code 2, never a stack trace. */
function guarded<T>(name: string, action: (opts: T) => Promise<void>): (opts: T) => Promise<void> {
  return async (opts: T) => {
    try {
      await action(opts);
    } catch (err) {
      const reason = err instanceof UsageError || err instanceof CryptoInputError ? err.message : String(err);
      process.stderr.write(`sealtrust sm2 ${name}: ${reason.split('\n')[0]}\n`);
      process.exitCode = 2;
    }
  };
}

// Commander reports an InvalidArgumentError as a usage error (exit 2 through main's exitOverride).
function choice<T extends string>(allowed: readonly T[], flag: string): (value: string) => T {
  return (value) => {
    if (!(allowed as readonly string[]).includes(value))
      throw new InvalidArgumentError(`${flag} must be ${allowed.join(' or ')}`);
    return value as T;
  };
}

/** `sealtrust sm2 keygen|sign|verify`: SM2 keys and detached signatures with the GB/T 32918 signer ID. */
export function registerSm2Commands(program: Command): void {
  const sm2 = program.command('sm2').description('SM2 密钥与签名 / SM2 keys and signatures (GB/T 32918)');

  sm2
    .command('keygen')
    .description('生成 SM2 密钥对 / generate an SM2 key pair (PKCS#8 PEM, OpenSSL-compatible)')
    .requiredOption('--out <file>', 'private key PEM to write (mode 600)')
    .option('--pub <file>', 'also write the public key (SPKI PEM)')
    .option(
      '--passphrase-env <VAR>',
      'encrypt the private key with the passphrase in this environment variable',
    )
    .option('--kdf <kdf>', 'scrypt or pbkdf2', choice<Pkcs8Kdf>(['scrypt', 'pbkdf2'], '--kdf'), 'scrypt')
    .option(
      '--cipher <cipher>',
      'aes-256-cbc or sm4-cbc',
      choice<Pkcs8Cipher>(['aes-256-cbc', 'sm4-cbc'], '--cipher'),
      'aes-256-cbc',
    )
    .option('--force', 'overwrite existing files')
    .action(
      guarded('keygen', async (opts: KeygenOptions) => {
        const passphrase = passphraseFrom(opts.passphraseEnv);
        const { privateKey, publicKey } = generateSm2KeyPair();
        const pem = sm2PrivateKeyToPem(privateKey, {
          ...(passphrase === undefined ? {} : { passphrase, kdf: opts.kdf, cipher: opts.cipher }),
        });
        await write(opts.out, pem, { mode: 0o600, force: opts.force ?? false });
        if (opts.pub) await write(opts.pub, sm2PublicKeyToPem(publicKey), { force: opts.force ?? false });
      }),
    );

  sm2
    .command('sign')
    .description('SM2 签名（DER）/ sign a file: SM3 with Z from the signer ID, DER SEQUENCE{r,s}')
    .requiredOption('--key <file>', 'private key (PEM or DER; PKCS#8, encrypted PKCS#8 or SEC1)')
    .requiredOption('--in <file>', 'file to sign')
    .requiredOption('--out <file>', 'signature to write (DER)')
    .option('--id <id>', 'signer ID', undefined)
    .option('--passphrase-env <VAR>', 'passphrase of an encrypted key, from this environment variable')
    .action(
      guarded('sign', async (opts: SignOptions) => {
        const { privateKey } = parseSm2PrivateKey(
          await read(opts.key, 'key'),
          passphraseFrom(opts.passphraseEnv),
        );
        const message = await read(opts.in, 'input');
        const signature = sm2Sign(privateKey, message, opts.id === undefined ? {} : { id: opts.id });
        await write(opts.out, signature, { force: true });
      }),
    );

  sm2
    .command('verify')
    .description('SM2 验签 / verify a signature: exit 0 valid, 1 invalid, 2 bad input')
    .requiredOption('--pub <file>', 'public key (SPKI PEM/DER) or certificate')
    .requiredOption('--in <file>', 'signed file')
    .requiredOption('--sig <file>', 'signature (DER or raw 64-byte r‖s)')
    .option('--id <id>', 'signer ID', undefined)
    .action(
      guarded('verify', async (opts: VerifyOptions) => {
        const publicKey = parseSm2PublicKey(await read(opts.pub, 'public key'));
        const message = await read(opts.in, 'input');
        const signature = await read(opts.sig, 'signature');
        if (sm2Verify(publicKey, message, signature, opts.id === undefined ? {} : { id: opts.id })) {
          process.stdout.write('签名有效 / signature valid\n');
        } else {
          process.stderr.write('签名无效 / signature INVALID\n');
          process.exitCode = 1;
        }
      }),
    );
}
