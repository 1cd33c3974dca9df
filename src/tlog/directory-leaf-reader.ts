import { DIRECTORY_LEAF_TYPE, MAX_DIRECTORY_LEAF_BYTES, type DirectoryKind } from './directory-leaf.js';
import { TlogError } from './tlog-error.js';

// Reading a mirrored directory leaf (federation.md §2.2, schema sealtrust.directory.v1) strictly, as the hub must
// before applying it (§3.4): at most 4,096 bytes, a JSON object, the v1 tag,
// the node it was mirrored from, a known kind and op, and the members the national index reads, typed.

export interface LicenceLeafBody {
  id: string;
  type: string;
  issuer: string;
  version: number;
  status: string;
  prev: string | null;
  related: string | null;
  issueDate?: string;
  validFrom?: string;
  validTo?: string | null;
  /** The layout files (ofd.md §4.3: PDF first, then OFD), on the leaf that creates the identifier. */
  files?: LicenceLeafFile[];
  seal?: { esID: string; signer: string; signature?: string };
}

export interface LicenceLeafFile {
  format: 'pdf' | 'ofd';
  sm3: string;
  bytes: number;
}

export interface SealLeafBody {
  esID: string;
  agency: string;
  type: string;
  status: string;
  validFrom: string;
  validTo: string;
  maker: string;
  signers: string[];
  sm3?: string;
}

export interface CertificateLeafBody {
  serial: string;
  ca: string;
  profile: string;
  agency: string | null;
  status: string;
  notBefore: string;
  notAfter: string;
  sm3?: string;
  reason?: string;
  revokedAt?: string;
  invalidityDate?: string;
}

interface Common {
  node: string;
  op: string;
  at: string;
  backfill: boolean;
}

export type ReadDirectoryLeaf = Common &
  (
    | { kind: 'licence'; licence: LicenceLeafBody }
    | {
        kind: 'licence-copy';
        licence: { id: string };
        copy: { files: LicenceLeafFile[]; madeAt: string; expiresAt: string };
      }
    | { kind: 'seal'; seal: SealLeafBody }
    | { kind: 'certificate'; cert: CertificateLeafBody }
    | { kind: 'agency'; agency: { uscc: string; name: string; region: string } }
    | {
        kind: 'licence-type';
        type: { code: string; name: string; authority: string; holderCategory: string; sm3: string };
      }
  );

const OPS: Record<DirectoryKind, readonly string[]> = {
  licence: [
    'issue',
    'renew',
    'replace',
    'suspend',
    'resume',
    'annul',
    'cancel',
    'revoke',
    'transfer-out',
    'cancel-transfer-out',
    'expire',
  ],
  'licence-copy': ['make'],
  seal: ['make', 'suspend', 'resume', 'revoke'],
  certificate: ['issue', 'hold', 'revoke', 'release'],
  agency: ['register'],
  'licence-type': ['define'],
};

/** The member holding each kind's object(s). */
const BODY_KEYS: Record<DirectoryKind, readonly string[]> = {
  licence: ['licence'],
  'licence-copy': ['licence', 'copy'],
  seal: ['seal'],
  certificate: ['cert'],
  agency: ['agency'],
  'licence-type': ['type'],
};

const COMMON_KEYS = new Set(['t', 'node', 'kind', 'op', 'at', 'backfill']);
const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function bad(why: string): TlogError {
  return new TlogError('MALFORMED_LEAF', `目录叶子格式错误 / malformed directory leaf: ${why}`);
}

type Obj = Record<string, unknown>;

function obj(v: unknown, name: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad(`${name} must be an object`);
  return v as Obj;
}

function str(o: Obj, key: string, name: string): string {
  const v = o[key];
  // NUL cannot be stored in PostgreSQL text; a leaf carrying one is malformed, not a batch that fails forever.
  if (typeof v !== 'string' || v.length === 0 || v.length > 1024 || v.includes('\u0000'))
    throw bad(`${name}.${key} must be a string`);
  return v;
}

function strOrNull(o: Obj, key: string, name: string): string | null {
  return o[key] === null ? null : str(o, key, name);
}

function optStr(o: Obj, key: string, name: string): string | undefined {
  return o[key] === undefined ? undefined : str(o, key, name);
}

function int(o: Obj, key: string, name: string): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0 || v > 0x7fffffff)
    throw bad(`${name}.${key} must be an integer in 0..2^31-1`);
  return v;
}

function time(o: Obj, key: string, name: string): string {
  const v = str(o, key, name);
  if (!ISO_MS.test(v) || Number.isNaN(Date.parse(v)))
    throw bad(`${name}.${key} must be an ISO 8601 UTC time`);
  return v;
}

function readLicence(o: Obj): LicenceLeafBody {
  const n = 'licence';
  const out: LicenceLeafBody = {
    id: str(o, 'id', n),
    type: str(o, 'type', n),
    issuer: str(o, 'issuer', n),
    version: int(o, 'version', n),
    status: str(o, 'status', n),
    prev: strOrNull(o, 'prev', n),
    related: strOrNull(o, 'related', n),
  };
  if (o.files !== undefined) {
    out.files = readFiles(o.files);
    const s = obj(o.seal, 'licence.seal');
    out.seal = { esID: str(s, 'esID', 'seal'), signer: str(s, 'signer', 'seal') };
    const signature = optStr(s, 'signature', 'seal');
    if (signature !== undefined) out.seal.signature = signature;
    out.issueDate = str(o, 'issueDate', n);
    out.validFrom = str(o, 'validFrom', n);
    out.validTo = strOrNull(o, 'validTo', n);
  }
  // A leaf that creates an identifier (no status before) carries the file that binds the holder (§2.2).
  if ((out.prev === null) !== (out.files !== undefined))
    throw bad('licence.files is present exactly when licence.prev is null');
  return out;
}

