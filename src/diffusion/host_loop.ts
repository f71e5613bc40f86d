/**
 * The one host-array driver of the reverse loop: a batch of model-size samples held as plain arrays is
 * uploaded, pSampleLoop runs, the results are read back and every tensor it made is disposed. Both
 * refinement paths (instance crops, high-resolution global pass and patches), the training run's
 * validation and the step-count ablation go through here.
 */
import * as tf from '@tensorflow/tfjs';
import type { ImageBatch, MaskBatch } from '../types';
import type { Rng } from '../util/rng';
import { Denoiser, pSampleLoop, StepState } from './discrete_diffusion';
import type { Schedule } from './schedule';

/** What the loop runs on: the network as a function, the diffusion schedule and the square input side. */
export interface LoopEngine {
  denoise: Denoiser;
  schedule: Schedule;
  /** Side of the network's square input (upstream model_size: 256; 96 for the CPU preset). */
  modelSize: number;
}

/** The maps of one reverse step for one sample, row-major (model size inside the loop). */
export interface StepMapSet {
  /** x after the step (binary, or σ(logits) on the last step). */
  x: Float32Array;
  /** σ(logits). */
  maskProbs: Float32Array;
  /** 2·|σ(logits) − 0.5|. */
  confidence: Float32Array;
  /** Coarse→fine transition probability of this step. */
  transitionProbs: Float32Array;
  /** Cumulative fine probability s. */
  fineProbs: Float32Array;
  /** The fine-state map drawn this step; null on a stage's last step (nothing is drawn). */
  fineMap: Float32Array | null;
}

/** One sample's maps of one step, model size, row-major [S, S]. */
export type SampleStepMaps = StepMapSet;

export interface LoopInput {
  /** Normalised images, one HWC [S, S, 3] array per sample. */
  images: Float32Array[];
  /** Binary masks in {0, 1}, one [S, S] array per sample. */
  masks: Float32Array[];
  /** Initial cumulative fine probability per sample (default zeros). */
  fineProbs?: Float32Array[];
}

export interface LoopSettings {
  indices: readonly number[];
  rng: Rng;
  deterministic: boolean;
  /** Per step: its position, t and every sample's maps. Only when given are the maps read back. */
  onStep?: (step: number, t: number, maps: SampleStepMaps[]) => void | Promise<void>;
}

export interface LoopOutput {
  /** σ(logits) of the last step per sample, [S, S]. */
  maskProbs: Float32Array[];
  /** Cumulative fine probability s after the last step per sample, [S, S]. */
  fineProbs: Float32Array[];
}

/** Stacks equal-length arrays into one tensor of shape [n, ...shape]. */
function stack(arrays: Float32Array[], shape: number[]): tf.Tensor4D {
  const size = arrays[0].length, all = new Float32Array(size * arrays.length);
  arrays.forEach((a, i) => all.set(a, i * size));
  return tf.tensor4d(all, [arrays.length, ...shape] as [number, number, number, number]);
}

/** Splits a [n, S, S, 1] tensor's data into n arrays. */
async function unstack(x: tf.Tensor, n: number): Promise<Float32Array[]> {
  const data = (await x.data()) as Float32Array, size = data.length / n;
  return Array.from({ length: n }, (_, i) => data.slice(i * size, (i + 1) * size));
}

async function readStep(state: StepState, n: number): Promise<SampleStepMaps[]> {
  const [x, maskProbs, confidence, transitionProbs, fineProbs] = await Promise.all(
    [state.x, state.maskProbs, state.confidence, state.transitionProbs, state.fineProbs].map((t) => unstack(t, n)));
  const fineMap = state.fineMap ? await unstack(state.fineMap, n) : null;
  return x.map((_, i) => ({
    x: x[i], maskProbs: maskProbs[i], confidence: confidence[i], transitionProbs: transitionProbs[i],
    fineProbs: fineProbs[i], fineMap: fineMap ? fineMap[i] : null,
  }));
}

/**
 * Wraps the caller's onStep so that an exception does not escape into pSampleLoop, which would then
 * leave its current x and s undisposed: the first error is kept, later steps skip the callback, and
 * runLoop rethrows it once the loop has cleaned up.
 */
function deferErrors(onStep: LoopSettings['onStep'], n: number) {
  const state: { error: unknown; failed: boolean } = { error: undefined, failed: false };
  const wrapped = onStep ? async (step: StepState) => {
    if (state.failed) return;
    try {
      await onStep(step.step, step.t, await readStep(step, n));
    } catch (error) {
      state.failed = true;
      state.error = error;
    }
  } : undefined;
  return { wrapped, state };
}

/** Runs the loop on one batch (all samples S×S, S = engine.modelSize). */
/**
 * A NaN probability compares false with every threshold, so it would become an empty mask with no
 * error: refuse it, saying where it came from.
 */
function assertFiniteOutput(maps: Float32Array[], name: string): void {
  for (const [k, m] of maps.entries()) {
    for (let i = 0; i < m.length; i++) {
      if (!Number.isFinite(m[i])) throw new Error(`runLoop: the network's ${name} must be finite, but item ${k} holds ${m[i]} at element ${i}; the model's weights or its input are not finite (check the model folder).`);
    }
  }
}

export async function runLoop(engine: LoopEngine, input: LoopInput, settings: LoopSettings): Promise<LoopOutput> {
  const n = input.masks.length, s = engine.modelSize;
  const image = stack(input.images, [s, s, 3]) as ImageBatch;
  const mask = stack(input.masks, [s, s, 1]) as MaskBatch;
  const initial = input.fineProbs ? stack(input.fineProbs, [s, s, 1]) as MaskBatch : undefined;
  const callback = deferErrors(settings.onStep, n);
  try {
    const out = await pSampleLoop(engine.denoise, engine.schedule, image, mask, {
      indices: settings.indices, rng: settings.rng, deterministic: settings.deterministic, fineProbs: initial, onStep: callback.wrapped,
    });
    try {
      if (callback.state.failed) throw callback.state.error;
      const result = { maskProbs: await unstack(out.maskProbs, n), fineProbs: await unstack(out.fineProbs, n) };
      assertFiniteOutput(result.maskProbs, 'maskProbs');
      assertFiniteOutput(result.fineProbs, 'fineProbs');
      return result;
    } finally {
      tf.dispose([out.maskProbs, out.fineProbs]);
    }
  } finally {
    tf.dispose([image, mask, ...(initial ? [initial] : [])]);
  }
}
