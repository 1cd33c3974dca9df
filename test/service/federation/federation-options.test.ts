import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadFederationConfig } from '../../../src/config.js';
import { federationServiceOptions } from '../../../src/service/federation/federation-options.js';
import { TestLog, testWitnessKey } from './witness-fixture.js';

const log = new TestLog('sealtrust.org.cn/33');
const keys = { logSigner: log.signer, logVerifierKey: log.vkey };
const tree = { integratedTree: log.tree, consistencyProof: log.consistencyProof };

describe('federationServiceOptions', () => {
  it('a single node publishes only with the development switch, and has no witness', () => {
    const single = federationServiceOptions(loadFederationConfig({ SEALTRUST_NODE_ID: '33' }), keys, tree);
    assert.equal(single.witness, undefined);
    assert.equal(single.tlogPublishing?.hub, undefined);
    assert.equal(single.tlogPublishing?.publishUnwitnessed, false);
    assert.equal(single.tlogPublishing?.origin, 'sealtrust.org.cn/33');
  });

  it('a province with a hub collects its cosignature; the hub witnesses with its key', () => {
    const w = testWitnessKey();
    const province = federationServiceOptions(
      loadFederationConfig({
        SEALTRUST_NODE_ID: '33',
        SEALTRUST_HUB_URL: 'http://hub.example/',
        SEALTRUST_HUB_WITNESS_KEY: w.vkey,
      }),
      keys,
      tree,
    );
    assert.deepEqual(province.tlogPublishing?.hub, { url: 'http://hub.example', witnessKey: w.vkey });
    const hub = federationServiceOptions(
      loadFederationConfig({ SEALTRUST_NODE_ID: '00', SEALTRUST_ROLE: 'hub' }),
      { witnessCosigner: w.signer },
      undefined,
    );
    assert.equal(hub.witness?.cosigner.name, w.name);
    assert.equal(hub.tlogPublishing, undefined);
  });
});
