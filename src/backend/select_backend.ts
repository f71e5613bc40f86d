/**
 * The one place that decides the TensorFlow.js backend. Order, unless forced:
 *   @tensorflow/tfjs-node-gpu ('tensorflow') → webgpu on a hardware adapter (Dawn)
 *   → @tensorflow/tfjs-node ('tensorflow') → wasm with SIMD and threads (+ the training kernels)
 *   → the pure-JS cpu backend.
 * Force one with `initBackend({backend})` or `SEGREFINER_BACKEND=tensorflow|webgpu|wasm|cpu`; a forced
 * webgpu also accepts a software adapter (Mesa llvmpipe: tests, CI). Set the wasm thread count with
 * `{threads}` or `SEGREFINER_THREADS`. Nothing else in src/ calls tf.setBackend, except the web page's
 * src/web/browser_backend.ts (a browser has its own backends: webgpu, webgl, wasm).
 */
import * as os from 'os';
import * as tf from '@tensorflow/tfjs';
import { silenceCpuBanner } from './cpu_banner';
import { firstLine, loadNativeBackend, NativePackage, SkippedBackend } from './native';
import { initWasmBackend, NativeKernelStatus, WasmStatus } from './wasm_backend';
import type { WebGpuAdapterReport } from './webgpu_adapter';
import { initWebGpuBackend, releaseWebGpu, WebGpuUnavailableError } from './webgpu_backend';

export const BACKEND_NAMES = ['tensorflow', 'webgpu', 'wasm', 'cpu'] as const;
/** A backend the user may force. 'tensorflow' is tfjs-node-gpu or tfjs-node, whichever loads. */
export type BackendName = (typeof BACKEND_NAMES)[number];

export interface BackendOptions {
  /** Force this backend instead of choosing; overrides SEGREFINER_BACKEND. */
  backend?: BackendName;
  /** wasm thread-pool size; default SEGREFINER_THREADS, else the number of logical cores. */
  threads?: number;
}

/** What was chosen and why; `segrefiner doctor` prints it. */
export interface BackendInfo {
  name: BackendName;
  /** The npm package providing it, e.g. '@tensorflow/tfjs-backend-wasm'. */
  package: string;
  /** How the backend was chosen. */
  chosenBy: 'option' | 'SEGREFINER_BACKEND' | 'auto';
  /** wasm only: thread-pool size actually running, and SIMD; null on other backends. */
  threads: number | null;
  simd: boolean | null;
  /** wasm only: the native oneDNN kernels, active or why not; null on other backends. */
  nativeKernels: NativeKernelStatus | null;
  /** webgpu only: the adapter (vendor, architecture, limits, software or not); null on other backends. */
  adapter: WebGpuAdapterReport | null;
  /** Candidates tried before this one, with the reason each was not taken. */
  skipped: SkippedBackend[];
}

let active: BackendInfo | null = null;
let pending: Promise<BackendInfo> | null = null;

/** Parses a backend name from a user-facing source; `where` names that source in the error. */
export function parseBackendName(value: string, where: string): BackendName {
  if ((BACKEND_NAMES as readonly string[]).includes(value)) return value as BackendName;
  throw new Error(`${where}: backend must be one of ${BACKEND_NAMES.join(', ')}, but got '${value}'.`);
}

