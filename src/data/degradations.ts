/**
 * Coarse masks like the ones users bring (issue 14): seeded degradations that copy the errors real
 * segmenters make, besides upstream's modify_boundary. Each is a pure function of (mask, rng, severity)
 * with severity in [0, 1], from gentle (IoU with the input ≈ 0.9 or more) to heavy (≈ 0.6–0.75).
 * Lengths scale with the object's size L = √(foreground area), so one severity gives a similar IoU for a
 * small and a large object. The exception is `lowResPrediction`, whose output stride (4–32 px) is in
 * image pixels, as a segmenter's stride does not know the object's size.
 * Every function returns a new 0/1 mask of the input's size; an empty mask comes back empty. All random
 * draws come from the caller's Rng, so the same rng state gives the same mask.
 */
import type { BinaryMask } from '../types';
import type { Rng } from '../util/rng';
import { dilateEllipse, erodeEllipse } from '../util/ellipse_morphology';
import { coarsenMask } from './coarse_mask';
import { findContours } from './contours';
import { fillPolygons } from './polygon_fill';

/** The named degradations; `DEGRADATIONS` maps each to its function. */
export type DegradationKind = 'modify-boundary' | 'low-res' | 'band' | 'blur' | 'thin-parts' | 'blobs' | 'shift' | 'simplify';

/** (mask [H, W] 0/1, rng, severity in [0, 1]) → a new degraded mask [H, W] 0/1. */
export type Degradation = (mask: BinaryMask, rng: Rng, severity: number) => BinaryMask;

function emptyLike(mask: BinaryMask): BinaryMask {
  return { data: new Uint8Array(mask.height * mask.width), height: mask.height, width: mask.width };
}

/** Foreground pixel count and the object scale L = √area. */
function objectScale(mask: BinaryMask): { area: number; scale: number } {
  let area = 0;
  for (let i = 0; i < mask.data.length; i++) if (mask.data[i]) area++;
  return { area, scale: Math.sqrt(area) };
}

/** A length of (lo + (hi − lo)·severity)·L pixels, at least 1. */
function scaledLength(scale: number, severity: number, lo: number, hi: number): number {
  return Math.max(1, Math.round((lo + (hi - lo) * severity) * scale));
}

/** Dilation or erosion by a disk (OpenCV ellipse of size 2r+1), as a new mask. */
function grow(mask: BinaryMask, r: number): BinaryMask {
  return { data: dilateEllipse(binary01(mask), mask.height, mask.width, r), height: mask.height, width: mask.width };
}

function shrink(mask: BinaryMask, r: number): BinaryMask {
  return { data: erodeEllipse(binary01(mask), mask.height, mask.width, r), height: mask.height, width: mask.width };
}

function binary01(mask: BinaryMask): Uint8Array {
  const out = new Uint8Array(mask.data.length);
  for (let i = 0; i < out.length; i++) out[i] = mask.data[i] ? 1 : 0;
  return out;
}

/**
 * Bilinear upsampling of a gh×gw grid whose cell (i, j) covers pixels [i·cell − oy, (i + 1)·cell − oy)
 * × [j·cell − ox, …), sampled at pixel centres (align_corners = False; edges clamped).
 * @returns [H, W] float values
 */
function upsampleGrid(grid: Float32Array, gh: number, gw: number, height: number, width: number, cell: number, oy: number, ox: number): Float32Array {
  const out = new Float32Array(height * width);
  const taps = (p: number, off: number, n: number): [number, number, number] => {
    const u = (p + off + 0.5) / cell - 0.5, i = Math.floor(u), f = u - i;
    return [Math.min(Math.max(i, 0), n - 1), Math.min(Math.max(i + 1, 0), n - 1), f];
  };
  for (let y = 0; y < height; y++) {
    const [y0, y1, fy] = taps(y, oy, gh);
    for (let x = 0; x < width; x++) {
      const [x0, x1, fx] = taps(x, ox, gw);
      const top = grid[y0 * gw + x0] * (1 - fx) + grid[y0 * gw + x1] * fx;
      const bottom = grid[y1 * gw + x0] * (1 - fx) + grid[y1 * gw + x1] * fx;
      out[y * width + x] = top * (1 - fy) + bottom * fy;
    }
  }
  return out;
}

function threshold(values: Float32Array, t: number, mask: BinaryMask): BinaryMask {
  const out = emptyLike(mask);
  for (let i = 0; i < values.length; i++) out.data[i] = values[i] >= t ? 1 : 0;
  return out;
}

/**
 * A low-resolution prediction upsampled: the mask averaged over stride×stride cells (random grid phase),
 * each cell's probability perturbed by N(0, (0.15·severity)²) as a segmenter's logits are, bilinearly
 * upsampled and thresholded at 0.5. Stride = round(4·8^severity): 4 px (gentle) to 32 px (heavy).
 */
