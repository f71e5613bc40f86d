/**
 * Makes the wasm backend train: registers the kernels tfjs-backend-wasm 4.22 lacks
 * (Conv2DBackpropFilter, UnsortedSegmentSum) and replaces the slow ones (Conv2DBackpropInput,
 * transposed BatchMatMul) with compositions of its XNNPACK-backed kernels.
 * Every other op a U-Net step needs (GroupNorm via moments, SiLU, softmax attention, nearest
 * upsampling, concat, sigmoid-BCE, Adam) already has a wasm kernel; test/backend checks them all.
 */
import * as tf from '@tensorflow/tfjs';
import { registerFastBatchMatMul } from './batch_mat_mul';
import { Conv2DBackpropFilterAttrs, conv2dBackpropFilterViaConv } from './conv2d_backprop_filter';
import { Conv2DBackpropInputAttrs, conv2dBackpropInputViaConv } from './conv2d_backprop_input';
import { registerTensorKernel } from './kernel_registry';
import { unsortedSegmentSumViaMatMul } from './unsorted_segment_sum';

/** The kernels this module registers or replaces on wasm. */
export const WASM_TRAINING_KERNELS = ['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'BatchMatMul', 'UnsortedSegmentSum'] as const;

/** True when `kernelName` on wasm is a native (oneDNN) kernel, which already wraps ours as its fallback. */
function isNative(kernelName: string): boolean {
  return Boolean((tf.getKernel(kernelName, 'wasm')?.kernelFunc as { nativeKernel?: boolean } | undefined)?.nativeKernel);
}

/**
 * Registers the training kernels for 'wasm'. Idempotent; call after the wasm backend is set. A kernel
 * already replaced by a native one (backend/native_kernels) is left alone: ours is its fallback.
 */
export function registerWasmTrainingKernels(): void {
  if (!isNative('Conv2DBackpropFilter')) {
    registerTensorKernel<Conv2DBackpropFilterAttrs>('Conv2DBackpropFilter', 'wasm', ({ x, dy }, attrs) =>
      conv2dBackpropFilterViaConv(x as tf.Tensor4D, dy as tf.Tensor4D, attrs));
  }
  if (!isNative('Conv2DBackpropInput')) {
    registerTensorKernel<Conv2DBackpropInputAttrs>('Conv2DBackpropInput', 'wasm', ({ dy, filter }, attrs) =>
      conv2dBackpropInputViaConv(dy as tf.Tensor4D, filter as tf.Tensor4D, attrs));
  }
  registerTensorKernel<{ numSegments: number }>('UnsortedSegmentSum', 'wasm', ({ x, segmentIds }, attrs) =>
    unsortedSegmentSumViaMatMul(x, segmentIds, attrs.numSegments));
  if (!isNative('BatchMatMul')) registerFastBatchMatMul();
}
