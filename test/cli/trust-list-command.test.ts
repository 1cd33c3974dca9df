// `sealtrust trust-list fetch|show` as an operator runs it, against a stand-in hub over real HTTP: the first list
// from the bootstrap signers into a cache directory, then only forward; a rollback or a tampered cache is refused
// with a clear message and exit code, and the cache is left as it was.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { toPem } from '../../src/crypto/pem.js';
import { nextTrustList } from '../../src/trust-list/trust-list-draft.js';
import { runCli } from '../helpers/run-cli.js';
import { issueTestCertificate } from '../helpers/test-pki.js';
import { TestTrustListHub, testTrustListDraft } from '../helpers/trust-list-hub.js';

const DAY = 86_400_000;
const signer = issueTestCertificate('枢纽信任列表签名', null);
const hub = new TestTrustListHub();
const dir = mkdtempSync(join(tmpdir(), 'trust-cli-'));
const cache = join(dir, 'cache');
const signers = join(dir, 'signers.pem');

before(async () => {
  await hub.start();
  writeFileSync(signers, toPem('CERTIFICATE', signer.der));
});
after(() => hub.stop());

describe('sealtrust trust-list', () => {
  it('fetches the first list with --signers, then only goes forward', async () => {
    const now = new Date();
    const one = nextTrustList(undefined, testTrustListDraft(), {
      now,
      nextUpdate: new Date(now.getTime() + 7 * DAY),
      signers: [signer.der.toString('base64')],
    });
    const first = await hub.publish(one, signer);
    const noSigners = await runCli(['trust-list', 'fetch', '--url', hub.url, '--cache', cache]);
    assert.equal(noSigners.code, 2, noSigners.stderr);
    const r = await runCli(['trust-list', 'fetch', '--url', hub.url, '--cache', cache, '--signers', signers]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /#1 .*valid/);
    assert.ok(readFileSync(join(cache, 'list.json')).equals(first.bytes));
    assert.equal((await runCli(['trust-list', 'fetch', '--url', hub.url, '--cache', cache])).code, 0);

    const two = nextTrustList(one, testTrustListDraft('浙江省 2'), {
      now,
      nextUpdate: new Date(now.getTime() + 7 * DAY),
      signers: [signer.der.toString('base64')],
    });
    const second = await hub.publish(two, signer);
    assert.equal((await runCli(['trust-list', 'fetch', '--url', hub.url, '--cache', cache])).code, 0);
    // The hub (or someone in the middle) serves list 1 again: refused, the cache keeps list 2.
    hub.serve(first.bytes, first.p7s);
    const back = await runCli(['trust-list', 'fetch', '--url', hub.url, '--cache', cache]);
    assert.equal(back.code, 1);
    assert.match(back.stderr, /ROLLBACK/);
    assert.ok(readFileSync(join(cache, 'list.json')).equals(second.bytes));
    const show = await runCli(['trust-list', 'show', '--cache', cache]);
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /#2/);
  });

  it('refuses a tampered cache', async () => {
    const bytes = readFileSync(join(cache, 'list.json'));
    writeFileSync(
      join(cache, 'list.json'),
      Buffer.from(bytes.toString('utf8').replace('浙江省 2', '浙江省 9')),
    );
    const show = await runCli(['trust-list', 'show', '--cache', cache]);
    assert.equal(show.code, 1);
    assert.match(show.stderr, /invalid/);
    assert.doesNotMatch(show.stderr, /\n\s+at /, 'no stack trace');
  });
});
