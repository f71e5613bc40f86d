/**
 * The one part of the pipeline that differs between Node and a browser: turning image files into
 * pixels and a mask into a PNG. Node reads paths with sharp (sharp_codec.ts), the web page reads
 * File/Blob objects with a canvas (src/web/canvas_codec.ts); both apply readBinaryMask's pixel rules
 * (mask_pixels.ts), and everything after decoding is shared.
 */
import type { BinaryMask, RgbImage } from '../types';

export interface ImageCodec<Source> {
  /** An image as 8-bit RGB, HWC, alpha dropped. */
  readImage(source: Source): Promise<RgbImage>;
  /** A mask image as a binary mask: greyscale, opaque, foreground = value > 128 (mask_pixels.ts). */
  readBinaryMask(source: Source): Promise<BinaryMask>;
  /** A binary mask as an 8-bit greyscale PNG with values 0 and 255. */
  encodeMaskPng(mask: BinaryMask): Promise<Uint8Array>;
}
