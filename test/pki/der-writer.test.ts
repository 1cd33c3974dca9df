import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as asn1js from 'asn1js';
import fc from 'fast-check';
import {
  DER_NULL,
  derBigInt,
  derGeneralizedTime,
  derLength,
  derOid,
  derSequence,
  derTime,
  derUnsignedInteger,
  tlv,
} from '../../src/pki/der-writer.js';

// Everything the writer emits must read back with an independent DER reader (asn1js) to the value written,
// and where asn1js can write the same value itself, the bytes must be the ones it writes.

/** Parses exactly one element spanning all of `der`. */
function parseAll(der: Buffer): asn1js.AsnType {
  const parsed = asn1js.fromBER(der);
  assert.notEqual(parsed.offset, -1, parsed.result.error);
  assert.equal(parsed.result.error, '');
  assert.equal(parsed.offset, der.length, 'no trailing bytes');
  return parsed.result;
}

/** The minimal (DER) length octets for `n`, as X.690 §10.1 requires. */
function minimalLengthOctets(n: number): number {
  if (n < 0x80) return 1;
  let bytes = 0;
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes++;
  return 1 + bytes;
}

const LENGTH_BOUNDARIES = [0, 1, 0x7f, 0x80, 0x81, 0xff, 0x100, 0x101, 0xffff, 0x10000, 0x10001];
const lengthArb = fc.oneof(fc.constantFrom(...LENGTH_BOUNDARIES), fc.nat(0x20000));

const bigIntOf = (bytes: Uint8Array) =>
  bytes.length === 0 ? 0n : BigInt('0x' + Buffer.from(bytes).toString('hex'));

