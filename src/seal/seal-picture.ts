/**
 * The picture of a round official seal (公章), drawn the way GA 241 describes Chinese official seals: a red
 * ring, the agency name upright along the upper arc, a solid five-point star in the centre, the seal name
 * (合同专用章 …) horizontally below the star and the seal code in small characters along the lower arc.
 *
 * All text is glyph outlines from the bundled font (fontkit), never SVG <text>, so the picture is identical
 * on every machine and the same vector paths can be drawn into a PDF (pdf-lib `drawSvgPath`) without a
 * raster image. The PNG is rendered with resvg with system fonts disabled.
 */
import { Resvg } from '@resvg/resvg-js';
import type { Glyph } from '@cantoo/fontkit';
import { appendGlyphPath, fmt, glyphsFor, SealPictureError, sealFont, type Affine } from './seal-font.js';

import { encodeInkPng } from './indexed-png.js';
export { SealPictureError, type SealPictureErrorCode } from './seal-font.js';

export interface OfficialSealInput {
  /** Agency name, drawn along the upper arc (1–40 characters). */
  agencyName: string;
  /** Seal name below the star, e.g. 合同专用章; empty or absent for the plain official seal (0–12 characters). */
  sealName?: string;
  /** Seal code (esID digits) along the lower arc (0–24 characters). */
  code?: string;
  /** Outer diameter in millimetres, 20–100; default 42. */
  diameterMm?: number;
  /** Ink colour as #rgb or #rrggbb; default #E60012. */
  color?: string;
}

export type SealPathRole = 'ring' | 'name' | 'star' | 'title' | 'code';

export interface SealPath {
  /** SVG path data, absolute commands, in millimetres (origin top-left, y down), nonzero fill rule. */
  d: string;
  fill: string;
  /** What the path draws; `name` / `title` / `code` hold all glyphs of that text. */
  role: SealPathRole;
}

export interface OfficialSeal {
  /** Standalone SVG (viewBox in millimetres, width/height in mm). */
  svg: string;
  /** The same picture as paths, for pdf-lib `drawSvgPath(d, { x, y: top, scale: 72 / 25.4, color })`. */
  paths: SealPath[];
  widthMm: number;
  heightMm: number;
}

export const DEFAULT_SEAL_COLOR = '#E60012';
export const DEFAULT_SEAL_DIAMETER_MM = 42;

const MAX_NAME = 40;
const MAX_TITLE = 12;
const MAX_CODE = 24;

// Geometry of the reference 42 mm seal, in millimetres; other diameters scale it uniformly.
const REF = 42;
const RING_WIDTH = 1.2;
/** Space between the ring's inner edge and the nearest glyph em box. */
const NAME_GAP = 0.8;
/** Em height of the agency-name characters. */
const NAME_EM = 6.9;
/** Natural width of a name character (ratio to its height) before compression. */
const NAME_ASPECT = 0.92;
/** Angular pitch of uncompressed characters, as a multiple of their width. */
const NAME_PITCH = 1.12;
const NAME_MAX_SPAN = (236 * Math.PI) / 180;
/** Names squeezed below this width/height ratio (about 17+ characters) use the Medium weight. */
const SQUEEZED_ASPECT = 0.5;
const STAR_RADIUS = 7;
const TITLE_EM = 5.2;
const TITLE_ASPECT = 0.9;
const TITLE_TRACK = 0.12;
const TITLE_MAX_WIDTH = 19;
/** Vertical position of the seal name's em-box centre, below the seal centre. */
const TITLE_CENTRE_Y = 10;
const CODE_EM = 2.8;
const CODE_GAP = 0.9;
const CODE_TRACK = 0.22;
const CODE_MAX_SPAN = (90 * Math.PI) / 180;

function checkText(value: unknown, what: string, min: number, max: number): string {
  if (value === undefined || value === null) value = '';
  if (typeof value !== 'string') throw new SealPictureError('INVALID_INPUT', `${what} must be a string`);
  const text = value.normalize('NFC').trim();
  const count = [...text].length;
  if (count < min || count > max) {
    throw new SealPictureError('INVALID_INPUT', `${what} must have ${min}–${max} characters, got ${count}`);
  }
  if (/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u.test(text)) {
    throw new SealPictureError('INVALID_INPUT', `${what} contains control or format characters`);
  }
  return text;
}

function checkColor(value: unknown): string {
  if (value === undefined) return DEFAULT_SEAL_COLOR;
  if (typeof value !== 'string' || !/^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/.test(value)) {
    throw new SealPictureError('INVALID_INPUT', 'color must be #rgb or #rrggbb');
  }
  return value.toUpperCase();
}

function checkDiameter(value: unknown): number {
  if (value === undefined) return DEFAULT_SEAL_DIAMETER_MM;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 20 || value > 100) {
    throw new SealPictureError('INVALID_INPUT', 'diameterMm must be a number from 20 to 100');
  }
  return value;
}

