/**
 * Reading a mask image as a binary mask: first channel, foreground = value > 128 (CascadePSP's
 * eval_post.py). 8-bit input; the full mask I/O (16-bit, palette, EXIF) is src/data's next step.
 */
import sharp from 'sharp';
import type { BinaryMask } from '../types';

export async function readBinaryMask(file: string): Promise<BinaryMask> {
  try {
    const { data, info } = await sharp(file).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
    return { data: Uint8Array.from(data, (v) => (v > 128 ? 1 : 0)), height: info.height, width: info.width };
  } catch (error) {
    throw new Error(`readBinaryMask: ${file} must be a readable mask image, but reading failed: ${(error as Error).message}`, { cause: error });
  }
}
