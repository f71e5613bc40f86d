/**
 * Masks as files: reading any mask image as a binary mask, writing binary masks and probability maps
 * as 8-bit greyscale PNGs.
 *
 * readBinaryMask rules (foreground = value > 128 on the 8-bit scale, CascadePSP's eval_post.py; the
 * upstream SegRefiner reads ≥ 128, which is the same on 0/255 masks; the pixel rules live in
 * mask_pixels.ts, which the web page shares):
 * - 8-bit greyscale (also 1/2/4-bit, expanded to 0–255 by libpng): value > 128.
 * - 16-bit greyscale: value > 128·257 = 32896, the same threshold on the 16-bit scale.
 * - RGB(A) stored masks whose three channels are equal at every pixel: as greyscale. If any pixel's
 *   channels differ the file is rejected with an error naming the pixel (a colour mask has no single
 *   right reading; convert it first).
 * - Palette PNGs: if every pixel's palette colour is grey, as greyscale (covers 0/255 masks saved
 *   with a palette). Otherwise the PNG is an index mask (DAVIS-2017, VOC style) and foreground is
 *   every palette index other than 0: several objects merge into one foreground. Index masks keep
 *   black at index 0 (the VOC/DAVIS palettes do); a colour palette whose entry 0 is not black has no
 *   single right reading (by index or by brightness the foreground is inverted), so it is rejected.
 * - An alpha channel must be fully opaque (a mask kept in the alpha channel is rejected, not misread).
 * - EXIF orientation is applied, as cv2.imread does.
 * - Larger than the pixel limit (pixel_limit.ts): rejected before decoding.
 *
 * Writers write 8-bit greyscale PNG only, atomically (temp file + rename: a reader never sees a
 * half-written mask, a full disk leaves no empty file), to a file name ending in .png.
 */
import * as fs from 'fs';
import * as zlib from 'zlib';
import sharp, { type Metadata } from 'sharp';
import type { BinaryMask } from '../types';
import { writeFileAtomic } from '../util/atomic_write';
import { assertPathArgument } from './image_io';
import { MASK_THRESHOLD, maskPixelProblem, thresholdMaskPixels, type MaskPixels } from './mask_pixels';
import { assertWithinPixelLimit, maxPixels } from './pixel_limit';

export { MASK_THRESHOLD };

function fail(file: string, reason: string, cause?: unknown): never {
  throw new Error(`readBinaryMask: ${file} must be a readable mask image, but ${reason}`, cause === undefined ? undefined : { cause });
}

async function decodeRgb(file: string, sixteenBit: boolean): Promise<MaskPixels> {
  const pipeline = sharp(file, { autoOrient: true, limitInputPixels: maxPixels() });
  const { data, info } = sixteenBit
    ? await pipeline.toColourspace('rgb16').raw({ depth: 'ushort' }).toBuffer({ resolveWithObject: true })
    : await pipeline.toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  const values = sixteenBit ? new Uint16Array(data.buffer, data.byteOffset, data.length / 2) : new Uint8Array(data.buffer, data.byteOffset, data.length);
  return { values, channels: info.channels, height: info.height, width: info.width, max: sixteenBit ? 65535 : 255 };
}

/** PNG filter reconstruction for 1-byte pixels (palette), in place; rows are `rowBytes` long. */
function unfilter(raw: Buffer, height: number, rowBytes: number, file: string): Uint8Array {
  const out = new Uint8Array(height * rowBytes);
  for (let y = 0; y < height; y++) {
    const type = raw[y * (rowBytes + 1)], src = y * (rowBytes + 1) + 1, o = y * rowBytes;
    for (let x = 0; x < rowBytes; x++) {
      const a = x > 0 ? out[o + x - 1] : 0, b = y > 0 ? out[o + x - rowBytes] : 0, c = x > 0 && y > 0 ? out[o + x - rowBytes - 1] : 0;
      let pred: number;
      if (type === 0) pred = 0;
      else if (type === 1) pred = a;
      else if (type === 2) pred = b;
      else if (type === 3) pred = (a + b) >> 1;
      else if (type === 4) {
        const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
        pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      } else return fail(file, `its row ${y} has an unknown PNG filter type ${type}.`);
      out[o + x] = (raw[src + x] + pred) & 255;
    }
  }
  return out;
}

/** The palette indices of a non-interlaced palette PNG (sharp only gives the expanded colours). */
export function readPngPaletteIndices(buf: Buffer, file: string): { indices: Uint8Array; palette: Uint8Array; height: number; width: number } {
  if (buf.length < 8 || buf.readUInt32BE(0) !== 0x89504e47) fail(file, 'it is not a PNG file.');
  let width = 0, height = 0, bitDepth = 0, colorType = 0, interlace = 0;
  const idat: Buffer[] = [];
  let palette = new Uint8Array(0);
  for (let pos = 8; pos + 8 <= buf.length;) {
    const len = buf.readUInt32BE(pos), type = buf.toString('latin1', pos + 4, pos + 8), body = buf.subarray(pos + 8, pos + 8 + len);
    if (type === 'IHDR') [width, height, bitDepth, colorType, interlace] = [body.readUInt32BE(0), body.readUInt32BE(4), body[8], body[9], body[12]];
    if (type === 'IDAT') idat.push(body);
    if (type === 'PLTE') palette = new Uint8Array(body);
    if (type === 'IEND') break;
    pos += 12 + len;
  }
  if (colorType !== 3) fail(file, `it is not a palette PNG (colour type ${colorType}).`);
  if (interlace !== 0) fail(file, 'it is an interlaced (Adam7) palette PNG with colour entries, which is not supported; save it non-interlaced or as 0/255 greyscale.');
  const rowBytes = Math.ceil((width * bitDepth) / 8);
  let raw: Buffer;
  try {
    raw = zlib.inflateSync(Buffer.concat(idat));
  } catch (error) {
    return fail(file, `its image data cannot be inflated: ${(error as Error).message}`, error);
  }
  if (raw.length < height * (rowBytes + 1)) fail(file, `its image data is truncated (${raw.length} of ${height * (rowBytes + 1)} bytes).`);
  const packed = unfilter(raw, height, rowBytes, file);
  const indices = new Uint8Array(width * height), perByte = 8 / bitDepth, mask = (1 << bitDepth) - 1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const byte = packed[y * rowBytes + Math.floor(x / perByte)];
      indices[y * width + x] = (byte >> (8 - bitDepth * ((x % perByte) + 1))) & mask;
    }
  }
  return { indices, palette, height, width };
}

