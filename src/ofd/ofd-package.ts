import { malformed, OfdError } from './ofd-error.js';
import { finding, type OfdFinding } from './ofd-finding.js';
import { OFD_LIMITS, type OfdLimits } from './ofd-limits.js';
import { dirOf, type LocResolution, normaliseLoc, PackagePaths, resolveLoc } from './loc.js';
import {
  type OfdSignatureRecord,
  type OfdSignatureXml,
  readSignatureXml,
  readSignaturesList,
  unreadable,
} from './ofd-signatures.js';
import { attr, child, childrenNamed, childText, type XmlElement } from './xml-element.js';
import { readXml, type XmlDocument } from './xml-reader.js';
import { readZip, type ZipArchive } from './zip-reader.js';

/**
 * An OFD package read as GB/T 33190 §7 lays it out, and what is reachable from OFD.xml (§2.3 B–C of the design):
 * OFD.xml → DocBody → DocRoot (Document.xml) → CommonData (PublicRes, DocumentRes, TemplatePage), Pages (+ PageRes),
 * Annotations (+ page annotation files), Attachments, CustomTags, Extensions, DocBody/Versions; and Signatures →
 * Signature.xml → SignedValue, Seal. Each reachable file is classified: *rendered* (what a reader draws: OFD.xml,
 * Document.xml, resources, fonts, images, templates, pages, annotations), *data* (attachments, tags, extensions,
 * versions, cover), *signature* (Signatures.xml and each signature's files) or *protection* (GM/T 0099 §7.4
 * integrity protection / encryption files, present but not evaluated here). Anything else is stray ("夹带文件",
 * GM/T 0099 Annex D). Only the structural XML is parsed; tag payloads, attachments and unknown XML are not.
 *
 * Format only: no digests, no trust decisions. Oddities are findings; a package that cannot be analysed at all
 * is an OfdError (`not-an-ofd`, `malformed-ofd`, `too-complex`).
 */

export type OfdFileKind = 'rendered' | 'data' | 'signature' | 'protection';

export type OfdFileRole =
  | 'entry'
  | 'document'
  | 'public-res'
  | 'document-res'
  | 'page-res'
  | 'font'
  | 'multimedia'
  | 'color-profile'
  | 'template'
  | 'page'
  | 'annotations'
  | 'page-annotations'
  | 'attachments'
  | 'attachment'
  | 'custom-tags'
  | 'custom-tag'
  | 'tag-schema'
  | 'extensions'
  | 'extension-data'
  | 'version'
  | 'cover'
  | 'signatures'
  | 'signature'
  | 'signed-value'
  | 'seal'
  | 'integrity-entries'
  | 'integrity-signed-value'
  | 'encryptions';

const KIND: Record<OfdFileRole, OfdFileKind> = {
  entry: 'rendered',
  document: 'rendered',
  'public-res': 'rendered',
  'document-res': 'rendered',
  'page-res': 'rendered',
  font: 'rendered',
  multimedia: 'rendered',
  'color-profile': 'rendered',
  template: 'rendered',
  page: 'rendered',
  annotations: 'rendered',
  'page-annotations': 'rendered',
  attachments: 'data',
  attachment: 'data',
  'custom-tags': 'data',
  'custom-tag': 'data',
  'tag-schema': 'data',
  extensions: 'data',
  'extension-data': 'data',
  version: 'data',
  cover: 'data',
  signatures: 'signature',
  signature: 'signature',
  'signed-value': 'signature',
  seal: 'signature',
  'integrity-entries': 'protection',
  'integrity-signed-value': 'protection',
  encryptions: 'protection',
};

/** The kind of file a reference in `role` leads to (for references that lead nowhere: what was expected). */
export const fileKindOf = (role: OfdFileRole): OfdFileKind => KIND[role];

/** Rendered wins over data, data over signature: a file a reader draws is judged as drawn. */
const KIND_RANK: Record<OfdFileKind, number> = { rendered: 3, data: 2, signature: 1, protection: 0 };

export interface ReachableFile {
  readonly path: string;
  readonly kind: OfdFileKind;
  readonly roles: readonly OfdFileRole[];
  /** Files whose references reach this one ('' for OFD.xml itself and root-level protection files). */
  readonly from: readonly string[];
}

/** A reference that does not lead to a package file. */
export interface UnresolvedReference {
  readonly loc: string;
  readonly from: string;
  readonly role: OfdFileRole;
  readonly location: Exclude<LocResolution, { status: 'found' }>;
}

