/**
 * Leak-test helper: runs `work` (which must dispose whatever it creates) and asserts that the number
 * of live tensors is unchanged afterwards.
 */
import * as tf from '@tensorflow/tfjs';
import * as assert from 'uvu/assert';

export async function expectNoLeak(label: string, work: () => unknown | Promise<unknown>): Promise<void> {
  const before = tf.memory().numTensors;
  await work();
  const after = tf.memory().numTensors;
  assert.is(after, before, `${label}: live tensors must stay at ${before}, but got ${after}`);
}
