import { crc32, inflateRawSync } from 'node:zlib';
import { malformed, OfdError, tooComplex } from './ofd-error.js';
import { finding, type OfdFinding } from './ofd-finding.js';
import { OFD_LIMITS, type OfdLimits } from './ofd-limits.js';
import { decodeEntryName } from './zip-entry-name.js';
import {
  type CentralRecord,
  type DataDescriptor,
  findEndRecord,
  readCentralRecord,
  readDataDescriptor,
  readLocalRecord,
  readU32,
  SIG_DESCRIPTOR,
} from './zip-records.js';

/**
 * Strict ZIP reader for OFD packages (GB/T 33190 §7.1: "OFD 文件采用 ZIP 格式"). The central directory is the
 * index, and every local header must agree with it (name, method, flags, CRC-32, sizes — or its data descriptor
 * does), because a reader that walks local headers (ofdrw's ZipArchiveInputStream, ofd.js's JSZip) and one that
 * trusts the central directory would otherwise see different files. Every entry is inflated here, with its CRC
 * checked and its output bounded, so a verifier never hashes bytes another reader would not extract.
 *
 * Each entry keeps its original bytes: `data` (uncompressed, what GM/T 0099 References digest), and the raw local
 * record (header + compressed data + descriptor) and central record, which a stamper copies byte for byte.
 */

export interface ZipEntry {
  readonly name: string;
  readonly isDirectory: boolean;
  /** 0 stored, 8 deflate. */
  readonly method: 0 | 8;
  readonly flags: number;
  readonly crc32: number;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  readonly localHeaderOffset: number;
  /** Start of the compressed data in the archive. */
  readonly dataOffset: number;
  readonly hasDataDescriptor: boolean;
  /** The uncompressed content, CRC-checked. */
  readonly data: Uint8Array;
  /** Compressed bytes exactly as stored. */
  readonly rawData: Uint8Array;
  /** Local header + compressed data + data descriptor, exactly as stored. */
  readonly localRecord: Uint8Array;
  /** The central directory record, exactly as stored. */
  readonly centralRecord: Uint8Array;
}

export interface ZipArchive {
  /** Central directory order. */
  readonly entries: readonly ZipEntry[];
  /** Non-directory entries by exact name. */
  readonly files: ReadonlyMap<string, ZipEntry>;
  readonly findings: readonly OfdFinding[];
  /** Bytes before the first local header (self-extractor stubs, polyglots). */
  readonly prefixLength: number;
  /** Bytes after the end-of-central-directory record and its comment. */
  readonly trailingLength: number;
  readonly comment: Uint8Array;
}

