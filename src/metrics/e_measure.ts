/**
 * Enhanced-alignment measure Eφ (Fan et al., IJCAI 2018) of a probability map, as PySODMetrics
 * `Emeasure` computes it: for a binarised prediction P (levels ≥ t) and the GT G, with
 * φ_P = P − mean(P), φ_G = G − mean(G), the alignment ξ = 2·φ_P·φ_G / (φ_P² + φ_G² + ε), the
 * enhanced alignment (ξ + 1)²/4, summed over pixels and divided by (H·W − 1 + ε). Pixels take only
 * four (P, G) values, so the sum is four counts times four constants. Empty GT: the sum is the
 * number of predicted-background pixels; full GT: the number of predicted-foreground pixels.
 *
 * The curve has one value per threshold t = 0..255 on the 8-bit levels (index = t); the DIS
 * benchmark reports its mean over thresholds (mean Eφ), some papers its max. The adaptive Eφ
 * binarises at pred ≥ min(2·mean(pred), 1).
 * `pred` float64 [H·W] in [0, 1] (prepared, see dis_measures.ts), `gt` 0/1 [H·W].
 */
import { adaptiveThreshold, countsAtThresholds, toLevels } from './f_measure';

const EPS = Number.EPSILON; // np.spacing(1)

/** Σ enhanced alignment / (N − 1 + ε) for given pixel counts of the binarised prediction. */
function enhancedScore(fgFg: number, fgBg: number, gtFg: number, size: number): number {
  const predFg = fgFg + fgBg, predBg = size - predFg;
  let sum: number;
  if (gtFg === 0) sum = predBg;
  else if (gtFg === size) sum = predFg;
  else {
    const bgFg = gtFg - fgFg, bgBg = predBg - bgFg;
    const meanPred = predFg / size, meanGt = gtFg / size;
    const parts: [number, number, number][] = [
      [fgFg, 1 - meanPred, 1 - meanGt],
      [fgBg, 1 - meanPred, 0 - meanGt],
      [bgFg, 0 - meanPred, 1 - meanGt],
      [bgBg, 0 - meanPred, 0 - meanGt],
    ];
    sum = 0;
    for (const [count, a, b] of parts) {
      const align = (2 * (a * b)) / (a * a + b * b + EPS);
      sum += (((align + 1) * (align + 1)) / 4) * count;
    }
  }
  return sum / (size - 1 + EPS);
}

function countForeground(gt: Uint8Array): number {
  let n = 0;
  for (const g of gt) n += g;
  return n;
}

/** Eφ at every threshold t = 0..255 (index = t). */
export function eMeasureCurve(pred: Float64Array, gt: Uint8Array): Float64Array {
  const { fg, bg } = countsAtThresholds(toLevels(pred), gt);
  const gtFg = countForeground(gt);
  return Float64Array.from({ length: 256 }, (_, t) => enhancedScore(fg[t], bg[t], gtFg, gt.length));
}

/** Eφ of the map binarised at pred ≥ min(2·mean(pred), 1). */
export function adaptiveEMeasure(pred: Float64Array, gt: Uint8Array, meanPred: number): number {
  const threshold = adaptiveThreshold(meanPred);
  let fgFg = 0, fgBg = 0;
  for (let i = 0; i < pred.length; i++) {
    if (pred[i] >= threshold) {
      if (gt[i]) fgFg++;
      else fgBg++;
    }
  }
  return enhancedScore(fgFg, fgBg, countForeground(gt), gt.length);
}
