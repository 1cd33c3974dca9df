import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';

import { DEV_KEYS_PASSPHRASE, PROJECT_ROOT } from '../../../src/config.js';
import { loadCaNode } from '../../../src/service/ca/ca-node.js';
import {
  hasLogSigner,
  logNoteSigner,
  logVerifierKey,
  trustListSigner,
  witnessCosigner,
  witnessName,
  witnessVerifierKey,
} from '../../../src/service/federation/node-log-keys.js';
import { ServiceError } from '../../../src/service/service-error.js';
import { formatCheckpoint } from '../../../src/tlog/checkpoint.js';
import { cosignatureVerifierFromKey } from '../../../src/tlog/cosignature.js';
import { addSignatures, parseNote, signNote } from '../../../src/tlog/signed-note.js';
import { openCheckpoint } from '../../../src/tlog/signed-checkpoint.js';
import { parseVerifierKey, sm2NoteVerifierFromKey } from '../../../src/tlog/sm2-note-key.js';
import { openssl, scratchDir, sm2VerifyArgs } from '../../helpers/openssl.js';
import { runCli } from '../../helpers/run-cli.js';
import { DEV_KEYS_DIR, PROFILES_DIR } from '../../helpers/test-server.js';

const tmp = scratchDir('sealtrust-log-keys-');
after(() => tmp.cleanup());

const ORIGIN = 'sealtrust.org.cn/33';
const text = formatCheckpoint({ origin: ORIGIN, size: 5, rootHash: Buffer.alloc(32, 7), extensions: [] });

test('the development node signs checkpoints with its log key and cosigns them with its witness key', () => {
  const node = loadCaNode(DEV_KEYS_DIR, DEV_KEYS_PASSPHRASE, PROFILES_DIR, 'http://127.0.0.1:8080');
  assert.ok(hasLogSigner(node));
  const vkey = logVerifierKey(node, ORIGIN);
  assert.equal(parseVerifierKey(vkey).name, ORIGIN);
  const signed = signNote(text, [logNoteSigner(node, ORIGIN)]);

  const wname = witnessName('sealtrust.org.cn/00');
  const wkey = witnessVerifierKey(node, wname);
  assert.ok(wkey);
  const cosigner = witnessCosigner(node, wname, () => 1_798_761_600);
  assert.ok(cosigner);
  const cosigned = addSignatures(signed, [
    { name: cosigner.name, keyId: cosigner.keyId, signature: cosigner.sign(Buffer.from(text)) },
  ]);
  const opened = openCheckpoint(
    cosigned,
    ORIGIN,
    [sm2NoteVerifierFromKey(vkey)],
    [cosignatureVerifierFromKey(wkey)],
  );
  assert.equal(opened.checkpoint.size, 5);
  assert.deepEqual(
    opened.witnessedBy.map((w) => [w.name, w.timestamp]),
    [[wname, 1_798_761_600]],
  );
  // The log key and the witness key are distinct keys: one cannot stand in for the other.
  assert.notDeepEqual(parseVerifierKey(vkey).publicKey, parseVerifierKey(wkey).publicKey);
  // So is the trust-list signer (federation.md §2.8), certified by the same issuing CA.
  const tls = trustListSigner(node);
  assert.ok(tls);
  assert.equal(tls, node.defaultCa.trustListSigner);
  assert.deepEqual(tls.cert.policies, ['2.25.331378933073741540232787376587029394141.4.3']);
  assert.equal(tls.cert.issuerDer.equals(node.defaultCa.ca.cert.subjectDer), true);
  for (const other of [vkey, wkey])
    assert.notDeepEqual(parseVerifierKey(other).publicKey, tls.cert.publicKey);
});

test('keys from before the log load as before; add-keys issues the log, witness and trust-list keys the config names', async () => {
  const dir = join(tmp.dir, 'old');
  cpSync(DEV_KEYS_DIR, dir, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(dir, 'node.json'), 'utf8')) as {
    issuingCas: Record<string, unknown>[];
  };
  for (const ic of manifest.issuingCas) {
    delete ic.logSigner;
    delete ic.witness;
    delete ic.trustListSigner;
  }
  writeFileSync(join(dir, 'node.json'), JSON.stringify(manifest));
  const old = loadCaNode(dir, DEV_KEYS_PASSPHRASE, PROFILES_DIR, 'http://127.0.0.1:8080');
  assert.equal(hasLogSigner(old), false);
  assert.throws(
    () => logNoteSigner(old, ORIGIN),
    (e: unknown) => e instanceof ServiceError && e.code === 'log-signer-missing',
  );
  assert.equal(witnessCosigner(old, 'x/witness'), undefined);
  assert.equal(witnessVerifierKey(old, 'x/witness'), undefined);
  assert.equal(trustListSigner(old), undefined);

  const env = { SEALTRUST_CA_PASSPHRASE: DEV_KEYS_PASSPHRASE };
  const add = await runCli(
    ['ca', 'add-keys', '--config', join(PROJECT_ROOT, 'ca', 'dev.json'), '--keys', dir],
    { env },
  );
  assert.equal(add.code, 0, add.stderr);
  assert.match(add.stdout, /dev-ca-log-signer, dev-ca-witness, dev-ca-trust-list-signer/);
  const again = await runCli(
    ['ca', 'add-keys', '--config', join(PROJECT_ROOT, 'ca', 'dev.json'), '--keys', dir],
    { env },
  );
  assert.match(again.stdout, /nothing to add/);
  const node = loadCaNode(dir, DEV_KEYS_PASSPHRASE, PROFILES_DIR, 'http://127.0.0.1:8080');
  assert.ok(hasLogSigner(node));
  assert.ok(witnessVerifierKey(node, 'x/witness'));
  assert.ok(trustListSigner(node));
  // The CA it already had signed them.
  assert.equal(node.defaultCa.logSigner?.cert.issuerDer.equals(node.defaultCa.ca.cert.subjectDer), true);
  assert.equal(trustListSigner(node)?.cert.issuerDer.equals(node.defaultCa.ca.cert.subjectDer), true);
});

