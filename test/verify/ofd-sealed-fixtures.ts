import { createHash } from 'node:crypto';
import { sm3 } from '../../src/crypto/sm3.js';
import { openOfd } from '../../src/ofd/ofd-package.js';
import { SEALTRUST_POLICY } from '../../src/pki/sealtrust-policies.js';
import { makeSeal, signSesV4 } from '../../src/seal/ses-encoder.js';
import type { OfdValidationContext } from '../../src/verify/ofd-validation.js';
import { issueTestCertificate, type TestCertificate } from '../helpers/test-pki.js';
import { minimalFiles } from '../ofd/ofd-builder.js';
import { buildZip, text } from '../ofd/zip-builder.js';

// Sealed OFDs made here with a test PKI of our own, so that a trusted TOTAL_PASSED case exists and every
// tamper case can be measured against it. Test-only and deliberately small (the real stamping writer is
// src/ofd's business): files are a name → bytes map in archive order, a signature is added GB/T 33190 §18 /
// GM/T 0099 §7 style — record appended to Signatures.xml, Seal.esl written, References = SM3 of every file
// present but the new Signature.xml and SignedValue.dat (and Signatures.xml unless locking), SES v4 over
// SM3(Signature.xml) — and the ZIP is written by test/ofd/zip-builder.ts (node:zlib only).

const DAY = 86_400_000;
const HOUR = 3_600_000;
/** SES times are whole seconds. */
export const NOW = new Date(Math.floor(Date.now() / 1000) * 1000);
const at = (ms: number) => new Date(NOW.getTime() + ms);
const NS = 'xmlns:ofd="http://www.ofdspec.org/2016"';

function issue(
  cn: string,
  issuer: TestCertificate | null,
  o: Parameters<typeof issueTestCertificate>[2] = {},
) {
  return issueTestCertificate(cn, issuer, {
    ...o,
    notBefore: at(-30 * DAY),
    organization: 'SealTrust OFD 测试',
  });
}

export const root = issue('OFD 测试根 CA', null, { ca: true, pathLen: 1 });
export const ca = issue('OFD 测试签发 CA', root, { ca: true, pathLen: 0 });
export const maker = issue('OFD 测试制章系统', ca, {
  usage: ['digitalSignature'],
  policies: [SEALTRUST_POLICY.sealMaker],
});
export const signer = issue('某某市某某局', ca, {
  usage: ['digitalSignature', 'nonRepudiation'],
  policies: [SEALTRUST_POLICY.sealSigner],
});
export const signer2 = issue('另一某某局', ca, {
  usage: ['digitalSignature', 'nonRepudiation'],
  policies: [SEALTRUST_POLICY.sealSigner],
});

export function testSeal(esID: string, who: TestCertificate = signer): Buffer {
  return makeSeal(
    {
      version: 4,
      vid: 'SealTrust',
      esID,
      type: 1,
      name: `${esID} 公章`,
      certs: [who.der],
      createDate: at(-10 * DAY),
      validStart: at(-10 * DAY),
      validEnd: at(100 * DAY),
      picture: { type: 'PNG', data: Buffer.from('not really a png'), width: 40, height: 40 },
    },
    { cert: maker.der, privateKey: maker.key.privateKey },
  );
}

export const SEAL_1 = testSeal('33010000000001');
export const SEAL_2 = testSeal('33010000000002', signer2);

/** Trust in the test PKI: anchors, makers, revocation "good", every seal active in the registry. */
export function trustedCtx(over: Partial<OfdValidationContext> = {}): OfdValidationContext {
  return {
    anchors: [root.info],
    intermediates: [ca.info],
    sealMakers: { certificates: [maker.info] },
    revocation: { statusAt: async () => ({ status: 'good', source: 'test' }) },
    sealRegistry: {
      sealStatusAt: async () => ({
        known: true,
        status: 'active',
        changedAt: at(-10 * DAY),
        currentStatus: 'active',
      }),
    },
    now: NOW,
    ...over,
  };
}

export type Files = Map<string, Uint8Array>;

/** The unsigned minimal package of test/ofd/ofd-builder.ts, with an empty Signatures.xml. */
export function unsignedFiles(): Files {
  const files: Files = new Map();
  for (const [name, content] of Object.entries(minimalFiles())) {
    if (name.startsWith('Doc_0/Signs/Sign_')) continue;
    files.set(name, text(content));
  }
  files.set('Doc_0/Signs/Signatures.xml', text(`<ofd:Signatures ${NS}></ofd:Signatures>`));
  return files;
}

