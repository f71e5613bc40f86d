/**
 * Binary dilation and erosion of a 0/1 mask with an OpenCV structuring element, restricted to a
 * rectangle, with OpenCV's default morphology border: pixels outside the rectangle have no effect.
 * This is `cv2.dilate(seg[y0:y1, x0:x1], kernel)` on a NumPy slice, which OpenCV sees as a whole
 * image, as CascadePSP's perturb_seg does. No reflection of the kernel, as in OpenCV:
 * dilate(x, y) = max over kernel cells (kx, ky) of src(x + kx − anchorX, y + ky − anchorY).
 *
 * Speed (perturb_seg calls this ~1000 times per mask): every kernel row is one run of columns, so a
 * run of foreground (dilate) or background (erode) pixels in a source row becomes one interval per
 * kernel row in an output row. Rows are found with native indexOf; the output row is the union of its
 * intervals, and only the part of that union not already of the run value is written. Erosion is
 * the dilation of the background (outside still ignored). Cost: a native scan of the rectangle plus
 * O(runs · kernelHeight) interval work, instead of O(area · kernel size).
 */
import type { BinaryMask, BoxXyxy } from '../types';
import type { StructuringElement } from './kernels';

export type MorphOp = 'dilate' | 'erode';

/** Per rectangle row, reused between calls: its own runs and the intervals other rows' runs reach. */
const runRows: number[][] = [];
const intervalRows: number[][] = [];

function checkRect(rect: BoxXyxy, width: number, height: number, where: string): void {
  const [x0, y0, x1, y1] = rect;
  const ok = [x0, y0, x1, y1].every(Number.isInteger) && x0 >= 0 && y0 >= 0 && x0 < x1 && y0 < y1 && x1 <= width && y1 <= height;
  if (!ok) throw new Error(`${where}: rect must be a non-empty integer rectangle inside the ${height}×${width} mask, but got [${x0}, ${x1})×[${y0}, ${y1}).`);
}

/** Runs of `value` in one row (inclusive [start, end] pairs, appended to `out`), by native indexOf. */
function rowRuns(row: Uint8Array, value: number, out: number[]): void {
  let x = row.indexOf(value);
  while (x !== -1) {
    const end = row.indexOf(1 - value, x);
    out.push(x, end === -1 ? row.length - 1 : end - 1);
    x = end === -1 ? -1 : row.indexOf(value, end);
  }
}

/** Sorts (lo, hi) pairs by lo (insertion sort: a row holds few intervals) and merges touching ones, in place. */
function unionOfIntervals(iv: number[]): void {
  for (let i = 2; i < iv.length; i += 2) {
    const lo = iv[i], hi = iv[i + 1];
    let j = i - 2;
    for (; j >= 0 && iv[j] > lo; j -= 2) {
      iv[j + 2] = iv[j];
      iv[j + 3] = iv[j + 1];
    }
    iv[j + 2] = lo;
    iv[j + 3] = hi;
  }
  let n = 0;
  for (let i = 0; i < iv.length; i += 2) {
    if (n > 0 && iv[i] <= iv[n - 1] + 1) iv[n - 1] = Math.max(iv[n - 1], iv[i + 1]);
    else {
      iv[n++] = iv[i];
      iv[n++] = iv[i + 1];
    }
  }
  iv.length = n;
}

