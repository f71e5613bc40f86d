/**
 * Registers the native (oneDNN) kernels on the wasm backend (issue 13): Conv2D, Conv2DBackpropInput,
 * Conv2DBackpropFilter and BatchMatMul, and the project's own GroupNorm op (util/group_norm.ts) forward
 * and backward and the fused AdamW update under their kernel names. Each kernel allocates its output through the backend first,
 * then takes the heap view (allocation may grow and move the heap) and lets the addon read the inputs
 * and write the output in place. Problems the addon does not cover (another layout, a right/bottom
 * padding oneDNN cannot express, a batch broadcast other than 1-to-N, tiny problems where the call
 * costs more than it saves) go to the kernel that was registered before, kept as the fallback.
 */
import * as tf from '@tensorflow/tfjs';
import { ADAMW_KERNEL, AdamWKernelAttrs } from '../../util/adamw_kernel';
import { GROUP_NORM_GRAD_KERNEL, GROUP_NORM_KERNEL, GROUP_NORM_SILU_GRAD_KERNEL, GROUP_NORM_SILU_KERNEL } from '../../util/group_norm';
import type { NativeAddon } from './addon';

/** The parts of tfjs-backend-wasm's BackendWasm the kernels use (pinned version 4.22.0). */
interface WasmBackendLike {
  wasm: { HEAPU8: Uint8Array };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
}

type KernelArgs = Parameters<tf.KernelFunc>[0];

/** The kernels this module replaces on wasm. */
export const NATIVE_KERNELS = ['Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter', 'BatchMatMul'] as const;
export type NativeKernelName = (typeof NATIVE_KERNELS)[number];

/**
 * Below `minFlops` floating-point operations a problem stays on the previous kernel. Measured with
 * experiments/bench_native.ts on this 2-core machine (docs/speed.md): native was faster at every size, from a
 * 4×4 matmul (7 vs 8 µs) and a 4×4×4 3×3 conv (31 vs 318 µs) up, so nothing is routed back by size; the
 * knob stays for machines where tiny problems favour XNNPACK.
 */
export const NATIVE_ROUTING = { minFlops: 0 };

/** How many calls went native and how many fell back, per kernel (for doctor and the benchmarks). */
export const NATIVE_KERNEL_CALLS: Record<NativeKernelName, { native: number; fallback: number }> = {
  Conv2D: { native: 0, fallback: 0 }, Conv2DBackpropInput: { native: 0, fallback: 0 },
  Conv2DBackpropFilter: { native: 0, fallback: 0 }, BatchMatMul: { native: 0, fallback: 0 },
};

function offsetOf(backend: WasmBackendLike, t: tf.TensorInfo): number {
  const data = backend.dataIdMap.get(t.dataId);
  if (!data) throw new Error('native kernel: an input tensor has no data on the wasm backend (disposed?).');
  return data.memoryOffset;
}

/**
 * The addon's 17 shape numbers of a convolution, or null when oneDNN cannot take it: oneDNN wants the
 * exact right/bottom padding the output size implies, which is negative for a 'valid' convolution
 * whose stride does not divide the input.
 */
function convShape(c: tf.backend_util.Conv2DInfo): number[] | null {
  if (c.dataFormat !== 'channelsLast') return null;
  const effH = (c.filterHeight - 1) * c.dilationHeight + 1, effW = (c.filterWidth - 1) * c.dilationWidth + 1;
  const bottom = (c.outHeight - 1) * c.strideHeight + effH - c.inHeight - c.padInfo.top;
  const right = (c.outWidth - 1) * c.strideWidth + effW - c.inWidth - c.padInfo.left;
  if (bottom < 0 || right < 0 || c.padInfo.top < 0 || c.padInfo.left < 0) return null;
  return [c.batchSize, c.inHeight, c.inWidth, c.inChannels, c.filterHeight, c.filterWidth, c.outChannels, c.outHeight, c.outWidth,
    c.strideHeight, c.strideWidth, c.padInfo.top, c.padInfo.left, bottom, right, c.dilationHeight, c.dilationWidth];
}

const convFlops = (c: tf.backend_util.Conv2DInfo) => 2 * c.batchSize * c.outHeight * c.outWidth * c.outChannels * c.filterHeight * c.filterWidth * c.inChannels;

interface ConvAttrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dilations?: number | [number, number];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  inputShape?: [number, number, number, number];
  filterShape?: [number, number, number, number];
}

function convInfo(xShape: number[], filterShape: number[], a: ConvAttrs): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(xShape as [number, number, number, number], filterShape as [number, number, number, number],
    a.strides, a.dilations ?? 1, a.pad, a.dimRoundingMode, false, tf.backend_util.convertConv2DDataFormat(a.dataFormat));
}