export interface SealOptions {
  /** Cover Signatures.xml too (whole protection: no later signature allowed). */
  lock?: boolean;
  /** Files left out of References (a producer that does not cover them). */
  omit?: readonly string[];
  seal?: Buffer;
  by?: TestCertificate;
  /** Signature/@Type written in Signatures.xml (default Seal). */
  type?: string;
  /** References/@CheckMethod as written (null: absent) and the digest actually used. */
  checkMethod?: string | null;
  digest?: 'sm3' | 'md5' | 'sha1';
  /** FileRefs listed after the regular ones (duplicates, self-references). */
  extraRefs?: readonly string[];
}

/** Adds a seal signature Sign_N to `files` (in place) and returns it. */
export function addSeal(files: Files, o: SealOptions = {}): Files {
  const n = [...files.keys()].filter((k) => /^Doc_0\/Signs\/Sign_\d+\/Signature\.xml$/.test(k)).length;
  const dir = `Doc_0/Signs/Sign_${n}`;
  const id = `s${String(2 * n + 1).padStart(3, '0')}`;
  const annotId = `s${String(2 * n + 2).padStart(3, '0')}`;
  const list = new TextDecoder().decode(files.get('Doc_0/Signs/Signatures.xml')!);
  files.set(
    'Doc_0/Signs/Signatures.xml',
    text(
      list.replace(
        '</ofd:Signatures>',
        `<ofd:Signature ID="${id}" Type="${o.type ?? 'Seal'}" BaseLoc="/${dir}/Signature.xml"/></ofd:Signatures>`,
      ),
    ),
  );
  const seal = o.seal ?? SEAL_1;
  files.set(`${dir}/Seal.esl`, seal);
  const refs = [...files.keys()].filter(
    (k) => (o.lock || k !== 'Doc_0/Signs/Signatures.xml') && !(o.omit ?? []).includes(k),
  );
  const xml =
    `<?xml version="1.0" encoding="UTF-8"?><ofd:Signature ${NS}><ofd:SignedInfo>` +
    `<ofd:Provider ProviderName="SealTrust" Company="SealTrust" Version="0.1.0"/>` +
    `<ofd:SignatureMethod>1.2.156.10197.1.501</ofd:SignatureMethod>` +
    `<ofd:SignatureDateTime>20261204021412Z</ofd:SignatureDateTime>` +
    `<ofd:References${o.checkMethod === null ? '' : ` CheckMethod="${o.checkMethod ?? '1.2.156.10197.1.401'}"`}>` +
    [...refs, ...(o.extraRefs ?? [])]
      .map(
        (r) =>
          `<ofd:Reference FileRef="/${r}"><ofd:CheckValue>${digestOf(files.get(r) ?? new Uint8Array(), o.digest)}</ofd:CheckValue></ofd:Reference>`,
      )
      .join('') +
    `</ofd:References><ofd:StampAnnot ID="${annotId}" PageRef="2" Boundary="10 10 40 40"/>` +
    `<ofd:Seal><ofd:BaseLoc>/${dir}/Seal.esl</ofd:BaseLoc></ofd:Seal></ofd:SignedInfo>` +
    `<ofd:SignedValue>/${dir}/SignedValue.dat</ofd:SignedValue></ofd:Signature>`;
  const signatureXml = text(xml);
  const by = o.by ?? signer;
  const ses = signSesV4(
    { seal, timeInfo: at(-1 * HOUR), dataHash: sm3(signatureXml), propertyInfo: `/${dir}/Signature.xml` },
    { cert: by.der, privateKey: by.key.privateKey },
  );
  files.set(`${dir}/Signature.xml`, signatureXml);
  files.set(`${dir}/SignedValue.dat`, ses.der);
  return files;
}

function digestOf(data: Uint8Array, alg: SealOptions['digest'] = 'sm3'): string {
  return createHash(alg).update(data).digest('base64');
}

export function zip(files: Files): Buffer {
  return buildZip([...files].map(([name, data]) => ({ name, data })));
}

/** The entries of any OFD as a Files map (archive order; directory entries dropped). */
export function entriesOf(bytes: Uint8Array): Files {
  const files: Files = new Map();
  for (const e of openOfd(bytes).zip.entries) if (!e.isDirectory) files.set(e.name, e.data);
  return files;
}

/**
 * A copy of `bytes` with entries replaced (bytes or text), removed (null) or added (new names, at the end);
 * every other entry keeps its exact uncompressed bytes.
 */
export function mutate(bytes: Uint8Array, changes: Record<string, Uint8Array | string | null>): Buffer {
  const files = entriesOf(bytes);
  for (const [name, v] of Object.entries(changes)) {
    if (v === null) files.delete(name);
    else files.set(name, typeof v === 'string' ? text(v) : v);
  }
  return zip(files);
}

export const textOf = (files: Files, name: string): string => new TextDecoder().decode(files.get(name)!);
