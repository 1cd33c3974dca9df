// Sharing across processes (federation.md §5.3 step 4): a holder has licences at provinces 33 and 51; the hub's
// holder search finds both; a call without itemCode is 422 naming it; :file relays 51's sealed PDF, which is the
// file 51 logged, and 51 records the use as the hub's (00) for 33. The holder code appears in no leaf at any node
// and in no line of the hub's process log.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { CONSTRUCTION_ENGINEER_2, DEMO_HOLDERS } from '../../src/licence/demo-licence-types.js';
import {
  defineDemoTypes,
  expectJson,
  issueLicence,
  provinceAgency,
  tlogSize,
  waitFor,
  type ProvinceAgency,
} from './harness/fed-api.js';
import { federationUnavailable, startFederation, type Federation } from './harness/federation.js';

const skip = await federationUnavailable();
if (skip) process.stderr.write(`skipping the sharing scenario: ${skip}\n`);

const WAIT_MS = Number(process.env.FED_WAIT_MS ?? 90_000);
const HOLDER = DEMO_HOLDERS[CONSTRUCTION_ENGINEER_2.code]!;
const USAGE = {
  organization: '浙江省人力资源和社会保障厅',
  user: '李四',
  itemName: '建造师执业资格核验',
  itemCode: '330000-000-XK-017',
  businessNumber: 'YW-FED-SHARE-1',
};
const sm3 = (b: Uint8Array) => createHash('sm3').update(b).digest('hex');

