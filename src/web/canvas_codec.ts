/**
 * The browser implementation of ImageCodec (src/data/image_codec.ts): File/Blob objects decoded with
 * createImageBitmap and a canvas, masks encoded with canvas.convertToBlob. Masks follow
 * readBinaryMask's pixel rules (mask_pixels.ts) on the 8-bit RGBA the canvas gives. Differences from
 * sharp, which the page accepts: a palette PNG arrives as colours, so a colour index mask is refused
 * instead of read by index; 16-bit files arrive as 8 bits (the same threshold); a semi-transparent
 * image's colours pass through the canvas's premultiplied alpha.
 */
import type { ImageCodec } from '../data/image_codec';
import { maskPixelProblem, thresholdMaskPixels } from '../data/mask_pixels';
import { assertWithinPixelLimit } from '../data/pixel_limit';
import type { BinaryMask, RgbImage } from '../types';

/** A file's name for messages ('the dropped file' when it has none). */
function nameOf(source: Blob): string {
  return source instanceof File && source.name ? source.name : 'the dropped file';
}

/** Decodes to RGBA bytes, EXIF orientation applied; colour management only for photos. */
async function decodeRgba(source: Blob, where: string, colorSpaceConversion: 'default' | 'none'): Promise<{ rgba: Uint8ClampedArray; height: number; width: number }> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(source, { premultiplyAlpha: 'none', colorSpaceConversion, imageOrientation: 'from-image' });
  } catch (error) {
    throw new Error(`${where}: ${nameOf(source)} must be an image the browser can decode (PNG, JPEG, WebP, …), but decoding failed: ${(error as Error).message || String(error)}`, { cause: error });
  }
  const { height, width } = bitmap;
  try {
    assertWithinPixelLimit(height, width, `${where}: ${nameOf(source)}`);
    const canvas = new OffscreenCanvas(width, height);
    const context = canvas.getContext('2d', { willReadFrequently: true });
    if (!context) throw new Error(`${where}: a 2D canvas context must be available, but the browser gave none.`);
    context.drawImage(bitmap, 0, 0);
    return { rgba: context.getImageData(0, 0, width, height).data, height, width };
  } finally {
    bitmap.close();
  }
}

async function readImage(source: Blob): Promise<RgbImage> {
  const { rgba, height, width } = await decodeRgba(source, 'readImage', 'default');
  const data = new Uint8Array(height * width * 3);
  for (let i = 0, j = 0; i < rgba.length; i += 4, j += 3) {
    data[j] = rgba[i];
    data[j + 1] = rgba[i + 1];
    data[j + 2] = rgba[i + 2];
  }
  return { data, height, width };
}

async function readBinaryMask(source: Blob): Promise<BinaryMask> {
  const { rgba, height, width } = await decodeRgba(source, 'readBinaryMask', 'none');
  const pixels = { values: rgba, channels: 4, height, width, max: 255 };
  const problem = maskPixelProblem(pixels);
  if (problem) throw new Error(`readBinaryMask: ${nameOf(source)} must be a readable mask image, but ${problem.reason}`);
  return thresholdMaskPixels(pixels);
}

async function encodeMaskPng(mask: BinaryMask): Promise<Uint8Array> {
  const canvas = new OffscreenCanvas(mask.width, mask.height);
  const context = canvas.getContext('2d');
  if (!context) throw new Error('encodeMaskPng: a 2D canvas context must be available, but the browser gave none.');
  const pixels = context.createImageData(mask.width, mask.height);
  for (let i = 0; i < mask.data.length; i++) {
    const v = mask.data[i] ? 255 : 0;
    pixels.data.set([v, v, v, 255], 4 * i);
  }
  context.putImageData(pixels, 0, 0);
  return new Uint8Array(await (await canvas.convertToBlob({ type: 'image/png' })).arrayBuffer());
}

export const CANVAS_CODEC: ImageCodec<Blob> = { readImage, readBinaryMask, encodeMaskPng };
