/**
 * OpenCV structuring elements (`cv2.getStructuringElement`) for MORPH_RECT and MORPH_ELLIPSE at any
 * size (width, height), non-square and even sizes included, as the coarse-mask synthesis needs
 * (CascadePSP's perturb_seg draws ELLIPSE (s, s//2) and (s//2, s)).
 *
 * Each kernel row is one contiguous run of ones (true for RECT and ELLIPSE), so a kernel is stored as
 * per-row column ranges; morphology then works on runs instead of single pixels.
 */

/** A 0/1 structuring element with its anchor; row ky covers columns [rowStart[ky], rowEnd[ky]) (empty if equal). */
export interface StructuringElement {
  width: number;
  height: number;
  /** Anchor column and row: OpenCV's default anchor (-1, -1) is the centre (width/2, height/2), integer division. */
  anchorX: number;
  anchorY: number;
  rowStart: Int32Array;
  rowEnd: Int32Array;
}

export type KernelShape = 'rect' | 'ellipse';

/** OpenCV's cvRound / saturate_cast<int>(double): round half to even. */
function cvRound(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff !== 0.5) return diff < 0.5 ? floor : floor + 1;
  return floor % 2 === 0 ? floor : floor + 1;
}

function checkSize(width: number, height: number): void {
  for (const [name, v] of [['width', width], ['height', height]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`structuringElement: ${name} must be a positive integer, but got ${v}.`);
  }
}

/**
 * `cv2.getStructuringElement(shape, (width, height))`, OpenCV's (w, h) order. For the ellipse, with
 * r = h/2 and c = w/2 (integer division), row i spans columns [max(c − dx, 0), min(c + dx + 1, w))
 * where dx = cvRound(c·√((r² − (i − r)²)/r²)) for |i − r| ≤ r, else nothing; a 1×1 ellipse is a rect
 * (OpenCV's own special case).
 */
export function structuringElement(shape: KernelShape, width: number, height: number): StructuringElement {
  checkSize(width, height);
  const rowStart = new Int32Array(height), rowEnd = new Int32Array(height);
  const ellipse = shape === 'ellipse' && !(width === 1 && height === 1);
  if (shape !== 'rect' && shape !== 'ellipse') throw new Error(`structuringElement: shape must be 'rect' or 'ellipse', but got '${shape}'.`);
  const r = Math.floor(height / 2), c = Math.floor(width / 2);
  const invR2 = r ? 1 / (r * r) : 0;
  for (let i = 0; i < height; i++) {
    if (!ellipse) {
      rowEnd[i] = width;
      continue;
    }
    const dy = i - r;
    if (Math.abs(dy) > r) continue;
    const dx = cvRound(c * Math.sqrt((r * r - dy * dy) * invR2));
    rowStart[i] = Math.max(c - dx, 0);
    rowEnd[i] = Math.max(Math.min(c + dx + 1, width), rowStart[i]);
  }
  return { width, height, anchorX: c, anchorY: r, rowStart, rowEnd };
}

/** The kernel as a 0/1 matrix (rows = y), as OpenCV prints it; for tests and display. */
export function kernelMatrix(k: StructuringElement): number[][] {
  return Array.from({ length: k.height }, (_, y) =>
    Array.from({ length: k.width }, (_, x) => (x >= k.rowStart[y] && x < k.rowEnd[y] ? 1 : 0)));
}
