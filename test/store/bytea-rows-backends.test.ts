// The two database backends hand bytea back differently (PGlite: Uint8Array; node-postgres: Buffer), and a
// Uint8Array's toString() is its bytes as decimal numbers, not text. Every repository that reads mirrored leaves
// or encrypted holder codes must give the same answer on both. This runs on an embedded PGlite always, and on
// PostgreSQL too when DATABASE_URL is set, so the zero-setup default cannot drift from CI.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openDatabase, type Database } from '../../src/store/database.js';
import { ensureMirrorNode, insertMirrorEntries } from '../../src/store/mirror-repository.js';
import { listLicenceTypeLeaves } from '../../src/store/share-repository.js';
import { insertSideRecords } from '../../src/store/national-side-record-repository.js';
import { listLicenceHolderCodes, listSideHolderCodes } from '../../src/store/holder-index-repository.js';
import { createTestDatabase } from '../helpers/test-database.js';

const TYPE_LEAF = Buffer.from(
  '{"at":"2026-11-01T00:00:00.000Z","kind":"licence-type","node":"44","op":"define","t":"sealtrust.directory.v1",' +
    '"type":{"code":"11100000000013338W001","name":"二级建造师注册证书"}}',
  'utf8',
);
const OTHER_LEAF = Buffer.from('{"kind":"licence","node":"44"}', 'utf8');
const SEALED = Buffer.from([0x00, 0xff, 0x10, 0x80, 0x7f]);

const backends: [string, () => Promise<Database & { drop?: () => Promise<void> }>][] = [
  ['PGlite', () => openDatabase({ dataDir: null })],
];
if (process.env.DATABASE_URL) backends.push(['PostgreSQL', createTestDatabase]);

for (const [name, open] of backends) {
  describe(`bytea columns read the same on ${name}`, () => {
    let db: Database & { drop?: () => Promise<void> };
    before(async () => {
      db = await open();
      const now = new Date();
      await ensureMirrorNode(
        db.knex,
        { nodeId: '44', origin: 'sealtrust.example/44', vkeys: [], url: 'http://127.0.0.1:1' },
        Buffer.alloc(32),
        now,
      );
      await insertMirrorEntries(
        db.knex,
        '44',
        0,
        [OTHER_LEAF, TYPE_LEAF],
        [Buffer.alloc(32, 1), Buffer.alloc(32, 2)],
      );
      await insertSideRecords(
        db.knex,
        '44',
        [
          {
            idx: 1,
            leafHash: Buffer.alloc(32, 2),
            identifier: 'lic-1',
            holderNameEnc: SEALED,
            holderCodeEnc: SEALED,
            holderCodeType: '111',
            holderMasked: '3301**********1000',
            numberEnc: SEALED,
            typeName: '二级建造师注册证书',
            issuerName: '广东省住房和城乡建设厅',
            holderIndex: Buffer.alloc(32, 3),
          },
        ],
        now,
      );
    });
    after(async () => {
      if (db.drop) await db.drop();
      else await db.close();
    });

    it('a licence-type leaf comes back as a Buffer of its JSON bytes', async () => {
      const hits = await listLicenceTypeLeaves(db.knex, '44', 0, 2);
      assert.deepEqual(
        hits.map((h) => h.idx),
        [1],
      );
      assert.ok(Buffer.isBuffer(hits[0]!.leaf));
      assert.ok(hits[0]!.leaf.equals(TYPE_LEAF));
      assert.equal((JSON.parse(hits[0]!.leaf.toString('utf8')) as { kind: string }).kind, 'licence-type');
    });

    it('an encrypted holder code comes back as a Buffer of the stored bytes', async () => {
      const side = await listSideHolderCodes(db.knex, { nodeId: '', idx: -1 }, 10);
      assert.equal(side.length, 1);
      assert.ok(Buffer.isBuffer(side[0]!.holderCodeEnc));
      assert.ok(side[0]!.holderCodeEnc.equals(SEALED));
      assert.equal(side[0]!.idx, 1);
      assert.deepEqual(await listLicenceHolderCodes(db.knex, '', 10), []);
    });
  });
}