/** `files`: one to two distinct formats, each with a hex SM3 and a size (directory-leaf.ts licenceLeaf). */
function readFiles(v: unknown): LicenceLeafFile[] {
  if (!Array.isArray(v) || v.length === 0 || v.length > 2) throw bad('licence.files must list 1–2 files');
  const seen = new Set<string>();
  return v.map((item: unknown) => {
    const f = obj(item, 'licence.files[]');
    const format = str(f, 'format', 'file');
    if ((format !== 'pdf' && format !== 'ofd') || seen.has(format))
      throw bad('licence.files[].format must be pdf or ofd, each at most once');
    seen.add(format);
    const sm3 = str(f, 'sm3', 'file');
    if (!/^[0-9a-f]{64}$/.test(sm3)) throw bad('licence.files[].sm3 must be 64 lower-case hex digits');
    return { format, sm3, bytes: int(f, 'bytes', 'file') };
  });
}

function readSeal(o: Obj): SealLeafBody {
  const n = 'seal';
  const signers = o.signers;
  if (!Array.isArray(signers) || signers.some((s) => typeof s !== 'string'))
    throw bad('seal.signers must be an array of strings');
  const out: SealLeafBody = {
    esID: str(o, 'esID', n),
    agency: str(o, 'agency', n),
    type: str(o, 'type', n),
    status: str(o, 'status', n),
    validFrom: time(o, 'validFrom', n),
    validTo: time(o, 'validTo', n),
    maker: str(o, 'maker', n),
    signers: signers as string[],
  };
  const sm3 = optStr(o, 'sm3', n);
  if (sm3 !== undefined) out.sm3 = sm3;
  return out;
}

function readCertificate(o: Obj): CertificateLeafBody {
  const n = 'cert';
  const out: CertificateLeafBody = {
    serial: str(o, 'serial', n),
    ca: str(o, 'ca', n),
    profile: str(o, 'profile', n),
    agency: strOrNull(o, 'agency', n),
    status: str(o, 'status', n),
    notBefore: time(o, 'notBefore', n),
    notAfter: time(o, 'notAfter', n),
  };
  for (const k of ['sm3', 'reason'] as const) {
    const v = optStr(o, k, n);
    if (v !== undefined) out[k] = v;
  }
  for (const k of ['revokedAt', 'invalidityDate'] as const) {
    if (o[k] !== undefined) out[k] = time(o, k, n);
  }
  return out;
}

/**
 * Parses and checks one leaf mirrored from node `node`. @throws TlogError MALFORMED_LEAF on anything that is not a
 * canonical v1 directory event of that node.
 */
export function readDirectoryLeaf(bytes: Uint8Array, node: string): ReadDirectoryLeaf {
  if (bytes.length > MAX_DIRECTORY_LEAF_BYTES) throw bad(`longer than ${MAX_DIRECTORY_LEAF_BYTES} bytes`);
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw bad('not JSON');
  }
  const o = obj(parsed, 'leaf');
  // Not re-canonicalised here: the leaf hash binds the exact bytes, and a second spelling of the same event
  // changes nothing the hub stores; RFC 8785 is the appender's duty (encodeDirectoryLeaf). This keeps the read
  // at one JSON.parse per leaf (§6.2 budget).
  if (o.t !== DIRECTORY_LEAF_TYPE) throw bad(`t must be ${DIRECTORY_LEAF_TYPE}`);
  if (o.node !== node) throw bad(`node must be ${node}`);
  const kind = o.kind as DirectoryKind;
  if (typeof kind !== 'string' || !Object.hasOwn(OPS, kind)) throw bad('unknown kind');
  const op = o.op;
  if (typeof op !== 'string' || !OPS[kind].includes(op)) throw bad(`unknown op for ${kind}`);
  const at = time(o, 'at', 'leaf');
  if (o.backfill !== undefined && o.backfill !== true) throw bad('backfill is true when present');
  for (const key of Object.keys(o)) {
    if (!COMMON_KEYS.has(key) && !BODY_KEYS[kind].includes(key)) throw bad(`unexpected member ${key}`);
  }
  const common: Common = { node, op, at, backfill: o.backfill === true };
  switch (kind) {
    case 'licence':
      return { ...common, kind, licence: readLicence(obj(o.licence, 'licence')) };
    case 'licence-copy': {
      const l = obj(o.licence, 'licence');
      const c = obj(o.copy, 'copy');
      return {
        ...common,
        kind,
        licence: { id: str(l, 'id', 'licence') },
        copy: {
          files: readFiles(c.files),
          madeAt: time(c, 'madeAt', 'copy'),
          expiresAt: time(c, 'expiresAt', 'copy'),
        },
      };
    }
    case 'seal':
      return { ...common, kind, seal: readSeal(obj(o.seal, 'seal')) };
    case 'certificate':
      return { ...common, kind, cert: readCertificate(obj(o.cert, 'cert')) };
    case 'agency': {
      const a = obj(o.agency, 'agency');
      return {
        ...common,
        kind,
        agency: {
          uscc: str(a, 'uscc', 'agency'),
          name: str(a, 'name', 'agency'),
          region: str(a, 'region', 'agency'),
        },
      };
    }
    case 'licence-type': {
      const t = obj(o.type, 'type');
      return {
        ...common,
        kind,
        type: {
          code: str(t, 'code', 'type'),
          name: str(t, 'name', 'type'),
          authority: str(t, 'authority', 'type'),
          holderCategory: str(t, 'holderCategory', 'type'),
          sm3: str(t, 'sm3', 'type'),
        },
      };
    }
  }
}
