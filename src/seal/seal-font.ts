import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import fontkit, { type Font, type Glyph } from '@cantoo/fontkit';

/** Why a seal picture could not be drawn; stable strings callers may switch on. */
export type SealPictureErrorCode = 'MISSING_GLYPH' | 'INVALID_INPUT' | 'FONT_UNAVAILABLE';

/** Unacceptable seal-picture input (or an unusable font); never a raw library error. */
export class SealPictureError extends Error {
  override readonly name = 'SealPictureError';

  constructor(
    readonly code: SealPictureErrorCode,
    message: string,
    readonly details?: { missing?: string[] },
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Song (serif) is what official seals are carved in (GA 241 asks for 宋体); Noto Serif SC is the free face
 * closest to it. Bold is the normal weight; Medium serves names squeezed so narrow that bold strokes run together.
 */
const SEAL_FONT_MODULES = {
  bold: '@expo-google-fonts/noto-serif-sc/700Bold/NotoSerifSC_700Bold.ttf',
  medium: '@expo-google-fonts/noto-serif-sc/500Medium/NotoSerifSC_500Medium.ttf',
} as const;

export type SealFontWeight = keyof typeof SEAL_FONT_MODULES;

/** The font plus the metrics the layout needs, in font units. */
export interface SealFont {
  readonly font: Font;
  readonly unitsPerEm: number;
  /** Ideographic em box (OS/2 typo ascender/descender: 880 / -120 in Noto CJK). */
  readonly emTop: number;
  readonly emBottom: number;
}

const cache = new Map<SealFontWeight, SealFont>();

/** Loads a seal font once per process (about 200 ms each: the TTFs are 10 MB), then reuses it. */
export function sealFont(weight: SealFontWeight = 'bold'): SealFont {
  const hit = cache.get(weight);
  if (hit) return hit;
  const module = SEAL_FONT_MODULES[weight];
  let font: Font;
  try {
    const file = createRequire(import.meta.url).resolve(module);
    const opened = fontkit.create(readFileSync(file));
    if (!('unitsPerEm' in opened)) throw new Error('font file is a collection');
    font = opened;
  } catch (err) {
    throw new SealPictureError('FONT_UNAVAILABLE', `cannot load the seal font ${module}`, undefined, {
      cause: err,
    });
  }
  const os2 = (font as unknown as { 'OS/2'?: { typoAscender?: number; typoDescender?: number } })['OS/2'];
  const emTop = os2?.typoAscender ?? font.ascent;
  const emBottom = os2?.typoDescender ?? font.descent;
  const loaded: SealFont = { font, unitsPerEm: font.unitsPerEm, emTop, emBottom };
  cache.set(weight, loaded);
  return loaded;
}

/**
 * The glyphs of `text` in order (one per code point, no shaping is needed for CJK and digits).
 * Throws SealPictureError('MISSING_GLYPH') naming every character the font lacks, so a seal never shows tofu.
 */
export function glyphsFor(text: string, what: string, weight: SealFontWeight = 'bold'): Glyph[] {
  const { font } = sealFont(weight);
  const missing: string[] = [];
  const glyphs: Glyph[] = [];
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    const glyph = font.hasGlyphForCodePoint(cp) ? font.glyphForCodePoint(cp) : null;
    if (!glyph || glyph.id === 0) {
      if (!missing.includes(ch)) missing.push(ch);
      continue;
    }
    glyphs.push(glyph);
  }
  if (missing.length > 0) {
    const list = missing.map(
      (c) => `"${c}" (U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')})`,
    );
    throw new SealPictureError(
      'MISSING_GLYPH',
      `${what} contains characters the seal font cannot draw: ${list.join(', ')}`,
      { missing },
    );
  }
  return glyphs;
}

/** An affine map from font units (y up) to seal millimetres (y down): X = a*x + c*y + e, Y = b*x + d*y + f. */
export interface Affine {
  a: number;
  b: number;
  c: number;
  d: number;
  e: number;
  f: number;
}

/** A coordinate rounded to 0.01 mm, without exponent notation or "-0". */
export const fmt = (v: number): string => {
  const r = Math.round(v * 100) / 100;
  return Object.is(r, -0) ? '0' : String(r);
};

/** Appends the glyph outline, mapped through `m`, to `out` as SVG path data (absolute M/L/Q/C/Z, 0.01 mm). */
export function appendGlyphPath(glyph: Glyph, m: Affine, out: string[]): void {
  const pt = (x: number, y: number): string =>
    `${fmt(m.a * x + m.c * y + m.e)} ${fmt(m.b * x + m.d * y + m.f)}`;
  for (const { command, args } of glyph.path.commands) {
    const a = args as number[];
    switch (command) {
      case 'moveTo':
        out.push(`M${pt(a[0]!, a[1]!)}`);
        break;
      case 'lineTo':
        out.push(`L${pt(a[0]!, a[1]!)}`);
        break;
      case 'quadraticCurveTo':
        out.push(`Q${pt(a[0]!, a[1]!)} ${pt(a[2]!, a[3]!)}`);
        break;
      case 'bezierCurveTo':
        out.push(`C${pt(a[0]!, a[1]!)} ${pt(a[2]!, a[3]!)} ${pt(a[4]!, a[5]!)}`);
        break;
      case 'closePath':
        out.push('Z');
        break;
    }
  }
}
