// Two §5.4 fault cases on the multi-node harness (hub and province 51 as processes).
// A hub that equivocates: the hub's stored view of 51 is rolled back to an older cosigned tree, then forged (root
// altered); 51, comparing the hub's view with its own checkpoints, must raise hub-rollback and
// hub-checkpoint-invalid.
// "Forked log, truncate and re-append": province 51 is stopped, its log cut back to
// index 10 and rebuilt, and it issues on. Its new checkpoints are validly signed but do not extend the tree the hub
// cosigned and mirrored: the witness must refuse them (422), the mirror must not move, and the hub must quarantine 51
// as forked with an evidence bundle naming index 10, both signed checkpoints, both leaves and the mirrored leaf's
// inclusion path, checked against an RFC 9162 reference written in the test (test/tlog/merkle-reference.ts).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseCheckpoint } from '../../src/tlog/checkpoint.js';
import { parseNote } from '../../src/tlog/signed-note.js';
import { ReferenceTree, sm3Digest } from '../tlog/merkle-reference.js';
import { runCli } from '../helpers/run-cli.js';
import {
  defineDemoTypes,
  issueLicence,
  provinceAgency,
  tlogSize,
  waitFor,
  type ProvinceAgency,
} from './harness/fed-api.js';
import type { FedNode } from './harness/fed-node.js';
import { federationUnavailable, startFederation, type Federation } from './harness/federation.js';

const skip = await federationUnavailable();
if (skip) process.stderr.write(`skipping the forked-log test: ${skip}\n`);

const WAIT_MS = Number(process.env.FED_WAIT_MS ?? 90_000);
const FORK_AT = 10;

interface MirrorRow {
  size: string | number;
  state: string;
  root: Buffer;
}

interface ForkEvidence {
  reason: string;
  firstDifferingIndex: number;
  mirroredCheckpoint: string;
  refusedCheckpoint: string;
  mirroredSize: number;
  mirroredLeaf: string;
  servedLeaf: string;
  mirroredInclusionProof: string[];
  servedInclusionProof: string[] | null;
  servedInclusionProofMissing?: string;
}

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');
/** The checkpoint a signed note carries (C2SP tlog-checkpoint), read by the project's own parsers. */
const checkpointOf = (note: string) => parseCheckpoint(parseNote(note).text);
const sizeOf = (note: string) => checkpointOf(note).size;