test('ca init for a hub: log-signer, witness and trust-list signer certificates from their profiles, naming the operator', async () => {
  const out = join(tmp.dir, 'hub');
  const env = { SEALTRUST_CA_PASSPHRASE: 'hub ceremony passphrase' };
  const r = await runCli(
    ['ca', 'init', '--config', join(PROJECT_ROOT, 'ca', 'example-hub.json'), '--out', out],
    { env },
  );
  assert.equal(r.code, 0, r.stderr);
  for (const [file, policy] of [
    ['hub-ca-log-signer.crt.pem', '4.1'],
    ['hub-ca-witness.crt.pem', '4.2'],
    ['hub-ca-trust-list-signer.crt.pem', '4.3'],
  ] as const) {
    const t = (await openssl(['x509', '-in', join(out, file), '-noout', '-text', '-nameopt', 'utf8'])).stdout;
    assert.match(
      t,
      new RegExp(`Policy: 2\\.25\\.331378933073741540232787376587029394141\\.${policy.replace('.', '\\.')}`),
    );
    assert.match(t, /organizationIdentifier *= *12100000MB0000000L/);
    assert.match(t, /O *= *国家政务服务平台信任服务中心/);
  }
  for (const key of [
    'hub-ca-log-signer.key.pem',
    'hub-ca-witness.key.pem',
    'hub-ca-trust-list-signer.key.pem',
  ]) {
    assert.match(readFileSync(join(out, key), 'utf8'), /BEGIN ENCRYPTED PRIVATE KEY/);
  }

  // `ca vkeys` prints what the provinces and the hub configure; it never prints a private key.
  const vk = await runCli(['ca', 'vkeys', '--json'], {
    env: { ...env, SEALTRUST_KEYS_DIR: out, SEALTRUST_NODE_ID: '00', SEALTRUST_LOG_ORIGIN: '' },
  });
  assert.equal(vk.code, 0, vk.stderr);
  const keys = JSON.parse(vk.stdout) as Record<string, string>;
  assert.equal(keys.origin, 'sealtrust.org.cn/00');
  assert.equal(keys.witnessName, 'sealtrust.org.cn/00/witness');
  assert.equal(parseVerifierKey(keys.logVkey!).name, 'sealtrust.org.cn/00');
  assert.equal(parseVerifierKey(keys.witnessVkey!).name, 'sealtrust.org.cn/00/witness');
  assert.doesNotMatch(vk.stdout + vk.stderr, /PRIVATE KEY/);

  // The trust-list signer (federation.md §2.8) names the operator and signs, non-repudiably, nothing else.
  const tlsText = (
    await openssl([
      'x509',
      '-in',
      join(out, 'hub-ca-trust-list-signer.crt.pem'),
      '-noout',
      '-text',
      '-nameopt',
      'utf8',
    ])
  ).stdout;
  assert.match(tlsText, /CN *= *国家政务服务平台信任服务中心 信任列表签名/);
  assert.match(tlsText, /Key Usage: critical\s*\n\s*Digital Signature, Non Repudiation\n/);
  assert.doesNotMatch(tlsText, /Extended Key Usage|CA:TRUE/);

  // An independent verifier (OpenSSL) checks a checkpoint signature with the certificate's public key.
  const node = loadCaNode(out, env.SEALTRUST_CA_PASSPHRASE, PROFILES_DIR, 'http://127.0.0.1');
  assert.equal(trustListSigner(node), node.issuingCas.get('hub-ca')?.trustListSigner);
  assert.ok(trustListSigner(node));
  const hubText = formatCheckpoint({
    origin: 'sealtrust.org.cn/00',
    size: 1,
    rootHash: Buffer.alloc(32, 1),
    extensions: [],
  });
  const note = parseNote(signNote(hubText, [logNoteSigner(node, 'sealtrust.org.cn/00')]));
  const sig = note.signatures[0]!.signature;
  writeFileSync(tmp.file('cp.txt'), hubText);
  writeFileSync(tmp.file('cp.sig'), sig);
  const pub = tmp.file('log.pub.pem');
  assert.equal(
    (await openssl(['x509', '-in', join(out, 'hub-ca-log-signer.crt.pem'), '-pubkey', '-noout', '-out', pub]))
      .code,
    0,
  );
  const v = await openssl(sm2VerifyArgs(pub, tmp.file('cp.txt'), tmp.file('cp.sig')));
  assert.equal(v.code, 0, v.stderr);
});
