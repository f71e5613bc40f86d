/**
 * Texture, colour and resampling helpers for the synthetic scenes (synthetic_scene.ts), on plain typed
 * arrays: value noise, film grain, periodic patterns, HSV colours, bilinear upsampling and box blur.
 * Every random value comes from the `Rng` passed in, so scenes are reproducible byte for byte.
 */
import type { Rng } from '../util/rng';

/** An RGB colour, three channels in [0, 255] (floats; rounded only when the image is written). */
export type Rgb = [number, number, number];

/** A single-channel field over a rectangle of the image: the value at pixel (x, y) is data[(y − y0)·width + (x − x0)]. */
export interface Field {
  data: Float32Array;
  x0: number;
  y0: number;
  width: number;
  height: number;
}

/**
 * Multi-octave value noise over a width×height rectangle whose top-left pixel is (x0, y0): octave k
 * puts uniform random values in [−gains[k], gains[k]] on a grid of `cells[k]` px, smoothstep-
 * interpolated, and the octaves add up (so |value| ≤ Σ gains). Each octave costs a few flops per
 * pixel (rows are interpolated once, then pixels), which keeps a 4096² field well under a second.
 */
export function valueNoise(rng: Rng, x0: number, y0: number, width: number, height: number, cells: number[], gains: number[]): Field {
  const data = new Float32Array(width * height);
  for (let k = 0; k < cells.length; k++) addOctave(rng, data, width, height, Math.max(1, cells[k]), gains[k]);
  return { data, x0, y0, width, height };
}

function addOctave(rng: Rng, out: Float32Array, width: number, height: number, cell: number, gain: number): void {
  const gw = Math.floor(width / cell) + 3; // + 3: the random offset can push the last pixel into one more cell
  const gh = Math.floor(height / cell) + 3;
  const grid = new Float32Array(gw * gh);
  for (let i = 0; i < grid.length; i++) grid[i] = rng.uniform() * 2 - 1;
  // A random sub-cell offset per octave, so the octaves' grid lines do not coincide.
  const ox = rng.uniform() * cell;
  const oy = rng.uniform() * cell;
  const ix = new Int32Array(width);
  const sx = new Float32Array(width);
  for (let x = 0; x < width; x++) {
    const u = (x + ox) / cell;
    ix[x] = Math.floor(u);
    sx[x] = smooth01(u - ix[x]);
  }
  const row = new Float32Array(gw);
  for (let y = 0; y < height; y++) {
    const v = (y + oy) / cell;
    const iy = Math.floor(v);
    const ty = smooth01(v - iy);
    const a = iy * gw;
    const b = a + gw;
    for (let j = 0; j < gw; j++) row[j] = grid[a + j] + (grid[b + j] - grid[a + j]) * ty;
    const o = y * width;
    for (let x = 0; x < width; x++) {
      const j = ix[x];
      out[o + x] += gain * (row[j] + (row[j + 1] - row[j]) * sx[x]);
    }
  }
}

/** Cubic smoothstep on t ∈ [0, 1] (value noise without visible grid creases). */
function smooth01(t: number): number {
  return t * t * (3 - 2 * t);
}

/** Clamps v to [0, 1]. */
export function clamp01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}

/**
 * Adds sensor-like grain to an RGB canvas in place: luminance grain of standard deviation `sigma`
 * (0–255 units) plus weaker per-channel chroma grain. Both come from one 127-px tile of triangular
 * noise read at two offsets: far cheaper than a draw per pixel, and white noise shows no seams
 * (127 is prime, so the tile never lines up with image structure).
 */
export function addGrain(rng: Rng, canvas: Uint8ClampedArray, height: number, width: number, sigma: number): void {
  const T = 127;
  const tile = new Float32Array(T * T);
  for (let i = 0; i < tile.length; i++) tile[i] = (rng.uniform() + rng.uniform() - 1) * 2.45; // variance 1
  const shift = 1 + rng.int(T * T - 1);
  const chroma = new Float32Array(T * T); // the same tile rolled by `shift`: decorrelated from `tile` pixel by pixel
  for (let i = 0; i < chroma.length; i++) chroma[i] = tile[(i + shift) % (T * T)];
  const [ox, oy] = [rng.int(T), rng.int(T)];
  const cs = sigma * 0.35;
  for (let y = 0; y < height; y++) {
    const ty = ((y + oy) % T) * T;
    let j = 3 * y * width;
    for (let x = 0, tx = ox; x < width; x++, j += 3, tx = tx + 1 === T ? 0 : tx + 1) {
      const l = tile[ty + tx] * sigma;
      const c = chroma[ty + tx] * cs;
      canvas[j] += l + c;
      canvas[j + 1] += l - 0.5 * c;
      canvas[j + 2] += l - c;
    }
  }
}

