/** Small mask helpers shared by the coarse-mask tests. */
import type { BinaryMask } from '../../src/types';

/** An h×w mask with foreground where f(x, y). */
export function makeMask(h: number, w: number, f: (x: number, y: number) => boolean): BinaryMask {
  const data = new Uint8Array(h * w);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data[y * w + x] = f(x, y) ? 1 : 0;
  return { data, height: h, width: w };
}

/** IoU of two 0/1 masks of one size (two empty masks count as 1). */
export function maskIou(a: BinaryMask, b: BinaryMask): number {
  let i = 0, u = 0;
  for (let k = 0; k < a.data.length; k++) { i += a.data[k] & b.data[k]; u += a.data[k] | b.data[k]; }
  return u === 0 ? 1 : i / u;
}
