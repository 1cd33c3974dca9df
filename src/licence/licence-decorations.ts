// The vector background of a licence template (frames, guilloche bands and rosettes, corner ornaments, an
// emblem in the style of official insignia) as PDF content operators. All geometry is computed here; repeated
// motifs are drawn once and placed with `cm`, so the stream is small and compresses well.
import { rgb255Of } from './content-numbers.js';
import type { TemplateDecoration } from './licence-template.js';

const PT = 72 / 25.4;

const n = (v: number): string => {
  const r = Math.round(v * 100) / 100;
  return Object.is(r, -0) ? '0' : String(r);
};

const rgb = (hex: string): string =>
  rgb255Of(hex)
    .map((c) => n(c / 255))
    .join(' ');

/** Converts template millimetres (top-left origin) to PDF points (bottom-left origin). */
class Space {
  constructor(readonly pageHeightMm: number) {}
  x(mm: number): number {
    return mm * PT;
  }
  y(mm: number): number {
    return (this.pageHeightMm - mm) * PT;
  }
}

function frame(d: Extract<TemplateDecoration, { kind: 'frame' }>, s: Space, widthMm: number): string {
  const box = (insetMm: number, w: number) =>
    `${n(w)} w ${n(s.x(insetMm))} ${n(s.y(s.pageHeightMm - insetMm))} ${n((widthMm - 2 * insetMm) * PT)} ${n(
      (s.pageHeightMm - 2 * insetMm) * PT,
    )} re S`;
  const ops = [`${rgb(d.color)} RG`, box(d.insetMm, d.widthPt)];
  if (d.inner) ops.push(box(d.insetMm + d.inner.gapMm, d.inner.widthPt));
  return ops.join('\n');
}

/** One period of `waves` phase-shifted sine waves (4 cubic Béziers per wave), origin at the band's left middle. */
function sinePeriod(periodPt: number, amplitudePt: number, waves: number, mirrored: boolean): string {
  // Cubic approximation of a quarter sine: control points at 1/3 and 2/3 of the quarter, slope-matched.
  const k = (Math.PI / 2) * (1 / 3);
  const out: string[] = [];
  for (let w = 0; w < waves; w++) {
    const phase = (w / waves) * 2 * Math.PI;
    const y = (t: number) => (mirrored ? -1 : 1) * amplitudePt * Math.sin(t + phase);
    const dy = (t: number) => (mirrored ? -1 : 1) * amplitudePt * Math.cos(t + phase);
    const q = periodPt / 4;
    const parts = [`0 ${n(y(0))} m`];
    for (let i = 0; i < 4; i++) {
      const t0 = (i * Math.PI) / 2;
      const t1 = t0 + Math.PI / 2;
      const x0 = i * q;
      const x1 = x0 + q;
      parts.push(
        `${n(x0 + q / 3)} ${n(y(t0) + dy(t0) * k)} ${n(x1 - q / 3)} ${n(y(t1) - dy(t1) * k)} ${n(x1)} ${n(y(t1))} c`,
      );
    }
    out.push(parts.join(' '));
  }
  return out.join('\n') + '\nS';
}

function guilloche(d: Extract<TemplateDecoration, { kind: 'guilloche' }>, s: Space): string {
  const periodPt = d.periodMm * PT;
  const amplitudePt = (d.heightMm * PT) / 2 - d.widthPt;
  const count = Math.floor(d.widthMm / d.periodMm);
  // Centre the whole periods in the band.
  const x0 = s.x(d.xMm + (d.widthMm - count * d.periodMm) / 2);
  const yMid = s.y(d.yMm + d.heightMm / 2);
  const motif =
    sinePeriod(periodPt, amplitudePt, d.waves, false) +
    (d.crossed ? '\n' + sinePeriod(periodPt, amplitudePt * 0.7, d.waves, true) : '');
  const ops = [`${rgb(d.color)} RG ${n(d.widthPt)} w 1 J`];
  for (let i = 0; i < count; i++) ops.push(`q 1 0 0 1 ${n(x0 + i * periodPt)} ${n(yMid)} cm\n${motif}\nQ`);
  return ops.join('\n');
}

/**
 * Guilloche rosette: `layers` copies of a flower curve r(θ) = R·(1 − depth·(1 − cos(lobes·θ + φ))/2), each
 * shifted by a fraction of a lobe, so their crossings weave a net. Each lobe is drawn once per layer and
 * placed around the ring with `cm`.
 */
