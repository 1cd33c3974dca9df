import { crc32, deflateRawSync } from 'node:zlib';

/**
 * Builds ZIP archives for tests, independently of src/ofd (node:zlib only), with knobs for every trick the
 * reader must catch: local fields that differ from the central directory, data descriptors, prefix and trailing
 * bytes, lying sizes, forced flags and methods.
 */
export interface BuildEntry {
  readonly name: string;
  readonly data: Uint8Array;
  readonly method?: 0 | 8;
  /** Write CRC/sizes in a data descriptor (flag bit 3) instead of the local header. */
  readonly descriptor?: 'signed' | 'unsigned';
  readonly flags?: number;
  /** Overrides applied to the local header only. */
  readonly local?: Partial<Fields>;
  /** Overrides applied to the central directory record only. */
  readonly central?: Partial<Fields>;
  /** Replace the stored (compressed) bytes. */
  readonly rawData?: Uint8Array;
}

interface Fields {
  name: string;
  method: number;
  flags: number;
  crc: number;
  compressedSize: number;
  uncompressedSize: number;
  offset: number;
}

export interface BuildOptions {
  /** Bytes written before the first entry; offsets account for them unless `unadjusted`. */
  readonly prefix?: Uint8Array;
  readonly unadjusted?: boolean;
  readonly trailing?: Uint8Array;
  readonly comment?: string;
  /** Overrides for the end record. */
  readonly entryCount?: number;
}

export function buildZip(entries: readonly BuildEntry[], options: BuildOptions = {}): Buffer {
  const prefix = Buffer.from(options.prefix ?? new Uint8Array());
  const chunks: Buffer[] = [prefix];
  let offset = options.unadjusted ? 0 : prefix.length;
  const centrals: Buffer[] = [];
  for (const e of entries) {
    const method = e.method ?? 8;
    const raw = Buffer.from(e.rawData ?? (method === 8 ? deflateRawSync(e.data) : e.data));
    const flags = (e.flags ?? 0x0800) | (e.descriptor ? 0x0008 : 0);
    const base: Fields = {
      name: e.name,
      method,
      flags,
      crc: crc32(e.data) >>> 0,
      compressedSize: raw.length,
      uncompressedSize: e.data.length,
      offset,
    };
    const localFields: Fields = {
      ...base,
      ...(e.descriptor ? { crc: 0, compressedSize: 0, uncompressedSize: 0 } : {}),
      ...e.local,
    };
    const lname = Buffer.from(localFields.name, 'utf8');
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(localFields.flags, 6);
    local.writeUInt16LE(localFields.method, 8);
    local.writeUInt16LE(0, 10);
    local.writeUInt16LE(0x21, 12);
    local.writeUInt32LE(localFields.crc, 14);
    local.writeUInt32LE(localFields.compressedSize, 18);
    local.writeUInt32LE(localFields.uncompressedSize, 22);
    local.writeUInt16LE(lname.length, 26);
    local.writeUInt16LE(0, 28);
    const parts = [local, lname, raw];
    if (e.descriptor) {
      const d = Buffer.alloc(e.descriptor === 'signed' ? 16 : 12);
      let p = 0;
      if (e.descriptor === 'signed') {
        d.writeUInt32LE(0x08074b50, 0);
        p = 4;
      }
      d.writeUInt32LE(base.crc, p);
      d.writeUInt32LE(base.compressedSize, p + 4);
      d.writeUInt32LE(base.uncompressedSize, p + 8);
      parts.push(d);
    }
    const record = Buffer.concat(parts);
    chunks.push(record);
    offset += record.length;

    const c: Fields = { ...base, ...e.central };
    const cname = Buffer.from(c.name, 'utf8');
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(0x0314, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(c.flags, 8);
    central.writeUInt16LE(c.method, 10);
    central.writeUInt16LE(0, 12);
    central.writeUInt16LE(0x21, 14);
    central.writeUInt32LE(c.crc, 16);
    central.writeUInt32LE(c.compressedSize, 20);
    central.writeUInt32LE(c.uncompressedSize, 24);
    central.writeUInt16LE(cname.length, 28);
    central.writeUInt32LE(c.offset, 42);
    centrals.push(central, cname);
  }
  const cd = Buffer.concat(centrals);
  const comment = Buffer.from(options.comment ?? '', 'utf8');
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  const count = options.entryCount ?? entries.length;
  end.writeUInt16LE(count, 8);
  end.writeUInt16LE(count, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  end.writeUInt16LE(comment.length, 20);
  return Buffer.concat([...chunks, cd, end, comment, Buffer.from(options.trailing ?? new Uint8Array())]);
}

export const text = (s: string): Uint8Array => new TextEncoder().encode(s);
