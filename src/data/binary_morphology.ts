/**
 * Binary dilation and erosion of a 0/1 mask with an OpenCV structuring element, restricted to a
 * rectangle, with OpenCV's default morphology border: pixels outside the rectangle have no effect.
 * This is `cv2.dilate(seg[y0:y1, x0:x1], kernel)` on a NumPy slice, which OpenCV sees as a whole
 * image, as CascadePSP's perturb_seg does. No reflection of the kernel, as in OpenCV:
 * dilate(x, y) = max over kernel cells (kx, ky) of src(x + kx − anchorX, y + ky − anchorY).
 *
 * Speed: every kernel row is one run of columns, so each run of foreground (dilate) or background
 * (erode) pixels in a source row becomes one interval per kernel row in a difference array; a prefix
 * sum gives the result. Cost O(area + runs · kernelHeight), independent of the kernel width, and
 * only rows near a boundary are rewritten (perturb_seg calls this ~1000 times per mask).
 */
import type { BinaryMask } from '../types';
import type { StructuringElement } from './kernels';

/** A rectangle of pixels [x0, x1) × [y0, y1). */
export interface PixelRect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export type MorphOp = 'dilate' | 'erode';

let diffScratch = new Int32Array(0);
let runScratch = new Int32Array(0);
let touchedScratch = new Uint8Array(0);
let fullScratch = new Uint8Array(0);

/** Grows the shared scratch buffers; diffScratch is all zeros between calls. */
function scratch(size: number, runs: number, rows: number): void {
  if (touchedScratch.length < rows) {
    touchedScratch = new Uint8Array(rows * 2);
    fullScratch = new Uint8Array(rows * 2);
  }
  if (diffScratch.length < size) diffScratch = new Int32Array(size * 2);
  if (runScratch.length < runs) runScratch = new Int32Array(runs * 2);
}

function checkRect(rect: PixelRect, width: number, height: number, where: string): void {
  const { x0, y0, x1, y1 } = rect;
  const ok = [x0, y0, x1, y1].every(Number.isInteger) && x0 >= 0 && y0 >= 0 && x0 < x1 && y0 < y1 && x1 <= width && y1 <= height;
  if (!ok) throw new Error(`${where}: rect must be a non-empty integer rectangle inside the ${height}×${width} mask, but got [${x0}, ${x1})×[${y0}, ${y1}).`);
}

/**
 * Runs of `value` in row y of the rectangle, as inclusive [start, end] pairs relative to rect.x0,
 * written to runScratch; returns the number of runs. Native indexOf scans long runs fast.
 */
function rowRuns(src: Uint8Array, width: number, rect: PixelRect, y: number, value: number): number {
  const rw = rect.x1 - rect.x0, row = src.subarray(y * width + rect.x0, y * width + rect.x1);
  let n = 0, x = row.indexOf(value);
  while (x !== -1) {
    const end = row.indexOf(1 - value, x);
    runScratch[n++] = x;
    runScratch[n++] = end === -1 ? rw - 1 : end - 1;
    x = end === -1 ? -1 : row.indexOf(value, end);
  }
  return n >> 1;
}

/**
 * Accumulates, for every output row of the rectangle, the difference array of the intervals covered
 * by `value`-runs of the source rows within the kernel's reach. Sets touched[y] when row y got one,
 * and full[y] when source row y is `value` across the whole rectangle.
 */
