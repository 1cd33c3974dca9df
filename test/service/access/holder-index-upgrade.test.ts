// Migration 021 and HolderIndexUpgrade: indices written under the old scheme (HMAC-SHA256) are recomputed as
// HMAC-SM3 from the encrypted holder codes at start-up, so holder search keeps finding every licence.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { CONSTRUCTION_ENGINEER_2, DEMO_HOLDERS } from '../../../src/licence/demo-licence-types.js';
import { upgradeHolderIndexes } from '../../../src/service/access/holder-index-upgrade.js';
import {
  defineDemoTypes,
  expectJson,
  issueDemoLicence,
  setupIssuingAgency,
  type IssuingAgency,
} from '../../helpers/licence-fixtures.js';
import { startTestServer, type TestServer } from '../../helpers/test-server.js';

let srv: TestServer;
let a: IssuingAgency;

before(async () => {
  srv = await startTestServer();
  a = await setupIssuingAgency(srv, {
    name: '江苏省住房和城乡建设厅',
    uscc: '11320100014000714D',
    regionCode: '320000',
  });
  await defineDemoTypes(srv, [a.agencyId]);
});
after(async () => {
  await srv?.stop();
});

const search = async (code: string) =>
  (
    await expectJson<{ items: { identifier: string }[] }>(
      await srv.request(`/v1/licences?holderCode=${encodeURIComponent(code)}&limit=100`, { token: a.issuer }),
      200,
    )
  ).items.map((l) => l.identifier);

test('old-scheme indices are recomputed as HMAC-SM3 once, and holder search finds every licence again', async () => {
  const holder = DEMO_HOLDERS[CONSTRUCTION_ENGINEER_2.code]!;
  const issued: string[] = [];
  for (let i = 0; i < 3; i++) issued.push(await issueDemoLicence(srv, a.issuer));
  const knex = srv.database.knex;
  assert.equal(
    (await knex('data_protection_state').first()).holder_index,
    'hmac-sm3',
    'a new database starts on SM3',
  );
  assert.deepEqual((await search(holder.code)).sort(), [...issued].sort());

  // As a database from before migration 021 would hold them: other indices, marked as the old scheme.
  await knex('data_protection_state').update({ holder_index: 'hmac-sha256' });
  for (const id of issued)
    await knex('licences')
      .where({ identifier: id })
      .update({ holder_code_index: randomBytes(32) });
  assert.deepEqual(await search(holder.code), []);

  const done = await upgradeHolderIndexes(knex, srv.services.dataProtector);
  assert.equal(done?.from, 'hmac-sha256');
  assert.ok(done.licences >= 3);
  assert.equal((await knex('data_protection_state').first()).holder_index, 'hmac-sm3');
  assert.deepEqual((await search(holder.code)).sort(), [...issued].sort());
  const stored = (await knex('licences').where({ identifier: issued[0] }).first('holder_code_index')) as {
    holder_code_index: Buffer;
  };
  assert.deepEqual(Buffer.from(stored.holder_code_index), srv.services.dataProtector.index(holder.code));
  // Once only: a second start changes nothing.
  assert.equal(await upgradeHolderIndexes(knex, srv.services.dataProtector), undefined);
});
