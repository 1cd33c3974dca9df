// What the cross-province tests share (federation.md §3.5): a licence issued at a province with its sealed PDF, the
// wait until the hub holds its evidence, and a verification report's shape and lookups.
import assert from 'node:assert/strict';
import { waitFor, type ProvinceAgency } from './fed-api.js';
import type { FedNode } from './fed-node.js';
import { issueLicence } from './fed-api.js';

export interface ReportCheck {
  id: string;
  status: string;
  code: string;
  message?: string;
  details?: Record<string, unknown>;
}

/** A verification report (POST /v1/verify, `sealtrust verify --json`), as far as these tests read it. */
export interface CrossReport {
  indication: string;
  subIndication: string | null;
  signatures: { indication: string; checks: ReportCheck[] }[];
  licence?: { identifier: string; indication: string; subIndication: string | null; checks: ReportCheck[] };
}

/** A licence check of the report. */
export const licenceCheck = (r: CrossReport, id: string): ReportCheck | undefined =>
  r.licence?.checks.find((c) => c.id === id);

/** The report's verdict and every check that did not pass, for assertion messages. */
export const reportSummary = (r: CrossReport): string =>
  JSON.stringify({
    indication: r.indication,
    sub: r.subIndication,
    sig: r.signatures.map((s) => s.checks.filter((c) => c.status !== 'passed' && c.status !== 'skipped')),
    licence: r.licence?.checks.filter((c) => c.status !== 'passed' && c.status !== 'skipped'),
  });

/** Issues a demo licence at `node` and returns it with its sealed PDF as the issuing agency downloads it. */
export async function issueWithPdf(
  node: FedNode,
  agency: ProvinceAgency,
): Promise<{ identifier: string; pdf: Buffer }> {
  const identifier = await issueLicence(node, agency);
  const res = await node.request(`/v1/licences/${encodeURIComponent(identifier)}/pdf`, {
    token: agency.issuer,
  });
  assert.equal(res.status, 200, `PDF of ${identifier}`);
  return { identifier, pdf: Buffer.from(await res.arrayBuffer()) };
}

/** Waits until the hub holds the licence's issuing event under a cosigned checkpoint, with its status statement. */
export async function waitForHubEvidence(hub: FedNode, identifier: string, timeoutMs: number): Promise<void> {
  await waitFor(
    `hub evidence for ${identifier}`,
    async () => {
      const res = await hub.request(`/v1/federation/licences/${encodeURIComponent(identifier)}`);
      if (res.status !== 200) return undefined;
      const body = (await res.json()) as { events: unknown[]; statement: string | null };
      return body.events.length > 0 && body.statement ? true : undefined;
    },
    timeoutMs,
  );
}