/** A circle as four cubic Béziers (no arcs: every SVG-path consumer draws those), clockwise on screen or not. */
function circle(cx: number, cy: number, r: number, clockwise: boolean): string {
  const k = 0.5522847498 * r;
  const s = clockwise ? 1 : -1;
  // Start at the top, then right (clockwise) or left (counter-clockwise).
  const pts = [
    [cx, cy - r],
    [cx + s * r, cy],
    [cx, cy + r],
    [cx - s * r, cy],
  ] as const;
  const parts = [`M${fmt(pts[0][0])} ${fmt(pts[0][1])}`];
  for (let i = 0; i < 4; i++) {
    const [x0, y0] = pts[i]!;
    const [x1, y1] = pts[(i + 1) % 4]!;
    // Tangent at a point of the circle, in the direction of travel.
    const t0 = [(-(y0 - cy) / r) * s, ((x0 - cx) / r) * s];
    const t1 = [(-(y1 - cy) / r) * s, ((x1 - cx) / r) * s];
    parts.push(
      `C${fmt(x0 + k * t0[0]!)} ${fmt(y0 + k * t0[1]!)} ${fmt(x1 - k * t1[0]!)} ${fmt(y1 - k * t1[1]!)} ${fmt(x1)} ${fmt(y1)}`,
    );
  }
  parts.push('Z');
  return parts.join('');
}

/** A solid regular five-point star, point up, clockwise on screen. */
function star(cx: number, cy: number, r: number): string {
  const inner = r * (Math.sin(Math.PI / 10) / Math.sin((7 * Math.PI) / 10));
  const parts: string[] = [];
  for (let i = 0; i < 10; i++) {
    const a = (i * Math.PI) / 5; // from the top, clockwise
    const rr = i % 2 === 0 ? r : inner;
    parts.push(`${i === 0 ? 'M' : 'L'}${fmt(cx + rr * Math.sin(a))} ${fmt(cy - rr * Math.cos(a))}`);
  }
  parts.push('Z');
  return parts.join('');
}

/**
 * Places one glyph: its reference point (font units `gx`, `gy`, y up) lands on seal point (`ox`, `oy`);
 * its x axis runs along `t`, its y axis (up) along `u` (unit vectors in seal coordinates, y down).
 */
function place(
  glyph: Glyph,
  gx: number,
  gy: number,
  sx: number,
  sy: number,
  ox: number,
  oy: number,
  t: readonly [number, number],
  u: readonly [number, number],
  out: string[],
): void {
  const m: Affine = {
    a: sx * t[0],
    b: sx * t[1],
    c: sy * u[0],
    d: sy * u[1],
    e: ox - gx * sx * t[0] - gy * sy * u[0],
    f: oy - gx * sx * t[1] - gy * sy * u[1],
  };
  appendGlyphPath(glyph, m, out);
}