export function lowResPrediction(mask: BinaryMask, rng: Rng, severity: number): BinaryMask {
  const { height: h, width: w } = mask;
  const stride = Math.round(4 * 8 ** severity);
  const oy = rng.int(stride), ox = rng.int(stride);
  const gh = Math.ceil((h + oy) / stride), gw = Math.ceil((w + ox) / stride);
  const sum = new Float32Array(gh * gw), count = new Float32Array(gh * gw);
  for (let y = 0; y < h; y++) {
    const row = Math.floor((y + oy) / stride) * gw;
    for (let x = 0; x < w; x++) {
      const c = row + Math.floor((x + ox) / stride);
      sum[c] += mask.data[y * w + x] ? 1 : 0;
      count[c]++;
    }
  }
  const noise = 0.15 * severity;
  for (let c = 0; c < sum.length; c++) sum[c] = (count[c] ? sum[c] / count[c] : 0) + noise * rng.normal();
  return threshold(upsampleGrid(sum, gh, gw, h, w, stride, oy, ox), 0.5, mask);
}

/** A smooth random sign field: a coarse grid of normals (cells of `cell` px), upsampled. */
function smoothField(height: number, width: number, cell: number, rng: Rng): Float32Array {
  const gh = Math.ceil(height / cell) + 1, gw = Math.ceil(width / cell) + 1;
  const grid = new Float32Array(gh * gw);
  for (let i = 0; i < grid.length; i++) grid[i] = rng.normal();
  return upsampleGrid(grid, gh, gw, height, width, cell, rng.int(cell), rng.int(cell));
}

/**
 * A boundary off by a band of r = (0.003 + 0.04·severity)·L px (≥ 1): the whole mask dilated, eroded, or
 * (one time in three each) dilated in some places and eroded in others, chosen by a smooth random field
 * with cells of ~L/2, as a segmenter that over- and under-shoots along one object does.
 */
export function boundaryBand(mask: BinaryMask, rng: Rng, severity: number): BinaryMask {
  const { scale } = objectScale(mask);
  if (scale === 0) return emptyLike(mask);
  const r = scaledLength(scale, severity, 0.003, 0.04);
  const mode = rng.int(3);
  if (mode === 0) return grow(mask, r);
  if (mode === 1) return shrink(mask, r);
  const grown = grow(mask, r), shrunk = shrink(mask, r);
  const field = smoothField(mask.height, mask.width, Math.max(2, Math.round(scale / 2)), rng);
  const out = emptyLike(mask);
  for (let i = 0; i < out.data.length; i++) out.data[i] = field[i] >= 0 ? grown.data[i] : shrunk.data[i];
  return out;
}

/** Box blur of radius r along rows then columns, zero outside the image (background). In place on `v`. */
function boxBlur(v: Float32Array, height: number, width: number, r: number): void {
  const pass = (n: number, lines: number, at: (line: number, i: number) => number): void => {
    const tmp = new Float32Array(n), norm = 1 / (2 * r + 1);
    for (let line = 0; line < lines; line++) {
      let acc = 0;
      for (let i = 0; i < Math.min(r, n); i++) acc += v[at(line, i)];
      for (let i = 0; i < n; i++) {
        if (i + r < n) acc += v[at(line, i + r)];
        tmp[i] = acc * norm;
        if (i - r >= 0) acc -= v[at(line, i - r)];
      }
      for (let i = 0; i < n; i++) v[at(line, i)] = tmp[i];
    }
  };
  pass(width, height, (y, x) => y * width + x);
  pass(height, width, (x, y) => y * width + x);
}

/**
 * Blurred then thresholded, as a smooth low-capacity decoder is: three box blurs of radius
 * r = (0.01 + 0.07·severity)·L px (≈ a Gaussian of σ ≈ r), threshold 0.5 ± 0.25·severity (uniform).
 * Rounds corners, closes narrow gaps, removes thin parts and shifts the boundary in or out.
 */
export function blurThreshold(mask: BinaryMask, rng: Rng, severity: number): BinaryMask {
  const { scale } = objectScale(mask);
  if (scale === 0) return emptyLike(mask);
  const r = scaledLength(scale, severity, 0.01, 0.07);
  const v = new Float32Array(mask.data.length);
  for (let i = 0; i < v.length; i++) v[i] = mask.data[i] ? 1 : 0;
  for (let k = 0; k < 3; k++) boxBlur(v, mask.height, mask.width, r);
  return threshold(v, 0.5 + (2 * rng.uniform() - 1) * 0.25 * severity, mask);
}

/**
 * Thin parts missing (legs, antennae, straps): a morphological opening with a disk of radius
 * r = (0.01 + 0.08·severity)·L px removes every part thinner than 2r and keeps the rest. If nothing
 * would be left, r is halved until something is (r = 0 gives the input back).
 */
