/**
 * One AdamW update of one parameter (train/adamw.ts applies it to every parameter), as one fused kernel
 * where the backend has it (backend/native_kernels registers ADAMW_KERNEL when the addon is built), else
 * as tf ops: inputs {param, grad, m, v} → [param′, m′, v′], the same float32 operations in the same order
 * either way, so both give the same numbers. It lives here because the optimizer (train/) and the kernel
 * and its check (backend/) sit on different floors.
 */
import * as tf from '@tensorflow/tfjs';

export const ADAMW_KERNEL = 'SegrefinerAdamW';

/** One step's constants, computed once per step in double and rounded to float32 by the kernel, as tf's scalars are. */
export interface AdamWKernelAttrs {
  beta1: number;
  beta2: number;
  eps: number;
  /** 1 − lr·weightDecay (1: no decay). */
  decay: number;
  /** lr / (1 − β1ᵗ). */
  stepSize: number;
  /** √(1 − β2ᵗ). */
  bias2Sqrt: number;
}

/**
 * [param′, m′, v′] of one AdamW step (torch.optim.AdamW's formula, see train/adamw.ts):
 *   m′ = m·β1 + g·(1−β1); v′ = v·β2 + g²·(1−β2); param′ = param·decay − (m′ / (√v′ / bias2Sqrt + eps))·stepSize.
 * The caller owns the three results.
 */
export function adamWUpdate(param: tf.Tensor, grad: tf.Tensor, m: tf.Tensor, v: tf.Tensor, a: AdamWKernelAttrs): [tf.Tensor, tf.Tensor, tf.Tensor] {
  if (tf.getKernel(ADAMW_KERNEL, tf.getBackend()) !== undefined) {
    return tf.engine().runKernel(ADAMW_KERNEL, { param, grad, m, v }, a as unknown as tf.NamedAttrMap) as [tf.Tensor, tf.Tensor, tf.Tensor];
  }
  return tf.tidy(() => {
    const decayed = a.decay !== 1 ? tf.mul(param, a.decay) : param;
    const mNext = tf.add(tf.mul(m, a.beta1), tf.mul(grad, 1 - a.beta1));
    const vNext = tf.add(tf.mul(v, a.beta2), tf.mul(tf.square(grad), 1 - a.beta2));
    const denom = tf.add(tf.div(tf.sqrt(vNext), a.bias2Sqrt), a.eps);
    return [tf.sub(decayed, tf.mul(tf.div(mNext, denom), a.stepSize)), mNext, vNext] as [tf.Tensor, tf.Tensor, tf.Tensor];
  });
}
