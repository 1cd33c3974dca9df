import {
  transition,
  LICENCE_STATUSES,
  type LicenceEventOperation,
  type LicenceStatus,
} from '../../licence/licence-lifecycle.js';
import type { ReadDirectoryLeaf } from '../../tlog/directory-leaf-reader.js';
import type { NationalWrite } from '../../store/national-index-repository.js';

// What one verified batch of a node's leaves does to the national index (federation.md §3.4 "Semantic checks
// while applying"), computed in memory so the store can write it set-based: one row per event, and per licence,
// seal or certificate one folded row (an upsert may not touch a row twice in one statement). The hub is a
// monitor here: a leaf that breaks a rule is still applied, because the log is what the node asserted, but the
// record and the event are flagged and the violation is returned for an alert.

export interface PriorLicence {
  status: string;
  version: number | null;
  issuer: string | null;
}

/** What the index held before the batch, for the identifiers and agencies the batch names. */
export interface NationalPrior {
  licences: ReadonlyMap<string, PriorLicence>;
  /** USCC → node id of the node that registered it. */
  agencies: ReadonlyMap<string, string>;
  seals: ReadonlySet<string>;
}

export type NationalEventRow = NationalWrite['events'][number];

export type NationalLicenceRow = NationalWrite['licences'][number];

export interface HistoryItem {
  idx: number;
  op: string;
  status: string;
  at: string;
}

export type NationalSealRow = NationalWrite['seals'][number];

export type NationalCertificateRow = NationalWrite['certificates'][number];

export type NationalAgencyRow = NationalWrite['agencies'][number];

export interface SemanticViolation {
  idx: number;
  subject: string;
  rule: string;
  detail: string;
}

export interface NationalBatch {
  events: NationalEventRow[];
  licences: NationalLicenceRow[];
  seals: NationalSealRow[];
  certificates: NationalCertificateRow[];
  agencies: NationalAgencyRow[];
  violations: SemanticViolation[];
}

/** The identifiers, USCCs and seal ids a batch's checks need from the index. */
export function priorKeys(leaves: readonly ReadDirectoryLeaf[]): {
  identifiers: string[];
  usccs: string[];
  esIds: string[];
} {
  const ids = new Set<string>();
  const usccs = new Set<string>();
  const esIds = new Set<string>();
  for (const l of leaves) {
    if (l.kind === 'licence') {
      ids.add(l.licence.id);
      if (l.licence.related) ids.add(l.licence.related);
      usccs.add(l.licence.issuer);
    } else if (l.kind === 'licence-copy') ids.add(l.licence.id);
    else if (l.kind === 'seal') {
      usccs.add(l.seal.agency);
      esIds.add(l.seal.esID);
    } else if (l.kind === 'agency') usccs.add(l.agency.uscc);
  }
  return { identifiers: [...ids], usccs: [...usccs], esIds: [...esIds] };
}

function isStatus(s: string): s is LicenceStatus {
  return Object.hasOwn(LICENCE_STATUSES, s);
}

