/**
 * Small tensor ops that tfjs lacks, written so that their gradients are right and fast on every
 * backend (wasm included). Shared by the model and the backend's probe network.
 */
import * as tf from '@tensorflow/tfjs';

/** GroupNorm without the affine part (PyTorch eps 1e-5, biased variance): moments over (H, W, channels-in-group). x: [B, H, W, C], C divisible by groups. */
export function groupNormalize(x: tf.Tensor4D, groups: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [b, h, w, c] = x.shape;
    const grouped = tf.reshape(x, [b, h, w, groups, c / groups]);
    const { mean, variance } = tf.moments(grouped, [1, 2, 4], true);
    return tf.reshape(tf.div(tf.sub(grouped, mean), tf.sqrt(tf.add(variance, 1e-5))), [b, h, w, c]) as tf.Tensor4D;
  });
}

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
