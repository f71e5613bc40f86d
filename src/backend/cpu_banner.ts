/**
 * tfjs-backend-cpu prints a "install our node backend" banner on its first tensor in Node. Our
 * doctor and kernel checks use cpu as a reference on purpose, and backend choice is reported by
 * initBackend, so we mark the banner as already shown. Harmless if the field ever disappears.
 */
import * as tf from '@tensorflow/tfjs';

/** Call right after `tf.setBackend('cpu')`. */
export function silenceCpuBanner(): void {
  const backend = tf.findBackend('cpu') as unknown as { firstUse?: boolean } | null;
  if (backend && 'firstUse' in backend) backend.firstUse = false;
}
