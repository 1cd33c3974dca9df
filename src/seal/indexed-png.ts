import { crc32, deflateSync } from 'node:zlib';

// A seal picture is one ink colour with anti-aliased edges: as a 4-bit indexed PNG (16 opacity levels of
// that colour) it is about a fifth of the RGBA PNG resvg writes, and the picture travels inside every
// SES_Signature (hex-encoded in each PDF /Contents). No maintained npm encoder writes palette PNGs
// without native code, and the format is small enough to write here.

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const LEVELS = 16;

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(data, crc32(head.subarray(4))) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

/**
 * Encodes RGBA pixels of a single-colour picture as a 4-bit palette PNG: colour `rgb`, 16 opacity levels
 * (pixel alpha rounded to the nearest level; colour channels of the input are ignored).
 */
export function encodeInkPng(
  rgba: Uint8Array,
  width: number,
  height: number,
  rgb: readonly [number, number, number],
): Buffer {
  if (rgba.length !== width * height * 4) throw new RangeError('rgba must hold width × height pixels');
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 4; // bit depth
  ihdr[9] = 3; // colour type: indexed
  const plte = Buffer.alloc(LEVELS * 3);
  const trns = Buffer.alloc(LEVELS);
  for (let i = 0; i < LEVELS; i++) {
    plte.set(rgb, i * 3);
    trns[i] = Math.round((i * 255) / (LEVELS - 1));
  }
  const stride = 1 + Math.ceil(width / 2);
  const raw = Buffer.alloc(stride * height); // filter byte 0 (None) per row
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const level = Math.round((rgba[(y * width + x) * 4 + 3]! * (LEVELS - 1)) / 255);
      const o = y * stride + 1 + (x >> 1);
      raw[o] = raw[o]! | (x & 1 ? level : level << 4);
    }
  }
  return Buffer.concat([
    SIGNATURE,
    chunk('IHDR', ihdr),
    chunk('PLTE', plte),
    chunk('tRNS', trns),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