/** Applies `leaves` (indices firstIndex…) of node `nodeId` to the index state `prior`, in log order. */
export function planNationalBatch(
  nodeId: string,
  firstIndex: number,
  leaves: readonly ReadDirectoryLeaf[],
  prior: NationalPrior,
): NationalBatch {
  const licences = new Map<string, NationalLicenceRow>();
  const seals = new Map<string, NationalSealRow>();
  const certificates = new Map<string, NationalCertificateRow>();
  const agencies: NationalAgencyRow[] = [];
  const agencyNode = new Map(prior.agencies);
  const knownSeals = new Set(prior.seals);
  const events: NationalEventRow[] = [];
  const violations: SemanticViolation[] = [];

  const current = (id: string): PriorLicence | undefined => {
    const row = licences.get(id);
    return row ? { status: row.status, version: row.version, issuer: row.issuer } : prior.licences.get(id);
  };
  const ownAgency = (uscc: string, idx: number, subject: string, what: string, flags: string[]) => {
    const owner = agencyNode.get(uscc);
    if (owner === nodeId) return;
    const rule = owner === undefined ? 'unknown-agency' : 'agency-of-another-node';
    flags.push(rule);
    violations.push({
      idx,
      subject,
      rule,
      detail:
        owner === undefined
          ? `${what} ${uscc} 未由本节点登记 / ${what} ${uscc} was never registered by node ${nodeId}`
          : `${what} ${uscc} 由节点 ${owner} 登记 / ${what} ${uscc} belongs to node ${owner}`,
    });
  };
  const violate = (idx: number, subject: string, rule: string, detail: string, flags: string[]) => {
    flags.push(rule);
    violations.push({ idx, subject, rule, detail });
  };

  leaves.forEach((leaf, i) => {
    const idx = firstIndex + i;
    switch (leaf.kind) {
      case 'agency': {
        const owner = agencyNode.get(leaf.agency.uscc);
        if (owner !== undefined) {
          violations.push({
            idx,
            subject: leaf.agency.uscc,
            rule: 'agency-registered-twice',
            detail: `机构已由节点 ${owner} 登记 / agency already registered by node ${owner}`,
          });
          return;
        }
        agencyNode.set(leaf.agency.uscc, nodeId);
        agencies.push({ ...leaf.agency, idx });
        return;
      }
      case 'licence-type':
        return;
      case 'licence-copy': {
        const flags: string[] = [];
        if (current(leaf.licence.id) === undefined)
          violate(
            idx,
            leaf.licence.id,
            'unknown-licence',
            '副本对应的证照未知 / copy of an unknown licence',
            flags,
          );
        events.push({
          idx,
          kind: 'licence-copy',
          identifier: leaf.licence.id,
          op: leaf.op,
          fromStatus: null,
          toStatus: null,
          related: null,
          at: leaf.at,
          flags,
        });
        return;
      }
      case 'licence': {
        const l = leaf.licence;
        const flags: string[] = [];
        const before = current(l.id);
        ownAgency(l.issuer, idx, l.id, '发证机构 / issuer', flags);
        let row: NationalLicenceRow;
        if (l.prev === null) {
          // A new identifier: issue, or the new file of a renew/replace (§2.2).
          if (before !== undefined)
            violate(idx, l.id, 'identifier-reused', '证照标识已存在 / the identifier exists already', flags);
          if (leaf.op !== 'issue' && leaf.op !== 'renew' && leaf.op !== 'replace')
            violate(
              idx,
              l.id,
              'illegal-transition',
              `${leaf.op} 不产生新证照 / ${leaf.op} makes no licence`,
              flags,
            );
          // A back-filled leaf (`sealtrust tlog genesis`) is a snapshot of a licence made before the log, with
          // its status at genesis: suspended or revoked is legitimate there, and not a transition.
          if (l.status !== 'valid' && !leaf.backfill)
            violate(
              idx,
              l.id,
              'illegal-transition',
              `新证照状态须为 valid / a new licence is valid, not ${l.status}`,
              flags,
            );
          if (leaf.op === 'renew' || leaf.op === 'replace') {
            const pred = l.related === null ? undefined : current(l.related);
            if (pred === undefined)
              violate(idx, l.id, 'unknown-predecessor', '前序证照未知 / unknown predecessor', flags);
            else if (leaf.op === 'renew' && (pred.version === null || l.version !== pred.version + 1))
              violate(
                idx,
                l.id,
                'version-step',
                `延续版本须为 ${pred.version === null ? '?' : pred.version + 1} / renewal must be version ${pred.version === null ? '?' : pred.version + 1}, got ${l.version}`,
                flags,
              );
          }
          row = {
            identifier: l.id,
            typeCode: l.type,
            issuer: l.issuer,
            version: l.version,
            status: l.status,
            issueDate: l.issueDate ?? null,
            validFrom: l.validFrom ?? null,
            validTo: l.validTo ?? null,
            pdfSm3: l.files?.find((f) => f.format === 'pdf')?.sm3 ?? null,
            pdfBytes: l.files?.find((f) => f.format === 'pdf')?.bytes ?? null,
            ofdSm3: l.files?.find((f) => f.format === 'ofd')?.sm3 ?? null,
            ofdBytes: l.files?.find((f) => f.format === 'ofd')?.bytes ?? null,
            signatureFormat: l.seal?.signature ?? null,
            esId: l.seal?.esID ?? null,
            signer: l.seal?.signer ?? null,
            predecessor: leaf.op === 'issue' ? null : l.related,
            successor: null,
            firstIdx: licences.get(l.id)?.firstIdx ?? idx,
            lastIdx: idx,
            at: leaf.at,
            flags: [...(licences.get(l.id)?.flags ?? [])],
          };
        } else {
          if (before === undefined) {
            violate(
              idx,
              l.id,
              'unknown-licence',
              '状态变更的证照未知 / status change of an unknown licence',
              flags,
            );
          } else {
            if (before.status !== l.prev)
              violate(
                idx,
                l.id,
                'status-mismatch',
                `变更前状态应为 ${before.status} / status before was ${before.status}, the leaf says ${l.prev}`,
                flags,
              );
            const t =
              leaf.op !== 'issue' && isStatus(before.status)
                ? transition(before.status, leaf.op as LicenceEventOperation)
                : undefined;
            if (!t?.ok || t.to !== l.status)
              violate(
                idx,
                l.id,
                'illegal-transition',
                `${before.status} --${leaf.op}--> ${l.status} 不合法 / illegal transition`,
                flags,
              );
          }
          const existing = licences.get(l.id);
          row = {
            identifier: l.id,
            typeCode: existing?.typeCode ?? null,
            issuer: existing?.issuer ?? null,
            version: existing?.version ?? null,
            status: l.status,
            issueDate: existing?.issueDate ?? null,
            validFrom: existing?.validFrom ?? null,
            validTo: existing?.validTo ?? null,
            pdfSm3: existing?.pdfSm3 ?? null,
            pdfBytes: existing?.pdfBytes ?? null,
            ofdSm3: existing?.ofdSm3 ?? null,
            ofdBytes: existing?.ofdBytes ?? null,
            signatureFormat: existing?.signatureFormat ?? null,
            esId: existing?.esId ?? null,
            signer: existing?.signer ?? null,
            predecessor: existing?.predecessor ?? null,
            successor:
              (leaf.op === 'renew' || leaf.op === 'replace' ? l.related : null) ??
              existing?.successor ??
              null,
            firstIdx: existing?.firstIdx ?? idx,
            lastIdx: idx,
            at: leaf.at,
            flags: [...(existing?.flags ?? [])],
          };
          // Keep what the index knew of a licence first seen in an earlier batch.
          if (!existing && before) {
            row.version = before.version;
            row.issuer = before.issuer;
          }
        }
        for (const f of flags) if (!row.flags.includes(f)) row.flags.push(f);
        licences.set(l.id, row);
        events.push({
          idx,
          kind: 'licence',
          identifier: l.id,
          op: leaf.op,
          fromStatus: l.prev,
          toStatus: l.status,
          related: l.related,
          at: leaf.at,
          flags,
        });
        return;
      }
      case 'seal': {
        const s = leaf.seal;
        const flags: string[] = [];
        ownAgency(s.agency, idx, s.esID, '印章所属机构 / seal agency', flags);
        const known = knownSeals.has(s.esID);
        if (leaf.op === 'make' && known)
          violate(idx, s.esID, 'seal-made-twice', '印章编码已存在 / the seal exists already', flags);
        if (leaf.op !== 'make' && !known)
          violate(
            idx,
            s.esID,
            'unknown-seal',
            '状态变更的印章未知 / status change of an unknown seal',
            flags,
          );
        knownSeals.add(s.esID);
        const existing = seals.get(s.esID);
        seals.set(s.esID, {
          esId: s.esID,
          agency: s.agency,
          type: s.type,
          status: s.status,
          validFrom: s.validFrom,
          validTo: s.validTo,
          maker: s.maker,
          signers: s.signers,
          sm3: s.sm3 ?? existing?.sm3 ?? null,
          firstIdx: existing?.firstIdx ?? idx,
          lastIdx: idx,
          history: [...(existing?.history ?? []), { idx, op: leaf.op, status: s.status, at: leaf.at }],
          flags: [...new Set([...(existing?.flags ?? []), ...flags])],
        });
        return;
      }
      case 'certificate': {
        const c = leaf.cert;
        const existing = certificates.get(c.serial);
        certificates.set(c.serial, {
          serial: c.serial,
          ca: c.ca,
          profile: c.profile,
          agency: c.agency,
          status: c.status,
          notBefore: c.notBefore,
          notAfter: c.notAfter,
          sm3: c.sm3 ?? existing?.sm3 ?? null,
          reason: c.reason ?? null,
          revokedAt: c.revokedAt ?? null,
          invalidityDate: c.invalidityDate ?? null,
          firstIdx: existing?.firstIdx ?? idx,
          lastIdx: idx,
          history: [...(existing?.history ?? []), { idx, op: leaf.op, status: c.status, at: leaf.at }],
        });
        return;
      }
    }
  });
  return {
    events,
    licences: [...licences.values()],
    seals: [...seals.values()],
    certificates: [...certificates.values()],
    agencies,
    violations,
  };
}
