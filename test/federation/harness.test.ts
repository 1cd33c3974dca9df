// The multi-node harness itself (federation.md §5.1): four separate node processes with their own databases,
// keys and wiring; a licence issued at each province lands in that province's directory log, and a node
// killed with SIGKILL comes back on the same database.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { KnownNode } from '../../src/config.js';
import { parseVerifierKey } from '../../src/tlog/sm2-note-key.js';
import {
  defineDemoTypes,
  expectJson,
  issueLicence,
  provinceAgency,
  tlogSize,
  type ProvinceAgency,
} from './harness/fed-api.js';
import { federationUnavailable, startFederation, type Federation } from './harness/federation.js';

const skip = await federationUnavailable();
if (skip) process.stderr.write(`skipping the multi-node harness: ${skip}\n`);

describe('multi-node harness: hub 00 and provinces 33, 44, 51', { skip }, () => {
  let fed: Federation;
  const agencies = new Map<string, ProvinceAgency>();

  before(async () => {
    fed = await startFederation();
  });
  after(async () => {
    await fed?.stop();
  });

  it("wires each node from the others' `ca vkeys`: the hub knows the provinces, they know its witness", () => {
    const known = JSON.parse(readFileSync(fed.fedNodesFile, 'utf8')) as KnownNode[];
    assert.deepEqual(
      known.map((k) => [k.nodeId, k.origin, k.url]),
      fed.provinces.map((p) => [p.nodeId, `sealtrust.org.cn/${p.nodeId}`, p.url]),
    );
    for (const k of known) assert.equal(parseVerifierKey(k.vkey).name, k.origin);
    const witness = fed.vkeys.get('00')!.witnessVkey!;
    assert.equal(parseVerifierKey(witness).name, 'sealtrust.org.cn/00/witness');
    for (const p of fed.provinces) {
      assert.equal(p.environment().SEALTRUST_HUB_WITNESS_KEY, witness);
      assert.equal(p.environment().SEALTRUST_HUB_URL, fed.hub.url);
      assert.equal(fed.vkeys.get(p.nodeId)!.witnessVkey, null, 'a province has no witness key');
    }
    assert.equal(fed.hub.environment().SEALTRUST_ROLE, 'hub');
    // The hub holds a `hub`-role token at each province for the side channel.
    for (const p of fed.provinces)
      assert.match(fed.hub.environment()[`SEALTRUST_FED_TOKEN_${p.nodeId}`] ?? '', /^st_/);
  });

  it("issues a licence at each province; each province's directory log grows by its leaves", async () => {
    for (const p of fed.provinces) {
      const a = await provinceAgency(p);
      agencies.set(p.nodeId, a);
      await defineDemoTypes(p, [a.agencyId]);
    }
    for (const p of fed.provinces) {
      const before = await tlogSize(p);
      const id = await issueLicence(p, agencies.get(p.nodeId)!);
      assert.equal(await tlogSize(p), before + 1, `${p.nodeId}: one issue leaf`);
      const rows = await p.db('tlog_entries').where({ subject: id }).select('leaf');
      const leaf = JSON.parse(Buffer.from(rows[0]!.leaf as Buffer).toString('utf8')) as Record<
        string,
        unknown
      >;
      assert.equal(leaf.node, p.nodeId, 'the leaf names the node that issued it');
      assert.equal(leaf.op, 'issue');
    }
    // The node's own certificates (OCSP, TSA, seal maker, log signer) were logged at first start.
    for (const p of fed.provinces) {
      const own = await p.db('certificates').whereNull('agency_id').pluck('profile');
      assert.ok(own.includes('log-signer'), `${p.nodeId}: ${own.join(',')}`);
    }
    const hubOwn = await fed.hub.db('certificates').whereNull('agency_id').pluck('profile');
    assert.ok(hubOwn.includes('witness'), hubOwn.join(','));
    assert.ok(hubOwn.includes('trust-list-signer'), hubOwn.join(','));
  });

  it('kill -9 and restart on the same database: the log and the admin token survive', async () => {
    const p = fed.node('44');
    const size = await tlogSize(p);
    await p.kill9();
    assert.equal(p.running, false);
    await p.start();
    assert.equal(await tlogSize(p), size);
    await expectJson(await p.admin('/v1/agencies'), 200, 'agencies after restart');
    await issueLicence(p, agencies.get('44')!);
    assert.equal(await tlogSize(p), size + 1);
  });
});