/**
 * Lens softness: blends an RGB byte canvas [height, width, 3] in place with its [1, 2, 1]/4 ⊗ [1, 2, 1]/4
 * blur by weight k ∈ [0, 1]. Straight edges keep their 50 % crossing, so the mask stays exact, while
 * edges and 1-px parts lose the crispness no camera has. Rows are blurred horizontally into a ring
 * of three row buffers, so the pass works in place with O(width) memory.
 */
export function soften(canvas: Uint8ClampedArray, height: number, width: number, k: number): void {
  if (k <= 0) return;
  const n = 3 * width;
  const rows = [new Float32Array(n), new Float32Array(n), new Float32Array(n)];
  const blurRow = (y: number, out: Float32Array): void => {
    const o = 3 * y * width;
    for (let i = 3; i < n - 3; i++) out[i] = 0.25 * (canvas[o + i - 3] + canvas[o + i + 3]) + 0.5 * canvas[o + i];
    for (let ch = 0; ch < 3; ch++) { // edge pixels repeat themselves
      const [a, b] = [ch, n - 3 + ch];
      out[a] = n > 3 ? 0.75 * canvas[o + a] + 0.25 * canvas[o + a + 3] : canvas[o + a];
      out[b] = n > 3 ? 0.75 * canvas[o + b] + 0.25 * canvas[o + b - 3] : canvas[o + b];
    }
  };
  blurRow(0, rows[0]);
  blurRow(0, rows[1]);
  for (let y = 0; y < height; y++) {
    const [up, mid, down] = [rows[y % 3], rows[(y + 1) % 3], rows[(y + 2) % 3]];
    blurRow(Math.min(y + 1, height - 1), down); // row y + 1 is still unmodified
    const o = 3 * y * width;
    for (let i = 0; i < n; i++) canvas[o + i] += (0.25 * up[i] + 0.5 * mid[i] + 0.25 * down[i] - canvas[o + i]) * k;
  }
}

/** What a fill draws on top of its base colour: t ∈ [0, 1] mixes the fill's base colour towards its alt colour. */
export type PatternKind = 'none' | 'ramp' | 'stripes' | 'checker' | 'dots' | 'spots';

/**
 * A periodic pattern in image pixels. u runs along `angle` in periods, warped by the noise field;
 * `duty` is the stripe/dot/spot fill fraction (for 'ramp', u is the ramp itself: t = clamp(u + duty)).
 */
export interface Pattern {
  kind: PatternKind;
  periodPx: number;
  cos: number;
  sin: number;
  duty: number;
  /** Periods of displacement per unit of noise (wavy stripes, wood grain). */
  warp: number;
}

/** A pattern of the given kind with a random period, angle, duty and warp; `periodPx` sets the scale. */
export function randomPattern(rng: Rng, kind: PatternKind, periodPx: number): Pattern {
  const angle = rng.uniform() * Math.PI;
  return {
    kind,
    periodPx: Math.max(3, periodPx),
    cos: Math.cos(angle),
    sin: Math.sin(angle),
    duty: kind === 'spots' ? 0.15 + 0.35 * rng.uniform() : 0.25 + 0.4 * rng.uniform(),
    warp: kind === 'stripes' ? rng.uniform() * 1.5 : rng.uniform() * 0.3,
  };
}

/**
 * The pattern's mix value at pixel (x, y) with noise value n, anti-aliased over about one pixel.
 * @returns t ∈ [0, 1]
 */
export function patternAt(p: Pattern, x: number, y: number, n: number): number {
  if (p.kind === 'none') return 0;
  const P = p.periodPx;
  const u = (x * p.cos + y * p.sin) / P + p.warp * n;
  if (p.kind === 'ramp') return clamp01(u + p.duty);
  if (p.kind === 'spots') return clamp01((n - 0.35 + p.duty) * 12 + 0.5); // blotches where the noise is high
  const v = (y * p.cos - x * p.sin) / P;
  const fu = u - Math.floor(u);
  if (p.kind === 'stripes') {
    // Distance in px from the stripe's edge; positive inside the stripe.
    return clamp01((p.duty * 0.5 - Math.abs(fu - 0.5)) * P + 0.5);
  }
  const fv = v - Math.floor(v);
  // Triangle waves (continuous across period wraps), so every checker edge is anti-aliased.
  if (p.kind === 'checker') return clamp01((Math.abs(fu - 0.5) - 0.25) * (Math.abs(fv - 0.5) - 0.25) * 16 * P + 0.5);
  const du = fu - 0.5;
  const dv = fv - 0.5;
  return clamp01((p.duty * 0.5 - Math.sqrt(du * du + dv * dv)) * P + 0.5); // dots
}

