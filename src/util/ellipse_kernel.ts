/**
 * OpenCV's MORPH_ELLIPSE structuring element of size (2r+1)², as row half-widths:
 * row dy ∈ [−r, r] spans columns [−hw(dy), hw(dy)] with hw(dy) = cvRound(r·√((r² − dy²)/r²)).
 * cvRound rounds half to even, like Python's round. Equal to CascadePSP's get_disk_kernel(r);
 * test/metrics checks all of ../shared/fixtures/ellipse_kernels.json.
 */
import { roundHalfEven } from './python_math';

/** Half-widths indexed by dy + r, length 2r + 1. */
export function ellipseHalfWidths(radius: number): Int32Array {
  if (!Number.isInteger(radius) || radius < 0) throw new Error(`ellipseHalfWidths: radius must be a non-negative integer, but got ${radius}.`);
  const out = new Int32Array(2 * radius + 1);
  const invR2 = radius ? 1 / (radius * radius) : 0;
  for (let dy = -radius; dy <= radius; dy++) {
    out[dy + radius] = roundHalfEven(radius * Math.sqrt((radius * radius - dy * dy) * invR2));
  }
  return out;
}

/** The kernel as a 0/1 matrix (rows = y), for tests and display. */
export function ellipseKernel(radius: number): number[][] {
  const hw = ellipseHalfWidths(radius);
  return Array.from(hw, (h) => Array.from({ length: 2 * radius + 1 }, (_, x) => (Math.abs(x - radius) <= h ? 1 : 0)));
}
