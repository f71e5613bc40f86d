/** Runtime checks at public boundaries (style B4, B8): the message says where, what was expected and what came. */
import type * as tf from '@tensorflow/tfjs';

/** Asserts the rank and the given dimensions of `x`; `null` matches any size. */
export function assertShape(x: tf.Tensor, shape: readonly (number | null)[], name: string, where: string): void {
  const ok = x.rank === shape.length && shape.every((d, i) => d === null || d === x.shape[i]);
  if (!ok) throw new Error(`${where}: ${name} must have shape [${shape.map((d) => d ?? '*').join(',')}], but got [${x.shape.join(',')}].`);
}

/** Asserts that every value of `x` is 0 or 1 (a mask, not probabilities or 0/255). Reads the data synchronously. */
export function assertBinaryTensor(x: tf.Tensor, name: string, where: string): void {
  const values = x.dataSync();
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== 0 && v !== 1) throw new Error(`${where}: ${name} must hold only 0 and 1, but element ${i} is ${v}.`);
  }
}

/** Asserts an integer in [lo, hi]. */
export function assertIntegerInRange(v: number, lo: number, hi: number, name: string, where: string): void {
  if (!Number.isInteger(v) || v < lo || v > hi) throw new Error(`${where}: ${name} must be an integer in [${lo}, ${hi}], but got ${v}.`);
}