async function readIndexMask(file: string, orientation: number | undefined): Promise<BinaryMask> {
  if (orientation !== undefined && orientation !== 1) fail(file, `it is a colour palette PNG with EXIF orientation ${orientation}, which is not supported.`);
  const { indices, palette, height, width } = readPngPaletteIndices(await fs.promises.readFile(file), file);
  if (palette.length < 3 || palette[0] !== 0 || palette[1] !== 0 || palette[2] !== 0) {
    const c = palette.length >= 3 ? `(${palette[0]}, ${palette[1]}, ${palette[2]})` : '(none)';
    fail(file, `it is a colour palette PNG whose colour 0 is ${c}, not black: read by palette index (0 = background) or by brightness, its foreground would be inverted, so it is ambiguous; save it as a 0/255 greyscale mask, or as an index mask with black at index 0.`);
  }
  for (let i = 0; i < indices.length; i++) indices[i] = indices[i] !== 0 ? 1 : 0;
  return { data: indices, height, width };
}

/**
 * Reads a mask image as a binary mask: data[y·width + x] = 1 where foreground (rules in the file
 * comment), size after the EXIF orientation.
 */
export async function readBinaryMask(file: string): Promise<BinaryMask> {
  assertPathArgument(file, 'readBinaryMask');
  let meta: Metadata;
  try {
    meta = await sharp(file).metadata();
  } catch (error) {
    return fail(file, `reading failed: ${(error as Error).message}`, error);
  }
  assertWithinPixelLimit(meta.autoOrient.height, meta.autoOrient.width, `readBinaryMask: ${file}`);
  let px: MaskPixels;
  try {
    px = await decodeRgb(file, meta.depth === 'ushort');
  } catch (error) {
    return fail(file, `reading failed: ${(error as Error).message}`, error);
  }
  const problem = maskPixelProblem(px);
  if (problem?.kind === 'colour' && meta.isPalette && meta.format === 'png') return readIndexMask(file, meta.orientation);
  if (problem) fail(file, problem.reason);
  return thresholdMaskPixels(px);
}

function checkSize(where: string, length: number, height: number, width: number, what: string): void {
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 1 || width < 1) throw new Error(`${where}: height and width must be positive integers, but got ${height}×${width}.`);
  if (length !== height * width) throw new Error(`${where}: ${what} must hold height·width = ${height * width} values, but got ${length}.`);
}

async function writeGreyPng(where: string, grey: Uint8Array, height: number, width: number, file: string): Promise<void> {
  assertPathArgument(file, where);
  if (!file.toLowerCase().endsWith('.png')) throw new Error(`${where}: the file name must end in .png (a PNG is written), but got ${file}.`);
  try {
    const png = await sharp(Buffer.from(grey.buffer, grey.byteOffset, grey.length), { raw: { width, height, channels: 1 } }).toColourspace('b-w').png().toBuffer();
    writeFileAtomic(file, png);
  } catch (error) {
    throw new Error(`${where}: ${file} must be writable, but writing failed: ${(error as Error).message}`, { cause: error });
  }
}

/** Writes a binary mask as an 8-bit greyscale PNG with values 0 and 255. */
export async function writeMaskPng(mask: BinaryMask, file: string): Promise<void> {
  checkSize('writeMaskPng', mask.data.length, mask.height, mask.width, 'mask.data');
  const grey = new Uint8Array(mask.data.length);
  for (let i = 0; i < grey.length; i++) grey[i] = mask.data[i] ? 255 : 0;
  await writeGreyPng('writeMaskPng', grey, mask.height, mask.width, file);
}

/**
 * Writes probabilities as an 8-bit greyscale PNG, value = round(p·255) (half up). Values must be in
 * [0, 1]: anything else (NaN included) is an error rather than silently clipped.
 */
export async function writeProbabilityPng(probs: ArrayLike<number>, height: number, width: number, file: string): Promise<void> {
  checkSize('writeProbabilityPng', probs.length, height, width, 'probs');
  const grey = new Uint8Array(probs.length);
  for (let i = 0; i < probs.length; i++) {
    const p = probs[i];
    if (!(p >= 0 && p <= 1)) throw new Error(`writeProbabilityPng: probs must lie in [0, 1], but got ${p} at pixel (${i % width}, ${Math.floor(i / width)}).`);
    grey[i] = Math.round(p * 255);
  }
  await writeGreyPng('writeProbabilityPng', grey, height, width, file);
}
