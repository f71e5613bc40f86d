/** The golden fixtures in ../shared/fixtures (SEGREFINER_FIXTURES overrides the folder), read-only. */
import * as path from 'path';
import sharp from 'sharp';
import type { BinaryMask } from '../../src';

export const FIXTURES_DIR = process.env.SEGREFINER_FIXTURES ?? path.join(__dirname, '..', '..', '..', 'shared', 'fixtures');

/** A fixture mask PNG as a binary mask, foreground = value > 128 (CascadePSP's eval_post.py). */
export async function readFixtureMask(file: string): Promise<BinaryMask> {
  const { data, info } = await sharp(file).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  return { data: Uint8Array.from(data, (v) => (v > 128 ? 1 : 0)), height: info.height, width: info.width };
}
