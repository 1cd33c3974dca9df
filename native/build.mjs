// Builds the optional native SM2 verifier (native/sm2-openssl) with node-gyp; run by `npm install` / `npm ci`
// (the root package's install script) or by hand. Never fails the install: without a compiler, make, Python
// or Node's headers it prints one warning line and exits 0, and SealTrust verifies SM2 in pure JS.
//   node native/build.mjs [--verbose]     (--verbose shows node-gyp's output)
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const addonDir = join(dirname(fileURLToPath(import.meta.url)), 'sm2-openssl');
const verbose = process.argv.includes('--verbose');

function warn(reason) {
  console.warn(`sealtrust: native SM2 verifier not built (${reason}); using the pure-JS SM2 path`);
  process.exit(0);
}

// Headers of the running node first (they match the OpenSSL it exports), then npm's nodedir (.npmrc).
// node-gyp must get one: it cannot download headers here.
const hasHeaders = (dir) =>
  existsSync(join(dir, 'include', 'node', 'node_api.h')) &&
  existsSync(join(dir, 'include', 'node', 'openssl', 'evp.h'));
const nodedir = [resolve(dirname(process.execPath), '..'), process.env.npm_config_nodedir]
  .filter(Boolean)
  .find(hasHeaders);
if (!nodedir)
  warn(`no Node headers with OpenSSL under ${resolve(dirname(process.execPath), '..')}/include/node`);

// npm sets npm_config_node_gyp in lifecycle scripts; otherwise use the node-gyp that ships with npm.
const nodeGyp = [
  process.env.npm_config_node_gyp,
  resolve(
    dirname(process.execPath),
    '..',
    'lib',
    'node_modules',
    'npm',
    'node_modules',
    'node-gyp',
    'bin',
    'node-gyp.js',
  ),
]
  .filter(Boolean)
  .find((p) => existsSync(p));
if (!nodeGyp) warn('node-gyp not found (it ships with npm)');

const run = spawnSync(process.execPath, [nodeGyp, 'rebuild', `--nodedir=${nodedir}`], {
  cwd: addonDir,
  encoding: 'utf8',
  stdio: verbose ? 'inherit' : 'pipe',
  timeout: 300_000,
});
if (run.status !== 0) {
  const output = `${run.stderr ?? ''}\n${run.stdout ?? ''}`;
  const firstError = output
    .split('\n')
    .find((l) => /error|not found|No such file/i.test(l) && !/^gyp info/.test(l));
  const why =
    run.error?.message ?? firstError?.replace(/^gyp ERR! /, '').trim() ?? `node-gyp exited ${run.status}`;
  warn(`${why.slice(0, 160)}; see \`node native/build.mjs --verbose\``);
}
console.log('sealtrust: built the native SM2 verifier (native/sm2-openssl)');