function rosette(d: Extract<TemplateDecoration, { kind: 'rosette' }>, s: Space): string {
  const R = d.radiusMm * PT;
  const lobeAngle = (2 * Math.PI) / d.lobes;
  const steps = 16; // points per lobe
  const lobe = (phase: number): string => {
    const pts: string[] = [];
    for (let i = 0; i <= steps; i++) {
      const t = (i / steps) * lobeAngle;
      const r = R * (1 - d.depth * (1 - Math.cos(d.lobes * t + phase)) * 0.5);
      pts.push(`${n(r * Math.cos(t))} ${n(r * Math.sin(t))} ${i === 0 ? 'm' : 'l'}`);
    }
    return pts.join(' ') + ' S';
  };
  const ops = [`${rgb(d.color)} RG ${n(d.widthPt)} w 1 j`];
  const cx = s.x(d.cxMm);
  const cy = s.y(d.cyMm);
  for (let layer = 0; layer < d.layers; layer++) {
    const motif = lobe((layer / d.layers) * 2 * Math.PI);
    for (let k = 0; k < d.lobes; k++) {
      const a = k * lobeAngle;
      ops.push(
        `q ${n(Math.cos(a))} ${n(Math.sin(a))} ${n(-Math.sin(a))} ${n(Math.cos(a))} ${n(cx)} ${n(cy)} cm ${motif} Q`,
      );
    }
  }
  return ops.join('\n');
}

function corners(d: Extract<TemplateDecoration, { kind: 'corners' }>, s: Space, widthMm: number): string {
  const z = d.sizeMm * PT;
  // The top-left ornament in a local frame (x right, y down from the corner); mirrored into the other corners.
  const motif =
    d.style === 'bracket'
      ? `0 ${n(-z)} m 0 0 l ${n(z)} 0 l S ${n(z * 0.18)} ${n(-z * 0.7)} m ${n(z * 0.18)} ${n(-z * 0.18)} l ${n(z * 0.7)} ${n(-z * 0.18)} l S ` +
        `${n(z * 0.36)} ${n(-z * 0.36)} m ${n(z * 0.36)} ${n(-z * 0.44)} ${n(z * 0.44)} ${n(-z * 0.44)} ${n(z * 0.44)} ${n(-z * 0.36)} c ${n(z * 0.44)} ${n(-z * 0.28)} ${n(z * 0.36)} ${n(-z * 0.28)} ${n(z * 0.36)} ${n(-z * 0.36)} c S`
      : // 祥云-like curls: two spirals joined by a sweep.
        `0 ${n(-z)} m 0 ${n(-z * 0.3)} ${n(z * 0.3)} 0 ${n(z)} 0 c S ` +
        `${n(z * 0.25)} ${n(-z * 0.25)} m ${n(z * 0.25)} ${n(-z * 0.45)} ${n(z * 0.5)} ${n(-z * 0.5)} ${n(z * 0.55)} ${n(-z * 0.35)} c ${n(z * 0.58)} ${n(-z * 0.22)} ${n(z * 0.42)} ${n(-z * 0.15)} ${n(z * 0.36)} ${n(-z * 0.26)} c S ` +
        `${n(z * 0.1)} ${n(-z * 0.62)} m ${n(z * 0.3)} ${n(-z * 0.62)} ${n(z * 0.3)} ${n(-z * 0.35)} ${n(z * 0.15)} ${n(-z * 0.38)} c S ` +
        `${n(z * 0.62)} ${n(-z * 0.1)} m ${n(z * 0.62)} ${n(-z * 0.3)} ${n(z * 0.35)} ${n(-z * 0.3)} ${n(z * 0.38)} ${n(-z * 0.15)} c S`;
  const left = s.x(d.insetMm);
  const right = s.x(widthMm - d.insetMm);
  const top = s.y(d.insetMm);
  const bottom = s.y(s.pageHeightMm - d.insetMm);
  const place = (sx: number, sy: number, x: number, y: number) =>
    `q ${sx} 0 0 ${sy} ${n(x)} ${n(y)} cm ${motif} Q`;
  return [
    `${rgb(d.color)} RG ${n(d.widthPt)} w 1 J 1 j`,
    place(1, 1, left, top),
    place(-1, 1, right, top),
    place(1, -1, left, bottom),
    place(-1, -1, right, bottom),
  ].join('\n');
}

/** A five-pointed star of outer radius r centred at the origin, point up. */
function star(r: number): string {
  const pts: string[] = [];
  for (let i = 0; i < 10; i++) {
    const a = Math.PI / 2 + (i * Math.PI) / 5;
    const rr = i % 2 === 0 ? r : r * 0.382;
    pts.push(`${n(rr * Math.cos(a))} ${n(rr * Math.sin(a))} ${i === 0 ? 'm' : 'l'}`);
  }
  return pts.join(' ') + ' h f';
}

/** A circle of radius r centred at the origin (four Béziers). */
function circle(r: number): string {
  const k = 0.5523 * r;
  return (
    `${n(r)} 0 m ${n(r)} ${n(k)} ${n(k)} ${n(r)} 0 ${n(r)} c ${n(-k)} ${n(r)} ${n(-r)} ${n(k)} ${n(-r)} 0 c ` +
    `${n(-r)} ${n(-k)} ${n(-k)} ${n(-r)} 0 ${n(-r)} c ${n(k)} ${n(-r)} ${n(r)} ${n(-k)} ${n(r)} 0 c h`
  );
}

