/**
 * Greedy non-maximum suppression over axis-aligned boxes, as mmcv's `nms` (1.x, offset 0) that the
 * high-resolution path uses to thin its candidate patches (method.md §4.2 step 4): boxes are visited
 * in descending score; a box is kept unless its IoU with an already kept box exceeds the threshold.
 *
 * Ties in score keep their input order (a stable sort). mmcv sorts with torch.sort, whose order among
 * equal scores is unspecified; ours is the candidates' raster order, so results are reproducible.
 */

/** A box in pixel units, [x1, y1, x2, y2) with exclusive ends; area = (x2 − x1)·(y2 − y1) (mmcv offset 0). */
import type { BoxXyxy } from '../types';

export type { BoxXyxy };

/** Intersection over union of two boxes; 0 when both are empty. */
export function boxIou(a: BoxXyxy, b: BoxXyxy): number {
  const iw = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const ih = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  const union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * @param boxes        candidate boxes, [N] of [x1, y1, x2, y2)
 * @param scores       one score per box, [N]
 * @param iouThreshold a box is suppressed when its IoU with a kept box is > this (mmcv: strictly greater)
 * @returns indices into `boxes` of the kept boxes, in descending score (stable among ties)
 */
export function nms(boxes: readonly BoxXyxy[], scores: ArrayLike<number>, iouThreshold: number): number[] {
  if (scores.length !== boxes.length) {
    throw new Error(`nms: scores must have one value per box (${boxes.length}), but got ${scores.length}.`);
  }
  if (!(iouThreshold >= 0 && iouThreshold <= 1)) throw new Error(`nms: iouThreshold must be in [0, 1], but got ${iouThreshold}.`);
  // Array.prototype.sort is stable (ES2019), so equal scores stay in input order.
  const order = Array.from({ length: boxes.length }, (_, i) => i).sort((i, j) => scores[j] - scores[i]);
  const kept: number[] = [];
  for (const i of order) {
    if (kept.every((k) => boxIou(boxes[i], boxes[k]) <= iouThreshold)) kept.push(i);
  }
  return kept;
}
