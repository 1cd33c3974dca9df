import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The optional native SM2 verifier (native/sm2-openssl): OpenSSL's SM2 verification through the
 * OpenSSL inside the node binary. Built at install when a compiler and Node's headers are there;
 * without it everything runs on the pure-JS path. `SEALTRUST_SM2_NATIVE=0` turns it off.
 */
export interface NativeSm2 {
  /**
   * Whether `signatureDer` (strict DER `SEQUENCE{r,s}`) is a valid SM2 signature of the 32-byte
   * e = SM3(Z ‖ M) under the 65-byte public key 04‖x‖y. False for a wrong signature, bad DER, or
   * a point off the curve.
   * @throws TypeError for arguments that are not Uint8Arrays, or a key or digest of the wrong length.
   */
  verifyDigest(publicKey: Uint8Array, digest: Uint8Array, signatureDer: Uint8Array): boolean;
}

export type NativeSm2Status = { loaded: true; path: string } | { loaded: false; reason: string };

const ADDON = join('native', 'sm2-openssl', 'build', 'Release', 'sm2_openssl.node');

/** The package root: the first directory above this file with a package.json (src/ and dist/src/ alike). */
function packageRoot(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

// GB/T 32918.5-2017 Annex A (sm2p256v1, ID 1234567812345678, "message digest"): checked once at load,
// so a build against mismatched headers turns itself off instead of answering wrongly.
const SELF_TEST = {
  publicKey: Buffer.from(
    '0409F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020' +
      'CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13',
    'hex',
  ),
  digest: Buffer.from('F0B43E94BA45ACCAACE692ED534382EB17E6AB5A19CE7B31F4486FDFC0D28640', 'hex'),
  signature: Buffer.from(
    '3046' +
      '022100F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3' +
      '022100B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA',
    'hex',
  ),
};

function passesSelfTest(addon: NativeSm2): boolean {
  const { publicKey, digest, signature } = SELF_TEST;
  const tampered = Buffer.from(digest);
  tampered[31]! ^= 1;
  return (
    addon.verifyDigest(publicKey, digest, signature) === true &&
    addon.verifyDigest(publicKey, tampered, signature) === false
  );
}

function load(): { addon?: NativeSm2; status: NativeSm2Status } {
  if (process.env.SEALTRUST_SM2_NATIVE === '0') {
    return { status: { loaded: false, reason: 'disabled by SEALTRUST_SM2_NATIVE=0' } };
  }
  const root = packageRoot();
  const path = root === undefined ? undefined : join(root, ADDON);
  if (path === undefined || !existsSync(path)) {
    return { status: { loaded: false, reason: `not built (${ADDON}); run \`node native/build.mjs\`` } };
  }
  try {
    const addon = createRequire(import.meta.url)(path) as NativeSm2;
    if (typeof addon.verifyDigest !== 'function' || !passesSelfTest(addon)) {
      return { status: { loaded: false, reason: `${path} failed its self-test` } };
    }
    return { addon, status: { loaded: true, path } };
  } catch (err) {
    return { status: { loaded: false, reason: `${path} did not load: ${(err as Error).message}` } };
  }
}

const loaded = load();

/** The native verifier, or undefined when it is not built, failed to load, or is disabled. */
export const nativeSm2: NativeSm2 | undefined = loaded.addon;

/** Whether the native verifier is in use, and if not, why. */
export const nativeSm2Status: NativeSm2Status = loaded.status;
