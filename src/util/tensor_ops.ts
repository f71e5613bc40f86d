/**
 * Small tensor ops that tfjs lacks, written so that their gradients are right and fast on every
 * backend (wasm included). Shared by the model and the backend's probe network (GroupNorm: group_norm.ts).
 */
import * as tf from '@tensorflow/tfjs';

/** Nearest ×2 (each pixel becomes a 2×2 block) as reshape·ones: correct gradients on every backend (cpu's ResizeNearestNeighborGrad is not). [B,H,W,C] → [B,2H,2W,C]. */
export function upsampleNearest2x(x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const [b, h, w, c] = x.shape;
    return tf.reshape(tf.mul(tf.reshape(x, [b, h, 1, w, 1, c]), tf.ones([1, 1, 2, 1, 2, 1])), [b, 2 * h, 2 * w, c]) as tf.Tensor4D;
  });
}

/** SiLU (swish): x · σ(x). */
export function silu<T extends tf.Tensor>(x: T): T {
  return tf.tidy(() => tf.mul(x, tf.sigmoid(x)) as T);
}
