// A log key's certificate in a node's trust-list entry must vouch for that key (federation.md §2.8): the hub
// refuses every pairing an operator could get wrong or an attacker could try — another key, another node's CA, a
// certificate made for another purpose, one not valid when listed — and lets the node's own entry through.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEV_KEYS_PASSPHRASE } from '../../src/config.js';
import { SEALTRUST_POLICY } from '../../src/pki/sealtrust-policies.js';
import { loadCaNode } from '../../src/service/ca/ca-node.js';
import { logVerifierKeyOf } from '../../src/service/federation/node-log-keys.js';
import { nodeTrustEntry } from '../../src/service/federation/node-trust-entry.js';
import {
  logKeyCertificateProblems,
  logKeyCertificateSerials,
  revokedLogKeyFindings,
  type LoggedCertificate,
} from '../../src/trust-list/log-key-certificate.js';
import type { TrustListNode } from '../../src/trust-list/trust-list.js';
import { DEV_KEYS_DIR, PROFILES_DIR } from '../helpers/test-server.js';
import { issueTestCertificate } from '../helpers/test-pki.js';

const ORIGIN = 'sealtrust.org.cn/33';
const node = loadCaNode(DEV_KEYS_DIR, DEV_KEYS_PASSPHRASE, PROFILES_DIR, 'https://zj.sealtrust.example');
const logCert = node.defaultCa.logSigner!.cert;
const entry = nodeTrustEntry(node, {
  nodeId: '33',
  kind: 'province',
  name: '浙江省',
  regionCode: '330000',
  publicUrl: 'https://zj.sealtrust.example',
  logOrigin: ORIGIN,
  since: node.root.cert.notBefore,
});
const now = new Date();
const b64 = (der: Uint8Array) => Buffer.from(der).toString('base64');

/** `entry` with its one log key replaced. */
function withKey(key: Partial<TrustListNode['log']['keys'][number]>, base = entry): TrustListNode {
  return { ...base, log: { ...base.log, keys: [{ ...base.log.keys[0]!, ...key }] } };
}
const codes = (n: TrustListNode, at = now) => logKeyCertificateProblems(n, at).map((p) => p.code);

describe('a log key and its certificate', () => {
  it("the node's own entry: its log signer certificate, under its issuing CA, for its key", () => {
    assert.ok(entry.log.keys[0]!.certificate, 'the entry carries the certificate');
    assert.deepEqual(codes(entry), []);
    assert.deepEqual(codes(withKey({ certificate: undefined, vkey: 'not even a key' })), [], 'none given');
  });

  it('a certificate of another key', () => {
    const other = logVerifierKeyOf(node.defaultCa.ocspResponder.cert.publicKey, ORIGIN);
    const [p] = logKeyCertificateProblems(withKey({ vkey: other }), now);
    assert.equal(p?.code, 'KEY_MISMATCH');
    assert.equal(p?.key, 0);
    assert.match(p!.message, /证书所认证的公钥不是该日志密钥 \/ the certificate certifies another key/);
  });

  it('a certificate made for another purpose, even of the very key', () => {
    const maker = node.defaultCa.sealMaker!.cert;
    assert.deepEqual(
      codes(withKey({ vkey: logVerifierKeyOf(maker.publicKey, ORIGIN), certificate: b64(maker.der) })),
      ['WRONG_PURPOSE'],
    );
    const ca = node.defaultCa.ca.cert;
    assert.deepEqual(
      codes(withKey({ vkey: logVerifierKeyOf(ca.publicKey, ORIGIN), certificate: b64(ca.der) })),
      ['WRONG_PURPOSE'],
    );
  });

  it('a log signer certificate from a CA that is not this node’s', () => {
    const root = issueTestCertificate('别处的根', null, { ca: true });
    const foreign = issueTestCertificate('别处的日志签名', root, { policies: [SEALTRUST_POLICY.logSigner] });
    const pair = { vkey: logVerifierKeyOf(foreign.key.publicKey, ORIGIN), certificate: b64(foreign.der) };
    assert.deepEqual(codes(withKey(pair)), ['CHAIN_INVALID']);
    // …and the node's own certificate once the node lists no CA of its own.
    assert.deepEqual(codes({ ...entry, services: [] }), ['CHAIN_INVALID']);
  });

  it('an active key is judged now; a withdrawn one when it was withdrawn', () => {
    const later = new Date(logCert.notAfter.getTime() + 1);
    assert.deepEqual(codes(entry, later), ['CHAIN_INVALID'], 'expired: no longer listed as active');
    const withdrawn = withKey({ status: 'withdrawn', since: now.toISOString() });
    assert.deepEqual(codes(withdrawn, later), [], 'its checkpoints before withdrawal still count');
    const beforeIssue = new Date(logCert.notBefore.getTime() - 86_400_000).toISOString();
    assert.deepEqual(codes(withKey({ status: 'withdrawn', since: beforeIssue })), ['CHAIN_INVALID']);
  });

  it('bytes that are no certificate, and a key that is no vkey', () => {
    assert.deepEqual(codes(withKey({ certificate: b64(Buffer.from('not a certificate')) })), [
      'CERT_UNPARSEABLE',
    ]);
    assert.deepEqual(codes(withKey({ vkey: 'k' })), ['VKEY_UNPARSEABLE']);
  });
});

