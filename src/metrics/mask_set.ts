/**
 * Scores of a set of predicted masks against their ground truth, as the validation, the evaluation
 * script and the step ablation report them: mean per-image IoU, dataset-cumulative IoU (ΣI/ΣU, the
 * BIG/DIS convention), mBA and mean Boundary IoU. Images whose value is undefined (empty union,
 * empty band) count as IoU 1 and are left out of the mBA and Boundary IoU means.
 */
import type { BinaryMask } from '../types';
import { computeBoundaryAccuracy, meanBoundaryAccuracy } from './boundary_accuracy';
import { computeBoundaryIou } from './boundary_iou';
import { computeIou, cumulativeIou } from './iou';

export interface MaskScores {
  meanIou: number;
  cumulativeIou: number;
  mba: number;
  boundaryIou: number;
}

export function scoreMasks(gts: readonly BinaryMask[], preds: readonly BinaryMask[]): MaskScores {
  if (gts.length !== preds.length) throw new Error(`scoreMasks: preds must have one mask per ground truth (${gts.length}), but got ${preds.length}.`);
  const ious = gts.map((g, i) => computeIou(g, preds[i]));
  const bious = gts.map((g, i) => computeBoundaryIou(g, preds[i]).boundaryIou).filter((v): v is number => v !== null);
  return {
    meanIou: ious.reduce((a, r) => a + (r.iou ?? 1), 0) / Math.max(1, ious.length),
    cumulativeIou: cumulativeIou(ious) ?? 1,
    mba: meanBoundaryAccuracy(gts.map((g, i) => computeBoundaryAccuracy(g, preds[i]))) ?? 0,
    boundaryIou: bious.reduce((a, b) => a + b, 0) / Math.max(1, bious.length),
  };
}
