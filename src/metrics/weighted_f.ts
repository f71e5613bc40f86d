/**
 * Weighted F-measure F^w_β (Margolin, Zelnik-Manor & Tal, "How to evaluate foreground maps?",
 * CVPR 2014), as their MATLAB WFb.m and PySODMetrics `WeightedFmeasure` compute it, β² = 1:
 * 1. E = |pred − G|; Et = E, but each background pixel takes E of its nearest GT-foreground pixel
 *    (Euclidean feature transform; scipy's tie rule, see distance_transform.ts);
 * 2. EA = Et convolved with the 7×7 Gaussian, σ = 5 (MATLAB fspecial, normalised), zero outside;
 * 3. on the foreground, E is replaced by min(E, EA) (pixel dependency);
 * 4. background errors are weighted by B = 2 − exp(ln(0.5)/5 · distance to the foreground);
 * 5. TPw = |G| − Σ_G Ew, FPw = Σ_¬G Ew, R = 1 − mean_G(Ew), P = TPw / (TPw + FPw + ε),
 *    F^w = (1 + β²)·R·P / (R + β²·P + ε).
 * Empty GT gives 0 (PySODMetrics). `pred` float64 [H·W] in [0, 1] (prepared, see dis_measures.ts),
 * `gt` 0/1 [H·W], row-major. Equal to the reference bit for bit on 60 random maps up to 400×400;
 * in principle Math.exp can differ from numpy's vectorised exp in the last bit.
 */
import { featureTransform } from './distance_transform';
import { numpyMean, numpySum } from './numpy_sum';

const EPS = Number.EPSILON; // np.spacing(1), MATLAB eps

/** β² of the weighted F-measure (1 in WFb.m and PySODMetrics). */
export const DEFAULT_WEIGHTED_F_BETA_SQ = 1;

/** MATLAB fspecial('gaussian', [size size], sigma): row-major size×size, sums to 1. */
export function gaussianKernel(size = 7, sigma = 5): Float64Array {
  const m = (size - 1) / 2;
  const k = new Float64Array(size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const dy = y - m, dx = x - m;
      k[y * size + x] = Math.exp(-(dx * dx + dy * dy) / (2 * sigma * sigma));
    }
  }
  let max = 0;
  for (const v of k) max = Math.max(max, v);
  for (let i = 0; i < k.length; i++) if (k[i] < EPS * max) k[i] = 0;
  const sum = numpySum(k);
  return sum === 0 ? k : k.map((v) => v / sum);
}

/** scipy.ndimage.convolve(a, k, mode='constant', cval=0) for a symmetric odd square kernel. */
function convolveZero(a: Float64Array, h: number, w: number, k: Float64Array, size: number): Float64Array {
  const r = (size - 1) / 2;
  // Zero-pad once so the inner loop has no bounds checks; the sum order stays the kernel's row-major order.
  const pw = w + 2 * r, padded = new Float64Array((h + 2 * r) * pw);
  for (let y = 0; y < h; y++) padded.set(a.subarray(y * w, (y + 1) * w), (y + r) * pw + r);
  const out = new Float64Array(h * w);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let acc = 0;
      for (let ky = 0, o = y * pw + x; ky < size; ky++, o += pw) {
        for (let kx = 0; kx < size; kx++) acc += padded[o + kx] * k[ky * size + kx];
      }
      out[y * w + x] = acc;
    }
  }
  return out;
}

export function weightedFMeasure(pred: Float64Array, gt: Uint8Array, h: number, w: number, betaSq = DEFAULT_WEIGHTED_F_BETA_SQ): number {
  if (!gt.some((g) => g)) return 0;
  const { nearest, distance } = featureTransform(gt, h, w);
  const n = pred.length;
  const E = new Float64Array(n), Et = new Float64Array(n);
  for (let i = 0; i < n; i++) E[i] = Math.abs(pred[i] - gt[i]);
  for (let i = 0; i < n; i++) Et[i] = gt[i] ? E[i] : E[nearest[i]];
  const EA = convolveZero(Et, h, w, gaussianKernel(7, 5), 7);
  const decay = Math.log(0.5) / 5;
  let positives = 0;
  for (const g of gt) positives += g;
  const onGt = new Float64Array(positives), offGt = new Float64Array(n - positives);
  for (let i = 0, f = 0, b = 0; i < n; i++) {
    if (gt[i]) onGt[f++] = EA[i] < E[i] ? EA[i] : E[i];
    else offGt[b++] = E[i] * (2 - Math.exp(decay * distance[i]));
  }
  const TPw = positives - numpySum(onGt), FPw = numpySum(offGt);
  const R = 1 - numpyMean(onGt);
  const P = TPw / (TPw + FPw + EPS);
  return ((1 + betaSq) * R * P) / (R + betaSq * P + EPS);
}