/** Draws the round official seal; see OfficialSealInput for the accepted values. */
export function drawOfficialSeal(input: OfficialSealInput): OfficialSeal {
  if (typeof input !== 'object' || input === null) {
    throw new SealPictureError('INVALID_INPUT', 'seal input must be an object');
  }
  const agencyName = checkText(input.agencyName, 'agencyName', 1, MAX_NAME);
  const sealName = checkText(input.sealName, 'sealName', 0, MAX_TITLE);
  const code = checkText(input.code, 'code', 0, MAX_CODE);
  const diameter = checkDiameter(input.diameterMm);
  const fill = checkColor(input.color);

  const k = diameter / REF;
  const c = diameter / 2;
  const outerR = c;
  const innerR = outerR - RING_WIDTH * k;

  // Agency-name geometry: uncompressed characters need ~26° each; from 9 characters on the arc is full
  // (NAME_MAX_SPAN) and the characters keep their height but get narrower, like carved seals.
  const n = [...agencyName].length;
  const nameH = NAME_EM * k;
  const nameRMid = innerR - NAME_GAP * k - nameH / 2;
  const naturalW = nameH * NAME_ASPECT;
  const span = Math.min(n * ((naturalW * NAME_PITCH) / nameRMid), NAME_MAX_SPAN);
  const pitch = span / n;
  const nameW = Math.min(naturalW, (pitch * nameRMid) / NAME_PITCH);

  // Look every character up before drawing anything, so one error names all missing characters of a text.
  const nameWeight = nameW / nameH < SQUEEZED_ASPECT ? 'medium' : 'bold';
  const nameGlyphs = glyphsFor(agencyName, 'agencyName', nameWeight);
  const titleGlyphs = glyphsFor(sealName, 'sealName');
  const codeGlyphs = glyphsFor(code, 'code');

  const { unitsPerEm: upm, emTop, emBottom } = sealFont();
  const emMid = (emTop + emBottom) / 2;

  const paths: SealPath[] = [
    { role: 'ring', fill, d: circle(c, c, outerR, true) + circle(c, c, innerR, false) },
  ];

  // Agency name: upright characters, tops outward, evenly spaced and centred on the top of the seal.
  {
    const out: string[] = [];
    nameGlyphs.forEach((glyph, i) => {
      const phi = -span / 2 + (i + 0.5) * pitch; // from 12 o'clock, clockwise
      const u = [Math.sin(phi), -Math.cos(phi)] as const;
      const t = [Math.cos(phi), Math.sin(phi)] as const;
      const [ox, oy] = [c + nameRMid * u[0], c + nameRMid * u[1]];
      place(glyph, glyph.advanceWidth / 2, emMid, nameW / glyph.advanceWidth, nameH / upm, ox, oy, t, u, out);
    });
    paths.push({ role: 'name', fill, d: out.join('') });
  }

  paths.push({ role: 'star', fill, d: star(c, c, STAR_RADIUS * k) });

  // Seal name: one horizontal line below the star, squeezed horizontally when long.
  if (titleGlyphs.length > 0) {
    const out: string[] = [];
    const h = TITLE_EM * k;
    const sy = h / upm;
    const track = TITLE_TRACK * h;
    const advances = titleGlyphs.map((g) => g.advanceWidth * ((h * TITLE_ASPECT) / upm));
    const natural = advances.reduce((s, a) => s + a, 0) + track * (titleGlyphs.length - 1);
    const squeeze = Math.min(1, (TITLE_MAX_WIDTH * k) / natural);
    let x = c - (natural * squeeze) / 2;
    const y = c + TITLE_CENTRE_Y * k;
    titleGlyphs.forEach((glyph, i) => {
      const adv = advances[i]! * squeeze;
      const sx = adv / glyph.advanceWidth;
      place(glyph, glyph.advanceWidth / 2, emMid, sx, sy, x + adv / 2, y, [1, 0], [0, -1], out);
      x += adv + track * squeeze;
    });
    paths.push({ role: 'title', fill, d: out.join('') });
  }

  // Seal code: small characters along the lower arc, read left to right, bottoms toward the ring.
  if (codeGlyphs.length > 0) {
    const out: string[] = [];
    const h = CODE_EM * k;
    const sy = h / upm;
    const rBase = innerR - CODE_GAP * k; // the baseline (y = 0) is the outer edge of digits
    const rMid = rBase - emMid * sy;
    const track = CODE_TRACK * k;
    const advances = codeGlyphs.map((g) => g.advanceWidth * sy);
    const natural = advances.reduce((s, a) => s + a, 0) + track * (codeGlyphs.length - 1);
    const squeeze = Math.min(1, (CODE_MAX_SPAN * rMid) / natural);
    const span = (natural * squeeze) / rMid;
    let s = 0; // arc length walked so far, from the left end
    codeGlyphs.forEach((glyph, i) => {
      const adv = advances[i]! * squeeze;
      const alpha = Math.PI + span / 2 - (s + adv / 2) / rMid; // from 12 o'clock, clockwise
      const outward = [Math.sin(alpha), -Math.cos(alpha)] as const;
      const t = [-Math.cos(alpha), -Math.sin(alpha)] as const;
      const up = [-outward[0], -outward[1]] as const;
      const [ox, oy] = [c + rMid * outward[0], c + rMid * outward[1]];
      place(glyph, glyph.advanceWidth / 2, emMid, adv / glyph.advanceWidth, sy, ox, oy, t, up, out);
      s += adv + track * squeeze;
    });
    paths.push({ role: 'code', fill, d: out.join('') });
  }

  const size = fmt(diameter);
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size}mm" height="${size}mm" viewBox="0 0 ${size} ${size}">` +
    paths.map((p) => `<path fill="${p.fill}" d="${p.d}"/>`).join('') +
    '</svg>';
  return { svg, paths, widthMm: diameter, heightMm: diameter };
}

/** Renders a seal SVG to a PNG `pixels` wide (default 400) on a transparent background, without system fonts. */
export function renderSealPng(svg: string, pixels = 400): Buffer {
  return rasterise(svg, pixels).asPng();
}

/**
 * The same picture as a 4-bit indexed PNG in the seal's single ink colour (about a third of the RGBA PNG's
 * size): what goes into the seal, and so into every signature made with it.
 */
export function renderSealInkPng(svg: string, ink: string = DEFAULT_SEAL_COLOR, pixels = 400): Buffer {
  const m = /^#([0-9a-f]{6})$/i.exec(ink);
  if (!m) throw new SealPictureError('INVALID_INPUT', 'ink must be a #rrggbb colour');
  const n = parseInt(m[1]!, 16);
  const img = rasterise(svg, pixels);
  return encodeInkPng(img.pixels, img.width, img.height, [(n >> 16) & 255, (n >> 8) & 255, n & 255]);
}

function rasterise(svg: string, pixels: number) {
  if (!Number.isInteger(pixels) || pixels < 16 || pixels > 4096) {
    throw new SealPictureError('INVALID_INPUT', 'pixels must be an integer from 16 to 4096');
  }
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'width', value: pixels },
    background: 'rgba(0, 0, 0, 0)',
    font: { loadSystemFonts: false },
  });
  return resvg.render();
}
