/**
 * The DIS5K benchmark measures (Qin et al., "Highly Accurate Dichotomous Image Segmentation",
 * ECCV 2022, whose tables report max Fβ, weighted F^w_β, MAE, Sα, mean Eφ and HCE), computed per
 * image and aggregated as PySODMetrics does (lartpang/PySODMetrics, the Python port of the MATLAB SOD
 * toolboxes that DIS-style evaluations use):
 * - the prediction is a probability map; like PySODMetrics' prepare_data (MATLAB mapminmax) it is
 *   min-max normalised to [0, 1] unless constant; an 8-bit greyscale file is read as value/255
 *   (greyToProbabilityMap) exactly as the reference does;
 * - max Fβ (β² = 0.3): the F curve over thresholds 0..255 is averaged over images, then maximised
 *   (a per-image max is reported too); mean Eφ likewise averages the E curve over images, then
 *   over thresholds; weighted F, MAE, Sα and the adaptive F/E are plain means over images.
 * HCE (human correction efforts, xuebinqin/DIS hce_metric_main.py) is NOT implemented: it depends on
 * skimage's skeletonize and label, OpenCV's findContours (Suzuki–Abe traversal order) and
 * approxPolyDP on those contours, which cannot be reproduced exactly without porting all of them.
 */
import { assertBinaryMask, BinaryMask } from './binary_mask';
import { adaptiveEMeasure, eMeasureCurve } from './e_measure';
import { adaptiveFMeasure, DEFAULT_F_BETA_SQ, fMeasureCurve } from './f_measure';
import { meanAbsoluteError } from './mae';
import { numpyMean, numpySum } from './numpy_sum';
import { DEFAULT_S_ALPHA, sMeasure } from './s_measure';
import { DEFAULT_WEIGHTED_F_BETA_SQ, weightedFMeasure } from './weighted_f';

/** A prediction for the DIS measures: probabilities in [0, 1], row-major [H, W]. */
export interface ProbabilityMap {
  data: Float32Array | Float64Array;
  height: number;
  width: number;
}

/** An 8-bit greyscale map (0..255, row-major) as value / 255 in float64, as the reference reads files. */
export function greyToProbabilityMap(grey: ArrayLike<number>, height: number, width: number): ProbabilityMap {
  return { data: Float64Array.from(grey, (v) => v / 255), height, width };
}

/** A binary mask as a 0/1 probability map. */
export function binaryToProbabilityMap(mask: BinaryMask): ProbabilityMap {
  return { data: Float64Array.from(mask.data), height: mask.height, width: mask.width };
}

