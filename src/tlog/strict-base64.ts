const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Standard padded base64 (RFC 4648 §4), canonical only: Node's decoder skips junk and ignores the unused low bits
 * of the last character, so two spellings could carry one signature and a mutated note could still verify.
 * Returns undefined for anything but the one canonical spelling.
 */
export function decodeStrictBase64(s: string): Uint8Array | undefined {
  if (typeof s !== 'string' || !BASE64_RE.test(s)) return undefined;
  const bytes = Buffer.from(s, 'base64');
  if (bytes.toString('base64') !== s) return undefined;
  return new Uint8Array(bytes);
}

export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}
