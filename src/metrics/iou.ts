/** IoU as CascadePSP's `get_iu`: per image, and dataset-cumulative (Σ intersection / Σ union). */
import { assertSamePair, BinaryMask } from './binary_mask';

export interface IouCounts {
  intersection: number;
  union: number;
  /** intersection / union; null when the union is empty (both masks empty). */
  iou: number | null;
}

export function computeIou(gt: BinaryMask, pred: BinaryMask): IouCounts {
  assertSamePair(gt, pred, 'computeIou');
  let intersection = 0, union = 0;
  for (let i = 0; i < gt.data.length; i++) {
    intersection += gt.data[i] & pred.data[i];
    union += gt.data[i] | pred.data[i];
  }
  return { intersection, union, iou: union === 0 ? null : intersection / union };
}

/** Σ intersection / Σ union over images (how BIG/DIS tables report IoU); null if every union is empty. */
export function cumulativeIou(counts: IouCounts[]): number | null {
  let intersection = 0, union = 0;
  for (const c of counts) {
    intersection += c.intersection;
    union += c.union;
  }
  return union === 0 ? null : intersection / union;
}
