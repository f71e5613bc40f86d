/**
 * Boundary F-measure as the DAVIS benchmark computes it (davis-2016 python/lib/davis/measures/
 * f_boundary.py `db_eval_boundary`, identical in davis2017-evaluation `f_measure`):
 * 1. tolerance radius r = bound_th if bound_th ≥ 1, else ceil(bound_th · √(H² + W²)) (default
 *    bound_th = 0.008, i.e. 0.8% of the image diagonal);
 * 2. boundaries by `seg2bmap` (David Martin's BSDS code): a pixel is boundary if it differs from its
 *    right, lower or lower-right neighbour; the last row compares with the right neighbour only, the
 *    last column with the lower neighbour only, and the bottom-right pixel is never boundary;
 * 3. each boundary is dilated by skimage `disk(r)` (offsets with dx² + dy² ≤ r²; outside the image
 *    contributes nothing);
 * 4. precision = |pred boundary ∩ dilated GT boundary| / |pred boundary|, recall = |GT boundary ∩
 *    dilated pred boundary| / |GT boundary|; with no pred boundary precision = 1, with no GT
 *    boundary recall = 1 (and the other is 0 unless both are empty); F = 2PR/(P + R), 0 if P + R = 0.
 */
import { assertSamePair, BinaryMask } from './binary_mask';

/** DAVIS's default tolerance, as a fraction of the image diagonal. */
export const DEFAULT_BOUNDARY_F_THRESHOLD = 0.008;

export interface BoundaryF {
  /** Dilation radius r in pixels. */
  tolerancePx: number;
  predBoundaryPixels: number;
  gtBoundaryPixels: number;
  /** Pred boundary pixels within r of the GT boundary. */
  predMatched: number;
  /** GT boundary pixels within r of the pred boundary. */
  gtMatched: number;
  precision: number;
  recall: number;
  f: number;
}

/** The DAVIS tolerance radius for an H×W image: integer bound_th ≥ 1 is taken as pixels. */
export function boundaryTolerancePx(height: number, width: number, boundTh: number): number {
  if (boundTh >= 1) {
    if (!Number.isInteger(boundTh)) throw new Error(`boundaryTolerancePx: a threshold ≥ 1 is a radius in pixels and must be an integer, but got ${boundTh}.`);
    return boundTh;
  }
  if (!(boundTh > 0)) throw new Error(`boundaryTolerancePx: boundTh must be > 0, but got ${boundTh}.`);
  return Math.ceil(boundTh * Math.sqrt(height * height + width * width));
}

/** seg2bmap: the one-pixel boundary of a row-major 0/1 mask (see the file comment for the rule). */
export function seg2bmap(mask: BinaryMask): Uint8Array {
  const { data, height: h, width: w } = mask;
  const at = (y: number, x: number) => (y < h && x < w ? data[y * w + x] : 0);
  const b = new Uint8Array(h * w);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v = data[y * w + x];
      if (y === h - 1 && x === w - 1) b[y * w + x] = 0;
      else if (x === w - 1) b[y * w + x] = v ^ at(y + 1, x);
      else if (y === h - 1) b[y * w + x] = v ^ at(y, x + 1);
      else b[y * w + x] = (v ^ at(y, x + 1)) | (v ^ at(y + 1, x)) | (v ^ at(y + 1, x + 1));
    }
  }
  return b;
}

/** Half-widths of skimage's disk(r): hw[dy + r] = max dx with dx² + dy² ≤ r². */
export function diskHalfWidths(r: number): Int32Array {
  const hw = new Int32Array(2 * r + 1);
  for (let dy = -r; dy <= r; dy++) {
    let dx = Math.floor(Math.sqrt(r * r - dy * dy));
    while ((dx + 1) * (dx + 1) + dy * dy <= r * r) dx++;
    while (dx * dx + dy * dy > r * r) dx--;
    hw[dy + r] = dx;
  }
  return hw;
}

/** For each pixel, the horizontal distance to the nearest set pixel of its row (large if none). */
function rowDistance(b: Uint8Array, h: number, w: number): Int32Array {
  const far = 0x3fffffff;
  const dist = new Int32Array(h * w);
  for (let y = 0; y < h; y++) {
    let last = -far;
    for (let x = 0; x < w; x++) {
      if (b[y * w + x]) last = x;
      dist[y * w + x] = Math.min(x - last, far);
    }
    last = 2 * far;
    for (let x = w - 1; x >= 0; x--) {
      if (b[y * w + x]) last = x;
      dist[y * w + x] = Math.min(dist[y * w + x], last - x);
    }
  }
  return dist;
}

/** Binary dilation of a 0/1 map by disk(r), zero outside the image. O(H·W·r). */
export function dilateDisk(b: Uint8Array, h: number, w: number, r: number): Uint8Array {
  const hw = diskHalfWidths(r);
  const dist = rowDistance(b, h, w);
  const out = new Uint8Array(h * w);
  for (let y = 0; y < h; y++) {
    const dyMin = Math.max(-r, -y), dyMax = Math.min(r, h - 1 - y);
    for (let x = 0; x < w; x++) {
      for (let dy = dyMin; dy <= dyMax; dy++) {
        if (dist[(y + dy) * w + x] <= hw[dy + r]) {
          out[y * w + x] = 1;
          break;
        }
      }
    }
  }
  return out;
}

function countAnd(a: Uint8Array, b: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) n += a[i] & b[i];
  return n;
}

function count(a: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) n += a[i];
  return n;
}

/** DAVIS boundary F of `pred` against `gt` (same size), tolerance boundTh (see the file comment). */
export function computeBoundaryF(gt: BinaryMask, pred: BinaryMask, boundTh = DEFAULT_BOUNDARY_F_THRESHOLD): BoundaryF {
  assertSamePair(gt, pred, 'computeBoundaryF');
  const { height: h, width: w } = gt;
  const tolerancePx = boundaryTolerancePx(h, w, boundTh);
  const predB = seg2bmap(pred), gtB = seg2bmap(gt);
  const predMatched = countAnd(predB, dilateDisk(gtB, h, w, tolerancePx));
  const gtMatched = countAnd(gtB, dilateDisk(predB, h, w, tolerancePx));
  const predBoundaryPixels = count(predB), gtBoundaryPixels = count(gtB);
  let precision: number, recall: number;
  if (predBoundaryPixels === 0 && gtBoundaryPixels > 0) [precision, recall] = [1, 0];
  else if (predBoundaryPixels > 0 && gtBoundaryPixels === 0) [precision, recall] = [0, 1];
  else if (predBoundaryPixels === 0 && gtBoundaryPixels === 0) [precision, recall] = [1, 1];
  else [precision, recall] = [predMatched / predBoundaryPixels, gtMatched / gtBoundaryPixels];
  const f = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { tolerancePx, predBoundaryPixels, gtBoundaryPixels, predMatched, gtMatched, precision, recall, f };
}
