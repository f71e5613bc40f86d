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
  const out = new Float64Array(h * w);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let acc = 0;
      for (let ky = 0; ky < size; ky++) {
        const yy = y + ky - r;
        for (let kx = 0; kx < size; kx++) {
          const xx = x + kx - r;
          const v = yy >= 0 && yy < h && xx >= 0 && xx < w ? a[yy * w + xx] : 0;
          acc += v * k[ky * size + kx];
        }
      }
      out[y * w + x] = acc;
    }
  }
  return out;
}

export function weightedFMeasure(pred: Float64Array, gt: Uint8Array, h: number, w: number, betaSq = DEFAULT_WEIGHTED_F_BETA_SQ): number {
  if (!gt.some((g) => g)) return 0;
  const { nearest, distance } = featureTransform(gt, h, w);
  const E = Float64Array.from(pred, (p, i) => Math.abs(p - gt[i]));
  const Et = Float64Array.from(E, (e, i) => (gt[i] ? e : E[nearest[i]]));
  const EA = convolveZero(Et, h, w, gaussianKernel(7, 5), 7);
  const decay = Math.log(0.5) / 5;
  const Ew = Float64Array.from(E, (e, i) => (gt[i] ? (EA[i] < e ? EA[i] : e) : e * (2 - Math.exp(decay * distance[i]))));
  const onGt: number[] = [], offGt: number[] = [];
  let positives = 0;
  for (let i = 0; i < Ew.length; i++) {
    if (gt[i]) { onGt.push(Ew[i]); positives++; }
    else offGt.push(Ew[i]);
  }
  const TPw = positives - numpySum(onGt), FPw = numpySum(offGt);
  const R = 1 - numpyMean(onGt);
  const P = TPw / (TPw + FPw + EPS);
  return ((1 + betaSq) * R * P) / (R + betaSq * P + EPS);
}