describe('sharing at the hub: provinces 33 and 51 (federation.md §5.3 step 4)', { skip }, () => {
  let fed: Federation;
  const agencies = new Map<string, ProvinceAgency>();
  const issued = new Map<string, string>();
  let peer: string;

  before(async () => {
    fed = await startFederation({
      provinces: ['33', '51'],
      tileHeight: 2,
      env: { SEALTRUST_TLOG_CHECKPOINT_MS: '250' },
    });
    for (const p of fed.provinces) {
      const a = await provinceAgency(p);
      agencies.set(p.nodeId, a);
      await defineDemoTypes(p, [a.agencyId]);
      issued.set(p.nodeId, await issueLicence(p, a));
    }
    // The hub mirrors both logs and their side records (holder data for its national index).
    for (const p of fed.provinces) {
      const size = await tlogSize(p);
      await waitFor(
        `hub mirror and side records of ${p.nodeId} at ${size}`,
        async () => {
          const res = await fed.hub.admin('/v1/federation/nodes');
          if (res.status !== 200) return undefined;
          const { items } = (await res.json()) as {
            items: { nodeId: string; mirroredSize: number; sideSize: number }[];
          };
          const n = items.find((i) => i.nodeId === p.nodeId);
          return n && n.mirroredSize >= size && n.sideSize >= size ? n : undefined;
        },
        WAIT_MS,
      );
    }
    peer = (
      await expectJson<{ token: string }>(
        await fed.hub.admin('/v1/tokens', {
          method: 'POST',
          json: { role: 'sync-peer', province: '33', label: 'province 33 at the hub' },
        }),
        201,
        'sync-peer token',
      )
    ).token;
  });
  after(async () => {
    await fed?.stop();
  });

  const post = (path: string, json: unknown) => fed.hub.request(path, { method: 'POST', token: peer, json });

  it('search at the hub finds the holder’s licences at both provinces', async () => {
    const body = await expectJson<{ items: { identifier: string; node: string; holderMasked: string }[] }>(
      await post('/v1/share/licences:search', {
        holder: { code: HOLDER.code, codeType: HOLDER.codeType },
        useFor: '建造师执业资格核验',
        usage: USAGE,
      }),
      200,
      'search',
    );
    assert.deepEqual(body.items.map((h) => [h.node, h.identifier]).sort(), [
      ['33', issued.get('33')!],
      ['51', issued.get('51')!],
    ]);
    for (const h of body.items) assert.notEqual(h.holderMasked, HOLDER.code);
  });

  it('without itemCode the hub answers 422 usage-elements-required naming itemCode', async () => {
    const { itemCode: _omitted, ...rest } = USAGE;
    const p = await expectJson<{ type: string; field: string }>(
      await post('/v1/share/licences:search', {
        holder: { code: HOLDER.code, codeType: HOLDER.codeType },
        useFor: '建造师执业资格核验',
        usage: rest,
      }),
      422,
    );
    assert.match(p.type, /usage-elements-required$/);
    assert.equal(p.field, 'usage.itemCode');
  });

  it(':file relays 51’s sealed PDF, the file its directory names, and 51 records the use by the hub for 33', async () => {
    const id = issued.get('51')!;
    const res = await post(`/v1/share/licences/${id}:file`, { useFor: '建造师执业资格核验', usage: USAGE });
    assert.equal(res.status, 200, await res.clone().text());
    const pdf = Buffer.from(await res.arrayBuffer());
    assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-');
    const p51 = fed.node('51');
    const a51 = agencies.get('51')!;
    const record = await expectJson<{ files: { format: string; sm3: string }[] }>(
      await p51.request(`/v1/licences/${id}`, { token: a51.issuer }),
      200,
    );
    assert.equal(sm3(pdf), record.files.find((f) => f.format === 'pdf')!.sm3);
    const uses = await expectJson<{
      items: {
        identifier: string;
        action: string;
        organization: string;
        itemCode: string;
        userAgencyId: string | null;
        userNode: string | null;
        requestedBy: string | null;
      }[];
    }>(await p51.request(`/v1/licence-usages?identifier=${id}`, { token: a51.issuer }), 200);
    assert.deepEqual(
      uses.items.map((u) => [
        u.action,
        u.organization,
        u.itemCode,
        u.userAgencyId,
        u.userNode,
        u.requestedBy,
      ]),
      [['file', USAGE.organization, USAGE.itemCode, null, '00', '33']],
    );
    // The hub's own record of the call.
    const rows = (await fed.hub.db('share_usages').where({ action: 'file' })) as {
      owner_node_id: string;
      identifier: string;
      requester_node: string;
    }[];
    assert.deepEqual(
      rows.map((r) => [r.owner_node_id, r.identifier, r.requester_node]),
      [['51', id, '33']],
    );
  });

  it(':get and :copy are answered by the issuing node as well, holder masked, recorded there', async () => {
    const id33 = issued.get('33')!;
    const got = await expectJson<{
      node: string;
      licence: { identifier: string; holder: { code: string; masked: boolean } };
      evidence: { nodeId: string; events: { leaf: string }[] };
    }>(await post(`/v1/share/licences/${id33}:get`, { useFor: '建造师执业资格核验', usage: USAGE }), 200);
    assert.equal(got.node, '33');
    assert.equal(got.licence.identifier, id33);
    assert.equal(got.licence.holder.masked, true);
    assert.notEqual(got.licence.holder.code, HOLDER.code);
    assert.equal(got.evidence.nodeId, '33');
    assert.ok(got.evidence.events.some((e) => e.leaf.includes(id33)));
    const id51 = issued.get('51')!;
    const copy = await post(`/v1/share/licences/${id51}:copy`, {
      purpose: '执业资格核验',
      expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
      maker: '浙江省人力资源和社会保障厅',
      useFor: '建造师执业资格核验',
      usage: { ...USAGE, businessNumber: 'YW-FED-COPY-1' },
    });
    assert.equal(copy.status, 201, await copy.clone().text());
    assert.ok(copy.headers.get('x-copy-id'));
    assert.equal(
      Buffer.from(await copy.arrayBuffer())
        .subarray(0, 5)
        .toString('latin1'),
      '%PDF-',
    );
    const a51 = agencies.get('51')!;
    const uses = await expectJson<{
      items: { action: string; businessNumber: string; requestedBy: string }[];
    }>(await fed.node('51').request(`/v1/licence-usages?identifier=${id51}`, { token: a51.issuer }), 200);
    assert.deepEqual(
      uses.items.filter((u) => u.businessNumber === 'YW-FED-COPY-1').map((u) => [u.action, u.requestedBy]),
      [['copy', '33']],
    );
  });

  it('the holder code is in no leaf at any node and in no line of the hub’s log', async () => {
    for (const p of fed.provinces) {
      const leaves = (await p.db('tlog_entries').select('leaf')) as { leaf: Buffer }[];
      assert.ok(leaves.length > 0);
      for (const l of leaves) assert.ok(!l.leaf.toString('utf8').includes(HOLDER.code), p.nodeId);
    }
    const mirrored = (await fed.hub.db('mirror_entries').select('leaf')) as { leaf: Buffer }[];
    assert.ok(mirrored.length > 0);
    for (const l of mirrored) assert.ok(!l.leaf.toString('utf8').includes(HOLDER.code), 'hub mirror');
    const log = readFileSync(join(fed.dir, '00.log'), 'utf8');
    assert.match(log, /\/v1\/share\/licences:search/, 'the hub logged its requests');
    assert.ok(!log.includes(HOLDER.code), 'the hub log names no holder code');
    for (const p of fed.provinces) {
      const plog = readFileSync(join(fed.dir, `${p.nodeId}.log`), 'utf8');
      assert.ok(!plog.includes(HOLDER.code), `${p.nodeId} log names no holder code`);
    }
  });
});
