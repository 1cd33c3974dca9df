import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ConfigError, PROJECT_ROOT, isDevelopmentKeysDir } from '../../config.js';
import { KEK_BYTES, KeyEncryptionKey } from '../../crypto/key-wrap.js';

export { KeyEncryptionKey };

/** The published development KEK (keys-dev/ is refused in production, and so is this file and its value). */
export const DEV_KEK_FILE = join(PROJECT_ROOT, 'keys-dev', 'kek.dev');

export interface KekSource {
  production: boolean;
  /** SEALTRUST_KEK: 32 bytes as hex (64 digits) or base64. */
  kek?: string | undefined;
  /** SEALTRUST_KEK_FILE: a file holding the KEK as hex or base64 text, or as 32 raw bytes. */
  kekFile?: string | undefined;
}

/** What the process environment says; production as loadConfig decides it (NODE_ENV=production). */
export function kekSourceFromEnv(env: NodeJS.ProcessEnv = process.env): KekSource {
  return {
    production: env.NODE_ENV === 'production',
    kek: env.SEALTRUST_KEK || undefined,
    kekFile: env.SEALTRUST_KEK_FILE || undefined,
  };
}

/**
 * The key-encryption key that wraps agencies' signing keys and encrypts personal data at rest: from
 * SEALTRUST_KEK, else SEALTRUST_KEK_FILE, else (development only) keys-dev/kek.dev.
 * @throws ConfigError naming the variable at fault; never echoes key material.
 */
export function loadKek(source: KekSource = kekSourceFromEnv()): KeyEncryptionKey {
  if (source.kek && source.kekFile) {
    throw new ConfigError('set SEALTRUST_KEK or SEALTRUST_KEK_FILE, not both');
  }
  let kek: KeyEncryptionKey;
  if (source.kek) {
    kek = new KeyEncryptionKey(decodeKek(source.kek, 'SEALTRUST_KEK'));
  } else if (source.kekFile) {
    if (source.production && isDevelopmentKeysDir(dirname(source.kekFile))) {
      throw new ConfigError(
        `production mode refuses the development key-encryption key in ${source.kekFile}; set SEALTRUST_KEK or SEALTRUST_KEK_FILE to this node's own`,
      );
    }
    kek = new KeyEncryptionKey(readKekFile(source.kekFile, 'SEALTRUST_KEK_FILE'));
  } else {
    if (source.production) {
      throw new ConfigError(
        'production mode needs a key-encryption key: set SEALTRUST_KEK (32 bytes, hex or base64) or SEALTRUST_KEK_FILE',
      );
    }
    return new KeyEncryptionKey(readKekFile(DEV_KEK_FILE, 'the development KEK file'));
  }
  // The published value is refused however it arrives (copied into a variable or another file).
  if (source.production && kek.equals(new KeyEncryptionKey(readKekFile(DEV_KEK_FILE, 'keys-dev/kek.dev')))) {
    throw new ConfigError(
      'production mode refuses the published development key-encryption key (keys-dev/kek.dev)',
    );
  }
  return kek;
}

function readKekFile(path: string, what: string): Buffer {
  let raw: Buffer;
  try {
    raw = readFileSync(path);
  } catch (err) {
    throw new ConfigError(`${what}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (raw.length === KEK_BYTES) return raw;
  return decodeKek(raw.toString('utf8'), `${what} ${path}`);
}

function decodeKek(text: string, what: string): Buffer {
  const t = text.trim();
  let bytes: Buffer | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(t)) bytes = Buffer.from(t, 'hex');
  else if (/^[A-Za-z0-9+/_-]{43}=?$/.test(t))
    bytes = Buffer.from(t, t.includes('-') || t.includes('_') ? 'base64url' : 'base64');
  if (!bytes || bytes.length !== KEK_BYTES) {
    throw new ConfigError(`${what} must be exactly ${KEK_BYTES} bytes, as 64 hex digits or base64`);
  }
  return bytes;
}
