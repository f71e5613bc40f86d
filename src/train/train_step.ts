/**
 * One SegRefiner training step (upstream `SegRefiner.forward_train` + the optimizer hook): draw
 * x_t = qSample(gt, coarse, t), predict logits from image ⊕ x_t at t, take BCE + 5·texture against
 * the ground truth, back-propagate, optionally clip the global gradient norm, update with AdamW.
 */
import * as tf from '@tensorflow/tfjs';
import { qSample } from '../diffusion/discrete_diffusion';
import { Schedule } from '../diffusion/schedule';
import { DenoiseUNet } from '../model/unet';
import type { ImageBatch, MaskBatch } from '../types';
import { assertShape } from '../util/assert';
import { Rng } from '../util/rng';
import { AdamW } from './adamw';
import { segRefinerLoss, trainIou } from './losses';

/** A training batch; all tensors share B, H, W. */
export interface TrainBatch {
  /** Normalised images, [B, H, W, 3]. */
  image: ImageBatch;
  /** Ground-truth masks x_0 in {0, 1}, [B, H, W, 1]. */
  gt: MaskBatch;
  /** Coarse masks x_T in {0, 1}, [B, H, W, 1]. */
  coarse: MaskBatch;
}

export interface StepStats {
  loss: number;
  bce: number;
  /** Texture L1 before the ×5 weight. */
  texture: number;
  /** Upstream's logged IoU(logits ≥ 0, gt). */
  iou: number;
  /** Global L2 norm of the gradients before clipping. */
  gradNorm: number;
  /** The timesteps drawn for this batch. */
  t: number[];
}

export interface TrainStepOptions {
  lr: number;
  /** Clip the global gradient norm to this value (0 = off, as in the paper). */
  clipGradNorm: number;
  /** TrainConfig.ownPredictionRate (0 = off, as in the paper; then no random number is drawn for it). */
  ownPredictionRate?: number;
}

/** Draws t ~ U{0..T−1} per sample (method.md §1.4). */
export function sampleTimesteps(s: Schedule, batchSize: number, rng: Rng): number[] {
  return Array.from({ length: batchSize }, () => rng.int(s.numTimesteps));
}

export async function trainStep(unet: DenoiseUNet, s: Schedule, optimizer: AdamW, batch: TrainBatch, rng: Rng,
  opts: TrainStepOptions): Promise<StepStats> {
  const where = 'trainStep';
  assertShape(batch.gt, [null, null, null, 1], 'gt', where);
  assertShape(batch.coarse, batch.gt.shape, 'coarse', where);
  assertShape(batch.image, [...batch.gt.shape.slice(0, 3), 3], 'image', where);
  const t = sampleTimesteps(s, batch.gt.shape[0], rng);
  const fine = fineStateSource(unet, s, batch, t, opts.ownPredictionRate ?? 0, rng);
  const xt = qSample(s, fine, batch.coarse, t, rng);
  if (fine !== batch.gt) fine.dispose();
  const names = unet.specs.map((spec) => spec.key);
  const vars = unet.variables();
  const result = tf.tidy(() => {
    const tTensor = tf.tensor1d(t, 'int32');
    const input = tf.concat([batch.image, xt], 3) as tf.Tensor4D;
    let parts: { bce: tf.Scalar; texture: tf.Scalar; iou: tf.Scalar } | undefined;
    const { value, grads } = tf.variableGrads(() => {
      const logits = unet.apply(input, tTensor, { training: true });
      const loss = segRefinerLoss(logits, batch.gt);
      parts = { bce: tf.keep(loss.bce), texture: tf.keep(loss.texture), iou: tf.keep(trainIou(logits, batch.gt)) };
      return loss.total;
    }, vars);
    const gradList = vars.map((v) => grads[v.name] ?? tf.zerosLike(v)); // a parameter unused by the loss gets 0
    const gradNorm = tf.sqrt(tf.addN(gradList.map((g) => tf.sum(tf.square(g))))) as tf.Scalar;
    return { value, gradNorm, gradList, ...(parts as { bce: tf.Scalar; texture: tf.Scalar; iou: tf.Scalar }) };
  });
  xt.dispose();
  try {
    const [loss, bce, texture, iou, gradNorm] = await Promise.all(
      [result.value, result.bce, result.texture, result.iou, result.gradNorm].map(async (x) => (await x.data())[0]));
    if (!Number.isFinite(loss) || !Number.isFinite(gradNorm)) {
      throw new NonFiniteLossError(`${where}: the loss and gradient norm must be finite, but got loss ${loss}, grad norm ${gradNorm} (bce ${bce}, texture ${texture}, t [${t}]).`);
    }
    const scale = opts.clipGradNorm > 0 && gradNorm > opts.clipGradNorm ? opts.clipGradNorm / (gradNorm + 1e-6) : 1;
    const grads = new Map(names.map((n, i) => [n, result.gradList[i]] as const));
    if (scale !== 1) grads.forEach((g, n) => grads.set(n, tf.mul(g, scale)));
    try {
      optimizer.apply(unet.params, grads, opts.lr);
    } finally {
      if (scale !== 1) tf.dispose([...grads.values()]);
    }
    return { loss, bce, texture, iou, gradNorm, t };
  } finally {
    tf.dispose([result.value, result.bce, result.texture, result.iou, result.gradNorm, ...result.gradList]);
  }
}

/**
 * The fine-state source of q_sample, [B, H, W, 1]: the ground truth (method.md §1.4), or, for each
 * sample with t < T−1 drawn with probability `rate`, the network's own binarized one-step prediction
 * from the coarse mask (logits at T−1 ≥ 0, no gradient). At inference the fine-state pixels of every
 * step after the first are the network's earlier prediction, not the ground truth (method.md §1.5);
 * trained only on ground truth, a step learns to trust them and cannot correct them. Returns
 * `batch.gt` itself when no sample was drawn.
 */
export function fineStateSource(unet: DenoiseUNet, s: Schedule, batch: TrainBatch, t: readonly number[], rate: number, rng: Rng): MaskBatch {
  if (rate === 0) return batch.gt;
  const last = s.numTimesteps - 1;
  const own = t.map((ti) => rng.uniform() < rate && ti < last);
  if (!own.some(Boolean)) return batch.gt;
  return tf.tidy(() => {
    const input = tf.concat([batch.image, batch.coarse], 3) as tf.Tensor4D;
    const logits = unet.apply(input, tf.fill([t.length], last, 'int32') as tf.Tensor1D);
    const prediction = tf.cast(tf.greaterEqual(logits, 0), 'float32');
    const pick = tf.tensor4d(own.map(Number), [t.length, 1, 1, 1]).cast('bool');
    return tf.where(pick, prediction, batch.gt) as MaskBatch;
  });
}

/** A NaN/Inf loss or gradient: the step was not applied. The training loop's collapse guard catches it. */
export class NonFiniteLossError extends Error {}
