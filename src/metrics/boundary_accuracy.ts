/**
 * Boundary accuracy and mBA exactly as CascadePSP's compute_boundary_acc (method.md §9):
 * five radii r_i = 1 + int(((W+H)/300 − 1)/5·i) (Python int() truncates toward zero); for each,
 * the band is the morphological gradient (dilate − erode) of the GT with an OpenCV ellipse; the
 * accuracy is the fraction of band pixels where pred equals GT; BA is the mean of the five.
 * mBA is the mean BA over images.
 */
import { assertSamePair, BinaryMask } from './binary_mask';
import { dilateFromRowDistances, rowDistances } from '../util/ellipse_morphology';

export interface RadiusAccuracy {
  radius: number;
  bandPixels: number;
  correctPixels: number;
  /** correct / band; null when the band is empty (empty or full GT), where upstream gets NaN. */
  accuracy: number | null;
}

export interface BoundaryAccuracy {
  /** Mean of the five accuracies; null if any is null. */
  boundaryAccuracy: number | null;
  radii: number[];
  perRadius: RadiusAccuracy[];
}

/** CascadePSP's radii for an H×W image, evaluated in the same float64 order. */
export function boundaryRadii(height: number, width: number): number[] {
  const maxRadius = (width + height) / 300;
  return [0, 1, 2, 3, 4].map((i) => 1 + Math.trunc(((maxRadius - 1) / 5) * i));
}

/** The GT's row distances for itself and its complement, shared by all five radii. */
interface GtDistances { foreground: Int32Array; background: Int32Array }

function accuracyAtRadius(gt: BinaryMask, pred: BinaryMask, dist: GtDistances, radius: number): RadiusAccuracy {
  const { data, height: h, width: w } = gt;
  const grown = dilateFromRowDistances(dist.foreground, h, w, radius);
  const shrunkComplement = dilateFromRowDistances(dist.background, h, w, radius); // = NOT erode(gt)
  let bandPixels = 0, correctPixels = 0;
  for (let i = 0; i < data.length; i++) {
    if (grown[i] & shrunkComplement[i]) {
      bandPixels++;
      if (data[i] === pred.data[i]) correctPixels++;
    }
  }
  return { radius, bandPixels, correctPixels, accuracy: bandPixels === 0 ? null : correctPixels / bandPixels };
}

export function computeBoundaryAccuracy(gt: BinaryMask, pred: BinaryMask): BoundaryAccuracy {
  assertSamePair(gt, pred, 'computeBoundaryAccuracy');
  const radii = boundaryRadii(gt.height, gt.width);
  const { data, height: h, width: w } = gt;
  const dist = { foreground: rowDistances(data, h, w), background: rowDistances(data.map((v) => 1 - v), h, w) };
  const perRadius = radii.map((r) => accuracyAtRadius(gt, pred, dist, r));
  const accuracies = perRadius.map((p) => p.accuracy);
  const boundaryAccuracy = accuracies.some((a) => a === null)
    ? null
    : (accuracies as number[]).reduce((s, a) => s + a, 0) / accuracies.length;
  return { boundaryAccuracy, radii, perRadius };
}

/** mBA over images, skipping images whose BA is null (empty or full GT); null if none remain. */
export function meanBoundaryAccuracy(results: BoundaryAccuracy[]): number | null {
  const values = results.map((r) => r.boundaryAccuracy).filter((v): v is number => v !== null);
  return values.length === 0 ? null : values.reduce((s, v) => s + v, 0) / values.length;
}
