/**
 * The optional native kernel addon (native/, oneDNN under the wasm backend, issue 13): where it is,
 * loading it, and why it is not used when it is not. `SEGREFINER_NATIVE=0` turns it off.
 * OpenMP (oneDNN's thread runtime) is told to sleep rather than spin between kernels, so its threads do
 * not compete with the wasm thread pool that runs the remaining ops; its thread count follows the wasm
 * pool's (SEGREFINER_THREADS), so the two pools never oversubscribe the cores.
 */
import * as fs from 'fs';
import * as path from 'path';

/** The addon's functions (native/segrefiner_native.cc). Offsets are byte offsets on the wasm heap. */
export interface NativeAddon {
  conv2d(heap: Uint8Array, xOff: number, filterOff: number, outOff: number, ...shape: number[]): void;
  conv2dBackpropInput(heap: Uint8Array, dyOff: number, filterOff: number, dxOff: number, ...shape: number[]): void;
  conv2dBackpropFilter(heap: Uint8Array, xOff: number, dyOff: number, dwOff: number, ...shape: number[]): void;
  matMul(heap: Uint8Array, aOff: number, bOff: number, cOff: number, batchA: number, batchB: number, m: number, k: number, n: number, transposeA: number, transposeB: number): void;
  groupNorm(heap: Uint8Array, xOff: number, gammaOff: number, betaOff: number, yOff: number, meanOff: number, rstdOff: number, b: number, hw: number, c: number, groups: number, eps: number, silu: boolean): void;
  groupNormGrad(heap: Uint8Array, dyOff: number, xOff: number, gammaOff: number, meanOff: number, rstdOff: number, dxOff: number, dgammaOff: number, dbetaOff: number,
    b: number, hw: number, c: number, groups: number, betaOff: number, silu: boolean): void;
  adamW(heap: Uint8Array, pOff: number, gOff: number, mOff: number, vOff: number, pOutOff: number, mOutOff: number, vOutOff: number, n: number,
    beta1: number, beta2: number, eps: number, decay: number, stepSize: number, bias2Sqrt: number): void;
  info(): { onednn: string; threads: number; cachedPrimitives: number };
  setThreads(n: number): void;
}

/** Where `npm ci` (native/build.js) puts the addon. */
export const ADDON_PATH = path.join(__dirname, '..', '..', '..', 'native', 'build', 'segrefiner_native.node');

/** The loaded addon, or why there is none. */
export type AddonLoad = { addon: NativeAddon; reason: null } | { addon: null; reason: string };

let loaded: AddonLoad | null = null;

/** Loads the addon once (with `threads` OpenMP threads); later calls return the same result. */
export function loadNativeAddon(threads: number): AddonLoad {
  if (loaded) return loaded;
  if (process.env.SEGREFINER_NATIVE === '0') return (loaded = { addon: null, reason: 'turned off by SEGREFINER_NATIVE=0' });
  if (!fs.existsSync(ADDON_PATH)) {
    return (loaded = { addon: null, reason: `not built (${path.relative(process.cwd(), ADDON_PATH) || ADDON_PATH} is missing; install libdnnl-dev, then npm ci or node native/build.js)` });
  }
  process.env.OMP_WAIT_POLICY ??= 'PASSIVE';
  process.env.OMP_NUM_THREADS ??= String(threads);
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a native addon loads only through require
    const addon = require(ADDON_PATH) as NativeAddon;
    addon.setThreads(threads);
    return (loaded = { addon, reason: null });
  } catch (error) {
    return (loaded = { addon: null, reason: `failed to load: ${(error as Error).message.split('\n')[0]}` });
  }
}