describe(
  'a hub that equivocates, and a province that rewrites its log, are caught (federation.md §5.4)',
  { skip },
  () => {
    let fed: Federation;
    let p: FedNode;
    let a: ProvinceAgency;

    const mirror = async () =>
      (await fed.hub.db('mirror_state').where({ node_id: '51' }).first()) as MirrorRow;
    const leaves = async (node: FedNode, table: 'tlog_entries' | 'mirror_entries', size: number) => {
      const q = node.db(table).select('idx', 'leaf').where('idx', '<', size).orderBy('idx');
      if (table === 'mirror_entries') q.andWhere({ node_id: '51' });
      return ((await q) as { leaf: Buffer }[]).map((r) => Buffer.from(r.leaf));
    };

    before(async () => {
      fed = await startFederation({
        provinces: ['51'],
        tileHeight: 2,
        env: { SEALTRUST_TLOG_CHECKPOINT_MS: '250', SEALTRUST_FED_PULL_BATCH: '4' },
        // 51 compares the hub's view of its log with its own checkpoints every 300 ms (default 60 s).
        nodeEnv: { '51': { SEALTRUST_TLOG_HUB_CHECK_MS: '300' } },
      });
      p = fed.node('51');
      a = await provinceAgency(p);
      await defineDemoTypes(p, [a.agencyId]);
    });
    after(async () => {
      await fed?.stop();
    });

    it('a hub that rolls back or forges its view of 51 is caught by 51 comparing it with its own log', async () => {
      const witnessState = async () =>
        (await fed.hub.db('witness_state').where({ origin: 'sealtrust.org.cn/51' }).first()) as {
          size: string;
          root: Buffer;
          cosigned: string;
        };
      const cosignedAll = async () => {
        const size = await tlogSize(p);
        return waitFor(
          'the hub to cosign all of 51',
          async () => {
            const w = await witnessState();
            return w && Number(w.size) === size ? w : undefined;
          },
          WAIT_MS,
        );
      };
      const hubAlerts = async (kind: string) =>
        (
          (await p.db('audit_log').where({ action: 'tlog.hub-alert' }).select('details')) as {
            details: { kind: string };
          }[]
        ).filter((r) => r.details.kind === kind).length;
      while ((await tlogSize(p)) < 8) await issueLicence(p, a);
      const older = await cosignedAll();
      await issueLicence(p, a);
      const newer = await cosignedAll();
      assert.ok(Number(newer.size) > Number(older.size));
      const setView = (w: { size: string; root: Buffer; cosigned: string }) =>
        fed.hub
          .db('witness_state')
          .where({ origin: 'sealtrust.org.cn/51' })
          .update({ size: w.size, root: w.root, cosigned: w.cosigned });
      try {
        // The hub shows an older (genuinely cosigned) tree of 51 than it cosigned since: a rollback.
        await setView(older);
        await waitFor(
          '51 to raise hub-rollback',
          async () => ((await hubAlerts('hub-rollback')) > 0 ? true : undefined),
          WAIT_MS,
        );
        // The hub shows the latest tree with its root altered: 51's own signature no longer verifies.
        const lines = newer.cosigned.split('\n');
        const root = Buffer.from(lines[2]!, 'base64');
        root[0]! ^= 1;
        lines[2] = root.toString('base64');
        await setView({ ...newer, cosigned: lines.join('\n') });
        await waitFor(
          '51 to raise hub-checkpoint-invalid',
          async () => ((await hubAlerts('hub-checkpoint-invalid')) > 0 ? true : undefined),
          WAIT_MS,
        );
      } finally {
        await setView(newer);
      }
      const metrics = await (await p.request('/metrics')).text();
      assert.match(metrics, /^sealtrust_tlog_hub_alerts_total\{kind="hub-rollback"\} [1-9]\d*$/m);
      assert.match(metrics, /^sealtrust_tlog_hub_alerts_total\{kind="hub-checkpoint-invalid"\} [1-9]\d*$/m);
      // An honest view raises nothing: no alert of either kind after the restore (one check interval and more).
      const settled = [await hubAlerts('hub-rollback'), await hubAlerts('hub-checkpoint-invalid')];
      await new Promise((r) => setTimeout(r, 1500));
      assert.deepEqual([await hubAlerts('hub-rollback'), await hubAlerts('hub-checkpoint-invalid')], settled);
    });

    it('the witness refuses the rewritten tree, the mirror stays, and the evidence names index 10', async () => {
      while ((await tlogSize(p)) < FORK_AT + 6) await issueLicence(p, a);
      // The hub has cosigned and mirrored the whole log before the rewrite.
      const size = await tlogSize(p);
      await waitFor(
        'the hub to mirror all of 51',
        async () => (Number((await mirror()).size) === size ? true : undefined),
        WAIT_MS,
      );
      const before = await mirror();
      assert.equal(before.state, 'ok');
      const mirrored = await leaves(fed.hub, 'mirror_entries', size);

      // The operator's rewrite: cut the log back to index 10, rebuild the tree, issue on.
      await p.stop();
      await p.db('tlog_entries').where('idx', '>=', FORK_AT).delete();
      await p.db('audit_head').update({ tlog_next: FORK_AT });
      const rebuilt = await runCli(['tlog', 'rebuild'], { env: p.environment() });
      assert.equal(rebuilt.code, 0, rebuilt.stderr);
      assert.match(rebuilt.stdout, new RegExp(`size ${FORK_AT}\\b`));
      await p.start();
      while ((await tlogSize(p)) <= size + 4) await issueLicence(p, a);

      const forked = await waitFor(
        'the hub to quarantine 51 as forked',
        async () => ((await mirror()).state === 'forked' ? await mirror() : undefined),
        WAIT_MS,
      );
      // The mirror did not move: nothing of the rewritten tree was stored.
      assert.equal(Number(forked.size), size);
      assert.deepEqual(Buffer.from(forked.root), Buffer.from(before.root));
      assert.equal(
        Number((await fed.hub.db('mirror_entries').where({ node_id: '51' }).count({ n: '*' }))[0]!.n),
        size,
      );
      // The witness refused it with 422-class outcomes and kept every request as evidence; it never cosigned it.
      const refusals = (await fed.hub
        .db('witness_requests')
        .where({ origin: 'sealtrust.org.cn/51' })
        .whereNotIn('outcome', ['conflict'])
        .select('outcome', 'new_size')) as { outcome: string; new_size: string }[];
      assert.ok(refusals.length > 0, 'the refused checkpoints are kept');
      const witnessed = (await fed.hub
        .db('witness_state')
        .where({ origin: 'sealtrust.org.cn/51' })
        .first()) as {
        size: string;
      };
      assert.equal(Number(witnessed.size), size, 'the witness never cosigned past the fork');

      const alerts = (await fed.hub.db('fed_alerts').where({ node_id: '51' }).select('kind', 'evidence')) as {
        kind: string;
        evidence: ForkEvidence;
      }[];
      assert.deepEqual(
        alerts.map((x) => x.kind),
        ['fork'],
      );
      const e = alerts[0]!.evidence;
      assert.equal(e.firstDifferingIndex, FORK_AT);
      assert.equal(e.reason, 'witness-refused-signed-checkpoint');
      // Both signed checkpoints: the mirrored (cosigned) tree and the refused one, of different trees.
      assert.equal(sizeOf(e.mirroredCheckpoint), size);
      assert.ok(sizeOf(e.refusedCheckpoint) > size);
      assert.notEqual(e.mirroredCheckpoint, e.refusedCheckpoint);
      // Both leaves at index 10, each with its path in its own tree, recomputed by the reference implementation.
      const served = await leaves(p, 'tlog_entries', sizeOf(e.refusedCheckpoint));
      assert.equal(e.mirroredLeaf, mirrored[FORK_AT]!.toString('utf8'));
      assert.equal(e.servedLeaf, served[FORK_AT]!.toString('utf8'));
      assert.notEqual(e.mirroredLeaf, e.servedLeaf);
      const ref = new ReferenceTree(sm3Digest);
      assert.deepEqual(e.mirroredInclusionProof, ref.path(FORK_AT, mirrored).map(b64));
      // The refused checkpoint signs the rewritten tree: its root is the reference root over what 51 holds now,
      // so the served leaf's path under it follows from the evidence and the node's entries. 51 serves entries
      // only up to the checkpoint it published (the old one), so the hub could not fetch that path itself, and
      // says so instead of giving a path it could not check.
      assert.equal(b64(checkpointOf(e.refusedCheckpoint).rootHash), b64(ref.mth(served)));
      assert.equal(e.servedInclusionProof, null);
      assert.match(e.servedInclusionProofMissing ?? '', /does not serve the signed tree/);
      // Prometheus shows the one alert.
      const metrics = await (await fed.hub.request('/metrics')).text();
      assert.match(metrics, /^sealtrust_fed_alerts_total\{kind="fork"\} 1$/m);
    });
  },
);
