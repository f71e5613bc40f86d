/**
 * Colormaps for probability and confidence maps, as 256-entry RGB tables computed here from
 * published anchor colours (no table is copied):
 *   - 'viridis': the 9-colour viridis palette (van der Walt & Smith; the hex values of R's
 *     viridisLite::viridis(9)), interpolated linearly in CIELAB. Lightness L* is then piecewise
 *     linear and increasing, so the map reads correctly in greyscale print.
 *   - 'diverging': Moreland's cool–warm map ("Diverging Color Maps for Scientific Visualization",
 *     2009): blue (59, 76, 192) → neutral → red (180, 4, 38), interpolated in his Msh space with the
 *     white-ish midpoint his §4 inserts between saturated colours of distant hue. For values centred
 *     on 0.5 (a probability) or on 0 (a signed difference).
 *   - 'gray': black → white.
 * Tables are flat Uint8Arrays of 256·3 bytes: entry k is (table[3k], table[3k+1], table[3k+2]).
 */

export type ColormapName = 'viridis' | 'diverging' | 'gray';
export const COLORMAP_NAMES: readonly ColormapName[] = ['viridis', 'diverging', 'gray'];

/** The anchor colours of viridis at v = 0, 1/8, …, 1. */
export const VIRIDIS_ANCHORS: readonly string[] = [
  '#440154', '#472d7b', '#3b528b', '#2c728e', '#21908c', '#27ad81', '#5dc863', '#aadc32', '#fde725',
];
/** Moreland's cool–warm end colours (v = 0 and v = 1). */
export const DIVERGING_ENDS: readonly [Rgb, Rgb] = [[59, 76, 192], [180, 4, 38]];

export type Rgb = [number, number, number];
type Lab = [number, number, number];

// D65 white in XYZ (sRGB's white point), scaled so Y = 1.
const WHITE: Lab = [0.95047, 1, 1.08883];

function srgbToLinear(c: number): number {
  const v = c / 255;
  return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
}
function linearToSrgb(v: number): number {
  const c = v <= 0.0031308 ? 12.92 * v : 1.055 * v ** (1 / 2.4) - 0.055;
  return Math.min(255, Math.max(0, Math.round(c * 255))); // gamut clamp of computed colours only
}

/** Relative luminance Y in [0, 1] of an sRGB colour (ITU-R BT.709 primaries). */
export function relativeLuminance([r, g, b]: readonly number[]): number {
  return 0.2126729 * srgbToLinear(r) + 0.7151522 * srgbToLinear(g) + 0.072175 * srgbToLinear(b);
}

function rgbToLab([r, g, b]: readonly number[]): Lab {
  const [lr, lg, lb] = [srgbToLinear(r), srgbToLinear(g), srgbToLinear(b)];
  const xyz = [
    0.4124564 * lr + 0.3575761 * lg + 0.1804375 * lb,
    0.2126729 * lr + 0.7151522 * lg + 0.072175 * lb,
    0.0193339 * lr + 0.119192 * lg + 0.9503041 * lb,
  ];
  const f = (t: number) => (t > 216 / 24389 ? Math.cbrt(t) : (24389 / 27 * t + 16) / 116);
  const [fx, fy, fz] = xyz.map((v, i) => f(v / WHITE[i]));
  return [116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)];
}

function labToRgb([l, a, b]: Lab): Rgb {
  const fy = (l + 16) / 116, fx = fy + a / 500, fz = fy - b / 200;
  const finv = (t: number) => (t ** 3 > 216 / 24389 ? t ** 3 : (116 * t - 16) * 27 / 24389);
  const [x, y, z] = [finv(fx) * WHITE[0], finv(fy) * WHITE[1], finv(fz) * WHITE[2]];
  return [
    linearToSrgb(3.2404542 * x - 1.5371385 * y - 0.4985314 * z),
    linearToSrgb(-0.969266 * x + 1.8760108 * y + 0.041556 * z),
    linearToSrgb(0.0556434 * x - 0.2040259 * y + 1.0572252 * z),
  ];
}

/** Parses '#rrggbb'. */
export function hexToRgb(hex: string): Rgb {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) throw new Error(`hexToRgb: colour must look like '#rrggbb', but got '${hex}'.`);
  return [parseInt(m[1], 16), parseInt(m[2], 16), parseInt(m[3], 16)];
}

/** 256 entries by linear CIELAB interpolation between equally spaced anchors. */
function labTable(anchors: readonly Rgb[]): Uint8Array {
  const labs = anchors.map(rgbToLab), segments = anchors.length - 1;
  const table = new Uint8Array(256 * 3);
  for (let k = 0; k < 256; k++) {
    const pos = (k / 255) * segments, i = Math.min(segments - 1, Math.floor(pos)), f = pos - i;
    const lab = labs[i].map((v, c) => v + f * (labs[i + 1][c] - v)) as Lab;
    table.set(k === 0 ? anchors[0] : k === 255 ? anchors[segments] : labToRgb(lab), 3 * k);
  }
  return table;
}