/** A native convolution kernel: which tensors play x/filter, which shape info, which addon entry. */
function convKernel(name: 'Conv2D' | 'Conv2DBackpropInput' | 'Conv2DBackpropFilter', addon: NativeAddon, fallback: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const backend = args.backend as unknown as WasmBackendLike;
    const a = args.attrs as unknown as ConvAttrs;
    const inputs = args.inputs as Record<string, tf.TensorInfo>;
    const [first, second] = name === 'Conv2D' ? [inputs.x, inputs.filter] : name === 'Conv2DBackpropInput' ? [inputs.dy, inputs.filter] : [inputs.x, inputs.dy];
    const info = name === 'Conv2D' ? convInfo(first.shape, second.shape, a)
      : name === 'Conv2DBackpropInput' ? convInfo(a.inputShape as number[], second.shape, a) : convInfo(first.shape, a.filterShape as number[], a);
    const shape = convShape(info);
    if (!shape || convFlops(info) < NATIVE_ROUTING.minFlops || first.dtype !== 'float32' || second.dtype !== 'float32') {
      NATIVE_KERNEL_CALLS[name].fallback++;
      return fallback(args);
    }
    const outShape = name === 'Conv2D' ? info.outShape : name === 'Conv2DBackpropInput' ? (a.inputShape as number[]) : (a.filterShape as number[]);
    const out = backend.makeOutput(outShape, 'float32');
    const fn = name === 'Conv2D' ? addon.conv2d : name === 'Conv2DBackpropInput' ? addon.conv2dBackpropInput : addon.conv2dBackpropFilter;
    fn(backend.wasm.HEAPU8, offsetOf(backend, first), offsetOf(backend, second), offsetOf(backend, out), ...shape);
    NATIVE_KERNEL_CALLS[name].native++;
    return out;
  };
}

/** [batchA, batchB, m, k, n, outShape] of a BatchMatMul, or null for a batch broadcast other than 1-to-N. */
function matMulShape(a: number[], b: number[], ta: boolean, tb: boolean): [number, number, number, number, number, number[]] | null {
  const outerA = a.slice(0, -2), outerB = b.slice(0, -2);
  const prod = (d: number[]) => d.reduce((x, y) => x * y, 1);
  const batchA = prod(outerA), batchB = prod(outerB);
  const same = outerA.length === outerB.length && outerA.every((d, i) => d === outerB[i]);
  if (!same && batchA !== 1 && batchB !== 1) return null;
  const m = ta ? a[a.length - 1] : a[a.length - 2], k = ta ? a[a.length - 2] : a[a.length - 1];
  const n = tb ? b[b.length - 2] : b[b.length - 1];
  const outer = batchA >= batchB ? (outerA.length >= outerB.length ? outerA : outerB) : outerB;
  return [batchA, batchB, m, k, n, [...outer, m, n]];
}

function matMulKernel(addon: NativeAddon, fallback: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const backend = args.backend as unknown as WasmBackendLike;
    const { a, b } = args.inputs as Record<string, tf.TensorInfo>;
    const { transposeA, transposeB } = args.attrs as unknown as { transposeA: boolean; transposeB: boolean };
    const s = a.dtype === 'float32' && b.dtype === 'float32' && a.shape.length >= 2 && b.shape.length >= 2 ? matMulShape(a.shape, b.shape, transposeA, transposeB) : null;
    if (!s || 2 * Math.max(s[0], s[1]) * s[2] * s[3] * s[4] < NATIVE_ROUTING.minFlops) {
      NATIVE_KERNEL_CALLS.BatchMatMul.fallback++;
      return fallback(args);
    }
    const out = backend.makeOutput(s[5], 'float32');
    addon.matMul(backend.wasm.HEAPU8, offsetOf(backend, a), offsetOf(backend, b), offsetOf(backend, out), s[0], s[1], s[2], s[3], s[4], transposeA ? 1 : 0, transposeB ? 1 : 0);
    NATIVE_KERNEL_CALLS.BatchMatMul.native++;
    return out;
  };
}

interface GroupNormAttrs { groups: number; eps: number }

/**
 * The GroupNorm op's kernels (new kernel names: util/group_norm.ts uses them when registered), plain
 * and fused with the SiLU that follows it in the ResBlocks and the head.
 */
