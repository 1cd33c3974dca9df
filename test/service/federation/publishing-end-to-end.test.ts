// The whole path on real parts (federation.md §3.2): a province's audited change appends a leaf, its integrator
// builds the tree, its publisher (wired by createServices from the federation settings and the node's log key)
// has the hub's witness (another app, over HTTP, with its witness key) cosign, and only then are the checkpoint
// and proofs served.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadFederationConfig } from '../../../src/config.js';
import {
  logVerifierKey,
  witnessName,
  witnessVerifierKey,
} from '../../../src/service/federation/node-log-keys.js';
import { CheckpointVerifier } from '../../../src/tlog/checkpoint-verifier.js';
import { cosignatureVerifierFromKey } from '../../../src/tlog/cosignature.js';
import { sm2NoteVerifierFromKey } from '../../../src/tlog/sm2-note-key.js';
import { startTestServer, type TestServer } from '../../helpers/test-server.js';

const dir = mkdtempSync(join(tmpdir(), 'sealtrust-fed-'));
const PROVINCE_ORIGIN = 'zj.sealtrust.test/directory';
const HUB_ORIGIN = 'hub.sealtrust.test/directory';
let hub: TestServer | undefined;
let province: TestServer | undefined;
after(async () => {
  await province?.stop();
  await hub?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 600; i++) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('a province publishes what the hub witnessed', () => {
  it('signs, gets the cosignature over HTTP, then serves the checkpoint and proofs up to it', async () => {
    // Both apps run on the development keys, which hold a log-signer key and a witness key.
    hub = await startTestServer({
      services: {
        productionWorkers: 0,
        federation: loadFederationConfig({ SEALTRUST_ROLE: 'hub', SEALTRUST_LOG_ORIGIN: HUB_ORIGIN }),
      },
    });
    const logVkey = logVerifierKey(hub.node, PROVINCE_ORIGIN);
    const hubWitnessVkey = witnessVerifierKey(hub.node, witnessName(HUB_ORIGIN));
    assert.ok(hubWitnessVkey);
    await hub.stop();
    const nodes = join(dir, 'nodes.json');
    writeFileSync(
      nodes,
      JSON.stringify([{ nodeId: '33', origin: PROVINCE_ORIGIN, vkey: logVkey, url: 'http://127.0.0.1:1' }]),
    );
    hub = await startTestServer({
      services: {
        productionWorkers: 0,
        federation: loadFederationConfig({
          SEALTRUST_ROLE: 'hub',
          SEALTRUST_LOG_ORIGIN: HUB_ORIGIN,
          SEALTRUST_FED_NODES: nodes,
        }),
      },
    });
    assert.ok(hub.services.witness, 'the hub witnesses with its witness key');
    province = await startTestServer({
      services: {
        productionWorkers: 0,
        tlogPollMs: 50,
        federation: loadFederationConfig({
          SEALTRUST_NODE_ID: '33',
          SEALTRUST_LOG_ORIGIN: PROVINCE_ORIGIN,
          SEALTRUST_HUB_URL: hub.url,
          SEALTRUST_HUB_WITNESS_KEY: hubWitnessVkey,
          SEALTRUST_TLOG_CHECKPOINT_MS: '100',
        }),
      },
    });
    assert.ok(province.services.tlogPublisher, 'the province publishes with its log key');
    await province.agency('浙江省市场监督管理局', '113300000024821899', '330000');
    await province.agency('杭州市市场监督管理局', '113301000024902776', '330100');
    const verifier = new CheckpointVerifier({
      origin: PROVINCE_ORIGIN,
      logVerifiers: [sm2NoteVerifierFromKey(logVkey)],
      witnesses: [cosignatureVerifierFromKey(hubWitnessVkey)],
      requiredCosignatures: 1,
    });
    const p = province;
    const note = await until('a cosigned checkpoint of both leaves', async () => {
      const res = await p.request('/tlog/checkpoint');
      if (res.status !== 200) return undefined;
      const text = await res.text();
      return verifier.open(text).checkpoint.size >= 2 ? text : undefined;
    });
    const opened = verifier.update(note);
    const size = opened.checkpoint.size;
    const proof = await province.request(`/v1/tlog/proofs/inclusion?index=1&size=${size}`);
    assert.equal(proof.status, 200, await proof.clone().text());
    const beyond = await province.request(`/v1/tlog/proofs/inclusion?index=0&size=${size + 1}`);
    assert.equal(beyond.status, 404, 'nothing is served beyond the published size');
    const state = await hub.request('/v1/witness/state', { token: hub.adminToken });
    const items = ((await state.json()) as { items: { origin: string; size: number }[] }).items;
    assert.ok((items.find((i) => i.origin === PROVINCE_ORIGIN)?.size ?? 0) >= size);
  });
});
