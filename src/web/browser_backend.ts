/**
 * The backend choice in a browser (select_backend.ts is Node's): webgpu → webgl → wasm, the first
 * that starts on real hardware. A software adapter (WebGPU fallback adapter; WebGL on SwiftShader or
 * llvmpipe) is skipped when choosing, because the wasm backend beats it on the same CPU; forcing a
 * backend (`?backend=` on the page) takes it anyway. wasm gets its binaries from `wasmPath`, threads
 * when the page is cross-origin isolated, and the same replacement kernels as in Node, so that a
 * seeded refinement matches Node's.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from '../backend/wasm_kernels/register_training_kernels';

export const BROWSER_BACKENDS = ['webgpu', 'webgl', 'wasm'] as const;
export type BrowserBackendName = (typeof BROWSER_BACKENDS)[number];

/** What runs and why the better candidates do not. */
export interface BrowserBackendInfo {
  name: BrowserBackendName;
  /** One line for the page, e.g. 'wasm (2 threads, SIMD)'. */
  description: string;
  skipped: { candidate: BrowserBackendName; reason: string }[];
}

/** Parses `?backend=`: null for automatic, else one of BROWSER_BACKENDS. */
export function parseBrowserBackend(value: string | null): BrowserBackendName | null {
  if (value === null || value === '' || value === 'auto') return null;
  if ((BROWSER_BACKENDS as readonly string[]).includes(value)) return value as BrowserBackendName;
  throw new Error(`backend must be one of auto, ${BROWSER_BACKENDS.join(', ')}, but got '${value}'.`);
}

interface GpuAdapterLike { isFallbackAdapter?: boolean; info?: { isFallbackAdapter?: boolean; description?: string; vendor?: string } }

/** Why WebGPU should not be chosen automatically here, or null. */
async function webgpuProblem(): Promise<string | null> {
  const gpu = (navigator as unknown as { gpu?: { requestAdapter(): Promise<GpuAdapterLike | null> } }).gpu;
  if (!gpu) return 'this browser has no navigator.gpu';
  const adapter = await gpu.requestAdapter();
  if (!adapter) return 'no WebGPU adapter';
  if (adapter.isFallbackAdapter || adapter.info?.isFallbackAdapter) return 'only a software (fallback) adapter';
  return null;
}

/** Why WebGL should not be chosen automatically here, or null. */
function webglProblem(): string | null {
  const gl = document.createElement('canvas').getContext('webgl2') ?? document.createElement('canvas').getContext('webgl');
  if (!gl) return 'no WebGL context';
  const debug = gl.getExtension('WEBGL_debug_renderer_info');
  const renderer = String(debug ? gl.getParameter(debug.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER));
  gl.getExtension('WEBGL_lose_context')?.loseContext();
  return /swiftshader|llvmpipe|software/i.test(renderer) ? `a software renderer (${renderer})` : null;
}

async function startWasm(wasmPath: string): Promise<string> {
  setWasmPaths(wasmPath);
  // Threads need SharedArrayBuffer, which browsers give only to cross-origin isolated pages.
  if (crossOriginIsolated) setThreadsCount(Math.max(1, navigator.hardwareConcurrency || 1));
  if (!(await tf.setBackend('wasm'))) throw new Error('tf.setBackend("wasm") returned false');
  registerWasmTrainingKernels();
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const threads = getThreadsCount();
  return `wasm (${threads} thread${threads === 1 ? '' : 's'}${simd ? ', SIMD' : ''})`;
}

async function start(name: BrowserBackendName, wasmPath: string): Promise<string> {
  if (name === 'wasm') return startWasm(wasmPath);
  if (!(await tf.setBackend(name))) throw new Error(`tf.setBackend("${name}") returned false`);
  return name;
}

/**
 * Starts the backend, once per page.
 * @param forced a backend to use even on a software adapter, or null to choose
 * @param wasmPath URL prefix of the tfjs-backend-wasm .wasm files (ending in '/')
 */
export async function initBrowserBackend(forced: BrowserBackendName | null, wasmPath: string): Promise<BrowserBackendInfo> {
  const skipped: BrowserBackendInfo['skipped'] = [];
  for (const name of forced ? [forced] : BROWSER_BACKENDS) {
    const problem = forced ? null : name === 'webgpu' ? await webgpuProblem() : name === 'webgl' ? webglProblem() : null;
    if (problem) {
      skipped.push({ candidate: name, reason: problem });
      continue;
    }
    try {
      return { name, description: await start(name, wasmPath), skipped };
    } catch (error) {
      if (forced) throw new Error(`initBrowserBackend: the forced backend '${forced}' must start, but it failed: ${(error as Error).message}`, { cause: error });
      skipped.push({ candidate: name, reason: `failed to start: ${(error as Error).message}` });
    }
  }
  throw new Error(`initBrowserBackend: one of ${BROWSER_BACKENDS.join(', ')} must start, but none did (${skipped.map((s) => `${s.candidate}: ${s.reason}`).join('; ')}).`);
}