function registerGroupNorm(addon: NativeAddon): void {
  const forward = (silu: boolean): tf.KernelFunc => (args: KernelArgs) => {
    const backend = args.backend as unknown as WasmBackendLike;
    const { x, gamma, beta } = args.inputs as Record<string, tf.TensorInfo>;
    const { groups, eps } = args.attrs as unknown as GroupNormAttrs;
    const [b, h, w, c] = x.shape;
    const y = backend.makeOutput(x.shape, 'float32'), mean = backend.makeOutput([b, c], 'float32'), rstd = backend.makeOutput([b, c], 'float32');
    addon.groupNorm(backend.wasm.HEAPU8, offsetOf(backend, x), offsetOf(backend, gamma), offsetOf(backend, beta), offsetOf(backend, y),
      offsetOf(backend, mean), offsetOf(backend, rstd), b, h * w, c, groups, eps, silu);
    return [y, mean, rstd];
  };
  const backward = (silu: boolean): tf.KernelFunc => (args: KernelArgs) => {
    const backend = args.backend as unknown as WasmBackendLike;
    const { dy, x, gamma, beta, mean, rstd } = args.inputs as Record<string, tf.TensorInfo>;
    const { groups } = args.attrs as unknown as GroupNormAttrs;
    const [b, h, w, c] = x.shape;
    const dx = backend.makeOutput(x.shape, 'float32'), dgamma = backend.makeOutput([c], 'float32'), dbeta = backend.makeOutput([c], 'float32');
    addon.groupNormGrad(backend.wasm.HEAPU8, offsetOf(backend, dy), offsetOf(backend, x), offsetOf(backend, gamma), offsetOf(backend, mean),
      offsetOf(backend, rstd), offsetOf(backend, dx), offsetOf(backend, dgamma), offsetOf(backend, dbeta), b, h * w, c, groups,
      offsetOf(backend, beta ?? gamma), silu);
    return [dx, dgamma, dbeta];
  };
  const kernels: [string, tf.KernelFunc][] = [[GROUP_NORM_KERNEL, forward(false)], [GROUP_NORM_GRAD_KERNEL, backward(false)],
    [GROUP_NORM_SILU_KERNEL, forward(true)], [GROUP_NORM_SILU_GRAD_KERNEL, backward(true)]];
  for (const [kernelName, kernelFunc] of kernels) {
    if (tf.getKernel(kernelName, 'wasm')) tf.unregisterKernel(kernelName, 'wasm');
    tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc });
  }
}

/** The fused AdamW update (util/adamw_kernel.ts): one call per parameter instead of ~13 kernels. */
function registerAdamW(addon: NativeAddon): void {
  const kernelFunc: tf.KernelFunc = (args: KernelArgs) => {
    const backend = args.backend as unknown as WasmBackendLike;
    const { param, grad, m, v } = args.inputs as Record<string, tf.TensorInfo>;
    const a = args.attrs as unknown as AdamWKernelAttrs;
    const outs = [0, 1, 2].map(() => backend.makeOutput(param.shape, 'float32'));
    const n = param.shape.reduce((x, y) => x * y, 1);
    addon.adamW(backend.wasm.HEAPU8, offsetOf(backend, param), offsetOf(backend, grad), offsetOf(backend, m), offsetOf(backend, v),
      offsetOf(backend, outs[0]), offsetOf(backend, outs[1]), offsetOf(backend, outs[2]), n, a.beta1, a.beta2, a.eps, a.decay, a.stepSize, a.bias2Sqrt);
    return outs;
  };
  if (tf.getKernel(ADAMW_KERNEL, 'wasm')) tf.unregisterKernel(ADAMW_KERNEL, 'wasm');
  tf.registerKernel({ kernelName: ADAMW_KERNEL, backendName: 'wasm', kernelFunc });
}

/** The kernels replaced by native ones, by name, kept so checks and benchmarks can run them side by side. */
export const WASM_FALLBACK_KERNELS = new Map<NativeKernelName, tf.KernelConfig>();

/**
 * Replaces the wasm kernels with native ones (idempotent). Call after the wasm backend and its training
 * kernels are registered: those become the fallbacks.
 */
export function registerNativeKernels(addon: NativeAddon): void {
  for (const name of NATIVE_KERNELS) {
    const previous = WASM_FALLBACK_KERNELS.get(name) ?? tf.getKernel(name, 'wasm');
    if (!previous) throw new Error(`registerNativeKernels: the wasm backend must register '${name}' first, but it has none.`);
    WASM_FALLBACK_KERNELS.set(name, previous);
    const kernelFunc = name === 'BatchMatMul' ? matMulKernel(addon, previous.kernelFunc) : convKernel(name, addon, previous.kernelFunc);
    Object.assign(kernelFunc, { nativeKernel: true }); // registerWasmTrainingKernels leaves it in place
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel({ kernelName: name, backendName: 'wasm', setupFunc: previous.setupFunc, kernelFunc });
  }
  registerGroupNorm(addon);
  registerAdamW(addon);
}

/**
 * Runs `work` with the replaced kernels put back to their wasm versions (and the project-op kernels
 * unregistered, so their tf-op forms run), then restores the native ones: for benchmarks and checks
 * that compare the two paths in one process. Synchronous work only.
 */
export function runWithoutNativeKernels<T>(work: () => T): T {
  const natives = [...WASM_FALLBACK_KERNELS.keys()].map((name) => tf.getKernel(name, 'wasm') as tf.KernelConfig);
  const own = [GROUP_NORM_KERNEL, GROUP_NORM_GRAD_KERNEL, GROUP_NORM_SILU_KERNEL, GROUP_NORM_SILU_GRAD_KERNEL, ADAMW_KERNEL]
    .map((k) => tf.getKernel(k, 'wasm')).filter((k): k is tf.KernelConfig => k !== undefined);
  const swap = (configs: tf.KernelConfig[]) => configs.forEach((c) => { tf.unregisterKernel(c.kernelName, 'wasm'); tf.registerKernel(c); });
  swap([...WASM_FALLBACK_KERNELS.values()]);
  own.forEach((k) => tf.unregisterKernel(k.kernelName, 'wasm'));
  try {
    return work();
  } finally {
    swap(natives);
    own.forEach((k) => tf.registerKernel(k));
  }
}
