import { TlogError } from './tlog-error.js';

/** tlog-tiles entry bundles store each entry behind a uint16 big-endian length. */
export const MAX_BUNDLE_ENTRY_BYTES = 0xffff;

/** Encodes leaves as a tlog-tiles entry bundle: ‖ uint16be(len) ‖ leaf ‖ … */
export function encodeEntryBundle(entries: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const e of entries) {
    if (!(e instanceof Uint8Array) || e.length > MAX_BUNDLE_ENTRY_BYTES) {
      throw new TlogError(
        'MALFORMED_ENTRY_BUNDLE',
        `条目超过 65535 字节 / entry longer than ${MAX_BUNDLE_ENTRY_BYTES} bytes`,
      );
    }
    total += 2 + e.length;
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const e of entries) {
    out[at] = e.length >>> 8;
    out[at + 1] = e.length & 0xff;
    out.set(e, at + 2);
    at += 2 + e.length;
  }
  return out;
}

/** Decodes an entry bundle strictly: no trailing bytes, and exactly `expectedCount` entries when given. */
export function decodeEntryBundle(bytes: Uint8Array, expectedCount?: number): Uint8Array[] {
  if (!(bytes instanceof Uint8Array))
    throw new TlogError('MALFORMED_ENTRY_BUNDLE', '条目包须为字节 / bundle must be bytes');
  const out: Uint8Array[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (at + 2 > bytes.length)
      throw new TlogError('MALFORMED_ENTRY_BUNDLE', '条目包被截断 / truncated entry length');
    const len = ((bytes[at] as number) << 8) | (bytes[at + 1] as number);
    if (at + 2 + len > bytes.length)
      throw new TlogError('MALFORMED_ENTRY_BUNDLE', '条目包被截断 / truncated entry');
    out.push(bytes.slice(at + 2, at + 2 + len));
    at += 2 + len;
  }
  if (expectedCount !== undefined && out.length !== expectedCount) {
    throw new TlogError(
      'MALFORMED_ENTRY_BUNDLE',
      `条目数应为 ${expectedCount} / bundle holds ${out.length} entries, expected ${expectedCount}`,
    );
  }
  return out;
}
