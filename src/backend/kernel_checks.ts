/**
 * Runs the kernel check cases on the active backend and on the cpu reference, and compares them.
 * Used by `segrefiner doctor` and by the tests. The error of a case is the largest absolute
 * difference over all its outputs, relative to the largest reference magnitude of that output.
 */
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../util/rng';
import { KERNEL_CHECK_CASES, KernelCheckCase } from './kernel_check_cases';
import { runOnBackend } from './run_on_backend';

/** The tolerance the project holds every registered kernel to (relative to the reference scale). */
export const KERNEL_CHECK_TOLERANCE = 1e-4;
/** The backend every check compares against. */
export const REFERENCE_BACKEND = 'cpu';

export interface KernelCheckResult {
  name: string;
  kernels: string[];
  backend: string;
  /** max |tested − reference| over all outputs. */
  maxAbsError: number;
  /** max over outputs of (max abs error of the output / max |reference| of the output). */
  relError: number;
  passed: boolean;
}

/** Runs one case on the active backend; returns its outputs as plain arrays. */
function runOnActiveBackend(c: KernelCheckCase, seed: number): Float32Array[] {
  const inputs = c.makeInputs(createRng(seed)).map((i) =>
    tf.tensor(i.values, i.shape, i.values instanceof Int32Array ? 'int32' : 'float32'));
  try {
    const outputs = tf.tidy(() => c.compute(inputs));
    const values = outputs.map((o) => Float32Array.from(o.dataSync()));
    tf.dispose(outputs);
    return values;
  } finally {
    tf.dispose(inputs);
  }
}

/** Compares two output lists; returns [maxAbsError, relError]. */
export function compareOutputs(tested: Float32Array[], reference: Float32Array[], where: string): [number, number] {
  if (tested.length !== reference.length) {
    throw new Error(`${where}: the backends must return the same number of outputs, but got ${tested.length} and ${reference.length}.`);
  }
  let maxAbs = 0, rel = 0;
  tested.forEach((t, k) => {
    const r = reference[k];
    let err = t.length === r.length ? 0 : Infinity, scale = 0;
    for (let i = 0; i < r.length && err !== Infinity; i++) {
      const d = Math.abs(t[i] - r[i]);
      err = Number.isNaN(d) ? Infinity : Math.max(err, d);
      scale = Math.max(scale, Math.abs(r[i]));
    }
    maxAbs = Math.max(maxAbs, err);
    rel = Math.max(rel, err / Math.max(scale, 1e-12));
  });
  return [maxAbs, rel];
}

/**
 * Checks `cases` on the active backend against the cpu backend, then restores the active backend.
 * On the cpu backend itself the check is trivial and still runs (it exercises the cases).
 */
export async function runKernelChecks(cases: KernelCheckCase[] = KERNEL_CHECK_CASES, seed = 1): Promise<KernelCheckResult[]> {
  const backend = tf.getBackend();
  const tested = cases.map((c) => runOnActiveBackend(c, seed));
  const reference = await runOnBackend(REFERENCE_BACKEND, () => cases.map((c) => runOnActiveBackend(c, seed)));
  return cases.map((c, i) => {
    const [maxAbsError, relError] = compareOutputs(tested[i], reference[i], c.name);
    return { name: c.name, kernels: c.kernels, backend, maxAbsError, relError, passed: relError <= KERNEL_CHECK_TOLERANCE };
  });
}
