/**
 * DenoiseUNet's layers as functions of (input, parameters), NHWC. Parameters are looked up by their
 * upstream state_dict key through `Params`, in tfjs layout (see torch_layout.ts): conv kernels HWIO,
 * linear weights [in, out], attention qkv as a dense [C, 3C] matrix whose columns are ordered
 * [q | k | v], each head-major (head·ch + c).
 */
import * as tf from '@tensorflow/tfjs';
import { silu, upsampleNearest2x } from '../util/tensor_ops';
import { groupNormAffine, groupNormSilu } from '../util/group_norm';

/** Parameter lookup by state_dict key; throws on a missing key. */
export type Params = (key: string) => tf.Tensor;

/** GroupNorm groups (upstream `GroupNorm32`). */
export const GROUP_NORM_GROUPS = 32;

/** PyTorch's symmetric padding 1. TF's 'same' pads (0, 1) for stride 2 on even sizes, which breaks ported weights. */
const PAD_1: tf.backend_util.ExplicitPadding = [[0, 0], [1, 1], [1, 1], [0, 0]];

/** Conv2d with bias: 3×3 kernels get padding 1, 1×1 none. x [B,H,W,Cin] → [B,H',W',Cout]. */
export function conv(p: Params, prefix: string, x: tf.Tensor4D, stride = 1): tf.Tensor4D {
  const w = p(`${prefix}.weight`) as tf.Tensor4D;
  return tf.add(tf.conv2d(x, w, stride, w.shape[0] === 1 ? 'valid' : PAD_1), p(`${prefix}.bias`));
}

/** GroupNorm(32) with the per-channel affine transform, as one op with a closed-form gradient (util/group_norm.ts). */
export function groupNorm(p: Params, prefix: string, x: tf.Tensor4D): tf.Tensor4D {
  return groupNormAffine(x, p(`${prefix}.weight`) as tf.Tensor1D, p(`${prefix}.bias`) as tf.Tensor1D, GROUP_NORM_GROUPS);
}

/** SiLU(GroupNorm(32)(x)), fused into one op where the backend has the kernel (util/group_norm.ts). */
export function groupNormThenSilu(p: Params, prefix: string, x: tf.Tensor4D): tf.Tensor4D {
  return groupNormSilu(x, p(`${prefix}.weight`) as tf.Tensor1D, p(`${prefix}.bias`) as tf.Tensor1D, GROUP_NORM_GROUPS);
}

/**
 * Time embedding: row t of the learned table (`time_embed.weight[t]`), via one-hot·matMul so its
 * gradient needs no scatter. t [B] → [B, 4·C0]. The one-hot is made int32 and cast: tfjs-wasm 4.22's
 * OneHot with dtype 'float32' writes integer bit patterns into the float buffer.
 */
export function timeEmbedding(p: Params, t: tf.Tensor1D, numTimesteps: number): tf.Tensor2D {
  return tf.matMul(tf.cast(tf.oneHot(t, numTimesteps), 'float32'), p('time_embed.weight') as tf.Tensor2D);
}

/**
 * ResBlock (use_scale_shift_norm false): h = conv(SiLU(GN(x))); h += Linear(SiLU(emb)); h =
 * conv(Dropout(SiLU(GN(h)))); out = skip(x) + h, skip a 1×1 conv when the width changes.
 */
export function resBlock(p: Params, prefix: string, x: tf.Tensor4D, emb: tf.Tensor2D, dropout: number): tf.Tensor4D {
  let h = conv(p, `${prefix}.in_layers.2`, groupNormThenSilu(p, `${prefix}.in_layers.0`, x));
  const embOut = tf.add(tf.matMul(silu(emb), p(`${prefix}.emb_layers.1.weight`) as tf.Tensor2D), p(`${prefix}.emb_layers.1.bias`));
  h = tf.add(h, tf.reshape(embOut, [x.shape[0], 1, 1, -1])); // [B,1,1,Cout] over H, W
  let a = groupNormThenSilu(p, `${prefix}.out_layers.0`, h);
  if (dropout > 0) a = tf.dropout(a, dropout) as tf.Tensor4D;
  h = conv(p, `${prefix}.out_layers.3`, a);
  const skip = h.shape[3] === x.shape[3] ? x : conv(p, `${prefix}.skip_connection`, x);
  return tf.add(skip, h);
}

/**
 * AttentionBlock: x + proj_out(attention(qkv(GN(x)))) over the H·W positions; logits q·k/√ch per
 * head, softmax over keys, heads concatenated in head order. Rank-4 transposes only (rank-5 ones are slow on wasm).
 */
export function attention(p: Params, prefix: string, x: tf.Tensor4D, numHeads: number): tf.Tensor4D {
  const [b, h, w, c] = x.shape;
  const ch = c / numHeads, n = h * w;
  const flat = tf.reshape(groupNorm(p, `${prefix}.norm`, x), [b * n, c]);
  const qkv = tf.add(tf.matMul(flat, p(`${prefix}.qkv.weight`) as tf.Tensor2D), p(`${prefix}.qkv.bias`)); // [B·N, 3C]
  const [q, k, v] = tf.split(qkv, 3, 1).map((z) =>
    tf.reshape(tf.transpose(tf.reshape(z, [b, n, numHeads, ch]), [0, 2, 1, 3]), [b * numHeads, n, ch])); // [B·heads, N, ch]
  const weights = tf.softmax(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(ch))); // [B·heads, N, N]
  const out = tf.reshape(tf.transpose(tf.reshape(tf.matMul(weights, v), [b, numHeads, n, ch]), [0, 2, 1, 3]), [b * n, c]);
  const projected = tf.add(tf.matMul(out, p(`${prefix}.proj_out.weight`) as tf.Tensor2D), p(`${prefix}.proj_out.bias`));
  return tf.add(x, tf.reshape(projected, [b, h, w, c]));
}

/** Downsample: 3×3 conv, stride 2, symmetric padding 1. */
export function downsample(p: Params, prefix: string, x: tf.Tensor4D): tf.Tensor4D {
  return conv(p, `${prefix}.op`, x, 2);
}

/** Upsample: nearest ×2, then 3×3 conv. */
export function upsample(p: Params, prefix: string, x: tf.Tensor4D): tf.Tensor4D {
  return conv(p, `${prefix}.conv`, upsampleNearest2x(x));
}
