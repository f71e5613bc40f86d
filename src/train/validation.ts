/**
 * Periodic validation: a fixed set of held-out synthetic scenes (validation seeds, never trained on)
 * with fixed coarse masks, refined by the current network through the full reverse loop; reports
 * IoU (mean and cumulative) and mBA for the coarse and the refined masks.
 */
import * as tf from '@tensorflow/tfjs';
import { pSampleLoop } from '../diffusion/discrete_diffusion';
import { Schedule } from '../diffusion/schedule';
import { generateScene, sceneSeeds } from '../data/synthetic_scene';
import { MaskScores, scoreMasks } from '../metrics/mask_set';
import type { Denoiser } from '../diffusion/discrete_diffusion';
import type { BinaryMask } from '../types';
import { createRng } from '../util/rng';
import { HostSample, sceneSample, toTrainBatch, disposeBatch } from './synthetic_batches';


export interface ValidationResult {
  scenes: number;
  coarse: MaskScores;
  refined: MaskScores;
}

/** The validation samples: scenes with seeds sceneSeeds('val', n) at size², coarse masks from a fixed seed. */
export function validationSamples(n: number, size: number, seed = 0): HostSample[] {
  const rng = createRng(seed + 7919);
  return sceneSeeds('val', n).map((s) => sceneSample(generateScene({ seed: s, height: size, width: size }), rng, false));
}

/** Refines host samples in batches; returns binary masks (probabilities ≥ 0.5). */
export async function refineSamples(denoise: Denoiser, s: Schedule, samples: HostSample[], indices: number[],
  seed: number, batchSize = 8): Promise<BinaryMask[]> {
  const out: BinaryMask[] = [];
  for (let i = 0; i < samples.length; i += batchSize) {
    const chunk = samples.slice(i, i + batchSize);
    const batch = toTrainBatch(chunk);
    const { maskProbs, fineProbs } = await pSampleLoop(denoise, s, batch.image, batch.coarse, { indices, seed: seed + i });
    const probs = await maskProbs.data();
    tf.dispose([maskProbs, fineProbs]);
    disposeBatch(batch);
    const { height, width } = chunk[0].gt;
    chunk.forEach((_, j) => {
      const data = new Uint8Array(height * width);
      for (let k = 0; k < data.length; k++) data[k] = probs[j * height * width + k] >= 0.5 ? 1 : 0;
      out.push({ height, width, data });
    });
  }
  return out;
}

export async function validate(denoise: Denoiser, s: Schedule, samples: HostSample[], indices: number[], seed = 0): Promise<ValidationResult> {
  const refined = await refineSamples(denoise, s, samples, indices, seed);
  const gts = samples.map((x) => x.gt);
  return { scenes: samples.length, coarse: scoreMasks(gts, samples.map((x) => x.coarse)), refined: scoreMasks(gts, refined) };
}
