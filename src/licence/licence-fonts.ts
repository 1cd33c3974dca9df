import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import fontkit, { type Font, type Glyph } from '@cantoo/fontkit';
import type { PDFDocument } from '@cantoo/pdf-lib';
import { TrueTypeSource, TrueTypeSubset } from './truetype-subset.js';

type Fontkit = Parameters<PDFDocument['registerFontkit']>[0];

/** Type faces a template may ask for: 黑体-like sans and 宋体-like serif, each regular or bold. */
export const LICENCE_FONT_FAMILIES = ['sans', 'serif'] as const;
export type LicenceFontFamily = (typeof LICENCE_FONT_FAMILIES)[number];
export type LicenceFontWeight = 'regular' | 'bold';
export type LicenceFontKey = `${LicenceFontFamily}-${LicenceFontWeight}`;

const FONT_MODULES: Record<LicenceFontKey, string> = {
  'sans-regular': '@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf',
  'sans-bold': '@expo-google-fonts/noto-sans-sc/700Bold/NotoSansSC_700Bold.ttf',
  'serif-regular': '@expo-google-fonts/noto-serif-sc/400Regular/NotoSerifSC_400Regular.ttf',
  'serif-bold': '@expo-google-fonts/noto-serif-sc/700Bold/NotoSerifSC_700Bold.ttf',
};

/** One loaded face: the file bytes (handed to pdf-lib, which subsets them), the parsed font and metrics. */
export interface LicenceFont {
  readonly key: LicenceFontKey;
  readonly bytes: Uint8Array;
  readonly font: Font;
  /** The raw tables the subsetter copies from, with the names each subset file carries. */
  readonly source: TrueTypeSource;
  readonly unitsPerEm: number;
  /** Ideographic em box (OS/2 typo ascender/descender, 880/-120 in Noto CJK), font units. */
  readonly emTop: number;
  readonly emBottom: number;
  /** Advance width of a code point in em (1 = the font size); undefined when the font has no glyph for it. */
  advance(codePoint: number): number | undefined;
  /** Width of `text` at `sizePt`, in points (sum of advances; CJK needs no shaping). */
  widthPt(text: string, sizePt: number): number;
  /** Characters of `text` the font cannot draw (each once, in order). */
  missing(text: string): string[];
}

export class LicenceFontError extends Error {
  override readonly name = 'LicenceFontError';
}

const loaded = new Map<LicenceFontKey, LicenceFont>();
/** Parsed fonts by the identity of their bytes: what the caching fontkit hands back to pdf-lib. */
const parsedByBytes = new WeakMap<Uint8Array, Font>();

function load(key: LicenceFontKey): LicenceFont {
  const module = FONT_MODULES[key];
  let bytes: Uint8Array;
  let font: Font;
  try {
    bytes = readFileSync(createRequire(import.meta.url).resolve(module));
    const opened = fontkit.create(bytes as Buffer);
    if (!('unitsPerEm' in opened)) throw new Error('font file is a collection');
    font = opened;
  } catch (err) {
    throw new LicenceFontError(`字体无法加载 / cannot load the licence font ${module}`, { cause: err });
  }
  const postscriptName = font.postscriptName || key;
  const family = font.familyName || postscriptName;
  const subfamily = font.subfamilyName || 'Regular';
  const source = new TrueTypeSource(bytes, {
    family,
    subfamily,
    fullName: `${family} ${subfamily}`,
    postscriptName,
  });
  parsedByBytes.set(bytes, forPdfLib(font, source));
  const os2 = (font as unknown as { 'OS/2'?: { typoAscender?: number; typoDescender?: number } })['OS/2'];
  const unitsPerEm = font.unitsPerEm;
  const advances = new Map<number, number | undefined>();
  const advance = (cp: number): number | undefined => {
    if (advances.has(cp)) return advances.get(cp);
    let a: number | undefined;
    if (font.hasGlyphForCodePoint(cp)) {
      const g = font.glyphForCodePoint(cp);
      a = g && g.id !== 0 ? g.advanceWidth / unitsPerEm : undefined;
    }
    advances.set(cp, a);
    return a;
  };
  return {
    key,
    bytes,
    font,
    source,
    unitsPerEm,
    emTop: os2?.typoAscender ?? font.ascent,
    emBottom: os2?.typoDescender ?? font.descent,
    advance,
    widthPt(text, sizePt) {
      let w = 0;
      for (const ch of text) w += advance(ch.codePointAt(0)!) ?? 0;
      return w * sizePt;
    },
    missing(text) {
      const out: string[] = [];
      for (const ch of text) {
        if (ch === '\n') continue;
        if (advance(ch.codePointAt(0)!) === undefined && !out.includes(ch)) out.push(ch);
      }
      return out;
    },
  };
}

/**
 * The font as pdf-lib sees it, identical except for two hot paths:
 * - `layout` maps code points straight to glyphs through the cmap. Chinese, digits and Latin on a licence need
 *   no OpenType shaping (no ligatures, no contextual forms); full shaping of every string was a third of the
 *   render time. Widths stay those of the glyphs (/W).
 * - `createSubset` returns the raw-copy TrueType subsetter (fontkit's decodes every outline it copies).
 * Each glyph handed out names exactly the code point it was asked for (fontkit's glyph objects are shared by
 * every code point of a glyph and name the first), so the subset's cmap has every character drawn.
 */
function forPdfLib(font: Font, source: TrueTypeSource): Font {
  const glyphs = new Map<number, Glyph>();
  const glyphFor = (cp: number): Glyph => {
    const hit = glyphs.get(cp);
    if (hit) return hit;
    const g = (font.glyphForCodePoint(cp) ?? font.getGlyph(0)) as Glyph;
    const exact =
      g.id === 0 || (g.codePoints.length === 1 && g.codePoints[0] === cp)
        ? g
        : (Object.create(g, { codePoints: { value: [cp] } }) as Glyph);
    glyphs.set(cp, exact);
    return exact;
  };
  return Object.create(font, {
    layout: { value: (text: string) => ({ glyphs: Array.from(text, (ch) => glyphFor(ch.codePointAt(0)!)) }) },
    createSubset: { value: () => new TrueTypeSubset(source) },
  }) as Font;
}

/** A licence font, loaded once per process (the TTFs are 10–15 MB; parsing is lazy but not free). */
export function licenceFont(family: LicenceFontFamily, weight: LicenceFontWeight = 'regular'): LicenceFont {
  const key: LicenceFontKey = `${family}-${weight}`;
  let f = loaded.get(key);
  if (!f) {
    f = load(key);
    loaded.set(key, f);
  }
  return f;
}

/**
 * The fontkit pdf-lib is given: `create` returns the already parsed font for bytes loaded here, so each
 * document reuses the parsed tables and glyph caches and only builds its own subset. Other bytes are parsed
 * normally.
 */
export const cachingFontkit: Fontkit = {
  create(buffer: Uint8Array, postscriptName?: string) {
    return parsedByBytes.get(buffer) ?? fontkit.create(buffer as Buffer, postscriptName as string);
  },
} as Fontkit;

/** Loads all four faces now (about 0.1–0.3 s each), so the first licence render is not the slow one. */
export function preloadLicenceFonts(): void {
  for (const family of LICENCE_FONT_FAMILIES)
    for (const weight of ['regular', 'bold'] as const) licenceFont(family, weight);
}
