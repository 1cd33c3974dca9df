// `sealtrust verify --trust-list` (federation.md §4.3 "CLI", §2.7, §3.5) against a running federation, the CLI a
// separate process as an operator runs it: after `sealtrust trust-list fetch` from the hub, a licence sealed in 33,
// 44 or 51 verifies TOTAL_PASSED from the cached list alone (anchors, intermediates, seal makers) plus the hub's log evidence,
// with `licence-in-log` and `trust-list` passed as at a node, and `--log-proof` writes the bundle of the leaf that
// records the file; a file that is not the issued one does not pass; with the hub stopped the chain still verifies
// offline but the seal status and the licence are INDETERMINATE TRY_LATER, never FAILED.
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { localTrustListDraft } from '../../src/cli/federation-demo/trust-list-bootstrap.js';
import { fetchTrustListInto } from '../../src/cli/trust-list-cache.js';
import { parseProofBundle } from '../../src/tlog/proof-bundle.js';
import { formatCheckpoint, parseCheckpoint } from '../../src/tlog/checkpoint.js';
import { sm3Hex } from '../../src/crypto/sm3.js';
import { runCli, type CliResult } from '../helpers/run-cli.js';
import { defineDemoTypes, expectJson, provinceAgency, publishTrustList } from './harness/fed-api.js';
import {
  issueWithPdf,
  licenceCheck,
  reportSummary,
  waitForHubEvidence,
  type CrossReport,
} from './harness/cross-verify-fixture.js';
import { federationUnavailable, startFederation, type Federation } from './harness/federation.js';

type Report = CrossReport;

const skip = await federationUnavailable();
if (skip) process.stderr.write(`skipping the CLI cross-province verification: ${skip}\n`);
const WAIT_MS = Number(process.env.FED_WAIT_MS ?? 90_000);

const check = licenceCheck;
const summary = (r: Report, cli: CliResult) => `${reportSummary(r)} stderr: ${cli.stderr}`;

function report(r: CliResult): Report {
  try {
    return JSON.parse(r.stdout) as Report;
  } catch {
    throw new Error(`no JSON report (exit ${r.code}): ${r.stderr}`);
  }
}

