// Fitting a value into a field box: line breaking for Chinese text (a break is allowed between any two Han
// characters, Latin words and numbers stay whole, closing punctuation never starts a line — 避头) and
// shrinking down to the template's minimum size.
import type { LicenceFont } from './licence-fonts.js';

export interface TextFitRequest {
  text: string;
  font: LicenceFont;
  widthPt: number;
  heightPt: number;
  sizePt: number;
  /** Smallest size allowed; equal to sizePt when the template does not allow shrinking. */
  minSizePt: number;
  wrap: boolean;
  lineHeight: number;
}

export interface TextFit {
  sizePt: number;
  lines: string[];
}

/** Characters that must not begin a line (closing punctuation, pause marks). */
const NO_LINE_START = new Set([...'，。、；：？！）》」』】〕〉”’·…%‰,.;:?!)]}㎡']);
/** Shrinking steps down by this much (pt). */
const SHRINK_STEP = 0.25;

/** Breakable units: runs of printable ASCII stay together, every other character stands alone. */
function tokens(paragraph: string): string[] {
  return paragraph.match(/[\x21-\x7e]+|./gsu) ?? [];
}

const isSpace = (token: string): boolean => /^\s$/u.test(token);
/** Tokens of a line that are not spaces. */
const solid = (line: readonly string[]): number => line.filter((t) => !isSpace(t)).length;

/** Greedy line breaking of one paragraph at `sizePt`; a token wider than the line is split by characters. */
function breakParagraph(paragraph: string, font: LicenceFont, maxPt: number, sizePt: number): string[] {
  const lines: string[][] = [];
  let line: string[] = [];
  let width = 0;
  const push = () => {
    lines.push(line);
    line = [];
    width = 0;
  };
  const queue = tokens(paragraph);
  for (let i = 0; i < queue.length; i++) {
    const t = queue[i]!;
    const space = isSpace(t);
    if (line.length === 0 && space) continue; // no leading spaces on a wrapped line
    const w = font.widthPt(t, sizePt);
    // A space that does not fit is dropped: the break falls on the next token, which may then pull back.
    if (space && width + w > maxPt + 1e-6) continue;
    if (width + w <= maxPt + 1e-6) {
      line.push(t);
      width += w;
      continue;
    }
    if (line.length === 0) {
      // A single token wider than the line: split it into characters and retry them one by one.
      const chars = [...t];
      if (chars.length === 1) {
        line.push(t);
        push();
      } else queue.splice(i + 1, 0, ...chars);
      continue;
    }
    // 避头: a closing mark takes the previous token (and any closing marks and spaces before it) to the next
    // line, as long as something other than spaces stays behind; the moved tokens lose their leading spaces.
    if (NO_LINE_START.has([...t][0]!) && solid(line) > 1) {
      const moved: string[] = [];
      do moved.unshift(line.pop()!);
      while (solid(line) > 1 && (isSpace(moved[0]!) || NO_LINE_START.has([...moved[0]!][0]!)));
      push();
      while (moved.length > 0 && isSpace(moved[0]!)) moved.shift();
      line = moved;
      width = moved.reduce((w, m) => w + font.widthPt(m, sizePt), 0);
      i--;
      continue;
    }
    push();
    i--;
  }
  if (line.length > 0 || lines.length === 0) lines.push(line);
  return lines.map((l) => l.join('').replace(/\s+$/u, ''));
}

/** Lines of `text` at `sizePt` for a box `maxPt` wide (hard breaks at \n). */
export function breakLines(text: string, font: LicenceFont, maxPt: number, sizePt: number): string[] {
  return text.split(/\r?\n/).flatMap((p) => breakParagraph(p, font, maxPt, sizePt));
}

/** Height of `n` lines: the pitch between baselines plus one em for the last line. */
const blockHeight = (n: number, sizePt: number, lineHeight: number): number =>
  (n - 1) * sizePt * lineHeight + sizePt;

/** The largest size in [minSizePt, sizePt] at which `text` fits its box, with its lines; null when none does. */
export function fitText(req: TextFitRequest): TextFit | null {
  const { text, font, widthPt, heightPt, wrap, lineHeight } = req;
  if (!wrap) {
    const line = text.replace(/\s*\r?\n\s*/g, ' ');
    const natural = font.widthPt(line, 1);
    let size = req.sizePt;
    if (natural * size > widthPt) size = Math.floor(widthPt / natural / SHRINK_STEP) * SHRINK_STEP;
    size = Math.min(size, heightPt);
    return size >= req.minSizePt - 1e-9 ? { sizePt: size, lines: [line] } : null;
  }
  for (let size = req.sizePt; size >= req.minSizePt - 1e-9; size -= SHRINK_STEP) {
    const lines = breakLines(text, font, widthPt, size);
    if (blockHeight(lines.length, size, lineHeight) <= heightPt + 1e-6) return { sizePt: size, lines };
  }
  return null;
}
