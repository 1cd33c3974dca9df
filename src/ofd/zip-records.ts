import { malformed, OfdError } from './ofd-error.js';

/**
 * The fixed-layout ZIP records (APPNOTE 6.3.10 §4.3): end of central directory, central directory file header,
 * local file header, data descriptor. Parsing only: every bound is checked against the buffer, nothing is trusted.
 */

export const SIG_LOCAL = 0x04034b50;
export const SIG_CENTRAL = 0x02014b50;
export const SIG_END = 0x06054b50;
export const SIG_ZIP64_LOCATOR = 0x07064b50;
export const SIG_DESCRIPTOR = 0x08074b50;

export interface EndRecord {
  readonly offset: number;
  readonly entryCount: number;
  readonly centralSize: number;
  readonly centralOffset: number;
  readonly commentLength: number;
}

export interface CentralRecord {
  readonly offset: number;
  readonly length: number;
  readonly flags: number;
  readonly method: number;
  readonly crc32: number;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  readonly rawName: Uint8Array;
  readonly localOffset: number;
}

export interface LocalRecord {
  readonly offset: number;
  readonly flags: number;
  readonly method: number;
  readonly crc32: number;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  readonly rawName: Uint8Array;
  readonly dataOffset: number;
}

const u16 = (b: Uint8Array, at: number) => b[at]! | (b[at + 1]! << 8);
const u32 = (b: Uint8Array, at: number) =>
  (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;

export const readU32 = u32;

/** APPNOTE 4.3.16: the EOCD is the last record; its comment may be up to 65,535 bytes. */
export function findEndRecord(bytes: Uint8Array): EndRecord | undefined {
  const last = bytes.length - 22;
  const first = Math.max(0, last - 0xffff);
  for (let at = last; at >= first; at--) {
    if (bytes[at] !== 0x50 || u32(bytes, at) !== SIG_END) continue;
    const commentLength = u16(bytes, at + 20);
    if (at + 22 + commentLength > bytes.length) continue;
    const disk = u16(bytes, at + 4);
    const cdDisk = u16(bytes, at + 6);
    const onDisk = u16(bytes, at + 8);
    const entryCount = u16(bytes, at + 10);
    const centralSize = u32(bytes, at + 12);
    const centralOffset = u32(bytes, at + 16);
    if (
      entryCount === 0xffff ||
      centralSize === 0xffffffff ||
      centralOffset === 0xffffffff ||
      onDisk === 0xffff
    )
      throw new OfdError(
        'malformed-ofd',
        'zip64-unsupported',
        'ZIP64 不受支持：超出 OFD 验证上限的归档才需要它 / ZIP64 is not supported: only archives beyond the OFD limits need it',
      );
    if (at >= 20 && u32(bytes, at - 20) === SIG_ZIP64_LOCATOR)
      throw new OfdError('malformed-ofd', 'zip64-unsupported', 'ZIP64 不受支持 / ZIP64 is not supported');
    if (disk !== 0 || cdDisk !== 0 || onDisk !== entryCount)
      throw malformed('zip-multi-disk', 'ZIP 分卷归档不受支持 / multi-disk ZIP archives are not supported');
    return { offset: at, entryCount, centralSize, centralOffset, commentLength };
  }
  return undefined;
}

export function readCentralRecord(bytes: Uint8Array, at: number, end: number): CentralRecord {
  if (at + 46 > end || u32(bytes, at) !== SIG_CENTRAL)
    throw malformed('zip-central-directory', `中央目录记录损坏 / broken central directory record at ${at}`);
  const nameLength = u16(bytes, at + 28);
  const extraLength = u16(bytes, at + 30);
  const commentLength = u16(bytes, at + 32);
  const length = 46 + nameLength + extraLength + commentLength;
  if (at + length > end)
    throw malformed('zip-central-directory', `中央目录记录越界 / central directory record overruns at ${at}`);
  if (u16(bytes, at + 34) !== 0)
    throw malformed('zip-multi-disk', 'ZIP 分卷归档不受支持 / multi-disk ZIP archives are not supported');
  const record: CentralRecord = {
    offset: at,
    length,
    flags: u16(bytes, at + 8),
    method: u16(bytes, at + 10),
    crc32: u32(bytes, at + 16),
    compressedSize: u32(bytes, at + 20),
    uncompressedSize: u32(bytes, at + 24),
    rawName: bytes.subarray(at + 46, at + 46 + nameLength),
    localOffset: u32(bytes, at + 42),
  };
  if (
    record.compressedSize === 0xffffffff ||
    record.uncompressedSize === 0xffffffff ||
    record.localOffset === 0xffffffff
  )
    throw new OfdError(
      'malformed-ofd',
      'zip64-unsupported',
      'ZIP64 条目不受支持 / ZIP64 entries are not supported',
    );
  return record;
}

export function readLocalRecord(bytes: Uint8Array, at: number, limit: number): LocalRecord {
  if (at + 30 > limit || u32(bytes, at) !== SIG_LOCAL)
    throw malformed(
      'zip-local-header',
      `本地文件头缺失或损坏 / missing or broken local file header at ${at}`,
    );
  const nameLength = u16(bytes, at + 26);
  const extraLength = u16(bytes, at + 28);
  const dataOffset = at + 30 + nameLength + extraLength;
  if (dataOffset > limit)
    throw malformed('zip-local-header', `本地文件头越界 / local file header overruns at ${at}`);
  return {
    offset: at,
    flags: u16(bytes, at + 6),
    method: u16(bytes, at + 8),
    crc32: u32(bytes, at + 14),
    compressedSize: u32(bytes, at + 18),
    uncompressedSize: u32(bytes, at + 22),
    rawName: bytes.subarray(at + 30, at + 30 + nameLength),
    dataOffset,
  };
}

export interface DataDescriptor {
  readonly crc32: number;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  readonly length: number;
}

/** APPNOTE 4.3.9: the descriptor's signature is optional; 12 or 16 bytes (ZIP64's 20/24 are refused above). */
export function readDataDescriptor(bytes: Uint8Array, at: number, limit: number): DataDescriptor {
  const signed = at + 4 <= limit && u32(bytes, at) === SIG_DESCRIPTOR;
  const p = signed ? at + 4 : at;
  if (p + 12 > limit)
    throw malformed('zip-local-header', `数据描述符越界 / data descriptor overruns at ${at}`);
  return {
    crc32: u32(bytes, p),
    compressedSize: u32(bytes, p + 4),
    uncompressedSize: u32(bytes, p + 8),
    length: signed ? 16 : 12,
  };
}
