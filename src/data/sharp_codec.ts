/** The Node implementation of ImageCodec: files by path, decoded and encoded with sharp. */
import sharp from 'sharp';
import type { BinaryMask } from '../types';
import type { ImageCodec } from './image_codec';
import { readImage } from './image_io';
import { readBinaryMask } from './mask_io';

async function encodeMaskPng(mask: BinaryMask): Promise<Uint8Array> {
  const grey = Uint8Array.from(mask.data, (v) => (v ? 255 : 0));
  return sharp(grey, { raw: { width: mask.width, height: mask.height, channels: 1 } }).toColourspace('b-w').png().toBuffer();
}

export const SHARP_CODEC: ImageCodec<string> = { readImage, readBinaryMask, encodeMaskPng };