/** Collects every row's runs and, per output row, the intervals the kernel carries them to. */
function collectIntervals(mask: Uint8Array, width: number, rect: BoxXyxy, kernel: StructuringElement, value: number): void {
  const rw = rect[2] - rect[0], rh = rect[3] - rect[1];
  while (runRows.length < rh) {
    runRows.push([]);
    intervalRows.push([]);
  }
  for (let y = 0; y < rh; y++) runRows[y].length = intervalRows[y].length = 0;
  for (let ys = 0; ys < rh; ys++) {
    const o = (rect[1] + ys) * width + rect[0], runs = runRows[ys];
    rowRuns(mask.subarray(o, o + rw), value, runs);
    if (runs.length === 0) continue;
    for (let ky = 0; ky < kernel.height; ky++) {
      const ks = kernel.rowStart[ky], ke = kernel.rowEnd[ky];
      const y = ys - (ky - kernel.anchorY);
      if (ks >= ke || y < 0 || y >= rh) continue;
      const a = ks - kernel.anchorX, b = ke - 1 - kernel.anchorX, iv = intervalRows[y];
      for (let r = 0; r < runs.length; r += 2) {
        const lo = Math.max(runs[r] - b, 0), hi = Math.min(runs[r + 1] - a, rw - 1);
        if (lo <= hi) iv.push(lo, hi);
      }
    }
  }
}

/**
 * Dilates or erodes, in place, the part of `mask` inside `rect` (the rest is neither read nor
 * written). The kernel always holds its anchor, so dilation only turns 0 → 1 and erosion 1 → 0: the
 * pixels written are the row's interval union minus its own runs.
 * @param mask     0/1 mask, [height, width] row-major (values other than 0 and 1 are not allowed)
 * @param onChange called for every pixel that changes, with its index and new value, before it is written
 * @returns the number of changed pixels
 */
export function morphologyInPlace(mask: Uint8Array, width: number, height: number, rect: BoxXyxy,
  kernel: StructuringElement, op: MorphOp, onChange?: (index: number, value: number) => void): number {
  checkRect(rect, width, height, 'morphologyInPlace');
  if (mask.length !== width * height) throw new Error(`morphologyInPlace: mask must have ${width * height} values, but got ${mask.length}.`);
  if (op !== 'dilate' && op !== 'erode') throw new Error(`morphologyInPlace: op must be 'dilate' or 'erode', but got '${op}'.`);
  // Dilation spreads runs of 1; erosion = not dilate(not mask) spreads runs of 0 (outside still ignored).
  const value = op === 'dilate' ? 1 : 0;
  collectIntervals(mask, width, rect, kernel, value);
  let changed = 0;
  for (let y = 0; y < rect[3] - rect[1]; y++) {
    const iv = intervalRows[y], runs = runRows[y];
    if (iv.length === 0) continue;
    unionOfIntervals(iv);
    const base = (rect[1] + y) * width + rect[0];
    let r = 0;
    for (let k = 0; k < iv.length; k += 2) {
      let x = iv[k];
      const end = iv[k + 1];
      while (x <= end) {
        while (r < runs.length && runs[r + 1] < x) r += 2;
        const stop = r < runs.length ? Math.min(end, runs[r] - 1) : end;
        for (; x <= stop; x++) {
          onChange?.(base + x, value);
          mask[base + x] = value;
          changed++;
        }
        if (r < runs.length && x <= end) x = runs[r + 1] + 1; // skip pixels already of the run value
      }
    }
  }
  return changed;
}

function morphMask(mask: BinaryMask, kernel: StructuringElement, op: MorphOp, rect?: BoxXyxy): BinaryMask {
  const data = new Uint8Array(mask.data.length);
  for (let i = 0; i < data.length; i++) data[i] = mask.data[i] ? 1 : 0;
  morphologyInPlace(data, mask.width, mask.height, rect ?? [0, 0, mask.width, mask.height], kernel, op);
  return { data, height: mask.height, width: mask.width };
}

/** `cv2.dilate` of the whole mask (or of `rect` only, the rest copied), OpenCV default border. Returns a new mask. */
export function dilateMask(mask: BinaryMask, kernel: StructuringElement, rect?: BoxXyxy): BinaryMask {
  return morphMask(mask, kernel, 'dilate', rect);
}

/** `cv2.erode` of the whole mask (or of `rect` only), OpenCV default border (outside never erodes). Returns a new mask. */
export function erodeMask(mask: BinaryMask, kernel: StructuringElement, rect?: BoxXyxy): BinaryMask {
  return morphMask(mask, kernel, 'erode', rect);
}
