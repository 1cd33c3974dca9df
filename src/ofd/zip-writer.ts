import { crc32, deflateRawSync } from 'node:zlib';
import type { ZipEntry } from './zip-reader.js';

/**
 * Deterministic ZIP writer for stamping OFD packages (GB/T 33190 §7.1 "OFD 文件采用 ZIP 格式"; records per
 * APPNOTE 6.3.10 §4.3). An existing entry is copied byte for byte — its original local record (header, compressed
 * data, data descriptor) and its original central record with only the local-header offset re-based — so no
 * digest an earlier signature made over it can change, and neither can any reader's view of it. New and replaced
 * entries are written with the caller's timestamp (no clock is read), UTF-8 names, deflate via node:zlib unless
 * stored is asked for. No ZIP64: an archive that needs it is beyond the OFD limits, and the writer refuses.
 */

export type ZipWriteEntry =
  /** An entry of the archive being stamped, copied as stored. */
  | { readonly copy: ZipEntry }
  /** A new entry (or the new version of a replaced one). */
  | { readonly name: string; readonly data: Uint8Array; readonly method?: 0 | 8 };

export interface ZipWriteOptions {
  /** Modification time written into new entries' DOS date/time (UTC fields). */
  readonly modified: Date;
  /** Archive comment (the original one, when stamping). */
  readonly comment?: Uint8Array;
}

/** A new entry compressed and framed, ready to be concatenated; lets a two-step stamp deflate once. */
export interface PreparedZipEntry {
  readonly local: Uint8Array;
  /** Central record with a zero local offset, patched when written. */
  readonly central: Uint8Array;
}

const U16_MAX = 0xffff;
const U32_MAX = 0xffffffff;

export class ZipWriteError extends Error {
  override readonly name = 'ZipWriteError';
}

export function writeZip(
  entries: readonly (ZipWriteEntry | PreparedZipEntry)[],
  options: ZipWriteOptions,
): Uint8Array {
  const framed = entries.map((e) =>
    'local' in e ? e : 'copy' in e ? copiedZipEntry(e.copy) : prepareZipEntry(e, options.modified),
  );
  return writePackedZip(NO_ENTRIES, framed, options);
}

/**
 * Framed entries packed end to end as the first entries of an archive: a two-step writer (stamping, where the
 * last entry waits for a signature) keeps two buffers rather than two per entry, so they move between threads
 * without a copy.
 */
export interface PackedZipEntries {
  /** The entries' local records from offset 0 of the archive. */
  readonly locals: Uint8Array;
  /** Their central records in the same order, local offsets set. */
  readonly centrals: Uint8Array;
  readonly count: number;
}

const NO_ENTRIES: PackedZipEntries = { locals: new Uint8Array(), centrals: new Uint8Array(), count: 0 };

/** The entries packed into fresh buffers (never views of the entries', so they can be transferred). */
export function packZipEntries(entries: readonly PreparedZipEntry[]): PackedZipEntries {
  const { localTotal, centralTotal } = recordSizes(NO_ENTRIES, entries);
  const locals = new Uint8Array(localTotal);
  const centrals = new Uint8Array(centralTotal);
  placeEntries(entries, locals, 0, centrals, 0);
  return { locals, centrals, count: entries.length };
}

/** The archive of the packed `head` entries followed by the framed `tail` entries. */
export function writePackedZip(
  head: PackedZipEntries,
  tail: readonly PreparedZipEntry[],
  options: ZipWriteOptions,
): Uint8Array {
  const comment = options.comment ?? new Uint8Array();
  if (comment.length > U16_MAX) throw new ZipWriteError('ZIP comment too long');
  const { count, localTotal, centralTotal } = recordSizes(head, tail);
  const out = new Uint8Array(localTotal + centralTotal + 22 + comment.length);
  out.set(head.locals, 0);
  out.set(head.centrals, localTotal);
  placeEntries(tail, out, head.locals.length, out, localTotal + head.centrals.length);
  const at = localTotal + centralTotal;
  const view = new DataView(out.buffer);
  view.setUint32(at, 0x06054b50, true);
  view.setUint16(at + 4, 0, true);
  view.setUint16(at + 6, 0, true);
  view.setUint16(at + 8, count, true);
  view.setUint16(at + 10, count, true);
  view.setUint32(at + 12, centralTotal, true);
  view.setUint32(at + 16, localTotal, true);
  view.setUint16(at + 20, comment.length, true);
  out.set(comment, at + 22);
  return out;
}

/** Entry count and record sizes of `head` then `tail`, refused beyond what a non-ZIP64 archive holds. */
function recordSizes(head: PackedZipEntries, tail: readonly PreparedZipEntry[]) {
  const count = head.count + tail.length;
  if (count >= U16_MAX) throw new ZipWriteError(`too many ZIP entries for a non-ZIP64 archive: ${count}`);
  let localTotal = head.locals.length;
  let centralTotal = head.centrals.length;
  for (const f of tail) {
    localTotal += f.local.length;
    centralTotal += f.central.length;
  }
  if (localTotal + centralTotal > U32_MAX)
    throw new ZipWriteError('archive too large for a non-ZIP64 archive');
  return { count, localTotal, centralTotal };
}

