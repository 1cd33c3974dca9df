import * as asn1js from 'asn1js';
import { CryptoInputError } from './crypto-input-error.js';

// Small typed accessors over asn1js, so that every structural surprise in untrusted DER becomes a
// CryptoInputError('MALFORMED_DER') instead of an asn1js exception or an `undefined` deep inside.

const LIMITS = { maxDepth: 16, maxNodes: 2000, maxContentLength: 1 << 20 };

/** Parse exactly one DER/BER element spanning all of `bytes`. */
export function parseDer(bytes: Uint8Array, what: string): asn1js.AsnType {
  let parsed: ReturnType<typeof asn1js.fromBER>;
  try {
    parsed = asn1js.fromBER(bytes, LIMITS);
  } catch (cause) {
    throw malformed(what, 'unparseable', cause);
  }
  if (parsed.offset === -1 || parsed.result.error) throw malformed(what, 'unparseable');
  if (parsed.offset !== bytes.byteLength) throw malformed(what, 'trailing data');
  return parsed.result;
}

export function malformed(what: string, detail: string, cause?: unknown): CryptoInputError {
  return new CryptoInputError(
    'MALFORMED_DER',
    `${what}: ${detail}`,
    cause === undefined ? undefined : { cause },
  );
}

export function sequence(node: unknown, what: string, min = 0, max = Infinity): asn1js.AsnType[] {
  if (!(node instanceof asn1js.Sequence)) throw malformed(what, 'expected SEQUENCE');
  const items = node.valueBlock.value;
  if (items.length < min || items.length > max)
    throw malformed(what, `unexpected element count ${items.length}`);
  return items as asn1js.AsnType[];
}

export function integer(node: unknown, what: string): bigint {
  if (!(node instanceof asn1js.Integer)) throw malformed(what, 'expected INTEGER');
  return node.toBigInt();
}

/** An INTEGER that must fit a JS number (versions, iteration counts, cost parameters). */
export function smallInteger(node: unknown, what: string): number {
  const v = integer(node, what);
  if (v < 0n || v > BigInt(Number.MAX_SAFE_INTEGER)) throw malformed(what, 'integer out of range');
  return Number(v);
}

export function oid(node: unknown, what: string): string {
  if (!(node instanceof asn1js.ObjectIdentifier)) throw malformed(what, 'expected OBJECT IDENTIFIER');
  return node.getValue();
}

export function octetString(node: unknown, what: string): Uint8Array {
  if (!(node instanceof asn1js.OctetString)) throw malformed(what, 'expected OCTET STRING');
  return new Uint8Array(node.getValue());
}

/** BIT STRING contents, which must be whole bytes (keys always are). */
export function bitStringBytes(node: unknown, what: string): Uint8Array {
  if (!(node instanceof asn1js.BitString) || node.valueBlock.isConstructed) {
    throw malformed(what, 'expected primitive BIT STRING');
  }
  if (node.valueBlock.unusedBits !== 0) throw malformed(what, 'BIT STRING has unused bits');
  return node.valueBlock.valueHexView.slice();
}

export function isNull(node: unknown): boolean {
  return node instanceof asn1js.Null;
}

/** Tag number of a context-specific ([n]) element, or undefined for any other class. */
export function contextTag(node: unknown): number | undefined {
  if (!(node instanceof asn1js.BaseBlock)) return undefined;
  return node.idBlock.tagClass === 3 ? node.idBlock.tagNumber : undefined;
}

/** The single element inside an EXPLICIT context tag. */
export function explicitInner(node: unknown, what: string): asn1js.AsnType {
  if (!(node instanceof asn1js.Constructed) || node.valueBlock.value.length !== 1) {
    throw malformed(what, 'expected one element in explicit tag');
  }
  return node.valueBlock.value[0] as asn1js.AsnType;
}

export function toDer(node: asn1js.BaseBlock): Buffer {
  return Buffer.from(node.toBER(false));
}