describe('der-writer', () => {
  it('lengths are minimal and every tlv reads back with its contents', () => {
    fc.assert(
      fc.property(lengthArb, fc.integer({ min: 0, max: 255 }), (n, fill) => {
        const content = Buffer.alloc(n, fill);
        const der = tlv(0x04, content);
        assert.equal(derLength(n).length, minimalLengthOctets(n));
        assert.equal(der.length, 1 + minimalLengthOctets(n) + n);
        assert.ok(der.equals(Buffer.from(new asn1js.OctetString({ valueHex: content }).toBER())));
        const node = parseAll(der);
        assert.ok(node instanceof asn1js.OctetString);
        assert.ok(Buffer.from(node.valueBlock.valueHexView).equals(content));
      }),
      { numRuns: 60 },
    );
  });

  it('tlv and derSequence concatenate their parts', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 6 }), (parts) => {
        const elements = parts.map((p) => tlv(0x04, p));
        const der = derSequence(...elements);
        assert.ok(der.equals(tlv(0x30, Buffer.concat(elements))));
        const node = parseAll(der);
        assert.ok(node instanceof asn1js.Sequence);
        const values = node.valueBlock.value.map((v) =>
          Buffer.from((v as asn1js.OctetString).valueBlock.valueHexView),
        );
        assert.deepEqual(
          values,
          parts.map((p) => Buffer.from(p)),
        );
      }),
    );
    assert.ok(parseAll(DER_NULL) instanceof asn1js.Null);
  });

  it('unsigned integers keep their value whatever the leading zeros and high bit', () => {
    const edges = [[0], [0x7f], [0x80], [0xff], [0, 0, 0x80], [0, 0, 0], [0, 0x7f], [0x80, 0, 0, 0]];
    const arb = fc.oneof(
      fc.constantFrom(...edges.map((e) => Uint8Array.from(e))),
      fc
        .tuple(fc.nat(3), fc.uint8Array({ minLength: 1, maxLength: 40 }))
        .map(([zeros, bytes]) => Uint8Array.from([...Array<number>(zeros).fill(0), ...bytes])),
    );
    fc.assert(
      fc.property(arb, (bytes) => {
        const value = bigIntOf(bytes);
        const der = derUnsignedInteger(bytes);
        const node = parseAll(der);
        assert.ok(node instanceof asn1js.Integer);
        assert.equal(node.toBigInt(), value);
        assert.ok(der.equals(Buffer.from(asn1js.Integer.fromBigInt(value).toBER())), 'minimal encoding');
      }),
    );
  });

  it('bigints, negative ones included, are the two’s complement asn1js writes', () => {
    const edges = [0n, 1n, -1n, 127n, 128n, -128n, -129n, 255n, 256n, 32767n, 32768n, -32768n, -32769n];
    const arb = fc.oneof(
      fc.constantFrom(...edges),
      fc.bigInt({ min: -(1n << 160n), max: 1n << 160n }),
      fc.bigInt({ min: -(1n << 16n), max: 1n << 16n }),
    );
    fc.assert(
      fc.property(arb, (n) => {
        const der = derBigInt(n);
        assert.ok(der.equals(Buffer.from(asn1js.Integer.fromBigInt(n).toBER())), String(n));
        const node = parseAll(der);
        assert.ok(node instanceof asn1js.Integer);
        assert.equal(node.toBigInt(), n);
      }),
    );
  });

  it('OIDs read back, and repeat calls return the cached encoding', () => {
    const arb = fc
      .tuple(
        fc.integer({ min: 0, max: 2 }),
        fc.integer({ min: 0, max: 39 }),
        fc.array(fc.nat(), { maxLength: 8 }),
      )
      .map(([a, b, rest]) => [a, b, ...rest].join('.'));
    fc.assert(
      fc.property(arb, (oid) => {
        const der = derOid(oid);
        const node = parseAll(der);
        assert.ok(node instanceof asn1js.ObjectIdentifier);
        assert.equal(node.getValue(), oid);
      }),
    );
    assert.equal(derOid('1.2.156.10197.1.501'), derOid('1.2.156.10197.1.501'));
  });

  const MIN = Date.UTC(1950, 0, 1);
  const MAX = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
  const timeArb = fc.oneof(
    fc.constantFrom(
      MIN,
      Date.UTC(2049, 11, 31, 23, 59, 59, 999),
      Date.UTC(2050, 0, 1),
      Date.UTC(2050, 0, 1, 0, 0, 0, 1),
      Date.UTC(9999, 11, 31, 23, 59, 59),
      MAX,
    ),
    fc.integer({ min: Date.UTC(2049, 0, 1), max: Date.UTC(2051, 0, 1) }),
    fc.integer({ min: MIN, max: MAX }),
  );
  const toSecond = (t: number) => t - (((t % 1000) + 1000) % 1000);

  it('derTime: UTCTime before 2050, GeneralizedTime from 2050, to the second', () => {
    fc.assert(
      fc.property(timeArb, (t) => {
        const d = new Date(t);
        const der = derTime(d);
        const node = parseAll(der);
        if (d.getUTCFullYear() < 2050) {
          assert.ok(node instanceof asn1js.UTCTime && !(node instanceof asn1js.GeneralizedTime));
          assert.match(der.subarray(2).toString('ascii'), /^\d{12}Z$/);
        } else {
          assert.ok(node instanceof asn1js.GeneralizedTime);
          assert.match(der.subarray(2).toString('ascii'), /^\d{14}Z$/);
        }
        assert.equal(node.toDate().getTime(), toSecond(t));
      }),
    );
  });

  it('derGeneralizedTime: whole seconds by default, DER milliseconds on request', () => {
    fc.assert(
      fc.property(timeArb, (t) => {
        const d = new Date(t);
        const plain = derGeneralizedTime(d);
        assert.match(plain.subarray(2).toString('ascii'), /^\d{14}Z$/);
        const plainNode = parseAll(plain);
        assert.ok(plainNode instanceof asn1js.GeneralizedTime);
        assert.equal(plainNode.toDate().getTime(), toSecond(t));

        const precise = derGeneralizedTime(d, { millis: true });
        // DER (X.690 §11.7): no trailing zeros in the fraction, no bare '.'.
        assert.match(precise.subarray(2).toString('ascii'), /^\d{14}(\.\d{0,2}[1-9])?Z$/);
        const preciseNode = parseAll(precise);
        assert.ok(preciseNode instanceof asn1js.GeneralizedTime);
        assert.equal(preciseNode.toDate().getTime(), t);
        if (t % 1000 === 0) assert.ok(precise.equals(plain));
      }),
    );
  });
});
