/**
 * Contours of a binary mask as `cv2.findContours(mask, cv2.RETR_LIST, cv2.CHAIN_APPROX_NONE)` returns
 * them (OpenCV ≥ 3.2, which pads the image with one zero pixel so masks touching the border are
 * traced along the border): Suzuki & Abe's border following (1985) on foreground 8-connectivity,
 * every outer border and every hole border as a closed chain of pixel coordinates, in OpenCV's order.
 *
 * The port keeps OpenCV's details because modify_boundary depends on them: the raster scan and its
 * start rules, the start pixel and direction of each chain (outer borders start at their top-left
 * pixel; hole borders at the foreground pixel left of the hole's first pixel), the ±2 marks that stop
 * a border from being found twice, and the list order (RETR_LIST links each new contour in front, so
 * the last one found comes first).
 */
import type { BinaryMask } from '../types';

/** One border: points (x0, y0, x1, y1, …) in tracing order, and whether it bounds a hole. */
export interface Contour {
  points: Int32Array;
  isHole: boolean;
}

/** Directions 0..7 as OpenCV's chain code: E, NE, N, NW, W, SW, S, SE (y grows downwards). */
const CODE_DX = [1, 1, 0, -1, -1, -1, 0, 1];
const CODE_DY = [0, -1, -1, -1, 0, 1, 1, 1];
/** Mark of a border pixel whose east neighbour was examined and is background: (2 | −128) as int8. */
const RIGHT_MARK = -126;
const VISITED_MARK = 2;

/** Pads with one zero pixel on every side, foreground → 1 (OpenCV: copyMakeBorder + threshold). */
function padMask(mask: BinaryMask): Int8Array {
  const step = mask.width + 2;
  const img = new Int8Array(step * (mask.height + 2));
  for (let y = 0; y < mask.height; y++) {
    const src = y * mask.width, dst = (y + 1) * step + 1;
    for (let x = 0; x < mask.width; x++) img[dst + x] = mask.data[src + x] ? 1 : 0;
  }
  return img;
}

/**
 * OpenCV's icvFetchContour with CHAIN_APPROX_NONE: follows the border from pixel i0 and marks it.
 * Outer borders start searching clockwise from W (their background neighbour), hole borders from E.
 */
function followBorder(img: Int8Array, step: number, i0: number, isHole: boolean, out: number[]): void {
  const deltas = new Int32Array(16);
  for (let s = 0; s < 16; s++) deltas[s] = CODE_DX[s & 7] + CODE_DY[s & 7] * step;
  const push = (i: number) => out.push((i % step) - 1, Math.floor(i / step) - 1);
  let s = isHole ? 0 : 4;
  const firstEnd = s;
  let i1: number;
  do {
    s = (s - 1) & 7;
    i1 = i0 + deltas[s];
  } while (img[i1] === 0 && s !== firstEnd);
  if (s === firstEnd) { // a single-pixel component
    img[i0] = RIGHT_MARK;
    push(i0);
    return;
  }
  let i3 = i0;
  for (;;) {
    const sEnd = s;
    let i4 = i3;
    while (s < 15) {
      i4 = i3 + deltas[++s];
      if (img[i4] !== 0) break;
    }
    s &= 7;
    // The counter-clockwise search passed E (direction 0) and found background there.
    if ((s - 1) >>> 0 < sEnd >>> 0) img[i3] = RIGHT_MARK;
    else if (img[i3] === 1) img[i3] = VISITED_MARK;
    push(i3);
    if (i4 === i0 && i3 === i1) break;
    i3 = i4;
    s = (s + 4) & 7;
  }
}

/**
 * All contours of `mask` (non-zero = foreground), like cv2.findContours(RETR_LIST, CHAIN_APPROX_NONE).
 * An empty mask gives []; a single pixel gives one 1-point contour.
 */
export function findContours(mask: BinaryMask): Contour[] {
  const { width, height } = mask;
  if (mask.data.length !== width * height) throw new Error(`findContours: mask data must have ${height}×${width} values, but got ${mask.data.length}.`);
  const step = width + 2;
  const img = padMask(mask);
  const found: Contour[] = [];
  for (let y = 1; y <= height; y++) {
    const row = y * step;
    let prev = 0;
    for (let x = 1; x <= width; x++) {
      const p = img[row + x];
      if (p === prev) continue;
      const isOuter = prev === 0 && p === 1;
      const isHole = !isOuter && p === 0 && prev >= 1;
      if (isOuter || isHole) {
        const points: number[] = [];
        followBorder(img, step, row + x - (isHole ? 1 : 0), isHole, points);
        found.push({ points: Int32Array.from(points), isHole });
      }
      prev = img[row + x]; // re-read: tracing may have marked this pixel
    }
  }
  return found.reverse();
}