export function dropThinParts(mask: BinaryMask, _rng: Rng, severity: number): BinaryMask {
  const { scale } = objectScale(mask);
  if (scale === 0) return emptyLike(mask);
  for (let r = scaledLength(scale, severity, 0.01, 0.08); r >= 1; r = Math.floor(r / 2)) {
    const opened = grow(shrink(mask, r), r);
    if (opened.data.includes(1)) return opened;
  }
  return { ...mask, data: mask.data.map((v) => (v ? 1 : 0)) };
}

/** Inclusive-exclusive bounding box of the foreground, or null. */
function foregroundBox(mask: BinaryMask): { x1: number; y1: number; x2: number; y2: number } | null {
  let x1 = mask.width, y1 = mask.height, x2 = 0, y2 = 0;
  for (let y = 0; y < mask.height; y++) {
    for (let x = 0; x < mask.width; x++) {
      if (!mask.data[y * mask.width + x]) continue;
      x1 = Math.min(x1, x); x2 = Math.max(x2, x + 1); y1 = Math.min(y1, y); y2 = Math.max(y2, y + 1);
    }
  }
  return x2 === 0 ? null : { x1, y1, x2, y2 };
}

/** Sets (value 1) or clears (0) the pixels of a rotated ellipse. */
function paintEllipse(out: BinaryMask, cx: number, cy: number, a: number, b: number, angle: number, value: number): void {
  const c = Math.cos(angle), s = Math.sin(angle), reach = Math.ceil(Math.max(a, b));
  for (let y = Math.max(0, Math.floor(cy - reach)); y <= Math.min(out.height - 1, Math.ceil(cy + reach)); y++) {
    for (let x = Math.max(0, Math.floor(cx - reach)); x <= Math.min(out.width - 1, Math.ceil(cx + reach)); x++) {
      const dx = x + 0.5 - cx, dy = y + 0.5 - cy;
      const u = (dx * c + dy * s) / a, v = (-dx * s + dy * c) / b;
      if (u * u + v * v <= 1) out.data[y * out.width + x] = value;
    }
  }
}

/**
 * Spurious blobs and holes: 1 to 1 + round(3·severity) ellipses with semi-axes of
 * (0.05 + 0.2·severity)·L·U(0.5, 1.5) px, centred in the object's box grown by a quarter on each side;
 * each adds foreground (a false positive) or cuts a hole (a false negative) with probability ½.
 */
export function spuriousBlobs(mask: BinaryMask, rng: Rng, severity: number): BinaryMask {
  const box = foregroundBox(mask);
  const out = { ...mask, data: mask.data.map((v) => (v ? 1 : 0)) };
  if (!box) return out;
  const { scale } = objectScale(mask);
  const n = 1 + rng.int(1 + Math.round(3 * severity));
  const bw = box.x2 - box.x1, bh = box.y2 - box.y1;
  for (let k = 0; k < n; k++) {
    const cx = box.x1 - bw / 4 + rng.uniform() * 1.5 * bw, cy = box.y1 - bh / 4 + rng.uniform() * 1.5 * bh;
    const a = Math.max(1, (0.05 + 0.2 * severity) * scale * (0.5 + rng.uniform()));
    const b = Math.max(1, a * (0.4 + 0.6 * rng.uniform()));
    paintEllipse(out, cx, cy, a, b, Math.PI * rng.uniform(), rng.uniform() < 0.5 ? 1 : 0);
  }
  return out;
}

/**
 * The mask shifted by d = (0.003 + 0.045·severity)·L px (≥ 1) in a random direction, as a prediction
 * from a misaligned feature map is; pixels shifted in from outside are background.
 */
export function shiftMask(mask: BinaryMask, rng: Rng, severity: number): BinaryMask {
  const { scale } = objectScale(mask);
  const out = emptyLike(mask);
  if (scale === 0) return out;
  const d = Math.max(1, (0.003 + 0.045 * severity) * scale), angle = 2 * Math.PI * rng.uniform();
  const dy = Math.round(d * Math.sin(angle));
  const dx = Math.round(d * Math.cos(angle)) || (dy === 0 ? 1 : 0);
  const { height: h, width: w } = mask;
  for (let y = Math.max(0, dy); y < Math.min(h, h + dy); y++) {
    for (let x = Math.max(0, dx); x < Math.min(w, w + dx); x++) out.data[y * w + x] = mask.data[(y - dy) * w + (x - dx)] ? 1 : 0;
  }
  return out;
}

/** Squared distance from point p to the segment a–b. */
function segmentDistance2(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const vx = bx - ax, vy = by - ay, len2 = vx * vx + vy * vy;
  const t = len2 === 0 ? 0 : Math.min(1, Math.max(0, ((px - ax) * vx + (py - ay) * vy) / len2));
  const dx = px - ax - t * vx, dy = py - ay - t * vy;
  return dx * dx + dy * dy;
}

