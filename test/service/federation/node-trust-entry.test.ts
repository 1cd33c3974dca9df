// What a node submits for the national trust list (federation.md §2.8 "nodes"), built from its own keys: every
// certificate of its services, its endpoints, and its log keys, a rotated one listed withdrawn from its
// retirement so that checkpoints it signed before stay evidence (§5.4).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEV_KEYS_PASSPHRASE } from '../../../src/config.js';
import { sm3Hex } from '../../../src/crypto/sm3.js';
import { loadCaNode, type CaNode } from '../../../src/service/ca/ca-node.js';
import { logVerifierKeyOf } from '../../../src/service/federation/node-log-keys.js';
import { nodeTrustEntry } from '../../../src/service/federation/node-trust-entry.js';
import { DEV_KEYS_DIR, PROFILES_DIR } from '../../helpers/test-server.js';

const ORIGIN = 'sealtrust.org.cn/33';
const SINCE = new Date('2026-12-01T00:00:00.000Z');
const input = {
  nodeId: '33',
  kind: 'province' as const,
  name: '浙江省',
  regionCode: '330000',
  publicUrl: 'https://zj.sealtrust.example/',
  logOrigin: ORIGIN,
  since: SINCE,
};
const node = loadCaNode(DEV_KEYS_DIR, DEV_KEYS_PASSPHRASE, PROFILES_DIR, 'https://zj.sealtrust.example');

describe('a node’s trust-list entry', () => {
  it('lists its CA, OCSP, TSA and seal-maker certificates, its endpoints and its one active log key', () => {
    const e = nodeTrustEntry(node, input);
    assert.equal(e.status, 'active');
    assert.deepEqual(e.endpoints, {
      base: 'https://zj.sealtrust.example',
      tlog: 'https://zj.sealtrust.example/tlog/',
      ocsp: 'https://zj.sealtrust.example/ocsp',
      tsa: 'https://zj.sealtrust.example/tsa',
    });
    const ca = node.defaultCa;
    const listed = new Map(e.services.map((s) => [s.type, s]));
    assert.equal(listed.get('root-ca')?.sm3, sm3Hex(node.root.cert.der));
    assert.equal(listed.get('issuing-ca')?.sm3, sm3Hex(ca.ca.cert.der));
    assert.equal(listed.get('ocsp-responder')?.sm3, sm3Hex(ca.ocspResponder.cert.der));
    if (ca.tsa) assert.equal(listed.get('tsa')?.sm3, sm3Hex(ca.tsa.cert.der));
    if (ca.sealMaker) assert.equal(listed.get('seal-maker')?.sm3, sm3Hex(ca.sealMaker.cert.der));
    assert.deepEqual(
      e.log.keys.map((k) => [k.vkey, k.status, k.since]),
      [[logVerifierKeyOf(ca.logSigner!.cert.publicKey, ORIGIN), 'active', '2026-12-01T00:00:00Z']],
    );
  });

  it('after a rotation: the retired key withdrawn from its retirement, the current one active since then', () => {
    const retiredAt = new Date('2026-12-03T08:00:00.000Z');
    // Any other certificate's public key stands in for the key the current log signer replaced.
    const old = node.defaultCa.ocspResponder.cert;
    const rotated: CaNode = {
      ...node,
      defaultCa: { ...node.defaultCa, retiredLogSigners: [{ cert: old, retiredAt }] },
    };
    const e = nodeTrustEntry(rotated, input);
    assert.deepEqual(
      e.log.keys.map((k) => [k.vkey, k.status, k.since]),
      [
        [logVerifierKeyOf(old.publicKey, ORIGIN), 'withdrawn', '2026-12-03T08:00:00Z'],
        [
          logVerifierKeyOf(node.defaultCa.logSigner!.cert.publicKey, ORIGIN),
          'active',
          '2026-12-03T08:00:00Z',
        ],
      ],
    );
  });
});
