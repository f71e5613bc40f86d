/**
 * The webgpu tests (test/backend/webgpu*.test.ts) run in a process of their own (scripts/run_tests.js),
 * with the backend forced to webgpu: without a GPU, Mesa's llvmpipe serves as a software adapter
 * (.ci/run installs it). Where no adapter can be had, they print why once and return early.
 * References run on wasm in the same process (runOnWasm), with the project's training kernels.
 */
import { BackendInfo, initBackend, runOnBackend } from '../../src';
import { registerWasmTrainingKernels } from '../../src/backend/wasm_kernels/register_training_kernels';

let ready: Promise<BackendInfo | null> | null = null;

/** Forces webgpu once; resolves to its record, or to null (after printing why) when it cannot run here. */
export function useWebGpuTestBackend(): Promise<BackendInfo | null> {
  ready ??= initBackend({ backend: 'webgpu' }).catch((error: Error) => {
    console.log(`webgpu tests skipped: ${error.message}`);
    return null;
  });
  return ready;
}

/** Runs `work` on wasm (single-threaded, with the training kernels: the trusted reference), then back on webgpu. */
export async function runOnWasm<T>(work: () => T | Promise<T>): Promise<T> {
  registerWasmTrainingKernels();
  return runOnBackend('wasm', work);
}

/** max |a − b| / max |b| over paired arrays. */
export function relativeError(ours: ArrayLike<number>[], reference: ArrayLike<number>[]): { rel: number; abs: number } {
  let abs = 0, scale = 0;
  reference.forEach((r, i) => {
    if (ours[i].length !== r.length) abs = Infinity;
    for (let j = 0; j < r.length; j++) {
      abs = Math.max(abs, Math.abs(ours[i][j] - r[j]) || (Number.isNaN(ours[i][j]) ? Infinity : 0));
      scale = Math.max(scale, Math.abs(r[j]));
    }
  });
  return { rel: abs / Math.max(scale, 1e-12), abs };
}
