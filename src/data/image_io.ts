/**
 * Reading photos as 8-bit RGB with sharp (the paper's input normalisation, re-exported here, is in
 * normalize_image.ts, which the browser shares).
 *
 * What readImage does with unusual files, on purpose (cv2.imread(IMREAD_COLOR) does the same, and the
 * upstream pipeline reads images with it): the EXIF orientation is applied; an alpha channel is
 * dropped, not composited; greyscale is copied to the three channels; 16-bit input is reduced to
 * 8 bits; CMYK and other colour spaces are converted to sRGB. Truncated or corrupt files are errors.
 */
import sharp, { type Metadata } from 'sharp';
import type { RgbImage } from '../types';
import { assertWithinPixelLimit, maxPixels } from './pixel_limit';

export type { RgbImage };

export { IMAGE_MEAN, IMAGE_STD, normalizeImage } from './normalize_image';

/** The file types readImage and readBinaryMask accept, by extension (lower case, with the dot). */
export const IMAGE_EXTENSIONS: readonly string[] = ['.jpg', '.jpeg', '.png', '.webp', '.tif', '.tiff'];

/** A file argument must be a non-empty string (a JS caller may pass null or a Buffer). */
export function assertPathArgument(file: unknown, where: string): asserts file is string {
  if (typeof file !== 'string' || file === '') throw new Error(`${where}: file must be a path (a non-empty string), but got ${file === '' ? "''" : String(file)}.`);
}

/**
 * Reads JPEG / PNG / WebP / TIFF as 8-bit RGB with the EXIF orientation applied.
 * @returns HWC RGB, [height, width, 3]; height and width are those after the orientation
 */
export async function readImage(file: string): Promise<RgbImage> {
  assertPathArgument(file, 'readImage');
  const unreadable = (error: unknown) => new Error(`readImage: ${file} must be a readable image (JPEG, PNG, WebP or TIFF), but reading failed: ${(error as Error).message}`, { cause: error });
  let meta: Metadata;
  try {
    meta = await sharp(file).metadata();
  } catch (error) {
    throw unreadable(error);
  }
  assertWithinPixelLimit(meta.autoOrient.height, meta.autoOrient.width, `readImage: ${file}`);
  try {
    const { data, info } = await sharp(file, { autoOrient: true, limitInputPixels: maxPixels() })
      .removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels instead of 3`);
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), height: info.height, width: info.width };
  } catch (error) {
    throw unreadable(error);
  }
}

/** Image size after the EXIF orientation, from the header only (no decoding). */
export async function readImageSize(file: string): Promise<{ height: number; width: number }> {
  assertPathArgument(file, 'readImageSize');
  try {
    const meta = await sharp(file).metadata();
    return { height: meta.autoOrient.height, width: meta.autoOrient.width };
  } catch (error) {
    throw new Error(`readImageSize: ${file} must be a readable image, but reading its header failed: ${(error as Error).message}`, { cause: error });
  }
}