function parseThreads(value: string | number, where: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${where}: threads must be a positive integer, but got '${value}'.`);
  return n;
}

function requestedBackend(opts: BackendOptions): { name: BackendName | null; chosenBy: BackendInfo['chosenBy'] } {
  if (opts.backend !== undefined) return { name: parseBackendName(opts.backend, 'initBackend'), chosenBy: 'option' };
  const fromEnv = process.env.SEGREFINER_BACKEND;
  if (fromEnv) return { name: parseBackendName(fromEnv, 'SEGREFINER_BACKEND'), chosenBy: 'SEGREFINER_BACKEND' };
  return { name: null, chosenBy: 'auto' };
}

function requestedThreads(opts: BackendOptions): number {
  if (opts.threads !== undefined) return parseThreads(opts.threads, 'initBackend');
  const fromEnv = process.env.SEGREFINER_THREADS;
  return fromEnv ? parseThreads(fromEnv, 'SEGREFINER_THREADS') : os.cpus().length;
}

async function useNative(chosenBy: BackendInfo['chosenBy'], packages?: readonly NativePackage[]): Promise<BackendInfo | SkippedBackend[]> {
  const { loaded, skipped } = loadNativeBackend(packages);
  if (loaded === null) return skipped;
  try {
    if (!(await tf.setBackend('tensorflow'))) throw new Error('tf.setBackend returned false');
  } catch (error) {
    return [...skipped, { candidate: loaded, reason: `loaded but failed to initialise: ${firstLine(error)}` }];
  }
  return { name: 'tensorflow', package: loaded, chosenBy, threads: null, simd: null, nativeKernels: null, adapter: null, skipped };
}

async function useWasm(threads: number, chosenBy: BackendInfo['chosenBy'], skipped: SkippedBackend[]): Promise<BackendInfo> {
  const status: WasmStatus = await initWasmBackend(threads);
  const notes = status.threadsNote ? [{ candidate: `wasm with ${threads} threads`, reason: status.threadsNote }] : [];
  return { name: 'wasm', package: '@tensorflow/tfjs-backend-wasm', chosenBy, threads: status.threads, simd: status.simd,
    nativeKernels: status.nativeKernels, adapter: null, skipped: [...skipped, ...notes] };
}

/** webgpu on the adapter found (hardware only unless `allowSoftware`), or the reasons it cannot run. */
async function useWebGpu(chosenBy: BackendInfo['chosenBy'], allowSoftware: boolean, skipped: SkippedBackend[]): Promise<BackendInfo | SkippedBackend[]> {
  try {
    const status = await initWebGpuBackend(allowSoftware);
    const notes = status.syncReadsNote ? [{ candidate: 'webgpu synchronous reads (dataSync)', reason: status.syncReadsNote }] : [];
    return { name: 'webgpu', package: '@tensorflow/tfjs-backend-webgpu', chosenBy, threads: null, simd: null, nativeKernels: null,
      adapter: status.adapter, skipped: [...skipped, ...notes] };
  } catch (error) {
    const reason = error instanceof WebGpuUnavailableError ? error.reasons.join('; ') : `failed to initialise: ${firstLine(error)}`;
    return [...skipped, { candidate: 'webgpu (Dawn)', reason }];
  }
}

async function useCpu(chosenBy: BackendInfo['chosenBy'], skipped: SkippedBackend[]): Promise<BackendInfo> {
  if (!(await tf.setBackend('cpu'))) throw new Error("initBackend: the cpu backend failed to initialise; reinstall @tensorflow/tfjs.");
  silenceCpuBanner(); // the choice is reported in BackendInfo; doctor says how to get a faster one
  return { name: 'cpu', package: '@tensorflow/tfjs-backend-cpu', chosenBy, threads: null, simd: null, nativeKernels: null, adapter: null, skipped };
}

async function forceBackend(name: BackendName, chosenBy: BackendInfo['chosenBy'], threads: number): Promise<BackendInfo> {
  if (name === 'wasm') return useWasm(threads, chosenBy, []);
  if (name === 'cpu') return useCpu(chosenBy, []);
  if (name === 'webgpu') {
    const webgpu = await useWebGpu(chosenBy, true, []);
    if (!Array.isArray(webgpu)) return webgpu;
    throw new Error(`initBackend: backend 'webgpu' was forced (${chosenBy}) but cannot be used (${webgpu.map((s) => s.reason).join('; ')}). ` +
      'See environment.md (GPU): a GPU needs its Vulkan driver; a software adapter needs Mesa (libegl-dev, libegl-mesa0, libgl1-mesa-dri).');
  }
  const native = await useNative(chosenBy);
  if (!Array.isArray(native)) return native;
  const reasons = native.map((s) => `${s.candidate}: ${s.reason}`).join('; ');
  throw new Error(`initBackend: backend 'tensorflow' was forced (${chosenBy}) but cannot be used (${reasons}). ` +
    'Install @tensorflow/tfjs-node-gpu@4.22.0 or @tensorflow/tfjs-node@4.22.0 (see environment.md), ' +
    'or choose wasm or cpu.');
}

async function chooseBackend(threads: number): Promise<BackendInfo> {
  const gpu = await useNative('auto', ['@tensorflow/tfjs-node-gpu']);
  if (!Array.isArray(gpu)) return gpu;
  const webgpu = await useWebGpu('auto', false, gpu);
  if (!Array.isArray(webgpu)) return webgpu;
  const native = await useNative('auto', ['@tensorflow/tfjs-node']);
  if (!Array.isArray(native)) return { ...native, skipped: [...webgpu, ...native.skipped] };
  const skipped = [...webgpu, ...native];
  try {
    return await useWasm(threads, 'auto', skipped);
  } catch (error) {
    return useCpu('auto', [...skipped, { candidate: '@tensorflow/tfjs-backend-wasm', reason: firstLine(error) }]);
  }
}

/**
 * Chooses and initialises the backend once per process; later (or concurrent) calls share the result.
 * A later call that forces a different backend is an error (tensors would silently move).
 */
export async function initBackend(opts: BackendOptions = {}): Promise<BackendInfo> {
  const { name, chosenBy } = requestedBackend(opts);
  if (!pending) {
    const threads = requestedThreads(opts);
    pending = name === null ? chooseBackend(threads) : forceBackend(name, chosenBy, threads);
    pending.then((info) => { active = info; }, () => { pending = null; }); // a failed init may be retried
  }
  const info = await pending;
  if (name !== null && name !== info.name) {
    throw new Error(`initBackend: the backend is already '${info.name}' in this process, but '${name}' was requested; ` +
      'choose it before the first initBackend call.');
  }
  return info;
}

/**
 * Releases what the backend holds outside the JS heap (the WebGPU device), so that the process can
 * exit; tensors on it become unusable and a later initBackend chooses again. A no-op on the CPU backends,
 * which hold nothing that keeps Node alive.
 */
export function releaseBackend(): void {
  if (active?.name !== 'webgpu') return;
  releaseWebGpu();
  active = null;
  pending = null;
}

/** The record of the backend chosen by initBackend, or null before it ran. */
export function activeBackend(): BackendInfo | null {
  return active;
}