describe('a log key its own node revoked', () => {
  const serial = logCert.serialHex;
  const state = (s: Partial<LoggedCertificate>): LoggedCertificate => ({
    status: 'revoked',
    revokedAt: new Date('2027-03-01T00:00:00.000Z'),
    invalidityDate: null,
    reason: 'keyCompromise',
    ...s,
  });
  /** Findings when node 33's log says `c` of the serial asked for (nothing for any other). */
  const findings = (n: TrustListNode, c: LoggedCertificate | undefined) =>
    revokedLogKeyFindings([n], (nodeId, asked) => (nodeId === '33' && asked === serial ? c : undefined));

  it('names the serial as the directory log does', () => {
    assert.deepEqual(logKeyCertificateSerials([entry]), [{ nodeId: '33', key: 0, serial }]);
    assert.match(serial, /^[0-9A-F]+$/);
    assert.deepEqual(
      logKeyCertificateSerials([withKey({ certificate: 'AAAA' })]),
      [],
      'unparseable: not asked',
    );
  });

  it('an active key whose certificate is revoked or on hold; not one in good standing or unknown', () => {
    const [p] = findings(entry, state({}));
    assert.equal(p?.code, 'REVOKED');
    assert.equal(p?.nodeId, '33');
    assert.equal(p?.expiring, false);
    assert.match(
      p!.message,
      new RegExp(`日志密钥证书 ${serial} 已被该节点吊销 \\(2027-03-01T00:00:00.000Z\\)`),
    );
    assert.match(p!.message, /: keyCompromise$/);
    assert.match(findings(entry, state({ status: 'hold', revokedAt: null }))[0]!.message, /put on hold/);
    assert.deepEqual(findings(entry, state({ status: 'good', revokedAt: null, reason: null })), []);
    assert.deepEqual(findings(entry, undefined), []);
  });

  it('a withdrawn key only when compromised before it was withdrawn', () => {
    const retired = withKey({ status: 'withdrawn', since: '2027-02-01T00:00:00.000Z' });
    assert.deepEqual(findings(retired, state({})), [], 'revoked after it retired');
    assert.deepEqual(findings(retired, state({ status: 'hold', revokedAt: null })), []);
    // Revoked after the withdrawal, but invalid since before it: its checkpoints since then are in doubt.
    const early = state({ invalidityDate: new Date('2027-01-15T00:00:00.000Z') });
    assert.deepEqual(
      findings(retired, early).map((p) => p.code),
      ['REVOKED'],
    );
    assert.match(findings(retired, early)[0]!.message, /2027-01-15T00:00:00.000Z/);
  });
});
