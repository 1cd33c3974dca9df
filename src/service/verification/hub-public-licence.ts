import { licenceStatusZh } from '../../licence/licence-lifecycle.js';
import type { LicenceDirectoryRecord } from '../../verify/licence-validation.js';
import { ServiceError } from '../service-error.js';

// `GET /v1/verify/licences/{identifier}` and the QR landing page for another node's licence (federation.md §3.5):
// answered from the record the federated directory built out of the hub's verified log leaves, with where it came
// from (`source: "hub"`, the issuing node as the trust list names it, the witness time and tree size it is as of,
// the list's sequence number). The log holds no face data but the dates (§2.2 "Never in a leaf"): name, type
// name, the issuing agency's name and the holder are null here and named in `notAvailable`, never guessed; the
// issue date and validity come from the verified file-bearing leaf.

/** The public answer for a licence of another node. */
export interface HubPublicLicenceRecord extends Omit<LicenceDirectoryRecord, 'federation'> {
  source: 'hub';
  statusName: string;
  name: null;
  /** From the identifier (GB/T 36905: type code, then the issuing agency's USCC). */
  typeCode: string;
  typeName: null;
  issuer: { name: null; code: string };
  holder?: undefined;
  issueDate: string | null;
  validFrom: string | null;
  validTo: string | null;
  versions: { identifier: string; version: string; status: string; statusName: string }[];
  /** The issuing node as the trust list names it. */
  node: { id: string; name: string } | null;
  /** The hub-cosigned checkpoint the answer is based on. */
  asOf: { witnessTime: string | null; size: number | null; origin: string | null };
  trustList: { sequenceNumber: number; state: 'valid' | 'expired'; nextUpdate: string } | null;
  /** Members the hub does not hold (null above). */
  notAvailable: string[];
}

const NOT_IN_HUB = ['name', 'typeName', 'issuer.name', 'holder'];

/**
 * The public record of a federated directory record. Null when the national index has no such licence (404);
 * throws ServiceError 503 `licence-status-indeterminate` when nothing could be judged (no or an expired trust list,
 * the hub unreachable, evidence that did not verify).
 */
export function hubPublicLicence(record: LicenceDirectoryRecord): HubPublicLicenceRecord | null {
  const f = record.federation!;
  if (f.unavailable?.code === 'NOT_IN_NATIONAL_INDEX') return null;
  if (f.unavailable) throw indeterminate(f.unavailable.code, f.unavailable.why);
  const { federation: _f, validity: _v, ...rest } = record;
  const parts = record.identifier.split('.');
  return {
    ...rest,
    source: 'hub',
    statusName: licenceStatusZh(record.status),
    name: null,
    typeCode: parts[5] ?? '',
    typeName: null,
    issuer: { name: null, code: parts[6] ?? '' },
    issueDate: record.validity?.issueDate ?? null,
    validFrom: record.validity?.validFrom ?? null,
    validTo: record.validity?.validTo ?? null,
    // The versions the log shows: this one (others are other identifiers, with evidence of their own).
    versions: [
      {
        identifier: record.identifier,
        version: record.version,
        status: record.status,
        statusName: licenceStatusZh(record.status),
      },
    ],
    node: f.node ? { id: f.node.id, name: f.node.name } : null,
    asOf: { witnessTime: f.log.witnessTime, size: f.log.treeSize, origin: f.log.origin },
    trustList: f.trustList
      ? {
          sequenceNumber: f.trustList.sequenceNumber,
          state: f.trustList.state,
          nextUpdate: f.trustList.nextUpdate,
        }
      : null,
    notAvailable: NOT_IN_HUB,
  };
}

/** `why` is "中文 / English" (federated-directory-view.ts) or a judgement's English text. */
function indeterminate(code: string, why: string): ServiceError {
  const i = why.indexOf(' / ');
  const zh = i < 0 ? why : why.slice(0, i);
  const en = i < 0 ? why : why.slice(i + 3);
  return new ServiceError(
    'unavailable',
    'licence-status-indeterminate',
    `暂无法确定该证照的状态（${zh}），请稍后重试 / the licence's status cannot be determined now (${en}); try again later`,
    'identifier',
    { indication: 'INDETERMINATE', reason: code, source: 'hub' },
    30,
  );
}