describe('sealtrust verify --trust-list across provinces', { skip }, () => {
  let fed: Federation;
  /** `sealtrust trust-list fetch` from the hub into `cacheDir`, bootstrapped from the hub's signer certificate. */
  const fetchTrustList = (cacheDir: string) =>
    runCli([
      'trust-list',
      'fetch',
      '--url',
      `${fed.hub.url}/trust/list.json`,
      '--cache',
      cacheDir,
      '--signers',
      join(fed.dir, 'trust-list-signers.pem'),
    ]);
  let seq: number;
  const dir = mkdtempSync(join(tmpdir(), 'sealtrust-cli-fed-'));
  const cache = join(dir, 'cache');
  const pdfFile = join(dir, 'licence-44.pdf'); // written in before(), with the other provinces' licences
  let identifier: string;
  let pdf: Buffer;
  /** A licence of each province, by node id, and where its PDF was saved. */
  const issuedAt = new Map<string, { identifier: string; file: string }>();

  before(async () => {
    fed = await startFederation({
      trustList: true,
      provinces: ['33', '44', '51'],
      env: { SEALTRUST_TLOG_CHECKPOINT_MS: '250' },
    });
    seq = await publishTrustList(fed);
    for (const p of fed.provinces) {
      const a = await provinceAgency(p);
      await defineDemoTypes(p, [a.agencyId]);
      const issued = await issueWithPdf(p, a);
      const file = join(dir, `licence-${p.nodeId}.pdf`);
      writeFileSync(file, issued.pdf);
      issuedAt.set(p.nodeId, { identifier: issued.identifier, file });
      if (p.nodeId === '44') ({ identifier, pdf } = issued);
    }
    for (const l of issuedAt.values()) await waitForHubEvidence(fed.hub, l.identifier, WAIT_MS);
    const fetched = await fetchTrustList(cache);
    assert.equal(fetched.code, 0, fetched.stderr);
  });
  after(async () => {
    await fed?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a licence of 44 is TOTAL_PASSED from the cached list and the hub, and --log-proof writes its leaf', async () => {
    const proofFile = join(dir, 'licence-44.tlog-proof');
    const r = await runCli(['verify', pdfFile, '--trust-list', cache, '--json', '--log-proof', proofFile]);
    const rep = report(r);
    assert.equal(rep.indication, 'TOTAL_PASSED', summary(rep, r));
    assert.equal(r.code, 0);
    assert.equal(rep.licence?.identifier, identifier);
    const inLog = check(rep, 'licence-in-log')!;
    assert.equal(inLog.status, 'passed', summary(rep, r));
    assert.equal(inLog.details?.origin, 'sealtrust.org.cn/44');
    assert.ok(inLog.details?.witnessTime, 'the asOf witness time is reported');
    const trust = check(rep, 'trust-list')!;
    assert.equal(trust.status, 'passed');
    assert.equal(trust.details?.sequenceNumber, seq);
    assert.equal(check(rep, 'licence-status')!.status, 'passed');

    // The bundle is the hub's issueProof for this licence (its file-bearing leaf), rebuilt from what was verified.
    const evidence = await expectJson<{ issueProof: string }>(
      await fed.hub.request(`/v1/federation/licences/${encodeURIComponent(identifier)}`),
      200,
    );
    const written = readFileSync(proofFile, 'utf8');
    const bundle = parseProofBundle(written);
    assert.equal(bundle.index, inLog.details?.leafIndex);
    assert.equal(written, evidence.issueProof);
  });

  it('a licence of each of the three provinces is TOTAL_PASSED from the one cached list', async () => {
    for (const [home, { identifier: id, file }] of issuedAt) {
      const r = await runCli(['verify', file, '--trust-list', cache, '--json']);
      const rep = report(r);
      assert.equal(rep.indication, 'TOTAL_PASSED', `${home}: ${summary(rep, r)}`);
      assert.equal(rep.licence?.identifier, id);
      assert.equal(check(rep, 'licence-in-log')!.status, 'passed', `${home}: ${summary(rep, r)}`);
      assert.equal(check(rep, 'licence-in-log')!.details?.origin, `sealtrust.org.cn/${home}`);
      assert.equal(check(rep, 'trust-list')!.details?.sequenceNumber, seq);
    }
  });

  it('keeps the checkpoint timeline between runs: a hub behind a tree seen before is not believed', async () => {
    // The runs above left each origin's largest verified checkpoint beside the list.
    const origin = 'sealtrust.org.cn/44';
    const name = `${sm3Hex(Buffer.from(origin, 'utf8'))}.checkpoint`;
    const held = parseCheckpoint(readFileSync(join(cache, 'checkpoints', name), 'utf8'));
    assert.ok(held.size > 0, 'a timeline entry for 44');
    // A copy of the cache that has seen a larger tree of 44 than the hub now shows (a hub that rolled back).
    const ahead = join(dir, 'cache-ahead');
    cpSync(cache, ahead, { recursive: true });
    writeFileSync(
      join(ahead, 'checkpoints', name),
      formatCheckpoint({ origin, size: held.size + 1000, rootHash: randomBytes(32), extensions: [] }),
    );
    const r = await runCli(['verify', pdfFile, '--trust-list', ahead, '--json']);
    const rep = report(r);
    assert.notEqual(rep.indication, 'TOTAL_PASSED', summary(rep, r));
    assert.notEqual(check(rep, 'licence-in-log')!.status, 'passed', summary(rep, r));
    // The honest cache still passes, and its timeline never moved back.
    const again = report(await runCli(['verify', pdfFile, '--trust-list', cache, '--json']));
    assert.equal(again.indication, 'TOTAL_PASSED');
    const after = parseCheckpoint(readFileSync(join(cache, 'checkpoints', name), 'utf8'));
    assert.ok(after.size >= held.size);
  });

  it('the list.json itself, or the hub URL with --trust-list-signer, serve as well', async () => {
    const byFile = await runCli(['verify', pdfFile, '--trust-list', join(cache, 'list.json'), '--json']);
    assert.equal(report(byFile).indication, 'TOTAL_PASSED', summary(report(byFile), byFile));
    const fresh = join(dir, 'fresh-cache');
    const byUrl = await runCli([
      'verify',
      pdfFile,
      '--trust-list',
      `${fed.hub.url}/trust/list.json`,
      '--trust-list-signer',
      join(fed.dir, 'trust-list-signers.pem'),
      '--trust-list-cache',
      fresh,
      '--json',
    ]);
    assert.equal(report(byUrl).indication, 'TOTAL_PASSED', summary(report(byUrl), byUrl));
    assert.ok(existsSync(join(fresh, 'list.json')), 'the URL was accepted into the cache directory');
    // Without the bootstrap signers a first list is not accepted: nothing to verify against (exit 3).
    const unsigned = await runCli([
      'verify',
      pdfFile,
      '--trust-list',
      `${fed.hub.url}/trust/list.json`,
      '--trust-list-cache',
      join(dir, 'empty-cache'),
    ]);
    assert.equal(unsigned.code, 3, unsigned.stderr);
  });

  it('a file that is not the issued one is not TOTAL_PASSED', async () => {
    const altered = join(dir, 'altered.pdf');
    // One byte appended after %%EOF: the signatures still verify over their byte ranges, the file's SM3 changes.
    writeFileSync(altered, Buffer.concat([pdf, Buffer.from('\n')]));
    const proofFile = join(dir, 'altered.tlog-proof');
    const r = await runCli(['verify', altered, '--trust-list', cache, '--json', '--log-proof', proofFile]);
    const rep = report(r);
    assert.notEqual(rep.indication, 'TOTAL_PASSED', summary(rep, r));
    assert.notEqual(r.code, 0);
    assert.equal(check(rep, 'licence-in-log')!.status, 'failed', summary(rep, r));
    assert.equal(check(rep, 'licence-in-log')!.code, 'FILE_NOT_IN_LOG');
    assert.ok(!existsSync(proofFile), 'no proof is written for a file the log does not record');
  });

  it('an expired cached list vouches for no node: INDETERMINATE, never FAILED', async () => {
    // A list that lives a few seconds (its content changed, so the hub publishes it), fetched into its own cache
    // and read after it expired.
    await expectJson(
      await fed.hub.admin('/v1/trust-list/draft', {
        method: 'PUT',
        json: await localTrustListDraft(fed, '测试 短期'),
      }),
      200,
    );
    const nextUpdate = new Date(Date.now() + 6_000);
    const published = await expectJson<{ sequenceNumber: number }>(
      await fed.hub.admin('/v1/trust-list/draft:publish', {
        method: 'POST',
        json: { nextUpdate: nextUpdate.toISOString() },
      }),
      201,
    );
    const shortLived = join(dir, 'short-lived-cache');
    // Fetched in this process, as `trust-list fetch` does (that command is run in before()): a CLI start on a
    // loaded machine can take longer than the list lives.
    const fetched = await fetchTrustListInto(
      `${fed.hub.url}/trust/list.json`,
      shortLived,
      join(fed.dir, 'trust-list-signers.pem'),
      new Date(),
    );
    assert.equal(fetched.current.list.sequenceNumber, published.sequenceNumber);
    await new Promise((r) => setTimeout(r, Math.max(0, nextUpdate.getTime() - Date.now() + 500)));
    const r = await runCli(['verify', pdfFile, '--trust-list', shortLived, '--json']);
    const rep = report(r);
    assert.equal(rep.indication, 'INDETERMINATE', summary(rep, r));
    assert.equal(r.code, 2);
    assert.match(r.stderr, /expired/);
    const all = [...rep.signatures.flatMap((s) => s.checks), ...(rep.licence?.checks ?? [])];
    assert.deepEqual(
      all.filter((c) => c.status === 'failed'),
      [],
    );
    assert.equal(check(rep, 'trust-list')!.code, 'TRUST_LIST_EXPIRED', summary(rep, r));
    assert.equal(check(rep, 'licence-in-log')!.status, 'indeterminate');
  });

  it('with the hub stopped, the chain still verifies offline; seal status and licence are INDETERMINATE', async () => {
    await fed.hub.stop();
    const proofFile = join(dir, 'offline.tlog-proof');
    const r = await runCli(['verify', pdfFile, '--trust-list', cache, '--json', '--log-proof', proofFile]);
    const rep = report(r);
    assert.equal(rep.indication, 'INDETERMINATE', summary(rep, r));
    assert.equal(r.code, 2);
    // The chain verifies from the cached list alone; only the seal's status needs the hub (its node's log).
    for (const s of rep.signatures) {
      assert.equal(s.checks.find((c) => c.id === 'chain')?.status, 'passed', summary(rep, r));
      const sealStatus = s.checks.find((c) => c.id === 'seal-status')!;
      assert.equal(sealStatus.code, 'REGISTRY_UNAVAILABLE', summary(rep, r));
      assert.ok(!s.checks.some((c) => c.status === 'failed'), summary(rep, r));
    }
    assert.equal(rep.licence?.subIndication, 'TRY_LATER', summary(rep, r));
    const inLog = check(rep, 'licence-in-log')!;
    assert.equal(inLog.status, 'indeterminate');
    assert.equal(inLog.code, 'HUB_UNREACHABLE');
    assert.ok(!existsSync(proofFile));
  });
});
