/**
 * The step-count ablation: how the number (and choice) of reverse-diffusion steps changes the
 * refined masks. Each variant is a list of code indices run on the same samples for several
 * sampling seeds; dataset metrics are averaged per seed, then reported as mean ± std over seeds,
 * with the wall time per refinement. Samples are refined full-frame at the model size (as the
 * training run's validation does), so the variants differ only in their steps.
 */
import * as tf from '@tensorflow/tfjs';
import type { Denoiser } from '../diffusion/discrete_diffusion';
import { pSampleLoop } from '../diffusion/discrete_diffusion';
import { runLoop } from '../diffusion/host_loop';
import { Schedule } from '../diffusion/schedule';
import { scoreMasks } from '../metrics/mask_set';
import { coarsenMask } from '../data/coarse_mask';
import { normalizeImage } from '../data/image_io';
import { generateScene, sceneSeeds } from '../data/synthetic_scene';
import type { BinaryMask, RgbImage } from '../types';
import { createRng } from '../util/rng';
import type { StepMaps } from '../vis/step_figures';

/** One sample: normalised image HWC [S, S, 3], ground truth and coarse mask [S, S]. */
export interface AblationSample {
  image: Float32Array;
  gt: BinaryMask;
  coarse: BinaryMask;
}

export interface StepVariant {
  label: string;
  /** Code indices, strictly descending. */
  indices: number[];
  /** Threshold s at 0.5 instead of sampling. */
  deterministic?: boolean;
}

export interface MetricStats { mean: number; std: number; perSeed: number[] }

export interface VariantResult {
  label: string;
  indices: number[];
  deterministic: boolean;
  steps: number;
  iou: MetricStats;
  mba: MetricStats;
  boundaryIou: MetricStats;
  /** Median wall time per refined sample, ms (batched forward passes divided by the batch). */
  msPerRefinement: number;
}

/** The variants the paper's `step` knob gives (first N of T−1..0), index subsets ending at 0, and deterministic sampling. */
export function defaultStepVariants(numTimesteps: number): StepVariant[] {
  const all = Array.from({ length: numTimesteps }, (_, i) => numTimesteps - 1 - i);
  const firstN = all.map((_, n) => ({ label: `first ${n + 1} (${all.slice(0, n + 1).join(',')})`, indices: all.slice(0, n + 1) }));
  const subsets = [[0], [2, 0], [4, 2, 0], [5, 3, 1, 0]].filter((s) => s[0] < numTimesteps)
    .map((s) => ({ label: `subset (${s.join(',')})`, indices: s }));
  return [...firstN, ...subsets, { label: `all ${numTimesteps}, deterministic`, indices: all, deterministic: true }];
}

function stats(values: number[]): MetricStats {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.length > 1 ? values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1) : 0;
  return { mean, std: Math.sqrt(variance), perSeed: values };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Mean per-image IoU, mBA and Boundary IoU of predictions against the samples' ground truth. */
export function datasetScores(samples: AblationSample[], preds: BinaryMask[]): { iou: number; mba: number; boundaryIou: number } {
  const s = scoreMasks(samples.map((x) => x.gt), preds);
  return { iou: s.meanIou, mba: s.mba, boundaryIou: s.boundaryIou };
}

/** Refines all samples with one variant and seed through the loop driver; returns binary masks and the wall time per sample. */
export async function refineVariant(denoise: Denoiser, s: Schedule, samples: AblationSample[], v: StepVariant, seed: number,
  batchSize = 8): Promise<{ masks: BinaryMask[]; msPerSample: number }> {
  const masks: BinaryMask[] = [];
  const t0 = performance.now();
  const { height: h, width: w } = samples[0].gt;
  for (let i = 0; i < samples.length; i += batchSize) {
    const chunk = samples.slice(i, i + batchSize);
    const { maskProbs } = await runLoop({ denoise, schedule: s, modelSize: h }, { images: chunk.map((c) => c.image), masks: chunk.map((c) => Float32Array.from(c.coarse.data)) },
      { indices: v.indices, rng: createRng(seed * 1000 + i), deterministic: Boolean(v.deterministic) });
    for (const probs of maskProbs) masks.push({ height: h, width: w, data: Uint8Array.from(probs, (p) => (p >= 0.5 ? 1 : 0)) });
  }
  return { masks, msPerSample: (performance.now() - t0) / samples.length };
}

/** One (variant, seed) run of the ablation: the unit a sharded ablation hands out. */
export interface AblationUnit { variant: number; seed: number }

/** What one unit measures: dataset means over the samples, and the wall time per sample. */
export interface UnitScores { iou: number; mba: number; boundaryIou: number; msPerSample: number }

/** The units in run order: each variant (in order) with every seed, a deterministic variant with the first seed only. */
export function ablationUnits(variants: StepVariant[], seeds: number[]): AblationUnit[] {
  return variants.flatMap((v, variant) => (v.deterministic ? seeds.slice(0, 1) : seeds).map((seed) => ({ variant, seed })));
}

