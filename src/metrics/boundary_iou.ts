/**
 * Boundary IoU as boundary-iou-api's mask_to_boundary (method.md §9): d = max(1, round(ratio·diag))
 * with Python's round-half-to-even; the boundary is mask − erode(mask) with a 3×3 square applied d
 * times after 1-px zero padding, i.e. pixels whose (2d+1)² window is not all foreground inside the
 * image. Computed with 2-D prefix sums in O(H·W) for any d.
 */
import { assertSamePair, BinaryMask } from './binary_mask';
import { roundHalfEven } from '../util/python_math';

/** The paper's default dilation ratio. */
export const DEFAULT_DILATION_RATIO = 0.02;

export interface BoundaryIou {
  dilationPx: number;
  intersection: number;
  union: number;
  /** null when both boundaries are empty. */
  boundaryIou: number | null;
}

export function boundaryWidth(height: number, width: number, dilationRatio: number): number {
  return Math.max(1, roundHalfEven(dilationRatio * Math.sqrt(height * height + width * width)));
}

/** The inner boundary band of width d. */
export function maskBoundary(mask: BinaryMask, d: number): Uint8Array {
  const { data, height: h, width: w } = mask;
  const sums = new Int32Array((h + 1) * (w + 1)); // sums[(y)(w+1) + x] = fg count in [0,y)×[0,x)
  for (let y = 0; y < h; y++) {
    let row = 0;
    for (let x = 0; x < w; x++) {
      row += data[y * w + x];
      sums[(y + 1) * (w + 1) + x + 1] = sums[y * (w + 1) + x + 1] + row;
    }
  }
  const full = (2 * d + 1) * (2 * d + 1);
  const out = new Uint8Array(h * w);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (!data[y * w + x]) continue;
      const y0 = y - d, y1 = y + d + 1, x0 = x - d, x1 = x + d + 1;
      const inside = y0 >= 0 && x0 >= 0 && y1 <= h && x1 <= w;
      const count = inside ? sums[y1 * (w + 1) + x1] - sums[y0 * (w + 1) + x1] - sums[y1 * (w + 1) + x0] + sums[y0 * (w + 1) + x0] : 0;
      out[y * w + x] = count === full ? 0 : 1;
    }
  }
  return out;
}

export function computeBoundaryIou(gt: BinaryMask, pred: BinaryMask, dilationRatio = DEFAULT_DILATION_RATIO): BoundaryIou {
  assertSamePair(gt, pred, 'computeBoundaryIou');
  const dilationPx = boundaryWidth(gt.height, gt.width, dilationRatio);
  const a = maskBoundary(gt, dilationPx), b = maskBoundary(pred, dilationPx);
  let intersection = 0, union = 0;
  for (let i = 0; i < a.length; i++) {
    intersection += a[i] & b[i];
    union += a[i] | b[i];
  }
  return { dilationPx, intersection, union, boundaryIou: union === 0 ? null : intersection / union };
}