// Msh (Moreland 2009 §4): M = |Lab|, s = angle from the L axis (saturation), h = hue angle.
function labToMsh([l, a, b]: Lab): Lab {
  const m = Math.hypot(l, a, b);
  return [m, m === 0 ? 0 : Math.acos(l / m), Math.atan2(b, a)];
}
function mshToLab([m, s, h]: Lab): Lab {
  return [m * Math.cos(s), m * Math.sin(s) * Math.cos(h), m * Math.sin(s) * Math.sin(h)];
}
/** Hue of the unsaturated end so the segment towards it keeps the saturated end's hue (Moreland eq. 5). */
function adjustHue([m, s, h]: Lab, mUnsat: number): number {
  if (m >= mUnsat) return h;
  const spin = (s * Math.sqrt(mUnsat * mUnsat - m * m)) / (m * Math.sin(s));
  return h > -Math.PI / 3 ? h + spin : h - spin;
}

/** Moreland's interpolation at fraction f ∈ [0, 1] between two colours. */
function mshInterpolate(c1: Rgb, c2: Rgb, f: number): Rgb {
  let a = labToMsh(rgbToLab(c1)), b = labToMsh(rgbToLab(c2));
  let t = f;
  if (a[1] > 0.05 && b[1] > 0.05 && Math.abs(a[2] - b[2]) > Math.PI / 3) {
    // Distant saturated hues: go through a neutral midpoint M = max(M1, M2, 88).
    const mid = Math.max(a[0], b[0], 88);
    if (t < 0.5) { b = [mid, 0, 0]; t *= 2; } else { a = [mid, 0, 0]; t = 2 * t - 1; }
  }
  if (a[1] < 0.05 && b[1] > 0.05) a = [a[0], a[1], adjustHue(b, a[0])];
  else if (b[1] < 0.05 && a[1] > 0.05) b = [b[0], b[1], adjustHue(a, b[0])];
  return labToRgb(mshToLab([0, 1, 2].map((c) => (1 - t) * a[c] + t * b[c]) as Lab));
}

function divergingTable(): Uint8Array {
  const table = new Uint8Array(256 * 3);
  for (let k = 0; k < 256; k++) table.set(mshInterpolate(DIVERGING_ENDS[0], DIVERGING_ENDS[1], k / 255), 3 * k);
  return table;
}

function grayTable(): Uint8Array {
  const table = new Uint8Array(256 * 3);
  for (let k = 0; k < 256; k++) table.fill(k, 3 * k, 3 * k + 3);
  return table;
}

const tables = new Map<ColormapName, Uint8Array>();

/** The 256×3 table of a colormap (computed once; do not mutate). */
export function colormapTable(name: ColormapName): Uint8Array {
  let table = tables.get(name);
  if (!table) {
    if (name === 'viridis') table = labTable(VIRIDIS_ANCHORS.map(hexToRgb));
    else if (name === 'diverging') table = divergingTable();
    else if (name === 'gray') table = grayTable();
    else throw new Error(`colormapTable: unknown colormap '${name}'; expected one of ${COLORMAP_NAMES.map((n) => `'${n}'`).join(', ')}.`);
    tables.set(name, table);
  }
  return table;
}

/** The table entry for v ∈ [lo, hi] (nearest of 256 levels). */
export function colormapColor(name: ColormapName, v: number, range: readonly [number, number] = [0, 1]): Rgb {
  const k = levelOf(v, range, 'colormapColor', 0);
  const table = colormapTable(name);
  return [table[3 * k], table[3 * k + 1], table[3 * k + 2]];
}

function levelOf(v: number, [lo, hi]: readonly [number, number], where: string, index: number): number {
  if (!(v >= lo && v <= hi)) throw new Error(`${where}: values must lie in [${lo}, ${hi}], but got ${v} at index ${index}.`);
  return hi === lo ? 0 : Math.round(((v - lo) / (hi - lo)) * 255);
}

/**
 * Colours a single-channel map.
 * @param values n values in [lo, hi] (row-major height·width for an image); out-of-range or NaN values are errors
 * @returns RGB bytes, 3n (HWC for an image)
 */
export function applyColormap(values: ArrayLike<number>, name: ColormapName, range: readonly [number, number] = [0, 1]): Uint8Array {
  if (!(range[1] >= range[0])) throw new Error(`applyColormap: range must be [lo, hi] with lo ≤ hi, but got [${range}].`);
  const table = colormapTable(name);
  const out = new Uint8Array(values.length * 3);
  for (let i = 0; i < values.length; i++) {
    const k = 3 * levelOf(values[i], range, 'applyColormap', i);
    out[3 * i] = table[k];
    out[3 * i + 1] = table[k + 1];
    out[3 * i + 2] = table[k + 2];
  }
  return out;
}

/** A plotly colorscale ([[position, 'rgb(r,g,b)'], …]) sampling the table at `stops` points. */
export function plotlyColorscale(name: ColormapName, stops = 33): [number, string][] {
  const table = colormapTable(name);
  const scale: [number, string][] = [];
  for (let i = 0; i < stops; i++) {
    const k = Math.round((i / (stops - 1)) * 255);
    scale.push([i / (stops - 1), `rgb(${table[3 * k]},${table[3 * k + 1]},${table[3 * k + 2]})`]);
  }
  return scale;
}