/** Concentric rings, a ring of beads, a wreath of leaves, rays and a central star. */
function emblem(d: Extract<TemplateDecoration, { kind: 'emblem' }>, s: Space): string {
  const R = d.radiusMm * PT;
  const main = rgb(d.color);
  const accent = rgb(d.accent ?? d.color);
  const ops = [`q 1 0 0 1 ${n(s.x(d.cxMm))} ${n(s.y(d.cyMm))} cm`];
  ops.push(`${main} RG ${n(R * 0.04)} w ${circle(R)} S ${n(R * 0.015)} w ${circle(R * 0.92)} S`);
  // Beads between the rings.
  const bead = `${circle(R * 0.018)} f`;
  ops.push(`${main} rg`);
  for (let i = 0; i < 48; i++) {
    const a = (i / 48) * 2 * Math.PI;
    ops.push(`q 1 0 0 1 ${n(R * 0.96 * Math.cos(a))} ${n(R * 0.96 * Math.sin(a))} cm ${bead} Q`);
  }
  // Wreath: leaves along the lower 3/4 of a circle on both sides, drawn as lens shapes.
  const leafLen = R * 0.16;
  const leaf = `0 0 m ${n(leafLen * 0.3)} ${n(leafLen * 0.22)} ${n(leafLen * 0.7)} ${n(leafLen * 0.22)} ${n(leafLen)} 0 c ${n(leafLen * 0.7)} ${n(-leafLen * 0.22)} ${n(leafLen * 0.3)} ${n(-leafLen * 0.22)} 0 0 c f`;
  for (const side of [1, -1]) {
    for (let i = 0; i < 9; i++) {
      const a = -Math.PI / 2 + side * (0.25 + i * 0.27);
      const rr = R * 0.78;
      const tangent = a + (side * Math.PI) / 2 + side * 0.35;
      const c = Math.cos(tangent);
      const si = Math.sin(tangent);
      ops.push(
        `q ${n(c)} ${n(si)} ${n(-si)} ${n(c)} ${n(rr * Math.cos(a))} ${n(rr * Math.sin(a))} cm ${leaf} Q`,
      );
    }
  }
  // Rays behind the star.
  ops.push(`${accent} RG ${n(R * 0.012)} w`);
  const rays: string[] = [];
  for (let i = 0; i < 36; i++) {
    const a = (i / 36) * 2 * Math.PI;
    rays.push(
      `${n(R * 0.3 * Math.cos(a))} ${n(R * 0.3 * Math.sin(a))} m ${n(R * 0.58 * Math.cos(a))} ${n(R * 0.58 * Math.sin(a))} l`,
    );
  }
  ops.push(rays.join(' ') + ' S');
  ops.push(`${accent} rg ${star(R * 0.3)}`);
  ops.push(`${main} RG ${n(R * 0.01)} w ${circle(R * 0.64)} S`);
  ops.push('Q');
  return ops.join('\n');
}

function rule(d: Extract<TemplateDecoration, { kind: 'rule' }>, s: Space): string {
  const dash = d.dashMm ? `[${n(d.dashMm[0] * PT)} ${n(d.dashMm[1] * PT)}] 0 d ` : '';
  return `${rgb(d.color)} RG ${n(d.widthPt)} w ${dash}${n(s.x(d.x1Mm))} ${n(s.y(d.y1Mm))} m ${n(s.x(d.x2Mm))} ${n(s.y(d.y2Mm))} l S${dash ? ' [] 0 d' : ''}`;
}

function rect(d: Extract<TemplateDecoration, { kind: 'rect' }>, s: Space): string {
  const path = `${n(s.x(d.xMm))} ${n(s.y(d.yMm + d.heightMm))} ${n(d.widthMm * PT)} ${n(d.heightMm * PT)} re`;
  const paint = d.fill && d.stroke ? 'B' : d.fill ? 'f' : 'S';
  return [
    d.fill ? `${rgb(d.fill)} rg` : '',
    d.stroke ? `${rgb(d.stroke)} RG ${n(d.widthPt ?? 0.5)} w` : '',
    `${path} ${paint}`,
  ]
    .filter(Boolean)
    .join(' ');
}

/** Content operators for the whole background, wrapped in q … Q so nothing leaks into what follows. */
export function decorationOperators(
  decorations: readonly TemplateDecoration[],
  page: { widthMm: number; heightMm: number },
): string {
  const s = new Space(page.heightMm);
  const parts = decorations.map((d) => {
    switch (d.kind) {
      case 'frame':
        return frame(d, s, page.widthMm);
      case 'guilloche':
        return guilloche(d, s);
      case 'rosette':
        return rosette(d, s);
      case 'corners':
        return corners(d, s, page.widthMm);
      case 'emblem':
        return emblem(d, s);
      case 'rule':
        return rule(d, s);
      case 'rect':
        return rect(d, s);
    }
  });
  return parts.map((p) => `q\n${p}\nQ`).join('\n');
}
