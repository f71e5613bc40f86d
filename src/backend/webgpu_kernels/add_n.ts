/**
 * AddN on webgpu with any number of inputs. tfjs-backend-webgpu 4.22 binds every input of an AddN as
 * its own storage buffer in one shader, so summing more than `maxStorageBuffersPerShaderStage − 1`
 * tensors (the global gradient norm sums one per parameter: 100–450) fails validation, and the result
 * silently stays zero. This sums chunks that fit, then the partial sums, with the built-in kernel.
 */
import * as tf from '@tensorflow/tfjs';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';

/** The most inputs one AddN shader may bind: the stage's storage buffers minus the output. */
export function maxAddNInputs(backend: WebGPUBackend): number {
  return Math.max(2, backend.device.limits.maxStorageBuffersPerShaderStage - 1);
}

/** A kernel function for AddN that calls `base` on chunks of at most `maxAddNInputs` inputs. */
export function chunkedAddN(base: tf.KernelFunc): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const webgpu = backend as WebGPUBackend;
    const limit = maxAddNInputs(webgpu);
    let level = inputs as unknown as tf.TensorInfo[];
    const partials: tf.TensorInfo[] = [];
    while (level.length > limit) {
      const next: tf.TensorInfo[] = [];
      for (let i = 0; i < level.length; i += limit) {
        const chunk = level.slice(i, i + limit);
        if (chunk.length === 1) {
          next.push(chunk[0]);
          continue;
        }
        const sum = base({ inputs: chunk as unknown as tf.NamedTensorInfoMap, backend, attrs }) as tf.TensorInfo;
        partials.push(sum);
        next.push(sum);
      }
      level = next;
    }
    const out = base({ inputs: level as unknown as tf.NamedTensorInfoMap, backend, attrs }) as tf.TensorInfo;
    for (const p of partials) webgpu.disposeData(p.dataId); // released once the queued work that reads it is submitted
    return out;
  };
}
