/** PNG encoding with sharp for masks and images held as plain arrays (notebook displays, files). */
import sharp from 'sharp';
import type { RgbImage } from '../types';
import { checkRgbImage, overlayMasks, type MaskLayerInput } from './overlay';

/**
 * Encodes a single-channel map as an 8-bit greyscale PNG.
 * @param values height·width values in [0, 1] (a binary mask or probabilities), row-major
 */
export async function grayToPng(values: ArrayLike<number>, height: number, width: number): Promise<Buffer> {
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 1 || width < 1) {
    throw new Error(`grayToPng: height and width must be positive integers, but got ${height}×${width}.`);
  }
  if (values.length !== height * width) {
    throw new Error(`grayToPng: values must have height·width = ${height * width} entries, but got ${values.length}.`);
  }
  const pixels = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(v >= 0 && v <= 1)) throw new Error(`grayToPng: values must lie in [0, 1], but got ${v} at index ${i}.`);
    pixels[i] = Math.round(v * 255);
  }
  return sharp(pixels, { raw: { width, height, channels: 1 } }).toColourspace('b-w').png().toBuffer();
}

/** Encodes an RGB image as PNG. */
export async function rgbToPng(image: RgbImage): Promise<Buffer> {
  checkRgbImage(image, 'rgbToPng');
  return sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } }).png().toBuffer();
}

/** overlayMasks as a PNG, e.g. `overlayPng(image, [coarse, refined, gt])`. */
export async function overlayPng(image: RgbImage, layers: readonly MaskLayerInput[]): Promise<Buffer> {
  return rgbToPng(overlayMasks(image, layers));
}
