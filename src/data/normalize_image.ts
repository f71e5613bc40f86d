/**
 * The paper's input normalisation (method.md §2: RGB, mean (123.675, 116.28, 103.53), std (58.395,
 * 57.12, 57.375), the mmdet/ImageNet values). Pure, so the refinement path needs no image decoder.
 */
import type { RgbImage } from '../types';

/** Per-channel mean and std of the paper's normalisation (RGB order, 0–255 scale). */
export const IMAGE_MEAN: readonly [number, number, number] = [123.675, 116.28, 103.53];
export const IMAGE_STD: readonly [number, number, number] = [58.395, 57.12, 57.375];

/**
 * The network's image input: (value − mean[c]) / std[c] per channel, HWC float32, RGB order.
 * @returns [height, width, 3] row-major, a new array
 */
export function normalizeImage(img: RgbImage): Float32Array {
  const n = img.height * img.width;
  if (img.data.length !== n * 3) throw new Error(`normalizeImage: img.data must hold height·width·3 = ${n * 3} values, but got ${img.data.length}.`);
  const out = new Float32Array(n * 3);
  const scale = IMAGE_STD.map((s) => 1 / s);
  for (let i = 0; i < n * 3; i += 3) {
    for (let c = 0; c < 3; c++) out[i + c] = (img.data[i + c] - IMAGE_MEAN[c]) * scale[c];
  }
  return out;
}
