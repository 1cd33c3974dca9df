import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import {
  CONSTRUCTION_ENGINEER_2,
  DEMO_FACE_DATA,
  DEMO_HOLDERS,
} from '../../src/licence/demo-licence-types.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { defineDemoTypes, setupIssuingAgency, type IssuingAgency } from '../helpers/licence-fixtures.js';
import { runCli } from '../helpers/run-cli.js';
import { scratchDir } from '../helpers/openssl.js';

let srv: TestServer;
let a: IssuingAgency;
const dir = scratchDir('licence-cli-');

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
  dir.cleanup();
  await srv?.stop();
});

test('sealtrust licence issue saves the sealed PDF the node issued', async () => {
  const holder = DEMO_HOLDERS[CONSTRUCTION_ENGINEER_2.code]!;
  const face = dir.file('face.json', JSON.stringify(DEMO_FACE_DATA[CONSTRUCTION_ENGINEER_2.code]));
  const out = dir.file('licence.pdf');
  const r = await runCli(
    [
      'licence',
      'issue',
      '--type',
      CONSTRUCTION_ENGINEER_2.code,
      '--data',
      face,
      '--out',
      out,
      '--holder-name',
      holder.name,
      '--holder-code',
      holder.code,
      '--valid-from',
      '2026-01-01',
      '--valid-to',
      '2028-12-31',
      '--url',
      srv.url,
      '--token',
      a.issuer,
    ],
    { env: { SEALTRUST_TOKEN: '' } },
  );
  assert.equal(r.code, 0, r.stderr);
  const identifier = /证照标识 identifier: (\S+)/.exec(r.stdout)?.[1];
  assert.ok(identifier, r.stdout);
  const pdf = readFileSync(out);
  const sm3 = /SM3: ([0-9a-f]{64})/.exec(r.stdout)?.[1];
  assert.equal(createHash('sm3').update(pdf).digest('hex'), sm3);
  const record = await srv.services.licences.find(identifier);
  assert.equal(record?.files.find((f) => f.format === 'pdf')?.sm3, sm3);
});

test('a missing holder or a refused request exits 2 with the reason', async () => {
  const face = dir.file('face2.json', JSON.stringify(DEMO_FACE_DATA[CONSTRUCTION_ENGINEER_2.code]));
  const base = [
    'licence',
    'issue',
    '--type',
    CONSTRUCTION_ENGINEER_2.code,
    '--data',
    face,
    '--out',
    dir.file('x.pdf'),
  ];
  const noHolder = await runCli([
    ...base,
    '--valid-from',
    '2026-01-01',
    '--url',
    srv.url,
    '--token',
    a.issuer,
  ]);
  assert.equal(noHolder.code, 2);
  assert.match(noHolder.stderr, /holder/);
  const bad = await runCli([
    ...base,
    '--holder-name',
    '王建国',
    '--holder-code',
    '110101197608056896',
    '--valid-from',
    '2026-01-01',
    '--valid-to',
    '2028-12-31',
    '--url',
    srv.url,
    '--token',
    a.issuer,
  ]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /HTTP 422.*holder\.code/);
});

test('--format pdf,ofd saves both files, each the one the node recorded; --format takes pdf or ofd only', async () => {
  const holder = DEMO_HOLDERS[CONSTRUCTION_ENGINEER_2.code]!;
  const face = dir.file('face3.json', JSON.stringify(DEMO_FACE_DATA[CONSTRUCTION_ENGINEER_2.code]));
  const args = (out: string, format: string) => [
    'licence',
    'issue',
    '--type',
    CONSTRUCTION_ENGINEER_2.code,
    '--data',
    face,
    '--out',
    out,
    '--format',
    format,
    '--holder-name',
    holder.name,
    '--holder-code',
    holder.code,
    '--valid-from',
    '2026-01-01',
    '--valid-to',
    '2028-12-31',
    '--url',
    srv.url,
    '--token',
    a.issuer,
  ];
  const r = await runCli(args(dir.file('both.out'), 'pdf,ofd'), { env: { SEALTRUST_TOKEN: '' } });
  assert.equal(r.code, 0, r.stderr);
  const identifier = /证照标识 identifier: (\S+)/.exec(r.stdout)?.[1];
  const record = await srv.services.licences.find(identifier!);
  for (const format of ['pdf', 'ofd'] as const) {
    const bytes = readFileSync(dir.file(`both.${format}`));
    const sm3 = createHash('sm3').update(bytes).digest('hex');
    assert.equal(record?.files.find((f) => f.format === format)?.sm3, sm3, format);
    assert.match(r.stdout, new RegExp(`${format.toUpperCase()} SM3: ${sm3}`));
  }
  const only = await runCli(args(dir.file('only.ofd'), 'ofd'), { env: { SEALTRUST_TOKEN: '' } });
  assert.equal(only.code, 0, only.stderr);
  assert.equal(readFileSync(dir.file('only.ofd')).subarray(0, 2).toString('latin1'), 'PK');
  const bad = await runCli(args(dir.file('bad.out'), 'docx'));
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--format: docx/);
});
