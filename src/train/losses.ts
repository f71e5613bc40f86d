/**
 * SegRefiner's training loss (method.md §3.1, upstream `SegRefiner.forward_train` and
 * losses/textrue_l1_loss.py): BCE-with-logits against the ground truth plus 5 × a texture L1 that
 * compares Sobel gradient magnitudes of the blurred prediction and the blurred ground truth. The
 * target is the ground truth whatever the timestep.
 */
import * as tf from '@tensorflow/tfjs';
import type { MaskBatch, MaskLogits } from '../types';
import { assertShape } from '../util/assert';

/** Weight of the texture term (upstream config `loss_texture.loss_weight`). */
export const TEXTURE_LOSS_WEIGHT = 5;
/** Added under the square root of the gradient magnitude, so its gradient is finite on flat regions. */
export const GRADIENT_MAGNITUDE_EPS = 1e-4;

const PAD_1: tf.backend_util.ExplicitPadding = [[0, 0], [1, 1], [1, 1], [0, 0]];

/** 3×3 box filter (PyTorch avg_pool2d, zero padding 1, count_include_pad: always divides by 9), [3,3,1,1]. */
function boxKernel(): tf.Tensor4D {
  return tf.fill([3, 3, 1, 1], 1 / 9) as tf.Tensor4D;
}

/** Sobel x and y kernels / 4 as cross-correlation, stacked as two output channels, [3,3,1,2]. */
function sobelKernels(): tf.Tensor4D {
  const kx = [[1, 0, -1], [2, 0, -2], [1, 0, -1]];
  const ky = [[1, 2, 1], [0, 0, 0], [-1, -2, -1]];
  const data: number[] = [];
  for (let y = 0; y < 3; y++) for (let x = 0; x < 3; x++) data.push(kx[y][x] / 4, ky[y][x] / 4);
  return tf.tensor4d(data, [3, 3, 1, 2]);
}

/**
 * Texture magnitude of a [B, H, W, 1] map: blur 3×3, then sqrt(gx² + gy² + 1e-4) of Sobel/4, all
 * with zero padding 1. Returns [B, H, W, 1].
 */
export function textureMagnitude(x: MaskBatch): tf.Tensor4D {
  return tf.tidy(() => {
    const blurred = tf.conv2d(x, boxKernel(), 1, PAD_1);
    const grad = tf.conv2d(blurred, sobelKernels(), 1, PAD_1); // [B,H,W,2]
    return tf.sqrt(tf.add(tf.sum(tf.square(grad), 3, true), GRADIENT_MAGNITUDE_EPS)) as tf.Tensor4D;
  });
}

/** Mean |texture(σ(logits)) − texture(gt)| (before the ×5 weight). */
export function textureL1Loss(maskLogits: MaskLogits, gt: MaskBatch): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.abs(tf.sub(textureMagnitude(tf.sigmoid(maskLogits)), textureMagnitude(gt)))));
}

/** Mean binary cross-entropy with logits, in the numerically stable form max(z,0) − z·y + log(1 + e^−|z|). */
export function bceWithLogitsLoss(maskLogits: MaskLogits, gt: MaskBatch): tf.Scalar {
  return tf.tidy(() => {
    const z = maskLogits;
    const perPixel = tf.add(tf.sub(tf.relu(z), tf.mul(z, gt)), tf.log1p(tf.exp(tf.neg(tf.abs(z)))));
    return tf.mean(perPixel);
  });
}

export interface SegRefinerLoss {
  /** bce + 5·texture: what is minimised. */
  total: tf.Scalar;
  /** BCE-with-logits (upstream `loss_mask`). */
  bce: tf.Scalar;
  /** Texture L1 before weighting (upstream logs it weighted as `loss_texture`; we log both parts unweighted). */
  texture: tf.Scalar;
}

/**
 * The full loss. @param maskLogits [B, H, W, 1]; @param gt ground truth in {0, 1}, same shape.
 * The caller owns the three scalars.
 */
export function segRefinerLoss(maskLogits: MaskLogits, gt: MaskBatch): SegRefinerLoss {
  assertShape(maskLogits, [null, null, null, 1], 'maskLogits', 'segRefinerLoss');
  assertShape(gt, maskLogits.shape, 'gt', 'segRefinerLoss');
  return tf.tidy(() => {
    const bce = bceWithLogitsLoss(maskLogits, gt);
    const texture = textureL1Loss(maskLogits, gt);
    return { total: tf.add(bce, tf.mul(texture, TEXTURE_LOSS_WEIGHT)) as tf.Scalar, bce, texture };
  });
}

/** Upstream's logged "iou": IoU(logits ≥ 0, gt ≥ 0.5) over the whole batch; 1 when both are empty. */
export function trainIou(maskLogits: MaskLogits, gt: MaskBatch): tf.Scalar {
  return tf.tidy(() => {
    const pred = tf.cast(tf.greaterEqual(maskLogits, 0), 'float32');
    const target = tf.cast(tf.greaterEqual(gt, 0.5), 'float32');
    const inter = tf.sum(tf.mul(pred, target));
    const union = tf.sub(tf.add(tf.sum(pred), tf.sum(target)), inter);
    return tf.where(tf.greater(union, 0), tf.div(inter, tf.maximum(union, 1)), tf.scalar(1)) as tf.Scalar;
  });
}
