/**
 * Structure measure Sα (Fan et al., ICCV 2017), α = 0.5, as PySODMetrics `Smeasure`
 * (py_sod_metrics/sod_metrics.py) computes it:
 * - GT empty: 1 − mean(pred); GT full: mean(pred);
 * - else Sα = max(0, α·S_object + (1 − α)·S_region), where
 *   S_object = μ_G·O(pred on G) + (1 − μ_G)·O(1 − pred off G), O(x) = 2·mean(x) / (mean(x)² + 1 + std(x) + ε)
 *   with the sample std (ddof = 1);
 *   S_region splits both maps at the GT centroid (row and column means of the foreground pixels,
 *   rounded half-to-even as numpy, plus 1 as in the MATLAB code) into four quadrants weighted by
 *   their area fractions and scores each with the single-window SSIM
 *   4·x̄·ȳ·σxy / ((x̄² + ȳ²)(σx² + σy²) + ε) (1 if numerator and denominator are 0, 0 if only the
 *   numerator is).
 * The MATLAB original rounds the centroid half away from zero; ties (a centroid exactly at .5) can
 * differ from it by one row or column.
 * Where the reference divides by zero and returns NaN (a quadrant of one pixel or none, an object
 * or background of one pixel) the variance is taken as 0 and an empty quadrant scores 0 (its weight
 * is 0), so the value stays finite.
 * `pred` float64 [H·W] in [0, 1] (prepared, see dis_measures.ts), `gt` 0/1 [H·W], row-major.
 */
import { numpyMean, numpySum } from './numpy_sum';
import { roundHalfEven } from '../util/python_math';

const EPS = Number.EPSILON; // np.spacing(1)

export const DEFAULT_S_ALPHA = 0.5;

/** O(x) = 2·mean / (mean² + 1 + std + ε), sample std (0 for a single value). */
function objectSimilarity(x: Float64Array): number {
  const mean = numpyMean(x);
  const squares = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) squares[i] = (x[i] - mean) * (x[i] - mean);
  const std = x.length > 1 ? Math.sqrt(numpySum(squares) / (x.length - 1)) : 0;
  return (2 * mean) / (mean * mean + 1 + std + EPS);
}

function objectScore(pred: Float64Array, gt: Uint8Array, gtMean: number): number {
  let nFg = 0;
  for (const g of gt) nFg += g;
  const fg = new Float64Array(nFg), bg = new Float64Array(gt.length - nFg);
  for (let i = 0, f = 0, b = 0; i < pred.length; i++) {
    if (gt[i]) fg[f++] = pred[i];
    else bg[b++] = 1 - pred[i];
  }
  return objectSimilarity(fg) * gtMean + objectSimilarity(bg) * (1 - gtMean);
}

/** Single-window SSIM of two equally sized blocks (row-major values). */
function blockSsim(p: Float64Array, g: Float64Array): number {
  const N = p.length;
  if (N === 0) return 0;
  const x = numpyMean(p), y = numpyMean(g);
  const xx = new Float64Array(N), yy = new Float64Array(N), xy = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    const dp = p[i] - x, dg = g[i] - y;
    xx[i] = dp * dp;
    yy[i] = dg * dg;
    xy[i] = dp * dg;
  }
  const div = N > 1 ? N - 1 : Infinity; // one pixel: variances 0 instead of 0/0
  const sigmaX = numpySum(xx) / div, sigmaY = numpySum(yy) / div, sigmaXY = numpySum(xy) / div;
  const alpha = 4 * x * y * sigmaXY;
  const beta = (x * x + y * y) * (sigmaX + sigmaY);
  if (alpha !== 0) return alpha / (beta + EPS);
  return beta === 0 ? 1 : 0;
}

/** Values of rows [y0, y1) × columns [x0, x1) of a row-major H×W map, row-major. */
function block(a: ArrayLike<number>, w: number, y0: number, y1: number, x0: number, x1: number): Float64Array {
  const out = new Float64Array(Math.max(0, y1 - y0) * Math.max(0, x1 - x0));
  let k = 0;
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) out[k++] = a[y * w + x];
  return out;
}

/** The GT centroid, as 1-based split indices (cy, cx). GT must be non-empty. */
function centroid(gt: Uint8Array, h: number, w: number): [number, number] {
  let n = 0, sy = 0, sx = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (gt[y * w + x]) { n++; sy += y; sx += x; }
    }
  }
  return [roundHalfEven(sy / n) + 1, roundHalfEven(sx / n) + 1];
}

function regionScore(pred: Float64Array, gt: Uint8Array, h: number, w: number): number {
  const [cy, cx] = centroid(gt, h, w);
  const area = h * w;
  const wLt = (cx * cy) / area, wRt = (cy * (w - cx)) / area, wLb = ((h - cy) * cx) / area;
  const wRb = 1 - wLt - wRt - wLb;
  const score = (y0: number, y1: number, x0: number, x1: number) => blockSsim(block(pred, w, y0, y1, x0, x1), block(gt, w, y0, y1, x0, x1));
  return score(0, cy, 0, cx) * wLt + score(0, cy, cx, w) * wRt + score(cy, h, 0, cx) * wLb + score(cy, h, cx, w) * wRb;
}

/** Sα of a prepared prediction against the GT (H×W). */
export function sMeasure(pred: Float64Array, gt: Uint8Array, h: number, w: number, alpha = DEFAULT_S_ALPHA): number {
  let fg = 0;
  for (const g of gt) fg += g;
  const y = fg / gt.length;
  if (y === 0) return 1 - numpyMean(pred);
  if (y === 1) return numpyMean(pred);
  return Math.max(0, objectScore(pred, gt, y) * alpha + regionScore(pred, gt, h, w) * (1 - alpha));
}
