// Vector geometry of a licence page in a format-neutral form (design §4.2): the PDF path operators that
// licence-decorations.ts and licence-qr.ts write are interpreted once into paths in page millimetres (top-left
// origin, y down: OFD's space, GB/T 33190 §7.5), with every `cm` already applied, so the OFD page draws exactly
// the geometry of the PDF page.

/** One path segment in page mm: move, line, cubic Bézier (OFD `B`), close (OFD `C`). */
export type PathSegment =
  | readonly ['M', number, number]
  | readonly ['L', number, number]
  | readonly ['B', number, number, number, number, number, number]
  | readonly ['C'];

export type Rgb = readonly [number, number, number];

/** x' = a·x + c·y + e, y' = b·x + d·y + f (the PDF and OFD convention). */
export type Affine = readonly [number, number, number, number, number, number];

/**
 * A painted path: stroked, filled or both. `segments` are in the path's own mm (y down) and `ctm` places them on
 * the page (page mm, top-left origin), so a motif repeated with `cm` keeps identical coordinates (it compresses
 * as well as the PDF's `cm` reuse).
 */
export interface NeutralPath {
  readonly segments: readonly PathSegment[];
  readonly ctm: Affine;
  readonly stroke?: {
    readonly rgb: Rgb;
    /** On the page (after `ctm`), as the dashes. */
    readonly widthMm: number;
    /** PDF line cap / join codes: 0 butt/miter, 1 round, 2 square/bevel. */
    readonly cap: number;
    readonly join: number;
    readonly dashMm?: readonly number[];
  };
  readonly fill?: { readonly rgb: Rgb; readonly evenOdd: boolean };
}

const MM_PER_PT = 25.4 / 72;

type Matrix = [number, number, number, number, number, number];

interface GState {
  ctm: Matrix;
  strokeRgb: Rgb;
  fillRgb: Rgb;
  widthPt: number;
  cap: number;
  join: number;
  dashPt: number[];
}

const multiply = (m: Matrix, n: Matrix): Matrix => [
  m[0] * n[0] + m[1] * n[2],
  m[0] * n[1] + m[1] * n[3],
  m[2] * n[0] + m[3] * n[2],
  m[2] * n[1] + m[3] * n[3],
  m[4] * n[0] + m[5] * n[2] + n[4],
  m[4] * n[1] + m[5] * n[3] + n[5],
];

const rgb255 = (r: number, g: number, b: number): Rgb => [
  Math.round(r * 255),
  Math.round(g * 255),
  Math.round(b * 255),
];

/**
 * Interprets PDF content operators (ISO 32000 §8.4–8.5: q Q cm w J j d RG rg m l c h re S s f f* B B* n) into
 * painted paths. `pageHeightPt` turns PDF user space (y up) into page mm from the top-left corner.
 */
export function neutralPaths(ops: string, pageHeightPt: number): NeutralPath[] {
  const out: NeutralPath[] = [];
  const stack: GState[] = [];
  let gs: GState = {
    ctm: [1, 0, 0, 1, 0, 0],
    strokeRgb: [0, 0, 0],
    fillRgb: [0, 0, 0],
    widthPt: 1,
    cap: 0,
    join: 0,
    dashPt: [],
  };
  let path: PathSegment[] = [];
  const operands: number[] = [];
  let array: number[] | undefined;
  let lastArray: number[] = [];
  // Local coordinates in mm, y down; the CTM at painting time maps them to the page (see NeutralPath).
  const point = (x: number, y: number): [number, number] => [x * MM_PER_PT, -y * MM_PER_PT];
  const pageCtm = (): Affine => {
    const [a, b, c, d, e, f] = gs.ctm;
    return [a, -b, -c, d, e * MM_PER_PT, (pageHeightPt - f) * MM_PER_PT];
  };
  const scale = () => Math.sqrt(Math.abs(gs.ctm[0] * gs.ctm[3] - gs.ctm[1] * gs.ctm[2]));
  const paint = (stroke: boolean, fill: boolean, evenOdd = false, close = false) => {
    if (close) path.push(['C']);
    if (path.length > 0 && (stroke || fill)) {
      const s = scale();
      // Every path and stroke has all its properties, absent ones undefined: one object shape for the writers'
      // loops (a shape per combination made V8 deoptimise and recompile the OFD writer's pathObject under load).
      out.push({
        segments: path,
        ctm: pageCtm(),
        stroke: stroke
          ? {
              rgb: gs.strokeRgb,
              widthMm: gs.widthPt * s * MM_PER_PT,
              cap: gs.cap,
              join: gs.join,
              dashMm: gs.dashPt.length > 0 ? gs.dashPt.map((d) => d * s * MM_PER_PT) : undefined,
            }
          : undefined,
        fill: fill ? { rgb: gs.fillRgb, evenOdd } : undefined,
      });
    }
    path = [];
  };
  for (const token of ops.split(/\s+/)) {
    if (token === '') continue;
    if (token.startsWith('[')) {
      array = [];
      const rest = token.slice(1);
      if (rest.endsWith(']')) {
        if (rest.length > 1) array.push(Number(rest.slice(0, -1)));
        lastArray = array;
        array = undefined;
      } else if (rest !== '') array.push(Number(rest));
      continue;
    }
    if (array) {
      if (token.endsWith(']')) {
        if (token.length > 1) array.push(Number(token.slice(0, -1)));
        lastArray = array;
        array = undefined;
      } else array.push(Number(token));
      continue;
    }
    const v = Number(token);
    if (!Number.isNaN(v)) {
      operands.push(v);
      continue;
    }
    const a = operands.splice(0, operands.length);
    switch (token) {
      case 'q':
        stack.push({ ...gs, ctm: [...gs.ctm], dashPt: [...gs.dashPt] });
        break;
      case 'Q':
        gs = stack.pop() ?? gs;
        break;
      case 'cm':
        gs.ctm = multiply(a as Matrix, gs.ctm);
        break;
      case 'w':
        gs.widthPt = a[0]!;
        break;
      case 'J':
        gs.cap = a[0]!;
        break;
      case 'j':
        gs.join = a[0]!;
        break;
      case 'd':
        gs.dashPt = lastArray;
        break;
      case 'RG':
        gs.strokeRgb = rgb255(a[0]!, a[1]!, a[2]!);
        break;
      case 'rg':
        gs.fillRgb = rgb255(a[0]!, a[1]!, a[2]!);
        break;
      case 'm':
        path.push(['M', ...point(a[0]!, a[1]!)]);
        break;
      case 'l':
        path.push(['L', ...point(a[0]!, a[1]!)]);
        break;
      case 'c':
        path.push(['B', ...point(a[0]!, a[1]!), ...point(a[2]!, a[3]!), ...point(a[4]!, a[5]!)]);
        break;
      case 'h':
        path.push(['C']);
        break;
      case 're': {
        const [x, y, w, h] = a as [number, number, number, number];
        path.push(
          ['M', ...point(x, y)],
          ['L', ...point(x + w, y)],
          ['L', ...point(x + w, y + h)],
          ['L', ...point(x, y + h)],
          ['C'],
        );
        break;
      }
      case 'S':
        paint(true, false);
        break;
      case 's':
        paint(true, false, false, true);
        break;
      case 'f':
      case 'F':
        paint(false, true);
        break;
      case 'f*':
        paint(false, true, true);
        break;
      case 'B':
        paint(true, true);
        break;
      case 'B*':
        paint(true, true, true);
        break;
      case 'n':
        path = [];
        break;
      default:
        throw new Error(`licence paths: unexpected operator ${token}`);
    }
  }
  return out;
}