/** Throws OfdError only: `not-an-ofd` (no ZIP at all), `malformed-ofd`, `too-complex`. */
export function readZip(bytes: Uint8Array, limits: OfdLimits = OFD_LIMITS): ZipArchive {
  const end = findEndRecord(bytes);
  if (!end)
    throw new OfdError(
      'not-an-ofd',
      'zip-no-end-record',
      '不是 ZIP 归档（无中央目录结束记录）/ not a ZIP archive (no end of central directory record)',
    );
  if (end.entryCount > limits.maxEntries)
    throw tooComplex(
      'zip-too-many-entries',
      `条目过多 / too many entries: ${end.entryCount} > ${limits.maxEntries}`,
    );
  // Offsets must be exact: a central directory that does not end where the EOCD starts means shifted offsets
  // (prepended bytes without fix-up) or hidden data, which readers resolve differently.
  if (end.centralOffset + end.centralSize !== end.offset)
    throw malformed(
      'zip-central-directory',
      '中央目录位置与结束记录不符 / the central directory does not end where the end record starts',
    );

  const findings: OfdFinding[] = [];
  const centrals: CentralRecord[] = [];
  let at = end.centralOffset;
  for (let i = 0; i < end.entryCount; i++) {
    const record = readCentralRecord(bytes, at, end.offset);
    centrals.push(record);
    at += record.length;
  }
  if (at !== end.offset)
    throw malformed(
      'zip-central-directory',
      '中央目录大小与条目数不符 / central directory size does not match its entry count',
    );

  // Names first: refusing a duplicate is cheaper than inflating it.
  const names = new Map<string, string>();
  const decoded = centrals.map((c) => {
    const { name, unflaggedUtf8 } = decodeEntryName(c.rawName, c.flags);
    if (unflaggedUtf8)
      findings.push(
        finding(
          'zip-name-not-flagged-utf8',
          'warning',
          `条目名为 UTF-8 但未置标志位 / UTF-8 name without flag bit 11`,
          name,
        ),
      );
    // Case and Unicode normalisation both fold on common file systems (NTFS, APFS): either makes two names one.
    const folded = name.normalize('NFC').toLowerCase();
    const seen = names.get(folded);
    if (seen === name)
      throw malformed(
        'zip-duplicate-name',
        `ZIP 条目名重复 / duplicate ZIP entry name: ${JSON.stringify(name)}`,
      );
    if (seen !== undefined)
      throw malformed(
        'zip-case-duplicate-name',
        `ZIP 条目名仅大小写或 Unicode 规范化不同 / ZIP entry names differ only in case or Unicode normalisation: ${JSON.stringify(seen)}, ${JSON.stringify(name)}`,
      );
    names.set(folded, name);
    return name;
  });

  let declaredTotal = 0;
  for (let i = 0; i < centrals.length; i++) {
    const c = centrals[i]!;
    const name = decoded[i]!;
    // APPNOTE 4.4.4: bit 0 encrypted, bit 6 strong encryption, bit 13 central directory encrypted.
    if (c.flags & 0x2041) throw malformed('zip-encrypted', `ZIP 条目已加密 / encrypted ZIP entry: ${name}`);
    if (c.method !== 0 && c.method !== 8)
      throw malformed(
        'zip-unsupported-method',
        `不支持的压缩方法 ${c.method} / unsupported compression method: ${name}`,
      );
    declaredTotal += c.uncompressedSize;
    if (declaredTotal > limits.maxInflatedTotal)
      throw tooComplex(
        'zip-inflated-total',
        `解压总量超过上限 / inflated total exceeds ${limits.maxInflatedTotal} bytes`,
      );
    checkRatio(c.compressedSize, c.uncompressedSize, name, limits);
  }

  const entries: ZipEntry[] = [];
  const spans: { start: number; end: number; name: string }[] = [];
  let sawDescriptor = false;
  const flagNotes: string[] = [];
  for (let i = 0; i < centrals.length; i++) {
    const c = centrals[i]!;
    const name = decoded[i]!;
    const entry = readEntry(bytes, c, name, end.centralOffset, flagNotes);
    if (entry.hasDataDescriptor) sawDescriptor = true;
    entries.push(entry);
    spans.push({
      start: entry.localHeaderOffset,
      end: entry.localHeaderOffset + entry.localRecord.length,
      name,
    });
  }

  spans.sort((a, b) => a.start - b.start);
  let cursor = spans.length > 0 ? spans[0]!.start : end.centralOffset;
  const prefixLength = cursor;
  let gaps = 0;
  for (const s of spans) {
    if (s.start < cursor)
      throw malformed('zip-overlap', `ZIP 条目数据重叠 / overlapping ZIP entries at ${s.name}`);
    gaps += s.start - cursor;
    cursor = s.end;
  }
  gaps += end.centralOffset - cursor;
  const trailingLength = bytes.length - (end.offset + 22 + end.commentLength);

  if (prefixLength > 0)
    findings.push(
      finding(
        'zip-prefix-bytes',
        'warning',
        `首个条目前有 ${prefixLength} 字节 / ${prefixLength} bytes before the first entry`,
      ),
    );
  if (gaps > 0)
    findings.push(
      finding(
        'zip-gap-bytes',
        'warning',
        `条目之间有 ${gaps} 字节未被引用 / ${gaps} unreferenced bytes between entries`,
      ),
    );
  if (trailingLength > 0)
    findings.push(
      finding(
        'zip-trailing-bytes',
        'warning',
        `归档末尾有 ${trailingLength} 字节 / ${trailingLength} bytes after the archive`,
      ),
    );
  if (flagNotes.length > 0)
    findings.push(
      finding(
        'zip-header-flags-differ',
        'info',
        `${flagNotes.length} 个条目的本地头标志位与中央目录不同（不影响读取）/ ${flagNotes.length} local headers differ from the central directory in flag bits that do not change how they are read`,
        flagNotes[0],
      ),
    );
  if (sawDescriptor)
    findings.push(
      finding('zip-data-descriptor', 'info', '条目使用数据描述符 / entries use data descriptors'),
    );

  const files = new Map<string, ZipEntry>();
  for (const e of entries) if (!e.isDirectory) files.set(e.name, e);
  return {
    entries,
    files,
    findings,
    prefixLength,
    trailingLength,
    comment: bytes.subarray(end.offset + 22, end.offset + 22 + end.commentLength),
  };
}

function checkRatio(compressed: number, inflated: number, name: string, limits: OfdLimits): void {
  if (inflated > limits.ratioFloor && inflated > compressed * limits.maxRatio)
    throw tooComplex(
      'zip-ratio',
      `压缩比超过 ${limits.maxRatio} / compression ratio above ${limits.maxRatio}: ${name}`,
    );
}