export interface OfdPageRef {
  readonly id: string;
  readonly baseLoc: string;
  /** Resolved path, when found. */
  readonly path?: string;
}

export interface OfdDocument {
  readonly index: number;
  readonly docId?: string;
  /** Resolved DocRoot (Document.xml). */
  readonly documentPath: string;
  readonly pages: readonly OfdPageRef[];
  readonly templates: readonly OfdPageRef[];
  readonly signaturesPath?: string;
  readonly maxSignId?: string;
  /** Signatures.xml order. */
  readonly signatures: readonly OfdSignatureRecord[];
}

export interface OfdPackage {
  readonly zip: ZipArchive;
  readonly paths: PackagePaths;
  readonly documents: readonly OfdDocument[];
  /** Every file reached from OFD.xml (or a root protection file), by package path. */
  readonly reachable: ReadonlyMap<string, ReachableFile>;
  /** Files (not directory entries) that nothing reaches, in archive order. */
  readonly stray: readonly string[];
  readonly unresolved: readonly UnresolvedReference[];
  /** GM/T 0099 §7.4 files detected (OFDEntries.xml, Encryptions.xml): present, not evaluated. */
  readonly protection: readonly string[];
  /** ZIP, XML, path and package findings, in discovery order. */
  readonly findings: readonly OfdFinding[];
  /** Uncompressed bytes of a package file (undefined when absent). */
  file(path: string): Uint8Array | undefined;
}

const ENTRY = 'OFD.xml';

/** Throws OfdError only. */
export function openOfd(bytes: Uint8Array, limits: OfdLimits = OFD_LIMITS): OfdPackage {
  const zip = readZip(bytes, limits);
  if (!zip.files.has(ENTRY)) {
    const near = [...zip.files.keys()].find((n) => n.toLowerCase() === 'ofd.xml');
    throw new OfdError(
      near === undefined ? 'not-an-ofd' : 'malformed-ofd',
      'ofd-no-entry',
      near === undefined
        ? '不是 OFD：包根目录没有 OFD.xml / not an OFD: no OFD.xml at the package root'
        : `OFD 入口文件名大小写错误 / the OFD entry is named ${near}, not OFD.xml`,
    );
  }
  return new PackageReader(zip, limits).read();
}

class PackageReader {
  private readonly paths: PackagePaths;
  private readonly findings: OfdFinding[];
  private readonly reachable = new Map<string, { kind: OfdFileKind; roles: OfdFileRole[]; from: string[] }>();
  private readonly unresolved: UnresolvedReference[] = [];
  private readonly parsed = new Set<string>();
  private signatureCount = 0;

  constructor(
    private readonly zip: ZipArchive,
    private readonly limits: OfdLimits,
  ) {
    this.paths = new PackagePaths(zip.files.keys());
    this.findings = [...zip.findings];
  }

  read(): OfdPackage {
    this.reach(ENTRY, 'entry', '');
    const ofd = this.structural(ENTRY);
    if (ofd.root.localName !== 'OFD')
      throw malformed(
        'ofd-root',
        `OFD.xml 的根元素不是 OFD / OFD.xml's root element is ${ofd.root.localName}`,
      );
    const bodies = childrenNamed(ofd.root, 'DocBody');
    if (bodies.length === 0) throw malformed('ofd-root', 'OFD.xml 没有 DocBody / OFD.xml has no DocBody');
    const documents = bodies.map((body, index) => this.document(body, index));
    const protection = this.protectionFiles();

    const stray: string[] = [];
    for (const e of this.zip.entries) {
      if (e.isDirectory || this.reachable.has(e.name)) continue;
      stray.push(e.name);
      this.findings.push(
        finding(
          'package-stray-file',
          'warning',
          `包内文件未被任何引用（夹带文件）/ file reached by no reference (stray)`,
          e.name,
        ),
      );
    }
    const reachable = new Map<string, ReachableFile>();
    for (const [path, r] of this.reachable) reachable.set(path, { path, ...r });
    const files = this.zip.files;
    return {
      zip: this.zip,
      paths: this.paths,
      documents,
      reachable,
      stray,
      unresolved: this.unresolved,
      protection,
      findings: this.findings,
      file: (path: string) => files.get(path)?.data,
    };
  }

