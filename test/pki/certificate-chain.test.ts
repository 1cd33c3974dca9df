import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fromPem } from '../../src/crypto/pem.js';
import { generateSm2KeyPair, type Sm2KeyPair } from '../../src/crypto/sm2.js';
import { PROJECT_ROOT } from '../../src/config.js';
import { parseCertificate, type CertificateInfo } from '../../src/pki/certificate.js';
import { buildCertificate, randomSerial } from '../../src/pki/certificate-builder.js';
import { clearChainCache, validateChain } from '../../src/pki/certificate-chain.js';
import {
  authorityKeyIdentifierExtension,
  basicConstraintsExtension,
  keyIdentifier,
  keyUsageExtension,
  subjectKeyIdentifierExtension,
  type KeyUsageName,
} from '../../src/pki/certificate-extensions.js';
import { encodeName } from '../../src/pki/distinguished-name.js';

const DAY = 86_400_000;
const NOW = new Date();

interface Issued {
  key: Sm2KeyPair;
  name: Buffer;
  info: CertificateInfo;
}

function issue(
  cn: string,
  issuer: Issued | null,
  o: {
    ca?: boolean;
    pathLen?: number;
    usage?: KeyUsageName[];
    notBefore?: Date;
    notAfter?: Date;
    signWith?: Uint8Array;
    noBasicConstraints?: boolean;
    key?: Sm2KeyPair;
  } = {},
): Issued {
  const key = o.key ?? generateSm2KeyPair();
  const name = encodeName({ C: 'CN', O: 'SealTrust 测试', CN: cn });
  const ca = o.ca ?? false;
  const der = buildCertificate(
    {
      serial: randomSerial(),
      subject: name,
      issuer: issuer ? issuer.name : name,
      publicKey: key.publicKey,
      notBefore: o.notBefore ?? new Date(NOW.getTime() - DAY),
      notAfter: o.notAfter ?? new Date(NOW.getTime() + 365 * DAY),
      extensions: [
        ...(o.noBasicConstraints ? [] : [basicConstraintsExtension(ca, o.pathLen)]),
        keyUsageExtension(
          o.usage ?? (ca ? ['digitalSignature', 'keyCertSign', 'cRLSign'] : ['digitalSignature']),
        ),
        subjectKeyIdentifierExtension(key.publicKey),
        ...(issuer ? [authorityKeyIdentifierExtension(keyIdentifier(issuer.key.publicKey))] : []),
      ],
    },
    o.signWith ?? (issuer ?? { key }).key.privateKey,
  );
  return { key, name, info: parseCertificate(der) };
}

const root = issue('测试根 CA', null, { ca: true, pathLen: 1 });
const inter = issue('测试签发 CA', root, { ca: true, pathLen: 0 });
const leaf = issue('测试印章签章者', inter);