function readEntry(
  bytes: Uint8Array,
  c: CentralRecord,
  name: string,
  limit: number,
  flagNotes: string[],
): ZipEntry {
  const local = readLocalRecord(bytes, c.localOffset, limit);
  const mismatch = (field: string) =>
    malformed(
      'zip-header-mismatch',
      `本地文件头与中央目录不一致（${field}）/ local header differs from the central directory (${field}): ${name}`,
    );
  if (!sameBytes(local.rawName, c.rawName)) throw mismatch('name');
  if (local.method !== c.method) throw mismatch('method');
  // Bits that change how the entry is read must agree: encryption (0, 6), data descriptor (3), masked
  // directory (13), and UTF-8 names (11) unless the name is ASCII. Deflate tuning bits (1, 2) do not matter;
  // a rewriter that kept the local headers but regenerated the directory (Suwell-made licences) differs there.
  const meaningful = 0x2049 | (isAscii(c.rawName) ? 0 : 0x0800);
  if ((local.flags & meaningful) !== (c.flags & meaningful)) throw mismatch('flags');
  if (local.flags !== c.flags) flagNotes.push(name);
  const hasDataDescriptor = (c.flags & 0x0008) !== 0;
  // With bit 3 the local fields may be zero (APPNOTE 4.4.4); when they are not, they must still agree.
  if (!hasDataDescriptor || local.crc32 !== 0) if (local.crc32 !== c.crc32) throw mismatch('CRC-32');
  if (!hasDataDescriptor || local.compressedSize !== 0)
    if (local.compressedSize !== c.compressedSize) throw mismatch('compressed size');
  if (!hasDataDescriptor || local.uncompressedSize !== 0)
    if (local.uncompressedSize !== c.uncompressedSize) throw mismatch('uncompressed size');

  const dataEnd = local.dataOffset + c.compressedSize;
  if (dataEnd > limit) throw malformed('zip-local-header', `条目数据越界 / entry data overruns: ${name}`);
  let recordEnd = dataEnd;
  if (hasDataDescriptor) {
    const d = matchingDescriptor(bytes, dataEnd, limit, c);
    if (!d) throw mismatch('data descriptor');
    recordEnd += d.length;
  }

  const isDirectory = name.endsWith('/');
  const rawData = bytes.subarray(local.dataOffset, dataEnd);
  if (isDirectory && c.uncompressedSize !== 0)
    throw malformed('zip-size-mismatch', `目录条目带有数据 / directory entry with data: ${name}`);
  const data = c.method === 0 ? stored(rawData, c, name) : inflate(rawData, c, name);
  if (crc32(data) >>> 0 !== c.crc32)
    throw malformed('zip-crc-mismatch', `CRC-32 校验失败 / CRC-32 mismatch: ${name}`);
  return {
    name,
    isDirectory,
    method: c.method as 0 | 8,
    flags: c.flags,
    crc32: c.crc32,
    compressedSize: c.compressedSize,
    uncompressedSize: c.uncompressedSize,
    localHeaderOffset: c.localOffset,
    dataOffset: local.dataOffset,
    hasDataDescriptor,
    data,
    rawData,
    localRecord: bytes.subarray(c.localOffset, recordEnd),
    centralRecord: bytes.subarray(c.offset, c.offset + c.length),
  };
}

/** The descriptor's signature is optional, so a CRC could look like one: take the reading that agrees. */
function matchingDescriptor(
  bytes: Uint8Array,
  at: number,
  limit: number,
  c: CentralRecord,
): DataDescriptor | undefined {
  const agrees = (d: DataDescriptor) =>
    d.crc32 === c.crc32 && d.compressedSize === c.compressedSize && d.uncompressedSize === c.uncompressedSize;
  const first = readDataDescriptor(bytes, at, limit);
  if (agrees(first)) return first;
  if (first.length === 16 && at + 12 <= limit && readU32(bytes, at) === SIG_DESCRIPTOR) {
    const unsigned = {
      crc32: readU32(bytes, at),
      compressedSize: readU32(bytes, at + 4),
      uncompressedSize: readU32(bytes, at + 8),
      length: 12,
    };
    if (agrees(unsigned)) return unsigned;
  }
  return undefined;
}

function stored(raw: Uint8Array, c: CentralRecord, name: string): Uint8Array {
  if (c.compressedSize !== c.uncompressedSize)
    throw malformed('zip-size-mismatch', `存储条目的大小不一致 / stored entry sizes differ: ${name}`);
  return raw;
}

function inflate(raw: Uint8Array, c: CentralRecord, name: string): Uint8Array {
  let out: Buffer;
  let consumed: number;
  try {
    // maxOutputLength = the declared size + 1: a stream that claims less than it holds stops there instead of
    // allocating what it wants (the declared sizes were already bounded by total and ratio).
    const r = inflateRawSync(raw, { maxOutputLength: c.uncompressedSize + 1, info: true }) as unknown as {
      buffer: Buffer;
      engine: { bytesWritten: number };
    };
    out = r.buffer;
    consumed = r.engine.bytesWritten;
  } catch (err) {
    if (err instanceof RangeError || (err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE')
      throw malformed(
        'zip-size-mismatch',
        `解压数据超过声明大小 / inflated data exceeds its declared size: ${name}`,
      );
    throw malformed('zip-inflate', `Deflate 数据损坏 / corrupt deflate data: ${name}`, err);
  }
  // Bytes after the end of the deflate stream would be data no inflater shows: hidden, so refused.
  if (consumed !== raw.length)
    throw malformed(
      'zip-size-mismatch',
      `压缩数据在 Deflate 流结束后仍有字节 / bytes after the end of the deflate stream: ${name}`,
    );
  if (out.length !== c.uncompressedSize)
    throw malformed(
      'zip-size-mismatch',
      `解压大小与声明不符 / inflated size differs from the declared size: ${name}`,
    );
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

function isAscii(b: Uint8Array): boolean {
  for (const x of b) if (x >= 0x80) return false;
  return true;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