  private document(body: XmlElement, index: number): OfdDocument {
    const info = child(body, 'DocInfo');
    const cover = info ? childText(info, 'Cover') : undefined;
    if (cover !== undefined) this.follow(cover, '', ENTRY, 'cover');
    const docRootLoc = childText(body, 'DocRoot');
    if (docRootLoc === undefined)
      throw malformed('ofd-doc-root', `DocBody ${index} 没有 DocRoot / DocBody ${index} has no DocRoot`);
    const documentPath = this.follow(docRootLoc, '', ENTRY, 'document');
    if (documentPath === undefined)
      throw malformed(
        'ofd-doc-root',
        `DocRoot 指向的文件不存在 / DocRoot names no package file: ${docRootLoc}`,
      );
    const docXml = this.structural(documentPath);
    if (docXml.root.localName !== 'Document')
      throw malformed(
        'ofd-document',
        `DocRoot 不是 Document / DocRoot's root element is ${docXml.root.localName}`,
      );
    const doc = docXml.root;
    const docDir = dirOf(documentPath);

    const common = child(doc, 'CommonData');
    const templates: OfdPageRef[] = [];
    if (common) {
      for (const r of childrenNamed(common, 'PublicRes'))
        this.res(r.text, docDir, documentPath, 'public-res');
      for (const r of childrenNamed(common, 'DocumentRes'))
        this.res(r.text, docDir, documentPath, 'document-res');
      for (const t of childrenNamed(common, 'TemplatePage'))
        templates.push(this.page(t, docDir, documentPath, 'template'));
    }
    const pagesEl = child(doc, 'Pages');
    const pages = pagesEl
      ? childrenNamed(pagesEl, 'Page').map((p) => this.page(p, docDir, documentPath, 'page'))
      : [];

    const annotations = childText(doc, 'Annotations');
    if (annotations !== undefined) this.index(annotations, docDir, documentPath, 'annotations');
    const attachments = childText(doc, 'Attachments');
    if (attachments !== undefined) this.index(attachments, docDir, documentPath, 'attachments');
    const customTags = childText(doc, 'CustomTags');
    if (customTags !== undefined) this.index(customTags, docDir, documentPath, 'custom-tags');
    const extensions = childText(doc, 'Extensions');
    if (extensions !== undefined) this.index(extensions, docDir, documentPath, 'extensions');

    const versions = child(body, 'Versions');
    if (versions) {
      const list = childrenNamed(versions, 'Version');
      for (const v of list) this.follow(attr(v, 'BaseLoc') ?? '', '', ENTRY, 'version');
      if (list.length > 0)
        this.findings.push(
          finding(
            'package-versions-not-followed',
            'warning',
            '文档含版本（Versions），版本内的文件未分析 / the document has Versions; files inside versions are not analysed',
            ENTRY,
          ),
        );
    }

    const signaturesLoc = childText(body, 'Signatures');
    let signaturesPath: string | undefined;
    let maxSignId: string | undefined;
    const signatures: OfdSignatureRecord[] = [];
    if (signaturesLoc !== undefined) {
      signaturesPath = this.follow(signaturesLoc, '', ENTRY, 'signatures');
      if (signaturesPath !== undefined) {
        const list = readSignaturesList(this.structural(signaturesPath).root, this.limits);
        maxSignId = list.maxSignId;
        this.signatureCount += list.records.length;
        if (this.signatureCount > this.limits.maxSignatures)
          throw new OfdError('too-complex', 'ofd-too-many-signatures', `签名过多 / too many signatures`);
        const dir = dirOf(signaturesPath);
        for (const r of list.records) signatures.push(this.signature(r, dir, signaturesPath));
      }
    }
    const docId = info ? childText(info, 'DocID') : undefined;
    return {
      index,
      ...(docId === undefined ? {} : { docId }),
      documentPath,
      pages,
      templates,
      ...(signaturesPath === undefined ? {} : { signaturesPath }),
      ...(maxSignId === undefined ? {} : { maxSignId }),
      signatures,
    };
  }

