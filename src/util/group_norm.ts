/**
 * GroupNorm with its affine transform as one op with a closed-form gradient (PyTorch's
 * `nn.GroupNorm`: eps 1e-5, biased variance, float32).
 *
 * Why not autodiff: built from tfjs primitives, GroupNorm's group moments reduce over the
 * non-contiguous axes (H, W, channels-in-group) of a 5-D view, which wasm runs as transpose + reduce,
 * and its tape holds a dozen broadcasting kernels per call. Here every full-size pass is a 4-D op with
 * a [B,1,1,C] operand, and all reductions are per-(sample, channel) sums over H·W done as one
 * batched matrix product with a row of ones (XNNPACK's fast path). Measured on wasm, 2 threads
 * (docs/speed.md): forward + backward 2–3× faster than autodiff of the same formula.
 *
 * Notation (per sample b, group g of n = H·W·C/G elements, channel c in g):
 *   μ, σ² = mean and biased variance over the group; r = 1/√(σ² + eps); x̂ = (x − μ)·r
 *   y = γ_c·x̂ + β_c = x·(r·γ_c) + (β_c − μ·r·γ_c)
 * With S_dy[b,c] = Σ_hw dy and S_dyx̂[b,c] = Σ_hw dy·x̂ = r·(Σ_hw dy·x − μ·S_dy):
 *   dβ_c = Σ_b S_dy,  dγ_c = Σ_b S_dyx̂
 *   dx = r·(γ_c·dy − m₁ − x̂·m₂),  m₁ = (1/n)Σ_{c∈g} γ_c S_dy,  m₂ = (1/n)Σ_{c∈g} γ_c S_dyx̂
 *      = dy·(r·γ_c) + x·(−r²·m₂) + r·(r·μ·m₂ − m₁)         (three [B,1,1,C] coefficients)
 */
import * as tf from '@tensorflow/tfjs';
import { silu } from './tensor_ops';

/** PyTorch's GroupNorm epsilon. */
export const GROUP_NORM_EPS = 1e-5;

/**
 * Kernel names of a native implementation of this op (backend/native_kernels registers them when the
 * addon is built): forward {x, gamma, beta} → [y, mean, rstd] and backward {dy, x, gamma, mean, rstd} →
 * [dx, dgamma, dbeta], attrs {groups, eps}. Same formulas; without them the tf ops below run.
 */
export const GROUP_NORM_KERNEL = 'SegrefinerGroupNorm';
export const GROUP_NORM_GRAD_KERNEL = 'SegrefinerGroupNormGrad';
/** The same, fused with the SiLU that follows (forward returns y·σ(y); backward also takes beta, to recompute y). */
export const GROUP_NORM_SILU_KERNEL = 'SegrefinerGroupNormSilu';
export const GROUP_NORM_SILU_GRAD_KERNEL = 'SegrefinerGroupNormSiluGrad';

/** Whether the active backend has both kernels of a native pair. */
function hasKernels(forward: string, backward: string): boolean {
  return tf.getKernel(forward, tf.getBackend()) !== undefined && tf.getKernel(backward, tf.getBackend()) !== undefined;
}

/** Per-(sample, channel) sums over H and W: [B,H,W,C] → [B,C], as ones[B,1,H·W] · x[B,H·W,C]. */
function channelSums(x: tf.Tensor4D): tf.Tensor2D {
  const [b, h, w, c] = x.shape;
  return tf.reshape(tf.matMul(tf.ones([b, 1, h * w]), tf.reshape(x, [b, h * w, c])), [b, c]);
}

/** Sums the channels of each group: [B,C] → [B,G]. */
function groupSums(v: tf.Tensor2D, groups: number): tf.Tensor2D {
  const [b, c] = v.shape;
  return tf.sum(tf.reshape(v, [b, groups, c / groups]), 2);
}

/** Repeats each group's value over its channels: [B,G] → [B,C]. */
function toChannels(v: tf.Tensor2D, channels: number): tf.Tensor2D {
  const [b, groups] = v.shape;
  return tf.reshape(tf.mul(tf.reshape(v, [b, groups, 1]), tf.ones([1, 1, channels / groups])), [b, channels]);
}

/** [B,C] → [B,1,1,C], to broadcast over H and W. */
function perPixel(v: tf.Tensor2D): tf.Tensor4D {
  const [b, c] = v.shape;
  return tf.reshape(v, [b, 1, 1, c]);
}

/** μ and r = 1/√(σ² + eps) per group, repeated over the channels: two [B,C]. The variance is taken about the mean (no E[x²] − μ² cancellation). */
function groupStats(x: tf.Tensor4D, groups: number): { mean: tf.Tensor2D; rstd: tf.Tensor2D } {
  const [, h, w, c] = x.shape;
  const n = h * w * (c / groups);
  const mean = toChannels(tf.div(groupSums(channelSums(x), groups), n) as tf.Tensor2D, c);
  const centred = tf.sub(x, perPixel(mean)) as tf.Tensor4D;
  const variance = tf.div(groupSums(channelSums(tf.square(centred)), groups), n) as tf.Tensor2D;
  return { mean, rstd: toChannels(tf.rsqrt(tf.add(variance, GROUP_NORM_EPS)) as tf.Tensor2D, c) };
}

