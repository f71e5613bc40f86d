/**
 * F-measure curve and adaptive F-measure of a saliency/probability map, as PySODMetrics
 * (lartpang/PySODMetrics, py_sod_metrics/sod_metrics.py `Fmeasure`, which follows the MATLAB SOD
 * toolboxes) computes them; the curve's maximum is the max Fβ of the DIS benchmark (Achanta et al.,
 * CVPR 2009; β² = 0.3).
 *
 * Inputs: `pred` float64 [H·W] in [0, 1] already prepared (see normalizePrediction in
 * dis_measures.ts), `gt` 0/1 [H·W], both row-major.
 * Thresholds: the prediction is quantised to 8 bits as numpy's (pred·255).astype(uint8), i.e.
 * truncated, and thresholded at every t = 0..255 with level ≥ t. Arrays are indexed by t
 * (PySODMetrics stores them from t = 255 down).
 */

/** β² of the SOD/DIS F-measure (named `beta` in PySODMetrics, which uses it as β²). */
export const DEFAULT_F_BETA_SQ = 0.3;

/** numpy's (pred · 255).astype(np.uint8) for pred in [0, 1]. */
export function toLevels(pred: Float64Array): Uint8Array {
  const levels = new Uint8Array(pred.length);
  for (let i = 0; i < pred.length; i++) levels[i] = Math.trunc(pred[i] * 255);
  return levels;
}

/**
 * For each threshold t (index), how many GT-foreground and GT-background pixels have level ≥ t:
 * the flipped cumulative histograms of PySODMetrics.
 */
export function countsAtThresholds(levels: Uint8Array, gt: Uint8Array): { fg: Float64Array; bg: Float64Array } {
  const fgHist = new Float64Array(256), bgHist = new Float64Array(256);
  for (let i = 0; i < levels.length; i++) {
    if (gt[i]) fgHist[levels[i]]++;
    else bgHist[levels[i]]++;
  }
  const fg = new Float64Array(256), bg = new Float64Array(256);
  let f = 0, b = 0;
  for (let t = 255; t >= 0; t--) {
    f += fgHist[t];
    b += bgHist[t];
    fg[t] = f;
    bg[t] = b;
  }
  return { fg, bg };
}

export interface FMeasureCurve {
  /** [256] by threshold: precision, recall and Fβ of (level ≥ t). */
  precision: Float64Array;
  recall: Float64Array;
  f: Float64Array;
}

/** Fβ(t) = (1 + β²)·P·R / (β²·P + R), 0 where P·R = 0; P = 0 when nothing is predicted. */
export function fMeasureCurve(pred: Float64Array, gt: Uint8Array, betaSq = DEFAULT_F_BETA_SQ): FMeasureCurve {
  const { fg, bg } = countsAtThresholds(toLevels(pred), gt);
  let positives = 0;
  for (const g of gt) positives += g;
  const T = Math.max(positives, 1);
  const precision = new Float64Array(256), recall = new Float64Array(256), f = new Float64Array(256);
  for (let t = 0; t < 256; t++) {
    const predicted = fg[t] + bg[t];
    precision[t] = fg[t] / (predicted === 0 ? 1 : predicted);
    recall[t] = fg[t] / T;
    const numerator = (1 + betaSq) * precision[t] * recall[t];
    f[t] = numerator / (numerator === 0 ? 1 : betaSq * precision[t] + recall[t]);
  }
  return { precision, recall, f };
}

/** Adaptive threshold of Achanta et al.: min(2 · mean(pred), 1). */
export function adaptiveThreshold(meanPred: number): number {
  return Math.min(2 * meanPred, 1);
}

/** Fβ of the map binarised at pred ≥ adaptiveThreshold (0 when no true positive). */
export function adaptiveFMeasure(pred: Float64Array, gt: Uint8Array, meanPred: number, betaSq = DEFAULT_F_BETA_SQ): number {
  const threshold = adaptiveThreshold(meanPred);
  let tp = 0, predicted = 0, positives = 0;
  for (let i = 0; i < pred.length; i++) {
    const on = pred[i] >= threshold ? 1 : 0;
    predicted += on;
    positives += gt[i];
    tp += on & gt[i];
  }
  if (tp === 0) return 0;
  const p = tp / predicted, r = tp / positives;
  return ((1 + betaSq) * p * r) / (betaSq * p + r);
}
