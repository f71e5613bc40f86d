/** Validation of binary masks at the metrics' public boundary. */
import type { BinaryMask } from '../types';

export type { BinaryMask };

/** Checks that `mask` is a well-formed binary mask; `where` and `name` go into the error. */
export function assertBinaryMask(mask: BinaryMask, name: string, where: string): void {
  const { data, height, width } = mask;
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 1 || width < 1) {
    throw new Error(`${where}: ${name} must have a positive integer size, but got ${height}×${width}.`);
  }
  if (data.length !== height * width) {
    throw new Error(`${where}: ${name} must have height·width = ${height * width} values, but got ${data.length}.`);
  }
  const bad = data.findIndex((v) => v > 1);
  if (bad >= 0) throw new Error(`${where}: ${name} must be binary (0 or 1), but got ${data[bad]} at index ${bad}.`);
}

/** Checks both masks and that their sizes agree (height × width in messages). */
export function assertSamePair(gt: BinaryMask, pred: BinaryMask, where: string): void {
  assertBinaryMask(gt, 'gt', where);
  assertBinaryMask(pred, 'pred', where);
  if (gt.height !== pred.height || gt.width !== pred.width) {
    throw new Error(`${where}: gt and pred must have the same size, but got ${gt.height}×${gt.width} and ${pred.height}×${pred.width}.`);
  }
}