describe('validateChain', () => {
  it('root → intermediate → leaf passes, leaf first, anchor last', () => {
    const r = validateChain(leaf.info, { anchors: [root.info], intermediates: [inter.info], at: NOW });
    assert.equal(r.status, 'passed', r.messageEn);
    assert.equal(r.code, 'CHAIN_VALID');
    assert.deepEqual(
      r.chain.map((c) => c.subject),
      [leaf.info.subject, inter.info.subject, root.info.subject],
    );
    assert.match(r.message, /证书链有效/);
    // Again, served by the link cache, same verdict.
    assert.equal(
      validateChain(leaf.info, { anchors: [root.info], intermediates: [inter.info], at: NOW }).status,
      'passed',
    );
  });

  it('the anchor itself and an intermediate anchor are fine', () => {
    assert.equal(validateChain(root.info, { anchors: [root.info], at: NOW }).status, 'passed');
    const r = validateChain(leaf.info, { anchors: [inter.info], at: NOW });
    assert.equal(r.status, 'passed');
    assert.equal(r.chain.length, 2);
  });

  it('expired and not-yet-valid certificates fail with the time in the message', () => {
    const later = new Date(NOW.getTime() + 400 * DAY);
    const r = validateChain(leaf.info, { anchors: [root.info], intermediates: [inter.info], at: later });
    assert.equal(r.status, 'failed');
    assert.equal(r.code, 'EXPIRED');
    assert.equal(r.failedAt, 0);
    assert.match(r.message, /证书已过期/);
    const early = new Date(NOW.getTime() - 2 * DAY);
    const e = validateChain(leaf.info, { anchors: [root.info], intermediates: [inter.info], at: early });
    assert.equal(e.code, 'NOT_YET_VALID');
    const oldInter = issue('过期 CA', root, { ca: true, notAfter: new Date(NOW.getTime() - 1000) });
    const l2 = issue('签章者', oldInter);
    const r2 = validateChain(l2.info, { anchors: [root.info], intermediates: [oldInter.info], at: NOW });
    assert.equal(r2.code, 'EXPIRED');
    assert.equal(r2.failedAt, 1);
  });

  it('a certificate not signed by its named issuer fails CERT_SIGNATURE_INVALID', () => {
    const forged = issue('伪造签章者', inter, { signWith: generateSm2KeyPair().privateKey });
    const r = validateChain(forged.info, { anchors: [root.info], intermediates: [inter.info], at: NOW });
    assert.equal(r.status, 'failed');
    assert.equal(r.code, 'CERT_SIGNATURE_INVALID');
    assert.equal(r.failedAt, 0);
    // A forged intermediate is caught one level up.
    const badInter = issue('测试签发 CA', root, { ca: true, signWith: generateSm2KeyPair().privateKey });
    const l = issue('签章者', badInter);
    const r2 = validateChain(l.info, { anchors: [root.info], intermediates: [badInter.info], at: NOW });
    assert.equal(r2.code, 'CERT_SIGNATURE_INVALID');
    assert.equal(r2.failedAt, 1);
  });

  it('a missing intermediate, no anchors, or a self-signed non-anchor: INDETERMINATE NO_CERTIFICATE_CHAIN_FOUND', () => {
    const r = validateChain(leaf.info, { anchors: [root.info], at: NOW });
    assert.equal(r.status, 'indeterminate');
    assert.equal(r.code, 'NO_CERTIFICATE_CHAIN_FOUND');
    assert.deepEqual(r.chain, [leaf.info]);
    assert.equal(
      validateChain(leaf.info, { anchors: [], intermediates: [inter.info], at: NOW }).code,
      'NO_CERTIFICATE_CHAIN_FOUND',
    );
    const self = issue('自签名', null, { ca: true });
    const s = validateChain(self.info, { anchors: [root.info], intermediates: [self.info], at: NOW });
    assert.equal(s.code, 'NO_CERTIFICATE_CHAIN_FOUND');
    assert.match(s.message, /自签名/);
  });

  it('an issuer without cA, without keyCertSign, or beyond its pathLen fails', () => {
    const notCa = issue('普通证书', root, { ca: false });
    const l1 = issue('签章者', notCa);
    const r1 = validateChain(l1.info, { anchors: [root.info], intermediates: [notCa.info], at: NOW });
    assert.equal(r1.code, 'ISSUER_NOT_CA');
    const noBc = issue('无基本约束', root, {
      noBasicConstraints: true,
      usage: ['digitalSignature', 'keyCertSign'],
    });
    assert.equal(
      validateChain(issue('x', noBc).info, { anchors: [root.info], intermediates: [noBc.info], at: NOW })
        .code,
      'ISSUER_NOT_CA',
    );
    const noSign = issue('无证书签名用法', root, { ca: true, usage: ['digitalSignature', 'cRLSign'] });
    const r2 = validateChain(issue('y', noSign).info, {
      anchors: [root.info],
      intermediates: [noSign.info],
      at: NOW,
    });
    assert.equal(r2.code, 'ISSUER_NO_KEY_CERT_SIGN');
    // inter has pathLen 0: a CA below it exceeds it.
    const sub = issue('二级 CA', inter, { ca: true });
    const l3 = issue('签章者', sub);
    const r3 = validateChain(l3.info, {
      anchors: [root.info],
      intermediates: [inter.info, sub.info],
      at: NOW,
    });
    assert.equal(r3.status, 'failed');
    assert.equal(r3.code, 'PATH_LENGTH_EXCEEDED');
    assert.equal(r3.failedAt, 2);
    assert.equal(r3.chain.length, 4);
  });

  it('loops between cross-certified CAs end, and depth is bounded', () => {
    // A and B certify each other; neither reaches the anchor.
    const aKey = issue('交叉 A', null, { ca: true });
    const bKey = issue('交叉 B', null, { ca: true });
    const aByB = issue('交叉 A', bKey, { ca: true });
    const bByA = issue('交叉 B', aKey, { ca: true });
    const l = issue('签章者', aByB);
    const r = validateChain(l.info, { anchors: [root.info], intermediates: [aByB.info, bByA.info], at: NOW });
    assert.equal(r.code, 'NO_CERTIFICATE_CHAIN_FOUND');
    // A path longer than maxDepth is not followed.
    const r2 = validateChain(leaf.info, {
      anchors: [root.info],
      intermediates: [inter.info],
      at: NOW,
      maxDepth: 2,
    });
    assert.equal(r2.code, 'NO_CERTIFICATE_CHAIN_FOUND');
  });

  it('picks the valid path when several candidate issuers share a name and key', () => {
    clearChainCache();
    // The CA's previous certificate for the same key, now expired, listed first.
    const renewedFrom = issue('测试签发 CA', root, {
      ca: true,
      key: inter.key,
      notBefore: new Date(NOW.getTime() - 800 * DAY),
      notAfter: new Date(NOW.getTime() - 400 * DAY),
    });
    const r = validateChain(leaf.info, {
      anchors: [root.info],
      intermediates: [renewedFrom.info, inter.info],
      at: NOW,
    });
    assert.equal(r.status, 'passed', r.messageEn);
    assert.equal(r.chain[1]!.der, inter.info.der);
    // Only the expired one: that path's failure is reported.
    const r2 = validateChain(leaf.info, { anchors: [root.info], intermediates: [renewedFrom.info], at: NOW });
    assert.equal(r2.code, 'EXPIRED');
  });

  it('the committed development hierarchy chains: dev-ca → root', () => {
    const load = (f: string) =>
      parseCertificate(fromPem(readFileSync(join(PROJECT_ROOT, 'keys-dev', f), 'utf8'), ['CERTIFICATE']).der);
    const devRoot = load('root.crt.pem');
    const devCa = load('dev-ca.crt.pem');
    const at = new Date(Math.max(devCa.notBefore.getTime(), NOW.getTime()));
    const r = validateChain(devCa, { anchors: [devRoot], at });
    assert.equal(r.status, 'passed', r.messageEn);
    const tsa = load('dev-ca-tsa.crt.pem');
    const t = validateChain(tsa, { anchors: [devRoot], intermediates: [devCa], at });
    assert.equal(t.status, 'passed', t.messageEn);
    assert.equal(t.chain.length, 3);
  });
});