/**
 * Copies the entries' local records into `locals` from `localAt` (their archive offset) and their central records
 * into `centrals` from `centralAt`, each with its local offset set (APPNOTE 4.4.16: the only field a copy changes).
 */
function placeEntries(
  entries: readonly PreparedZipEntry[],
  locals: Uint8Array,
  localAt: number,
  centrals: Uint8Array,
  centralAt: number,
): void {
  const view = new DataView(centrals.buffer, centrals.byteOffset, centrals.byteLength);
  for (const f of entries) {
    locals.set(f.local, localAt);
    centrals.set(f.central, centralAt);
    view.setUint32(centralAt + 42, localAt, true);
    localAt += f.local.length;
    centralAt += f.central.length;
  }
}

/** An entry of a read archive, framed as it was stored (only its local offset changes when written). */
export function copiedZipEntry(e: ZipEntry): PreparedZipEntry {
  return { local: e.localRecord, central: e.centralRecord };
}

/** Compresses and frames a new entry (local header + data, central record). */
export function prepareZipEntry(
  e: {
    readonly name: string;
    readonly data: Uint8Array;
    readonly method?: 0 | 8;
    /** raw deflate of `data` made earlier (a writer that repeats a file keeps it), instead of deflating again. */
    readonly deflated?: Uint8Array;
    /** CRC-32 of `data`, computed with `deflated` (with it, `data` is not read again here). */
    readonly crc32?: number;
    /** zlib level when deflating here (default 6); the entry's content is the same whatever the level. */
    readonly level?: number;
  },
  modified: Date,
): PreparedZipEntry {
  const name = Buffer.from(e.name, 'utf8');
  if (name.length === 0 || name.length > U16_MAX)
    throw new ZipWriteError(`invalid ZIP entry name: ${e.name}`);
  if (e.data.length >= U32_MAX) throw new ZipWriteError(`entry too large for a non-ZIP64 archive: ${e.name}`);
  const method = e.method ?? 8;
  // The Buffer is used as it is (a Uint8Array): copying it cost an allocation per entry.
  const raw = method === 8 ? (e.deflated ?? deflateEntry(e.data, e.level ?? 6)) : e.data;
  const crc = (e.crc32 ?? crc32(e.data)) >>> 0;
  const { time, date } = dosDateTime(modified);
  // Bit 11: the name is UTF-8 (APPNOTE Appendix D); set only when it matters, as most producers do.
  const flags = name.some((b) => b >= 0x80) ? 0x0800 : 0;

  const local = new Uint8Array(30 + name.length + raw.length);
  const lv = new DataView(local.buffer);
  lv.setUint32(0, 0x04034b50, true);
  lv.setUint16(4, 20, true);
  lv.setUint16(6, flags, true);
  lv.setUint16(8, method, true);
  lv.setUint16(10, time, true);
  lv.setUint16(12, date, true);
  lv.setUint32(14, crc, true);
  lv.setUint32(18, raw.length, true);
  lv.setUint32(22, e.data.length, true);
  lv.setUint16(26, name.length, true);
  lv.setUint16(28, 0, true);
  local.set(name, 30);
  local.set(raw, 30 + name.length);

  const central = new Uint8Array(46 + name.length);
  const cv = new DataView(central.buffer);
  cv.setUint32(0, 0x02014b50, true);
  // Made by Unix, spec 2.0, mode 0644 (APPNOTE 4.4.2, 4.4.15): Info-ZIP converts MS-DOS-made names from the
  // OEM code page even when they are flagged UTF-8, and a Unix host with mode 0 would extract unreadable files.
  cv.setUint16(4, 0x0314, true);
  cv.setUint16(6, 20, true);
  cv.setUint16(8, flags, true);
  cv.setUint16(10, method, true);
  cv.setUint16(12, time, true);
  cv.setUint16(14, date, true);
  cv.setUint32(16, crc, true);
  cv.setUint32(20, raw.length, true);
  cv.setUint32(24, e.data.length, true);
  cv.setUint16(28, name.length, true);
  cv.setUint32(38, (0o100644 << 16) >>> 0, true);
  // extra, comment, disk number, internal attributes: 0; offset patched by writeZip.
  central.set(name, 46);
  return { local, central };
}

/**
 * Raw deflate with a window no larger than the data needs (RFC 1951 §3.2.5: a decoder accepts any distance up
 * to 32 KB, so a smaller window is invisible to readers). zlib allocates and clears its window and hash table
 * for every stream; for the few hundred bytes of most OFD XML files that set-up was most of the cost.
 */
export function deflateEntry(data: Uint8Array, level: number): Uint8Array {
  const windowBits = Math.min(15, Math.max(9, Math.ceil(Math.log2(data.length + 262))));
  return deflateRawSync(data, { level, windowBits });
}

/** APPNOTE 4.4.6: MS-DOS date and time (UTC fields), 2-second resolution; years outside 1980–2107 refused. */
export function dosDateTime(d: Date): { time: number; date: number } {
  const year = d.getUTCFullYear();
  if (Number.isNaN(d.getTime()) || year < 1980 || year > 2107)
    throw new ZipWriteError('the modification time must be a valid date in 1980–2107 (MS-DOS format)');
  return {
    time: (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | (d.getUTCSeconds() >> 1),
    date: ((year - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate(),
  };
}