/** Refines the samples with one variant and seed and scores them. */
export async function runAblationUnit(denoise: Denoiser, s: Schedule, samples: AblationSample[], v: StepVariant, seed: number): Promise<UnitScores> {
  const { masks, msPerSample } = await refineVariant(denoise, s, samples, v, seed);
  return { ...datasetScores(samples, masks), msPerSample };
}

/** A variant's row from its units' scores (in seed order): mean ± std over seeds, median time. */
export function summarizeVariant(v: StepVariant, units: UnitScores[]): VariantResult {
  return {
    label: v.label, indices: v.indices, deterministic: Boolean(v.deterministic), steps: v.indices.length,
    iou: stats(units.map((x) => x.iou)), mba: stats(units.map((x) => x.mba)), boundaryIou: stats(units.map((x) => x.boundaryIou)),
    msPerRefinement: median(units.map((x) => x.msPerSample)),
  };
}

/**
 * Runs every variant for every seed. `onVariant` reports progress.
 * @returns one result per variant, plus the coarse masks' scores for reference
 */
export async function runStepAblation(denoise: Denoiser, s: Schedule, samples: AblationSample[], variants: StepVariant[],
  seeds: number[], onVariant?: (r: VariantResult) => void): Promise<{ coarse: { iou: number; mba: number; boundaryIou: number }; variants: VariantResult[] }> {
  if (samples.length === 0) throw new Error('runStepAblation: samples must not be empty, but got none.');
  if (seeds.length === 0) throw new Error('runStepAblation: seeds must not be empty, but got none.');
  const units = ablationUnits(variants, seeds);
  const results: VariantResult[] = [];
  for (const [i, v] of variants.entries()) {
    const scores: UnitScores[] = [];
    for (const u of units.filter((x) => x.variant === i)) scores.push(await runAblationUnit(denoise, s, samples, v, u.seed));
    const r = summarizeVariant(v, scores);
    results.push(r);
    onVariant?.(r);
  }
  return { coarse: datasetScores(samples, samples.map((x) => x.coarse)), variants: results };
}

/** Held-out synthetic scenes at `size`² with fixed coarse masks, keeping the RGB image for figures. */
export function syntheticAblationSet(n: number, size: number, coarseSeed = 0): { images: RgbImage[]; samples: AblationSample[] } {
  const rng = createRng(coarseSeed + 7919);
  const images: RgbImage[] = [], samples: AblationSample[] = [];
  for (const seed of sceneSeeds('val', n)) {
    const scene = generateScene({ seed, height: size, width: size });
    images.push(scene.image);
    samples.push({ image: normalizeImage(scene.image), gt: scene.mask, coarse: coarsenMask(scene.mask, rng) });
  }
  return { images, samples };
}

/**
 * Runs the reverse loop on one sample and keeps every step's maps (for the per-step figures).
 * @returns the steps in loop order, maps row-major [S·S]
 */
export async function recordSteps(denoise: Denoiser, s: Schedule, sample: AblationSample, indices: number[], seed: number,
  deterministic = false): Promise<StepMaps[]> {
  const { height: h, width: w } = sample.gt;
  const image = tf.tensor4d(sample.image, [1, h, w, 3]);
  const coarse = tf.tensor4d(Float32Array.from(sample.coarse.data), [1, h, w, 1]);
  const steps: StepMaps[] = [];
  const r = await pSampleLoop(denoise, s, image, coarse, {
    indices, seed, deterministic,
    onStep: async (st) => {
      const [x, maskProbs, confidence, transitionProbs, fineProbs] = await Promise.all(
        [st.x, st.maskProbs, st.confidence, st.transitionProbs, st.fineProbs].map((t) => t.data() as Promise<Float32Array>));
      steps.push({ t: st.t, x, maskProbs, confidence, transitionProbs, fineProbs });
    },
  });
  tf.dispose([image, coarse, r.maskProbs, r.fineProbs]);
  return steps;
}

/** The results file of `segrefiner ablate` (and of merging its shards). */
export interface AblationResults {
  /** --model as given, or 'cpu-synthetic (shipped)'. */
  model: string;
  scenes: number;
  /** Scene side = the model's input size. */
  size: number;
  seeds: number[];
  coarse: { iou: number; mba: number; boundaryIou: number };
  variants: VariantResult[];
}

/** The key of a unit in a sharded ablation: `v<variant, 2 digits>-s<seed>`. */
export const unitKey = (u: AblationUnit): string => `v${String(u.variant).padStart(2, '0')}-s${u.seed}`;

/** The results file's object, fields in a fixed order (a merge writes the same bytes as one run). */
export function ablationResults(modelArg: string | null, scenes: number, size: number, seeds: number[],
  coarse: AblationResults['coarse'], variants: VariantResult[]): AblationResults {
  return { model: modelArg ?? 'cpu-synthetic (shipped)', scenes, size, seeds, coarse, variants };
}