/** PySODMetrics prepare_data: float64, min-max normalised when not constant. Checks the range. */
export function normalizePrediction(pred: ProbabilityMap, where = 'normalizePrediction'): Float64Array {
  const out = Float64Array.from(pred.data);
  let min = Infinity, max = -Infinity;
  for (let i = 0; i < out.length; i++) {
    const v = out[i];
    if (!(v >= 0 && v <= 1)) throw new Error(`${where}: pred must hold probabilities in [0, 1], but got ${v} at index ${i}.`);
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (max !== min) for (let i = 0; i < out.length; i++) out[i] = (out[i] - min) / (max - min);
  return out;
}

export interface DisMeasureOptions {
  /** β² of max/adaptive Fβ (0.3). */ betaSq: number;
  /** β² of the weighted F-measure (1, Margolin et al.). */ weightedBetaSq: number;
  /** α of the S-measure (0.5). */ alpha: number;
}

export const DEFAULT_DIS_MEASURE_OPTIONS: DisMeasureOptions = {
  betaSq: DEFAULT_F_BETA_SQ, weightedBetaSq: DEFAULT_WEIGHTED_F_BETA_SQ, alpha: DEFAULT_S_ALPHA,
};

/** The measures of one image. Curves are [256], indexed by the 8-bit threshold t (level ≥ t). */
export interface DisMeasures {
  /** Max over thresholds of this image's Fβ curve. */ maxF: number;
  adaptiveF: number;
  fCurve: Float64Array;
  weightedF: number;
  mae: number;
  sMeasure: number;
  /** Mean over thresholds of this image's Eφ curve. */ meanE: number;
  maxE: number;
  adaptiveE: number;
  eCurve: Float64Array;
}

/** mean over the curve in PySODMetrics' storage order (t = 255 first), for numpy-equal sums. */
function curveMean(curve: Float64Array): number {
  return numpyMean(curve.slice().reverse());
}

/** Every DIS measure of one prediction against its GT (same size). */
export function computeDisMeasures(gt: BinaryMask, pred: ProbabilityMap, options: Partial<DisMeasureOptions> = {}): DisMeasures {
  const o = { ...DEFAULT_DIS_MEASURE_OPTIONS, ...options };
  assertBinaryMask(gt, 'gt', 'computeDisMeasures');
  if (pred.height !== gt.height || pred.width !== gt.width || pred.data.length !== gt.data.length) {
    throw new Error(`computeDisMeasures: gt and pred must have the same size, but got ${gt.height}×${gt.width} and ${pred.height}×${pred.width} (${pred.data.length} values).`);
  }
  const p = normalizePrediction(pred, 'computeDisMeasures');
  const { data: g, height: h, width: w } = gt;
  const meanPred = numpyMean(p);
  const fCurve = fMeasureCurve(p, g, o.betaSq).f;
  const eCurve = eMeasureCurve(p, g);
  return {
    maxF: Math.max(...fCurve), adaptiveF: adaptiveFMeasure(p, g, meanPred, o.betaSq), fCurve,
    weightedF: weightedFMeasure(p, g, h, w, o.weightedBetaSq),
    mae: meanAbsoluteError(p, g),
    sMeasure: sMeasure(p, g, h, w, o.alpha),
    meanE: curveMean(eCurve), maxE: Math.max(...eCurve), adaptiveE: adaptiveEMeasure(p, g, meanPred), eCurve,
  };
}

/** Dataset-level DIS measures (PySODMetrics get_results). */
export interface DisSummary {
  images: number;
  /** max_t of the image-averaged Fβ curve: the "maxFβ" of DIS tables. */ maxF: number;
  /** mean_t of the image-averaged Fβ curve. */ meanF: number;
  adaptiveF: number;
  weightedF: number;
  mae: number;
  sMeasure: number;
  /** mean_t of the image-averaged Eφ curve: the "E^m_φ" of DIS tables. */ meanE: number;
  maxE: number;
  adaptiveE: number;
}

/** Image-averaged curve (numpy mean over axis 0: images added in order, then ÷ n). */
function meanCurve(curves: Float64Array[]): Float64Array {
  const out = new Float64Array(256);
  for (const c of curves) for (let t = 0; t < 256; t++) out[t] += c[t];
  return out.map((v) => v / curves.length);
}

export function aggregateDisMeasures(perImage: DisMeasures[]): DisSummary {
  if (perImage.length === 0) throw new Error('aggregateDisMeasures: perImage must hold at least one image, but got none.');
  const mean = (key: 'adaptiveF' | 'weightedF' | 'mae' | 'sMeasure' | 'adaptiveE') => numpySum(perImage.map((m) => m[key])) / perImage.length;
  const fCurve = meanCurve(perImage.map((m) => m.fCurve)), eCurve = meanCurve(perImage.map((m) => m.eCurve));
  return {
    images: perImage.length,
    maxF: Math.max(...fCurve), meanF: curveMean(fCurve), adaptiveF: mean('adaptiveF'),
    weightedF: mean('weightedF'), mae: mean('mae'), sMeasure: mean('sMeasure'),
    meanE: curveMean(eCurve), maxE: Math.max(...eCurve), adaptiveE: mean('adaptiveE'),
  };
}
