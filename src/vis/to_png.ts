/** PNG encoding with sharp for masks and images held as plain arrays (notebook displays, files). */
import sharp from 'sharp';

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