/** HSV (all in [0, 1], hue wrapping) to RGB in [0, 255]. */
export function hsvToRgb(h: number, s: number, v: number): Rgb {
  const hh = (((h % 1) + 1) % 1) * 6;
  const i = Math.floor(hh);
  const f = hh - i;
  const p = v * (1 - s);
  const q = v * (1 - s * f);
  const t = v * (1 - s * (1 - f));
  const rgb: Rgb[] = [[v, t, p], [q, v, p], [p, v, t], [p, q, v], [t, p, v], [v, p, q]];
  const c = rgb[i % 6];
  return [c[0] * 255, c[1] * 255, c[2] * 255];
}

/** Colour distance in 0–255 units ("redmean" weighting, a cheap approximation of perceived difference). */
export function colourDistance(a: Rgb, b: Rgb): number {
  const rm = (a[0] + b[0]) / 2;
  const dr = a[0] - b[0];
  const dg = a[1] - b[1];
  const db = a[2] - b[2];
  return Math.sqrt(((2 + rm / 256) * dr * dr + 4 * dg * dg + (2 + (255 - rm) / 256) * db * db) / 9);
}

/**
 * Bilinear upsampling with half-pixel centres (align_corners=False) of an RGB float image [sh, sw, 3]
 * into an RGB byte canvas [dh, dw, 3]. The background is rendered small and upsampled: cheap, and the
 * softness reads as depth of field behind the in-focus object.
 */
export function upsampleRgb(src: Float32Array, sh: number, sw: number, dst: Uint8ClampedArray, dh: number, dw: number): void {
  const x0 = new Int32Array(dw);
  const x1 = new Int32Array(dw);
  const fx = new Float32Array(dw);
  for (let x = 0; x < dw; x++) {
    const s = Math.min(Math.max((x + 0.5) * (sw / dw) - 0.5, 0), sw - 1);
    const i = Math.floor(s);
    x0[x] = 3 * i;
    x1[x] = 3 * Math.min(i + 1, sw - 1);
    fx[x] = s - i;
  }
  const row = new Float32Array(3 * sw); // the two source rows blended vertically, once per output row
  for (let y = 0; y < dh; y++) {
    const s = Math.min(Math.max((y + 0.5) * (sh / dh) - 0.5, 0), sh - 1);
    const r0 = 3 * Math.floor(s) * sw;
    const r1 = 3 * Math.min(Math.floor(s) + 1, sh - 1) * sw;
    const fy = s - Math.floor(s);
    for (let k = 0; k < 3 * sw; k++) row[k] = src[r0 + k] + (src[r1 + k] - src[r0 + k]) * fy;
    let j = 3 * y * dw;
    for (let x = 0; x < dw; x++, j += 3) {
      const a = x0[x];
      const b = x1[x];
      const w = fx[x];
      dst[j] = row[a] + (row[b] - row[a]) * w;
      dst[j + 1] = row[a + 1] + (row[b + 1] - row[a + 1]) * w;
      dst[j + 2] = row[a + 2] + (row[b + 2] - row[a + 2]) * w;
    }
  }
}

/** Box blur of radius r (window 2r+1, edges clamped) along rows then columns, in place. Twice ≈ a tent/Gaussian. */
export function boxBlur(field: Float32Array, height: number, width: number, r: number): void {
  if (r < 1) return;
  const line = new Float32Array(Math.max(height, width));
  const blurLine = (start: number, stride: number, n: number): void => {
    for (let k = 0; k < n; k++) line[k] = field[start + k * stride];
    let sum = 0;
    for (let k = -r; k <= r; k++) sum += line[Math.min(Math.max(k, 0), n - 1)];
    for (let k = 0; k < n; k++) {
      field[start + k * stride] = sum / (2 * r + 1);
      sum += line[Math.min(k + r + 1, n - 1)] - line[Math.max(k - r, 0)];
    }
  };
  for (let y = 0; y < height; y++) blurLine(y * width, 1, width);
  for (let x = 0; x < width; x++) blurLine(x, width, height);
}

/**
 * atan2 by a minimax polynomial (error < 1e-5 rad): pure arithmetic, so the same bits on every
 * platform, and faster than Math.atan2 in the per-pixel loops of the radial shapes.
 */
export function fastAtan2(y: number, x: number): number {
  const ax = Math.abs(x);
  const ay = Math.abs(y);
  const mx = ax > ay ? ax : ay;
  if (mx === 0) return 0;
  const a = (ax > ay ? ay : ax) / mx;
  const s = a * a;
  let r = ((((0.0208351 * s - 0.085133) * s + 0.180141) * s - 0.3302995) * s + 0.999866) * a;
  if (ay > ax) r = 1.5707963267948966 - r;
  if (x < 0) r = 3.141592653589793 - r;
  return y < 0 ? -r : r;
}