/** dx, dγ, dβ from dy and the saved x, γ, μ, r (module comment). */
function groupNormGrad(dy: tf.Tensor4D, x: tf.Tensor4D, gamma: tf.Tensor1D, mean: tf.Tensor2D, rstd: tf.Tensor2D,
  groups: number): [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D] {
  const [, h, w, c] = x.shape;
  const n = h * w * (c / groups);
  const sumDy = channelSums(dy); // [B,C]
  const sumDyXhat = tf.mul(rstd, tf.sub(channelSums(tf.mul(dy, x) as tf.Tensor4D), tf.mul(mean, sumDy))) as tf.Tensor2D; // [B,C]
  const groupMean = (v: tf.Tensor2D) => toChannels(tf.div(groupSums(tf.mul(v, gamma) as tf.Tensor2D, groups), n) as tf.Tensor2D, c);
  const m1 = groupMean(sumDy), m2 = groupMean(sumDyXhat);
  const dyCoef = tf.mul(rstd, gamma) as tf.Tensor2D;
  const xCoef = tf.neg(tf.mul(tf.square(rstd), m2)) as tf.Tensor2D;
  const constant = tf.mul(rstd, tf.sub(tf.mul(tf.mul(rstd, mean), m2), m1)) as tf.Tensor2D;
  const dx = tf.add(tf.add(tf.mul(dy, perPixel(dyCoef)), tf.mul(x, perPixel(xCoef))), perPixel(constant)) as tf.Tensor4D;
  return [dx, tf.sum(sumDyXhat, 0), tf.sum(sumDy, 0)];
}

/**
 * GroupNorm(groups) with affine γ, β.
 * @param x     [B, H, W, C], C divisible by groups
 * @param gamma [C] (state_dict `…weight`)
 * @param beta  [C] (state_dict `…bias`)
 * @returns [B, H, W, C]
 */
export function groupNormAffine(x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, groups: number): tf.Tensor4D {
  const c = x.shape[3];
  if (x.rank !== 4 || c % groups !== 0 || gamma.size !== c || beta.size !== c) {
    throw new Error(`groupNormAffine: x must be [B,H,W,C] with C divisible by ${groups} and γ, β of size C, but got x [${x.shape}], γ [${gamma.shape}], β [${beta.shape}].`);
  }
  if (hasKernels(GROUP_NORM_KERNEL, GROUP_NORM_GRAD_KERNEL)) return nativeGroupNorm(x, gamma, beta, groups, false);
  const op = tf.customGrad<tf.Tensor4D>(((xIn: tf.Tensor4D, g: tf.Tensor1D, bt: tf.Tensor1D, save: tf.GradSaveFunc) => {
    const { mean, rstd } = groupStats(xIn, groups);
    const scale = tf.mul(rstd, g) as tf.Tensor2D; // r·γ, [B,C]
    const shift = tf.sub(bt, tf.mul(mean, scale)) as tf.Tensor2D; // β − μ·r·γ
    save([xIn, g, mean, rstd]);
    return {
      value: tf.add(tf.mul(xIn, perPixel(scale)), perPixel(shift)),
      gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) => {
        const [xs, gs, ms, rs] = saved as [tf.Tensor4D, tf.Tensor1D, tf.Tensor2D, tf.Tensor2D];
        return groupNormGrad(dy, xs, gs, ms, rs, groups);
      },
    };
  }) as Parameters<typeof tf.customGrad<tf.Tensor4D>>[0]);
  return op(x, gamma, beta);
}

/**
 * SiLU(GroupNorm(x)) (the ResBlocks' and the head's norm + activation): one fused op on the native
 * kernels, else the two ops above in sequence.
 */
export function groupNormSilu(x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, groups: number): tf.Tensor4D {
  if (hasKernels(GROUP_NORM_SILU_KERNEL, GROUP_NORM_SILU_GRAD_KERNEL)) return nativeGroupNorm(x, gamma, beta, groups, true);
  return silu(groupNormAffine(x, gamma, beta, groups));
}

/** The op on the native kernels (plain, or fused with SiLU): one call forward, one backward. */
function nativeGroupNorm(x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, groups: number, withSilu: boolean): tf.Tensor4D {
  const c = x.shape[3];
  if (x.rank !== 4 || c % groups !== 0 || gamma.size !== c || beta.size !== c) {
    throw new Error(`groupNorm: x must be [B,H,W,C] with C divisible by ${groups} and γ, β of size C, but got x [${x.shape}], γ [${gamma.shape}], β [${beta.shape}].`);
  }
  const [forward, backward] = withSilu ? [GROUP_NORM_SILU_KERNEL, GROUP_NORM_SILU_GRAD_KERNEL] : [GROUP_NORM_KERNEL, GROUP_NORM_GRAD_KERNEL];
  const attrs = { groups, eps: GROUP_NORM_EPS } as unknown as tf.NamedAttrMap;
  const op = tf.customGrad<tf.Tensor4D>(((xIn: tf.Tensor4D, g: tf.Tensor1D, bt: tf.Tensor1D, save: tf.GradSaveFunc) => {
    const [y, mean, rstd] = tf.engine().runKernel(forward, { x: xIn, gamma: g, beta: bt }, attrs) as tf.Tensor[];
    save([xIn, g, bt, mean, rstd]);
    return {
      value: y as tf.Tensor4D,
      gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) => {
        const [xs, gs, bs, ms, rs] = saved;
        return tf.engine().runKernel(backward, { dy, x: xs, gamma: gs, beta: bs, mean: ms, rstd: rs }, attrs) as tf.Tensor[];
      },
    };
  }) as Parameters<typeof tf.customGrad<tf.Tensor4D>>[0]);
  return op(x, gamma, beta);
}
