/**
 * SegRefiner's discrete diffusion (method.md §1.4–1.5): the forward pixel transition `qSample` used
 * in training and the reverse step `pSample` / loop `pSampleLoop` used in inference. Ports of
 * `q_sample`, `p_sample` and `p_sample_loop` in upstream segrefiner_base.py, split out of the
 * detector class the way improved-diffusion splits them. The network is only a function argument
 * (`Denoiser`): this folder never imports src/model.
 *
 * Random draws come from a seeded JS generator (src/util/rng) and are uploaded as tensors, so a seed
 * gives the same draws on every backend.
 */
import * as tf from '@tensorflow/tfjs';
import type { DenoiserInput, ImageBatch, MaskBatch, MaskLogits, Timesteps } from '../types';
import { assertShape } from '../util/assert';
import { createRng, randomUniformArray, Rng } from '../util/rng';
import { Schedule } from './schedule';

/** The denoising network seen as a function: logits of the fine mask for (image ⊕ current mask, t). */
export type Denoiser = (z: DenoiserInput, t: Timesteps) => MaskLogits;

/**
 * Samples x_t ~ q(x_t | x_0, x_T): each pixel shows the fine mask with probability β̄_t, else the
 * coarse one ("pixel transition", method.md §1.4).
 * @param xStart fine masks x_0 (the ground truth), [B, H, W, 1] in {0, 1}
 * @param xLast  coarse masks x_T, same shape
 * @param t      one code index per sample, length B, each in [0, T−1]
 * @param rng    source of the per-pixel uniforms u; fine = u < β̄_t
 * @returns x_t, [B, H, W, 1]; the caller owns it.
 */
export function qSample(s: Schedule, xStart: MaskBatch, xLast: MaskBatch, t: readonly number[], rng: Rng): MaskBatch {
  const where = 'qSample';
  assertShape(xStart, [null, null, null, 1], 'xStart', where);
  assertShape(xLast, xStart.shape, 'xLast', where);
  const [b, h, w] = xStart.shape;
  if (t.length !== b) throw new Error(`${where}: t must have one index per sample (${b}), but got ${t.length}.`);
  t.forEach((ti) => assertTimestep(s, ti, where));
  const u = randomUniformArray(rng, b * h * w);
  return tf.tidy(() => {
    const keep = tf.tensor4d(t.map((ti) => s.betasCumprod[ti]), [b, 1, 1, 1]); // [B,1,1,1]
    const fine = tf.less(tf.tensor4d(u, [b, h, w, 1]), keep); // [B,H,W,1] bool
    return tf.where(fine, xStart, xLast);
  });
}

/** What one reverse step produced, all [B, H, W, 1]. Passed to `onStep`; the loop disposes it afterwards. */
export interface StepState {
  /** The code index t of this step. */
  t: number;
  /** 0-based position of this step in the loop. */
  step: number;
  /** The mask after the step: x_{t−1} in {0, 1}, or σ(logits) on the last step. */
  x: MaskBatch;
  /** σ(logits): the network's predicted fine-mask probabilities m̃_{0|t}. */
  maskProbs: MaskBatch;
  /** Per-pixel confidence p = 2·|σ(logits) − 0.5|. */
  confidence: MaskBatch;
  /** Coarse→fine transition probability p_c2f = p(β̄_{t−1} − β̄_t)/(1 − pβ̄_t). */
  transitionProbs: MaskBatch;
  /** Cumulative fine probability s after this step. */
  fineProbs: MaskBatch;
  /** The fine-state map drawn this step (1 = takes the prediction); all ones conceptually on the last step, so `null` there. */
  fineMap: MaskBatch | null;
}

export interface PSampleOptions {
  /** Threshold s at 0.5 instead of drawing Bernoulli(s) (an extension; upstream always samples). */
  deterministic?: boolean;
  /** Uniforms for the Bernoulli(s) draw; required unless deterministic. */
  rng?: Rng;
}

/**
 * One reverse step at index t (method.md §1.5). Synchronous; wrap in tidy or dispose the result.
 * @param image     normalised images, [B, H, W, 3]
 * @param x         current masks x_t, [B, H, W, 1]
 * @param xCoarse   the loop's input coarse masks, [B, H, W, 1] (fixed for the whole loop)
 * @param fineProbs cumulative fine probability s so far, [B, H, W, 1]
 * @param isLast    whether this is the loop's last step: then x = σ(logits) and no draw is made
 */
export function pSample(denoise: Denoiser, s: Schedule, image: ImageBatch, x: MaskBatch, xCoarse: MaskBatch,
  fineProbs: MaskBatch, t: number, isLast: boolean, opts: PSampleOptions = {}): Omit<StepState, 'step'> {
  const [b, h, w] = x.shape;
  const u = isLast || opts.deterministic ? null : randomUniformArray(requireRng(opts.rng), b * h * w);
  const out = tf.tidy(() => {
    const logits = denoise(tf.concat([image, x], 3) as DenoiserInput, tf.fill([b], t, 'int32') as Timesteps);
    assertShape(logits, [b, h, w, 1], 'the denoiser output', 'pSample');
    const maskProbs = tf.sigmoid(logits);
    const confidence = tf.mul(tf.abs(tf.sub(maskProbs, 0.5)), 2);
    const bBar = s.betasCumprod[t], bPrev = s.betasCumprodPrev[t];
    const transitionProbs = tf.div(tf.mul(confidence, bPrev - bBar), tf.sub(1, tf.mul(confidence, bBar)));
    const nextFineProbs = tf.add(fineProbs, tf.mul(tf.sub(1, fineProbs), transitionProbs));
    if (isLast) return { x: maskProbs, maskProbs, confidence, transitionProbs, fineProbs: nextFineProbs };
    const fine = u ? tf.less(tf.tensor4d(u, [b, h, w, 1]), nextFineProbs) : tf.greaterEqual(nextFineProbs, 0.5);
    const next = tf.where(fine, tf.cast(tf.greaterEqual(logits, 0), 'float32'), xCoarse);
    return { x: next, maskProbs, confidence, transitionProbs, fineProbs: nextFineProbs, fineMap: tf.cast(fine, 'float32') };
  }) as Record<string, MaskBatch>;
  const { x: next, maskProbs, confidence, transitionProbs, fineProbs: nextFineProbs, fineMap } = out;
  return { t, x: next, maskProbs, confidence, transitionProbs, fineProbs: nextFineProbs, fineMap: fineMap ?? null };
}

