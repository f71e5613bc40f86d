/**
 * Runs work on another registered backend and switches back: for reference checks and benchmarks
 * only. Tensors created inside must be disposed inside; the active backend is restored even on error.
 */
import * as tf from '@tensorflow/tfjs';
import { silenceCpuBanner } from './cpu_banner';

export async function runOnBackend<T>(backendName: string, work: () => T | Promise<T>): Promise<T> {
  const previous = tf.getBackend();
  if (backendName === previous) return work();
  if (!(await tf.setBackend(backendName))) {
    throw new Error(`runOnBackend: backend '${backendName}' must initialise, but tf.setBackend returned false.`);
  }
  if (backendName === 'cpu') silenceCpuBanner();
  try {
    return await work();
  } finally {
    await tf.setBackend(previous);
  }
}
