/**
 * Registering a kernel written with tf ops (wasm's training kernels; webgpu's filter gradient). Calling ops inside a kernel is legal: the engine
 * does not record them on the gradient tape (kernelDepth > 0) and accepts a returned Tensor as the
 * kernel's output. Every kernel body runs in `tf.tidy`, so only its output survives.
 */
import * as tf from '@tensorflow/tfjs';

/** A kernel body: named input tensors and attributes in, one output tensor out (the engine owns it). */
export type TensorKernel<A> = (inputs: Record<string, tf.Tensor>, attrs: A) => tf.Tensor;

/** The kernel inputs the engine passes are Tensors; anything else would be an engine change. */
function asTensors(inputs: tf.NamedTensorInfoMap, kernelName: string, backendName: string): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = {};
  for (const [name, info] of Object.entries(inputs)) {
    if (!(info instanceof tf.Tensor)) {
      throw new Error(`${kernelName} (${backendName}): input '${name}' must be a tf.Tensor, but got a bare TensorInfo.`);
    }
    out[name] = info;
  }
  return out;
}

/** The built-in kernels we replaced, by name, kept so benchmarks can time them against ours. */
export const REPLACED_KERNELS = new Map<string, tf.KernelConfig>();

/**
 * Registers (or replaces) `kernelName` on `backendName` with a body written in tf ops.
 * Replacing keeps the original's setupFunc so a re-initialised backend still sets it up.
 */
export function registerTensorKernel<A>(kernelName: string, backendName: string, body: TensorKernel<A>): void {
  const original = tf.getKernel(kernelName, backendName);
  if (original && !REPLACED_KERNELS.has(`${backendName}:${kernelName}`)) REPLACED_KERNELS.set(`${backendName}:${kernelName}`, original);
  if (original) tf.unregisterKernel(kernelName, backendName);
  tf.registerKernel({
    kernelName,
    backendName,
    setupFunc: original?.setupFunc,
    kernelFunc: ({ inputs, attrs }) =>
      tf.tidy(() => body(asTensors(inputs, kernelName, backendName), attrs as unknown as A)) as unknown as tf.TensorInfo,
  });
}
