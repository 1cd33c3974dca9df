// How numbers and colours are written into PDF content operators (ISO 32000-1 §7.3.3: no exponent form), shared
// by the layout (which prepares the decoration operators) and the PDF writer, so both print them alike.

/** A number for content operators: at most 3 decimals, no exponent, no "-0". */
export const num = (v: number): string => {
  const r = Math.round(v * 1000) / 1000;
  return Object.is(r, -0) ? '0' : String(r);
};

/** The 0–255 components of a #rrggbb colour (templates give colours so). */
export const rgb255Of = (hex: string): [number, number, number] => {
  const v = Number.parseInt(hex.slice(1), 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
};

/** `r g b` (0–1) of a #rrggbb colour. */
export const rgbOf = (hex: string): string =>
  rgb255Of(hex)
    .map((c) => num(c / 255))
    .join(' ');