export interface PSampleLoopOptions {
  /** Code indices to run, strictly descending (default T−1..0). Instance: all; HR global: [5..1]; HR local: [0]. */
  indices?: readonly number[];
  /** Seed of the Bernoulli draws (default 0); ignored when `rng` is given. */
  seed?: number;
  /** A generator to continue (e.g. one per image); takes precedence over `seed`. */
  rng?: Rng;
  /** Threshold s at 0.5 instead of sampling (documented extension; off as upstream). */
  deterministic?: boolean;
  /** Initial cumulative fine probability s (default zeros), [B, H, W, 1]; HR local patches pass the global s. */
  fineProbs?: MaskBatch;
  /** Called after every step; read the tensors (they are disposed after the callback returns), never dispose them. */
  onStep?: (state: StepState) => void | Promise<void>;
}

export interface PSampleLoopResult {
  /** σ(logits) of the last step, [B, H, W, 1]. */
  maskProbs: MaskBatch;
  /** Cumulative fine probability s after the last step, [B, H, W, 1]. */
  fineProbs: MaskBatch;
}

/** The default index list: T−1, …, 0. */
export function defaultIndices(s: Schedule): number[] {
  return Array.from({ length: s.numTimesteps }, (_, i) => s.numTimesteps - 1 - i);
}

/**
 * The reverse loop (method.md §1.5): starts from x = xCoarse, s = 0 and runs `indices`; the last
 * step returns σ(logits). The caller owns the result.
 * @param image   normalised images, [B, H, W, 3]
 * @param xCoarse coarse masks in {0, 1}, [B, H, W, 1]
 */
export async function pSampleLoop(denoise: Denoiser, s: Schedule, image: ImageBatch, xCoarse: MaskBatch,
  opts: PSampleLoopOptions = {}): Promise<PSampleLoopResult> {
  const where = 'pSampleLoop';
  assertShape(xCoarse, [null, null, null, 1], 'xCoarse', where);
  assertShape(image, [xCoarse.shape[0], xCoarse.shape[1], xCoarse.shape[2], null], 'image', where);
  const indices = opts.indices ?? defaultIndices(s);
  assertIndices(s, indices, where);
  if (opts.fineProbs) assertShape(opts.fineProbs, xCoarse.shape, 'fineProbs', where);
  const rng = opts.rng ?? createRng(opts.seed ?? 0);
  let x: MaskBatch = tf.clone(xCoarse);
  let fineProbs: MaskBatch = opts.fineProbs ? tf.clone(opts.fineProbs) : tf.zerosLike(xCoarse);
  for (let step = 0; step < indices.length; step++) {
    const isLast = step === indices.length - 1;
    let state: Omit<StepState, 'step'>;
    try {
      state = pSample(denoise, s, image, x, xCoarse, fineProbs, indices[step], isLast, { rng, deterministic: opts.deterministic });
    } finally {
      tf.dispose([x, fineProbs]); // also when the denoiser throws: the loop owns them
    }
    x = state.x;
    fineProbs = state.fineProbs;
    try {
      await opts.onStep?.({ ...state, step });
    } catch (error) {
      tf.dispose([x, fineProbs]);
      throw error;
    } finally {
      // x and fineProbs live on into the next step; on the last step maskProbs is x itself
      tf.dispose([state.confidence, state.transitionProbs, ...(state.fineMap ? [state.fineMap] : []),
        ...(isLast ? [] : [state.maskProbs])]);
    }
  }
  return { maskProbs: x, fineProbs };
}

function assertTimestep(s: Schedule, t: number, where: string): void {
  if (!Number.isInteger(t) || t < 0 || t >= s.numTimesteps) {
    throw new Error(`${where}: timestep must be an integer in [0, ${s.numTimesteps - 1}], but got ${t}.`);
  }
}

/** Indices must be non-empty, in range and strictly descending (the reverse process runs coarse → fine). */
export function assertIndices(s: Schedule, indices: readonly number[], where: string): void {
  if (indices.length === 0) throw new Error(`${where}: indices must name at least one step, but got [].`);
  indices.forEach((t) => assertTimestep(s, t, where));
  for (let i = 1; i < indices.length; i++) {
    if (indices[i] >= indices[i - 1]) throw new Error(`${where}: indices must be strictly descending, but got [${indices.join(',')}].`);
  }
}

function requireRng(rng: Rng | undefined): Rng {
  if (!rng) throw new Error('pSample: an rng must be given unless deterministic is set, but got none.');
  return rng;
}
