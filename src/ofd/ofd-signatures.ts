import { OfdError, tooComplex } from './ofd-error.js';
import { finding, type OfdFinding } from './ofd-finding.js';
import type { OfdLimits } from './ofd-limits.js';
import { dirOf, type LocResolution, type PackagePaths, resolveLoc } from './loc.js';
import { attr, child, childrenNamed, childText, type XmlElement } from './xml-element.js';
import { readXml } from './xml-reader.js';

/**
 * Signatures.xml and Signature.xml as GB/T 33190 §18 / GM/T 0099-2020 §7 describe them, read without judging:
 * what each signature says it covers (References with FileRef, CheckValue and the CheckMethod as written), where
 * its SignedValue and Seal are, its StampAnnots. Every Signature.xml keeps its original bytes: dataHash is SM3 of
 * exactly those bytes. Children are found by local name in any order (ofdrw writes SignedValue before SignedInfo).
 */

export interface OfdSignatureRecord {
  /** `Signature/@ID` as written (xs:ID by the schema; vendors write "1"). */
  readonly id: string;
  /** `Type` as written; the schema default is Seal. */
  readonly type: string;
  readonly typeDeclared: boolean;
  readonly baseLoc: string;
  readonly location: LocResolution;
  /** Parsed Signature.xml, when it was found and is readable. */
  readonly signature?: OfdSignatureXml;
  /** Why Signature.xml could not be read (stable reason, message). */
  readonly unreadable?: { readonly reason: string; readonly message: string };
}

export interface OfdProvider {
  readonly name?: string;
  readonly version?: string;
  readonly company?: string;
  /** dms360 writes ProviderName etc. as child elements, not attributes (non-conformant). */
  readonly asElements: boolean;
}

export interface OfdReference {
  readonly fileRef: string;
  readonly location: LocResolution;
  /** CheckValue text, trimmed (base64 by the standard; not decoded here). */
  readonly checkValue: string;
}

export interface OfdStampAnnot {
  readonly id?: string;
  readonly pageRef?: string;
  readonly boundary?: string;
  readonly clip?: string;
}

export interface OfdSignatureXml {
  readonly path: string;
  /** Original bytes: dataHash = SM3 of these. */
  readonly bytes: Uint8Array;
  readonly provider?: OfdProvider;
  readonly signatureMethod?: string;
  readonly signatureDateTime?: string;
  /** `References/@CheckMethod` as written; undefined when absent (the 2016 XSD default is MD5). */
  readonly checkMethod?: string;
  readonly references: readonly OfdReference[];
  readonly stampAnnots: readonly OfdStampAnnot[];
  readonly seal?: { readonly loc: string; readonly location: LocResolution };
  readonly signedValue?: { readonly loc: string; readonly location: LocResolution };
  /** Paths the References resolve to (found ones only): what this signature covers. */
  readonly covered: ReadonlySet<string>;
  /** Local name of the root element (`Signature` when conformant). */
  readonly rootName: string;
  readonly hasSignedInfo: boolean;
  readonly findings: readonly OfdFinding[];
}

export interface SignaturesList {
  readonly maxSignId?: string;
  readonly records: readonly { id: string; type: string; typeDeclared: boolean; baseLoc: string }[];
}

/** Signatures.xml: MaxSignId?, Signature*(ID, Type, BaseLoc). */
export function readSignaturesList(root: XmlElement, limits: OfdLimits): SignaturesList {
  const signatures = childrenNamed(root, 'Signature');
  if (signatures.length > limits.maxSignatures)
    throw tooComplex(
      'ofd-too-many-signatures',
      `签名过多 / too many signatures: ${signatures.length} > ${limits.maxSignatures}`,
    );
  const maxSignId = childText(root, 'MaxSignId');
  return {
    ...(maxSignId === undefined ? {} : { maxSignId }),
    records: signatures.map((s) => {
      const type = attr(s, 'Type')?.trim();
      return {
        id: attr(s, 'ID') ?? '',
        type: type === undefined || type === '' ? 'Seal' : type,
        typeDeclared: type !== undefined && type !== '',
        baseLoc: attr(s, 'BaseLoc') ?? '',
      };
    }),
  };
}

