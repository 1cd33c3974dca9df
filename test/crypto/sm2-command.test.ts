import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { parseSm2PrivateKey } from '../../src/crypto/sm2-keys.js';
import { opensslSyncOk, scratchDir, sm2VerifyArgs } from '../helpers/openssl.js';

const harness = fileURLToPath(new URL('./fixtures/sm2-cli-harness.ts', import.meta.url));
const tmp = scratchDir('sealtrust-crypto-');
after(() => tmp.cleanup());

function cli(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', harness, 'sm2', ...args], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('sealtrust sm2 CLI', () => {
  it('keygen → sign → verify, interoperable with openssl', () => {
    const key = tmp.file('k.pem');
    const pub = tmp.file('p.pem');
    assert.equal(cli(['keygen', '--out', key, '--pub', pub]).status, 0);
    assert.equal(statSync(key).mode & 0o777, 0o600);
    opensslSyncOk(['pkey', '-in', key, '-noout']);
    const msg = tmp.file('msg.txt', '营业执照 licence');
    const sig = tmp.file('sig.der');
    assert.equal(cli(['sign', '--key', key, '--in', msg, '--out', sig]).status, 0);
    opensslSyncOk(sm2VerifyArgs(pub, msg, sig));
    assert.equal(cli(['verify', '--pub', pub, '--in', msg, '--sig', sig]).status, 0);

    const wrongId = cli(['verify', '--pub', pub, '--in', msg, '--sig', sig, '--id', 'other']);
    assert.equal(wrongId.status, 1);
    const other = tmp.file('other.txt', 'something else');
    assert.equal(cli(['verify', '--pub', pub, '--in', other, '--sig', sig]).status, 1);

    const sigId = tmp.file('sig-id.der');
    assert.equal(
      cli(['sign', '--key', key, '--in', msg, '--out', sigId, '--id', 'ALICE123@YAHOO.COM']).status,
      0,
    );
    assert.equal(
      cli(['verify', '--pub', pub, '--in', msg, '--sig', sigId, '--id', 'ALICE123@YAHOO.COM']).status,
      0,
    );
  });

  it('bad input exits 2 with one line on stderr and no stack trace', () => {
    const msg = tmp.file('m2.txt', 'x');
    const garbage = tmp.file('garbage.der', 'not a signature at all');
    const key = tmp.file('k2.pem');
    const pub = tmp.file('p2.pem');
    assert.equal(cli(['keygen', '--out', key, '--pub', pub]).status, 0);
    for (const args of [
      ['verify', '--pub', msg, '--in', msg, '--sig', garbage],
      ['verify', '--pub', pub, '--in', msg, '--sig', garbage],
      ['verify', '--pub', pub, '--in', tmp.file('missing'), '--sig', garbage],
      ['verify', '--pub', pub, '--in', msg],
      ['keygen', '--out', key],
    ]) {
      const r = cli(args);
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
    }
  });

  it('keygen --passphrase-env writes an encrypted key that sign and openssl can open', () => {
    const key = tmp.file('enc.pem');
    assert.equal(
      cli(['keygen', '--out', key, '--passphrase-env', 'SEAL_PW'], { SEAL_PW: 'hunter2' }).status,
      0,
    );
    assert.match(readFileSync(key, 'utf8'), /BEGIN ENCRYPTED PRIVATE KEY/);
    opensslSyncOk(['pkey', '-in', key, '-passin', 'pass:hunter2', '-noout']);
    assert.ok(parseSm2PrivateKey(readFileSync(key, 'utf8'), 'hunter2').privateKey.length === 32);
    const msg = tmp.file('m3.txt', 'y');
    const sig = tmp.file('s3.der');
    const noPass = cli(['sign', '--key', key, '--in', msg, '--out', sig]);
    assert.equal(noPass.status, 2);
    assert.match(noPass.stderr, /passphrase/);
    const wrong = cli(['sign', '--key', key, '--in', msg, '--out', sig, '--passphrase-env', 'SEAL_PW'], {
      SEAL_PW: 'nope',
    });
    assert.equal(wrong.status, 2);
    assert.match(wrong.stderr, /wrong passphrase/);
    assert.equal(
      cli(['sign', '--key', key, '--in', msg, '--out', sig, '--passphrase-env', 'SEAL_PW'], {
        SEAL_PW: 'hunter2',
      }).status,
      0,
    );
  });
});
