/**
 * Geometry shared by the instance and high-resolution paths (method.md §4): mask boxes, crops of the
 * image and masks, pasting a model-size map back into the full image (grid_sample), and the
 * high-resolution path's candidate patches. Plain typed arrays, row-major; no tensors.
 */
import { IMAGE_MEAN, IMAGE_STD } from '../data/normalize_image';
import type { BinaryMask, RgbImage } from '../types';
import { BoxXyxy } from './nms';

const f32 = Math.fround;

/** The tight box of the foreground, [x1, y1, x2, y2) (upstream mask2bbox), or null for an empty mask. */
export function maskBox(mask: BinaryMask): BoxXyxy | null {
  const { data, height, width } = mask;
  let x1 = width, y1 = height, x2 = -1, y2 = -1;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      if (!data[row + x]) continue;
      if (x < x1) x1 = x;
      if (x > x2) x2 = x;
      if (y < y1) y1 = y;
      y2 = y;
    }
  }
  return x2 < 0 ? null : [x1, y1, x2 + 1, y2 + 1];
}

/** The box grown by `pad` pixels per side, clipped to the image (upstream _get_object_input). */
export function padBox(box: BoxXyxy, pad: number, height: number, width: number): BoxXyxy {
  return [Math.max(0, box[0] - pad), Math.max(0, box[1] - pad), Math.min(width, box[2] + pad), Math.min(height, box[3] + pad)];
}

/** Normalises one RGB pixel of `image` at flat pixel index `src` into `out` at flat pixel index `dst` (HWC). */
function putNormalized(image: RgbImage, src: number, out: Float32Array, dst: number): void {
  for (let c = 0; c < 3; c++) out[dst * 3 + c] = (image.data[src * 3 + c] - IMAGE_MEAN[c]) / IMAGE_STD[c];
}

/**
 * The image inside `box`, normalised as the network expects (normalizeImage's formula), so a 4096²
 * image never needs a full float copy.
 * @returns HWC float32, [box height, box width, 3]
 */
export function cropNormalizedImage(image: RgbImage, box: BoxXyxy): Float32Array {
  const [x1, y1, x2, y2] = box, w = x2 - x1;
  const out = new Float32Array((y2 - y1) * w * 3);
  for (let y = y1; y < y2; y++) {
    for (let x = x1; x < x2; x++) putNormalized(image, y * image.width + x, out, (y - y1) * w + x - x1);
  }
  return out;
}

/**
 * The image picked at the given source rows and columns (a nearest resize when they come from
 * nearestIndices), normalised. @returns HWC float32, [rows.length, cols.length, 3]
 */
export function pickNormalizedImage(image: RgbImage, rows: ArrayLike<number>, cols: ArrayLike<number>): Float32Array {
  const out = new Float32Array(rows.length * cols.length * 3);
  for (let y = 0; y < rows.length; y++) {
    for (let x = 0; x < cols.length; x++) putNormalized(image, rows[y] * image.width + cols[x], out, y * cols.length + x);
  }
  return out;
}

/** `values` (one per pixel of a height×width raster) inside `box`, as float32, [box height, box width]. */
export function cropValues(values: ArrayLike<number>, width: number, box: BoxXyxy): Float32Array {
  const [x1, y1, x2, y2] = box, w = x2 - x1;
  const out = new Float32Array((y2 - y1) * w);
  for (let y = y1; y < y2; y++) {
    for (let x = x1; x < x2; x++) out[(y - y1) * w + x - x1] = values[y * width + x];
  }
  return out;
}

/** Per output pixel along one axis of a paste: the two source taps and weights (zero weight = out of range). */
interface PasteTaps {
  /** First and last output index with any support, inclusive; first > last when none. */
  first: number;
  last: number;
  i0: Int32Array;
  w0: Float32Array;
  w1: Float32Array;
}

/**
 * grid_sample's taps along one axis for output pixels 0..outSize−1 pasted from a srcSize-long axis
 * covering [lo, hi) of the output: grid g = (o + 0.5 − lo)/(hi − lo)·2 − 1, source position
 * (g + 1)·srcSize/2 − 0.5 (align_corners=False), float32 as PyTorch computes it.
 */
function pasteTaps(outSize: number, srcSize: number, lo: number, hi: number): PasteTaps {
  const i0 = new Int32Array(outSize), w0 = new Float32Array(outSize), w1 = new Float32Array(outSize);
  let first = outSize, last = -1;
  const span = f32(hi - lo), half = f32(srcSize / 2);
  for (let o = 0; o < outSize; o++) {
    const g = f32(f32(f32(f32(f32(o + 0.5) - lo) / span) * 2) - 1);
    const pos = f32(f32(f32(g + 1) * half) - 0.5);
    const fl = Math.floor(pos);
    i0[o] = fl;
    w1[o] = fl + 1 >= 0 && fl + 1 < srcSize ? f32(pos - fl) : 0;
    w0[o] = fl >= 0 && fl < srcSize ? f32(1 - f32(pos - fl)) : 0;
    if (w0[o] !== 0 || w1[o] !== 0) {
      if (o < first) first = o;
      last = o;
    }
  }
  return { first, last, i0, w0, w1 };
}

