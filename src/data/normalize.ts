/**
 * The paper's image normalisation (upstream configs: img_norm_cfg, ImageNet statistics on 0–255 RGB):
 * (v − mean) / std per channel. The network always sees images in this form.
 */
import type { RgbImage } from './synthetic_scene';

export const IMAGE_MEAN = [123.675, 116.28, 103.53] as const;
export const IMAGE_STD = [58.395, 57.12, 57.375] as const;

/**
 * @param image HWC RGB bytes
 * @returns HWC float32, (v − mean[c]) / std[c]
 */
export function normalizeImage(image: RgbImage): Float32Array {
  const { data, height, width } = image;
  if (data.length !== height * width * 3) {
    throw new Error(`normalizeImage: image data must have ${height}×${width}×3 = ${height * width * 3} values, but got ${data.length}.`);
  }
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i += 3) {
    for (let c = 0; c < 3; c++) out[i + c] = (data[i + c] - IMAGE_MEAN[c]) / IMAGE_STD[c];
  }
  return out;
}