/** Douglas–Peucker keep-flags for points[from..to] of an (x, y, …) chain; both ends are kept by the caller. */
function markDouglasPeucker(p: Int32Array, from: number, to: number, eps2: number, keep: Uint8Array): void {
  const stack = [[from, to]];
  while (stack.length) {
    const [i, j] = stack.pop() as number[];
    let best = -1, bestD = eps2;
    for (let k = i + 1; k < j; k++) {
      const d = segmentDistance2(p[2 * k], p[2 * k + 1], p[2 * i], p[2 * i + 1], p[2 * j], p[2 * j + 1]);
      if (d > bestD) { bestD = d; best = k; }
    }
    if (best < 0) continue;
    keep[best] = 1;
    stack.push([i, best], [best, j]);
  }
}

/** A closed contour simplified by Douglas–Peucker with tolerance eps, split at its start and its farthest point. */
export function simplifyClosedContour(points: Int32Array, eps: number): Int32Array {
  const n = points.length >> 1;
  if (n <= 3) return points.slice();
  let far = 0, farD = -1;
  for (let k = 1; k < n; k++) {
    const d = (points[2 * k] - points[0]) ** 2 + (points[2 * k + 1] - points[1]) ** 2;
    if (d > farD) { farD = d; far = k; }
  }
  const closed = new Int32Array(2 * (n + 1));
  closed.set(points);
  closed.set(points.subarray(0, 2), 2 * n);
  const keep = new Uint8Array(n + 1);
  keep[0] = keep[far] = 1;
  markDouglasPeucker(closed, 0, far, eps * eps, keep);
  markDouglasPeucker(closed, far, n, eps * eps, keep);
  const out: number[] = [];
  for (let k = 0; k < n; k++) if (keep[k]) out.push(points[2 * k], points[2 * k + 1]);
  return Int32Array.from(out);
}

/**
 * Polygon simplification, as an annotation tool's or a polygon-head segmenter's output is: every
 * contour (outer and hole) simplified by Douglas–Peucker with a tolerance of
 * (0.01 + 0.06·severity)·L·U(0.75, 1.25) px (≥ 1), filled with OpenCV's even-odd drawContours rule
 * (as modify_boundary fills). Contours that keep fewer than 3 vertices vanish.
 */
export function simplifyPolygon(mask: BinaryMask, rng: Rng, severity: number): BinaryMask {
  const { scale } = objectScale(mask);
  const out = emptyLike(mask);
  if (scale === 0) return out;
  const eps = Math.max(1, (0.01 + 0.06 * severity) * scale * (0.75 + 0.5 * rng.uniform()));
  const polygons = findContours(mask).map((c) => simplifyClosedContour(c.points, eps)).filter((p) => p.length >= 6);
  if (polygons.length) fillPolygons(out.data, out.width, out.height, polygons);
  return out;
}

/** Upstream's modify_boundary with perturb_seg's IoU target 0.95 − 0.15·severity (severity 1 = upstream's 0.8). */
export function modifyBoundaryAt(mask: BinaryMask, rng: Rng, severity: number): BinaryMask {
  return coarsenMask(mask, rng, { iouTarget: 0.95 - 0.15 * severity });
}

export const DEGRADATIONS: Readonly<Record<DegradationKind, Degradation>> = Object.freeze({
  'modify-boundary': modifyBoundaryAt,
  'low-res': lowResPrediction,
  band: boundaryBand,
  blur: blurThreshold,
  'thin-parts': dropThinParts,
  blobs: spuriousBlobs,
  shift: shiftMask,
  simplify: simplifyPolygon,
});

export const DEGRADATION_KINDS = Object.keys(DEGRADATIONS) as DegradationKind[];

/**
 * Applies the degradation `kind` at `severity` (checked: a known kind, a number in [0, 1], a valid mask).
 * @param mask ground truth, [H, W] 0/1 (non-zero counts as 1)
 * @returns a new 0/1 mask of the same size
 */
export function degradeMask(mask: BinaryMask, rng: Rng, kind: DegradationKind, severity: number): BinaryMask {
  const fn = DEGRADATIONS[kind];
  if (!fn) throw new Error(`degradeMask: kind must be one of ${DEGRADATION_KINDS.join(', ')}, but got '${kind}'.`);
  if (!(severity >= 0 && severity <= 1)) throw new Error(`degradeMask: severity must be a number in [0, 1], but got ${severity}.`);
  const { height, width, data } = mask;
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 1 || width < 1 || data.length !== height * width) {
    throw new Error(`degradeMask: mask must be a non-empty ${height}×${width} mask with ${height * width} values, but got ${data.length}.`);
  }
  return fn(mask, rng, severity);
}