/**
 * Pastes a srcHeight×srcWidth map covering `box` of the full image back into it, as upstream's
 * _do_paste_mask: F.grid_sample(bilinear, padding 'zeros', align_corners=False) at every output
 * pixel centre. Only pixels with support (the box, plus up to a pixel of partial weight when the
 * map is smaller than the box) are written; the rest of `out` is left as it is (zero for a fresh array).
 * @param src  row-major [srcHeight, srcWidth]
 * @param out  row-major [outHeight, outWidth], written in place
 */
export function pasteBilinear(src: ArrayLike<number>, srcHeight: number, srcWidth: number, box: BoxXyxy,
  out: Float32Array, outHeight: number, outWidth: number): void {
  const ty = pasteTaps(outHeight, srcHeight, box[1], box[3]);
  const tx = pasteTaps(outWidth, srcWidth, box[0], box[2]);
  const at = (y: number, x: number): number => src[y * srcWidth + x];
  for (let oy = ty.first; oy <= ty.last; oy++) {
    const r0 = ty.i0[oy], r1 = r0 + 1, n0 = ty.w0[oy], n1 = ty.w1[oy];
    for (let ox = tx.first; ox <= tx.last; ox++) {
      const c0 = tx.i0[ox], c1 = c0 + 1, e0 = tx.w0[ox], e1 = tx.w1[ox];
      // corner weights are zero exactly when the corner is out of range, so out-of-range reads are skipped
      const nw = n0 && e0 ? f32(f32(n0 * e0) * at(r0, c0)) : 0;
      const ne = n0 && e1 ? f32(f32(n0 * e1) * at(r0, c1)) : 0;
      const sw = n1 && e0 ? f32(f32(n1 * e0) * at(r1, c0)) : 0;
      const se = n1 && e1 ? f32(f32(n1 * e1) * at(r1, c1)) : 0;
      out[oy * outWidth + ox] = f32(f32(f32(nw + ne) + sw) + se);
    }
  }
}

/** Candidate patches of the high-resolution path before NMS: boxes and their scores 1 − s. */
export interface PatchCandidates {
  boxes: BoxXyxy[];
  scores: Float32Array;
}

/**
 * One patchSize² box per low-confidence point of the global pass (method.md §4.2 step 3–4;
 * upstream get_local_input and _get_patch_coors): every grid point with s < ratio·max(s) gives a
 * box centred at (int(y·H/S), int(x·W/S)) in full-image pixels, shifted to lie inside the image;
 * its score is 1 − s. Points are visited in raster order.
 * @param fineProbs cumulative fine probability s of the global pass, row-major [gridSize, gridSize]
 * @param ratio     fine_prob_thr (0.9 upstream)
 */
export function patchCandidates(fineProbs: ArrayLike<number>, gridSize: number, height: number, width: number,
  patchSize: number, ratio: number): PatchCandidates {
  if (height < patchSize || width < patchSize) {
    throw new Error(`patchCandidates: the image must be at least ${patchSize}×${patchSize} (the patch size), but got ${height}×${width}.`);
  }
  let max = -Infinity;
  for (let i = 0; i < fineProbs.length; i++) max = Math.max(max, fineProbs[i]);
  const threshold = f32(max * ratio);
  const scaleY = f32(height / gridSize), scaleX = f32(width / gridSize), half = patchSize / 2;
  const boxes: BoxXyxy[] = [], scores: number[] = [];
  for (let gy = 0; gy < gridSize; gy++) {
    for (let gx = 0; gx < gridSize; gx++) {
      const s = fineProbs[gy * gridSize + gx];
      if (!(s < threshold)) continue;
      const yc = Math.trunc(f32(gy * scaleY)), xc = Math.trunc(f32(gx * scaleX));
      const [y1, y2] = shiftInside(yc - half, yc + half, height, patchSize);
      const [x1, x2] = shiftInside(xc - half, xc + half, width, patchSize);
      boxes.push([x1, y1, x2, y2]);
      scores.push(f32(1 - s));
    }
  }
  return { boxes, scores: Float32Array.from(scores) };
}

/** [lo, hi) moved (not shrunk) to lie inside [0, size), as upstream: first the low side, then the high side. */
function shiftInside(lo: number, hi: number, size: number, patchSize: number): [number, number] {
  if (lo < 0) [lo, hi] = [0, patchSize];
  if (hi > size) [lo, hi] = [size - patchSize, size];
  return [lo, hi];
}

/** Whether `mask` (row-major, `width` wide) holds both a 0 and a 1 inside `box` (upstream crop_patch's filter). */
export function boxHasBothClasses(mask: Uint8Array, width: number, box: BoxXyxy): boolean {
  let fg = false, bg = false;
  for (let y = box[1]; y < box[3]; y++) {
    for (let x = box[0]; x < box[2]; x++) {
      if (mask[y * width + x]) fg = true;
      else bg = true;
      if (fg && bg) return true;
    }
  }
  return false;
}