/** Signature.xml. Throws OfdError (unreadable XML, too many References); the caller records it. */
export function readSignatureXml(
  path: string,
  bytes: Uint8Array,
  paths: PackagePaths,
  limits: OfdLimits,
): OfdSignatureXml {
  const doc = readXml(bytes, { path, limits });
  const root = doc.root;
  const findings: OfdFinding[] = [...doc.findings];
  const dir = dirOf(path);
  const signedInfo = child(root, 'SignedInfo');
  const info = signedInfo ?? root;

  const providerEl = child(info, 'Provider');
  let provider: OfdProvider | undefined;
  if (providerEl) {
    const byAttr = attr(providerEl, 'ProviderName');
    const asElements = byAttr === undefined && child(providerEl, 'ProviderName') !== undefined;
    const pick = (n: string) => (asElements ? childText(providerEl, n) : attr(providerEl, n));
    provider = {
      ...compact({ name: pick('ProviderName'), version: pick('Version'), company: pick('Company') }),
      asElements,
    };
    if (asElements)
      findings.push(
        finding(
          'signature-provider-elements',
          'warning',
          'Provider 的属性写成了子元素（不符合标准）/ Provider attributes written as child elements (non-conformant)',
          path,
        ),
      );
  }

  const referencesEl = child(info, 'References');
  const referenceEls = referencesEl ? childrenNamed(referencesEl, 'Reference') : [];
  if (referenceEls.length > limits.maxReferencesPerSignature)
    throw tooComplex(
      'ofd-too-many-references',
      `引用过多 / too many References: ${referenceEls.length} > ${limits.maxReferencesPerSignature}${': ' + path}`,
    );
  // FileRef: "指向包内的文件，使用绝对路径" (ofdrw-core range/Reference.java); ofdrw resolves a relative one
  // against Signature.xml's directory, and so do we.
  const references = referenceEls.map((r) => {
    const fileRef = attr(r, 'FileRef') ?? '';
    return {
      fileRef,
      location: resolveLoc(fileRef, dir, paths),
      checkValue: (childText(r, 'CheckValue') ?? '').trim(),
    };
  });
  const covered = new Set<string>();
  for (const r of references) if (r.location.status === 'found') covered.add(r.location.path);

  const stampAnnots = childrenNamed(info, 'StampAnnot').map((s) =>
    compact({
      id: attr(s, 'ID'),
      pageRef: attr(s, 'PageRef'),
      boundary: attr(s, 'Boundary'),
      clip: attr(s, 'Clip'),
    }),
  );
  const sealEl = child(info, 'Seal');
  const sealLoc = sealEl ? childText(sealEl, 'BaseLoc') : undefined;
  const signedValueLoc =
    childText(root, 'SignedValue') ?? (signedInfo ? childText(signedInfo, 'SignedValue') : undefined);
  const checkMethod = referencesEl ? attr(referencesEl, 'CheckMethod') : undefined;

  return {
    path,
    bytes,
    ...(provider ? { provider } : {}),
    ...compact({
      signatureMethod: childText(info, 'SignatureMethod'),
      signatureDateTime: childText(info, 'SignatureDateTime'),
      checkMethod,
    }),
    references,
    stampAnnots,
    ...(sealLoc === undefined ? {} : { seal: { loc: sealLoc, location: resolveLoc(sealLoc, dir, paths) } }),
    ...(signedValueLoc === undefined
      ? {}
      : { signedValue: { loc: signedValueLoc, location: resolveLoc(signedValueLoc, dir, paths) } }),
    covered,
    rootName: root.localName,
    hasSignedInfo: signedInfo !== undefined,
    findings,
  };
}

export function unreadable(err: unknown): { reason: string; message: string } | undefined {
  return err instanceof OfdError && err.code !== 'too-complex'
    ? { reason: err.reason, message: err.message }
    : undefined;
}

/** Drops undefined values, so absent optional fields are absent rather than present-and-undefined. */
function compact<T extends Record<string, unknown>>(o: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out as { [K in keyof T]?: Exclude<T[K], undefined> };
}