  private signature(
    r: { id: string; type: string; typeDeclared: boolean; baseLoc: string },
    dir: string,
    from: string,
  ): OfdSignatureRecord {
    const location = resolveLoc(r.baseLoc, dir, this.paths);
    const base = { ...r, location };
    const path = this.record(r.baseLoc, location, from, 'signature');
    if (path === undefined) return base;
    let signature: OfdSignatureXml;
    try {
      signature = readSignatureXml(path, this.zip.files.get(path)!.data, this.paths, this.limits);
    } catch (err) {
      const why = unreadable(err);
      if (!why) throw err;
      this.findings.push(
        finding(
          'signature-unreadable',
          'error',
          `签名描述文件无法读取 / Signature.xml unreadable (${why.reason})`,
          path,
        ),
      );
      return { ...base, unreadable: why };
    }
    this.findings.push(...signature.findings);
    if (signature.signedValue)
      this.record(signature.signedValue.loc, signature.signedValue.location, path, 'signed-value');
    if (signature.seal) this.record(signature.seal.loc, signature.seal.location, path, 'seal');
    return { ...base, signature };
  }

  private page(e: XmlElement, docDir: string, from: string, role: 'page' | 'template'): OfdPageRef {
    const id = attr(e, 'ID') ?? '';
    const baseLoc = attr(e, 'BaseLoc') ?? '';
    const path = this.follow(baseLoc, docDir, from, role);
    if (path !== undefined) {
      const xml = this.secondary(path);
      if (xml)
        for (const r of childrenNamed(xml.root, 'PageRes')) this.res(r.text, dirOf(path), path, 'page-res');
    }
    return path === undefined ? { id, baseLoc } : { id, baseLoc, path };
  }

  /** Res.xsd: BaseLoc (a directory, relative to the Res file's directory) + FontFile / MediaFile / Profile. */
  private res(
    loc: string,
    dir: string,
    from: string,
    role: 'public-res' | 'document-res' | 'page-res',
  ): void {
    const path = this.follow(loc, dir, from, role);
    if (path === undefined) return;
    const xml = this.secondary(path);
    if (!xml) return;
    const baseLoc = attr(xml.root, 'BaseLoc');
    let base = dirOf(path);
    if (baseLoc !== undefined && baseLoc.trim() !== '') {
      const n = normaliseLoc(baseLoc, base);
      if ('why' in n) {
        this.unresolved.push({
          loc: baseLoc,
          from: path,
          role,
          location: { status: 'invalid', loc: baseLoc, why: n.why },
        });
        this.findings.push(
          finding('loc-invalid', 'error', `Res 的 BaseLoc 无效 / invalid Res BaseLoc (${n.why})`, path),
        );
        return;
      }
      base = n.path;
    }
    for (const [group, item, fileEl, fileRole] of [
      ['Fonts', 'Font', 'FontFile', 'font'],
      ['MultiMedias', 'MultiMedia', 'MediaFile', 'multimedia'],
      ['ColorSpaces', 'ColorSpace', 'Profile', 'color-profile'],
    ] as const) {
      for (const g of childrenNamed(xml.root, group))
        for (const it of childrenNamed(g, item)) {
          const f = childText(it, fileEl) ?? (fileRole === 'color-profile' ? attr(it, 'Profile') : undefined);
          if (f !== undefined) this.follow(f, base, path, fileRole);
        }
    }
  }

  /** Annotations.xml, Attachments.xml, CustomTags.xml, Extensions.xml: index files whose items name files. */
  private index(
    loc: string,
    dir: string,
    from: string,
    role: 'annotations' | 'attachments' | 'custom-tags' | 'extensions',
  ): void {
    const path = this.follow(loc, dir, from, role);
    if (path === undefined) return;
    const xml = this.secondary(path);
    if (!xml) return;
    const here = dirOf(path);
    const items: [string, string, OfdFileRole][] =
      role === 'annotations'
        ? [['Page', 'FileLoc', 'page-annotations']]
        : role === 'attachments'
          ? [['Attachment', 'FileLoc', 'attachment']]
          : role === 'custom-tags'
            ? [
                ['CustomTag', 'FileLoc', 'custom-tag'],
                ['CustomTag', 'SchemaLoc', 'tag-schema'],
              ]
            : [['Extension', 'ExtendData', 'extension-data']];
    for (const [item, fileEl, fileRole] of items)
      for (const it of childrenNamed(xml.root, item)) {
        const f = childText(it, fileEl);
        if (f !== undefined) this.follow(f, here, path, fileRole);
      }
  }

