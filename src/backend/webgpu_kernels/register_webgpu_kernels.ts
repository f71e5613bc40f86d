/**
 * Kernels this project registers on 'webgpu' where tfjs-backend-webgpu 4.22 is wrong or slow for our use:
 *   AddN: more inputs than a shader may bind (add_n.ts);
 *   Conv2DBackpropFilter: a loop over every position per filter element (conv2d_backprop_filter.ts).
 * Every other kernel a training step needs is the built-in one; `segrefiner doctor` and
 * test/backend/webgpu*.test.ts check them against cpu.
 */
import * as tf from '@tensorflow/tfjs';
import type { Conv2DBackpropFilterAttrs } from '../wasm_kernels/conv2d_backprop_filter';
import { registerTensorKernel } from '../wasm_kernels/kernel_registry';
import { chunkedAddN } from './add_n';
import { conv2dBackpropFilterPerTap } from './conv2d_backprop_filter';

/** The kernels this module replaces on webgpu. */
export const WEBGPU_KERNELS = ['AddN', 'Conv2DBackpropFilter'] as const;

const builtIn = new Map<string, tf.KernelConfig>();

/** Replaces the kernels for 'webgpu'. Idempotent; call after tfjs-backend-webgpu is loaded. */
export function registerWebGpuKernels(): void {
  if (!builtIn.has('AddN')) {
    const original = tf.getKernel('AddN', 'webgpu');
    if (!original) throw new Error('registerWebGpuKernels: tfjs-backend-webgpu must register AddN before it is replaced, but it has none.');
    builtIn.set('AddN', original);
    tf.unregisterKernel('AddN', 'webgpu');
    tf.registerKernel({ ...original, kernelFunc: chunkedAddN(original.kernelFunc) });
  }
  if (!builtIn.has('Conv2DBackpropFilter')) {
    builtIn.set('Conv2DBackpropFilter', tf.getKernel('Conv2DBackpropFilter', 'webgpu') as tf.KernelConfig);
    registerTensorKernel<Conv2DBackpropFilterAttrs>('Conv2DBackpropFilter', 'webgpu', ({ x, dy }, attrs) =>
      conv2dBackpropFilterPerTap(x as tf.Tensor4D, dy as tf.Tensor4D, attrs));
  }
}