function accumulate(src: Uint8Array, width: number, rect: PixelRect, kernel: StructuringElement, value: number,
  touched: Uint8Array, full: Uint8Array): void {
  const rw = rect.x1 - rect.x0, rh = rect.y1 - rect.y0, stride = rw + 1;
  for (let ys = 0; ys < rh; ys++) {
    const runs = rowRuns(src, width, rect, rect.y0 + ys, value);
    full[ys] = runs === 1 && runScratch[0] === 0 && runScratch[1] === rw - 1 ? 1 : 0;
    if (runs === 0) continue;
    for (let ky = 0; ky < kernel.height; ky++) {
      const ks = kernel.rowStart[ky], ke = kernel.rowEnd[ky];
      const y = ys - (ky - kernel.anchorY);
      if (ks >= ke || y < 0 || y >= rh) continue;
      const a = ks - kernel.anchorX, b = ke - 1 - kernel.anchorX, row = y * stride;
      for (let r = 0; r < runs; r++) {
        const lo = Math.max(runScratch[2 * r] - b, 0), hi = Math.min(runScratch[2 * r + 1] - a, rw - 1);
        if (lo > hi) continue;
        diffScratch[row + lo]++;
        diffScratch[row + hi + 1]--;
        touched[y] = 1;
      }
    }
  }
}

/**
 * Dilates or erodes, in place, the part of `mask` inside `rect` (the rest is neither read nor
 * written). Rows that cannot change are skipped: the kernel always holds its anchor, so dilation only
 * turns 0 → 1 and erosion 1 → 0, and a row only changes if some run reached it and it is not uniform.
 * @param mask     0/1 mask, [height, width] row-major (values other than 0 and 1 are not allowed)
 * @param onChange called for every pixel that changes, with its index and new value, before it is written
 * @returns the number of changed pixels
 */
export function morphologyInPlace(mask: Uint8Array, width: number, height: number, rect: PixelRect,
  kernel: StructuringElement, op: MorphOp, onChange?: (index: number, value: number) => void): number {
  checkRect(rect, width, height, 'morphologyInPlace');
  if (mask.length !== width * height) throw new Error(`morphologyInPlace: mask must have ${width * height} values, but got ${mask.length}.`);
  if (op !== 'dilate' && op !== 'erode') throw new Error(`morphologyInPlace: op must be 'dilate' or 'erode', but got '${op}'.`);
  const rw = rect.x1 - rect.x0, rh = rect.y1 - rect.y0, stride = rw + 1;
  scratch(rh * stride, rw + 2, rh);
  const touched = touchedScratch.fill(0, 0, rh), full = fullScratch;
  const value = op === 'dilate' ? 1 : 0; // erode(src) = not dilate(not src), same kernel, outside ignored
  accumulate(mask, width, rect, kernel, value, touched, full);
  let changed = 0;
  for (let y = 0; y < rh; y++) {
    if (!touched[y]) continue;
    const d = y * stride;
    if (!full[y]) {
      let acc = 0;
      for (let x = 0, i = (rect.y0 + y) * width + rect.x0; x < rw; x++, i++) {
        acc += diffScratch[d + x];
        const v = (acc > 0 ? 1 : 0) ^ (1 - value);
        if (mask[i] === v) continue;
        onChange?.(i, v);
        mask[i] = v;
        changed++;
      }
    }
    diffScratch.fill(0, d, d + stride); // keep the scratch zeroed for the next call
  }
  return changed;
}

function morphMask(mask: BinaryMask, kernel: StructuringElement, op: MorphOp, rect?: PixelRect): BinaryMask {
  const data = Uint8Array.from(mask.data, (v) => (v ? 1 : 0));
  morphologyInPlace(data, mask.width, mask.height, rect ?? { x0: 0, y0: 0, x1: mask.width, y1: mask.height }, kernel, op);
  return { data, height: mask.height, width: mask.width };
}

/** `cv2.dilate` of the whole mask (or of `rect` only, the rest copied), OpenCV default border. Returns a new mask. */
export function dilateMask(mask: BinaryMask, kernel: StructuringElement, rect?: PixelRect): BinaryMask {
  return morphMask(mask, kernel, 'dilate', rect);
}

/** `cv2.erode` of the whole mask (or of `rect` only), OpenCV default border (outside never erodes). Returns a new mask. */
export function erodeMask(mask: BinaryMask, kernel: StructuringElement, rect?: PixelRect): BinaryMask {
  return morphMask(mask, kernel, 'erode', rect);
}