  /** GM/T 0099 §7.4: integrity protection (/OFDEntries.xml + its SignedValueLoc) and encryption (/Encryptions.xml). */
  private protectionFiles(): string[] {
    const found: string[] = [];
    const entries = this.rootFile('OFDEntries.xml');
    if (entries !== undefined) {
      found.push(entries);
      this.reach(entries, 'integrity-entries', '');
      const xml = this.secondary(entries);
      const sv = xml ? childText(xml.root, 'SignedValueLoc') : undefined;
      if (sv !== undefined) {
        const p = this.follow(sv, '', entries, 'integrity-signed-value');
        if (p !== undefined) found.push(p);
      }
      this.findings.push(
        finding(
          'package-integrity-protection',
          'warning',
          '含 GM/T 0099 完整性保护文件，未评估 / GM/T 0099 integrity protection present, not evaluated',
          entries,
        ),
      );
    }
    const enc = this.rootFile('Encryptions.xml');
    if (enc !== undefined) {
      found.push(enc);
      this.reach(enc, 'encryptions', '');
      this.findings.push(
        finding(
          'package-encryption',
          'warning',
          '含 GM/T 0099 加密描述文件，未评估 / GM/T 0099 encryption present, not evaluated',
          enc,
        ),
      );
    }
    return found;
  }

  private rootFile(name: string): string | undefined {
    const r = resolveLoc(name, '', this.paths);
    return r.status === 'found' ? r.path : undefined;
  }

  /** Resolves a reference, records it as reachable in `role`, and returns the path when it leads to a file. */
  private follow(loc: string, dir: string, from: string, role: OfdFileRole): string | undefined {
    return this.record(loc, resolveLoc(loc, dir, this.paths), from, role);
  }

  private record(loc: string, location: LocResolution, from: string, role: OfdFileRole): string | undefined {
    if (location.status === 'found') {
      if (location.caseFixed)
        this.findings.push(
          finding(
            'loc-case-mismatch',
            'warning',
            `路径大小写不符，按不区分大小写匹配 / path case differs, matched case-insensitively: ${loc} → ${location.path}`,
            from,
          ),
        );
      this.reach(location.path, role, from);
      return location.path;
    }
    this.unresolved.push({ loc, from, role, location });
    // A million <Page> elements naming absent files would otherwise become a million findings.
    if (this.unresolved.length > this.limits.maxEntries)
      throw new OfdError(
        'too-complex',
        'ofd-too-many-unresolved',
        `无法解析的引用过多 / too many references to absent files (> ${this.limits.maxEntries})`,
      );
    if (location.status === 'missing')
      this.findings.push(
        finding(
          'loc-missing',
          'warning',
          `引用的文件不存在 / referenced file is missing: ${loc} → /${location.path} (${role})`,
          from,
        ),
      );
    else if (location.status === 'ambiguous')
      this.findings.push(
        finding(
          'loc-ambiguous',
          'error',
          `路径仅大小写不同的文件有多个 / several files match ignoring case: ${location.candidates.join(', ')}`,
          from,
        ),
      );
    else
      this.findings.push(
        finding(
          'loc-invalid',
          'error',
          `无效路径 / invalid path ${JSON.stringify(loc)} (${location.why})`,
          from,
        ),
      );
    return undefined;
  }

  private reach(path: string, role: OfdFileRole, from: string): void {
    const kind = KIND[role];
    const r = this.reachable.get(path);
    if (!r) {
      this.reachable.set(path, { kind, roles: [role], from: [from] });
      return;
    }
    if (!r.roles.includes(role)) r.roles.push(role);
    if (!r.from.includes(from)) r.from.push(from);
    if (KIND_RANK[kind] > KIND_RANK[r.kind]) r.kind = kind;
  }

  /** OFD.xml, Document.xml, Signatures.xml: without them there is nothing to analyse. */
  private structural(path: string): XmlDocument {
    const doc = readXml(this.zip.files.get(path)!.data, { path, limits: this.limits });
    this.findings.push(...doc.findings);
    return doc;
  }

  /** Res, pages, index files: an unreadable one is a finding (its own references stay unknown), parsed once. */
  private secondary(path: string): XmlDocument | undefined {
    if (this.parsed.has(path)) return undefined;
    this.parsed.add(path);
    try {
      const doc = readXml(this.zip.files.get(path)!.data, { path, limits: this.limits });
      this.findings.push(...doc.findings);
      return doc;
    } catch (err) {
      if (!(err instanceof OfdError) || err.code === 'too-complex') throw err;
      this.findings.push(
        finding(
          'xml-unreadable',
          'error',
          `XML 文件无法读取 / XML file unreadable (${err.reason}): ${err.message}`,
          path,
        ),
      );
      return undefined;
    }
  }
}
