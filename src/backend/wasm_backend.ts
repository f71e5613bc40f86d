/**
 * Initialises tfjs-backend-wasm with SIMD and, where the version-pinned patch applies, a thread pool;
 * then registers the training kernels. Falls back to one thread, with the reason, if threads fail.
 */
import * as tf from '@tensorflow/tfjs';
import * as wasm from '@tensorflow/tfjs-backend-wasm';
import { firstLine } from './native';
import { loadNativeAddon } from './native_kernels/addon';
import { registerNativeKernels } from './native_kernels/register_native_kernels';
import { registerWasmTrainingKernels } from './wasm_kernels/register_training_kernels';
import { THREADS_PATCH_WASM_VERSION, withWasmThreadsPatched } from './wasm_threads';

export interface WasmStatus {
  /** Threads in XNNPACK's pool, as the backend reports them. */
  threads: number;
  simd: boolean;
  /** Why fewer threads than requested are running, or null. */
  threadsNote: string | null;
  /** The native oneDNN kernels (issue 13): active with their version and threads, or why not. */
  nativeKernels: NativeKernelStatus;
}

export type NativeKernelStatus = { active: true; onednn: string; threads: number } | { active: false; reason: string };

/** Loads the addon and, when it loads, puts its kernels on wasm (the wasm kernels stay as fallbacks). */
function useNativeKernels(threads: number): NativeKernelStatus {
  const load = loadNativeAddon(threads);
  if (!load.addon) return { active: false, reason: load.reason };
  registerNativeKernels(load.addon);
  const info = load.addon.info();
  return { active: true, onednn: info.onednn, threads: info.threads };
}

async function setWasm(): Promise<void> {
  if (!(await tf.setBackend('wasm'))) throw new Error('tf.setBackend("wasm") returned false');
}

async function tryThreaded(threads: number): Promise<string | null> {
  if (wasm.version_wasm !== THREADS_PATCH_WASM_VERSION) {
    return `the threads patch supports tfjs-backend-wasm ${THREADS_PATCH_WASM_VERSION} only, but ${wasm.version_wasm} is installed`;
  }
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  wasm.setThreadsCount(threads);
  try {
    await withWasmThreadsPatched(threads, () => withTimeout(setWasm(), THREADED_INIT_TIMEOUT_MS));
    return null;
  } catch (error) {
    // The engine keeps the factory after a failed init; the next setBackend builds the 1-thread module.
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    return `threaded wasm failed to start (${firstLine(error)})`;
  }
}

/** A hung pthread pool must not hang the process: give up on threads after this long. */
const THREADED_INIT_TIMEOUT_MS = 30_000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer from the pthread workers in ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Sets the wasm backend with `threads` threads (1 = the single-threaded SIMD binary). */
export async function initWasmBackend(threads: number): Promise<WasmStatus> {
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT') as boolean;
  let threadsNote = threads > 1 ? await tryThreaded(threads) : null;
  if (threads === 1 || threadsNote !== null) {
    wasm.setThreadsCount(1);
    await setWasm();
  }
  registerWasmTrainingKernels();
  const running = wasm.getThreadsCount();
  if (threadsNote === null && running < threads) threadsNote = `the backend started ${running} of ${threads} threads`;
  return { threads: running, simd, threadsNote, nativeKernels: useNativeKernels(threads) };
}
