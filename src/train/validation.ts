/**
 * Periodic validation: a fixed set of held-out synthetic scenes (validation seeds, never trained on)
 * with fixed coarse masks, or every pair of given photo folders (a dev set) with two fixed coarse masks
 * each, refined by the current network through the full reverse loop; reports IoU (mean and
 * cumulative) and mBA for the coarse and the refined masks.
 */
import * as path from 'path';
import { drawCoarseMask, GENTLE_COARSE_MIX } from '../data/coarse_mix';
import { coarsenMask } from '../data/coarse_mask';
import { loadPairedFolder } from '../data/folder_loaders';
import { readImage } from '../data/image_io';
import { readBinaryMask } from '../data/mask_io';
import { runLoop } from '../diffusion/host_loop';
import { Schedule } from '../diffusion/schedule';
import { generateScene, sceneSeeds } from '../data/synthetic_scene';
import { MaskScores, scoreMasks } from '../metrics/mask_set';
import type { Denoiser } from '../diffusion/discrete_diffusion';
import type { BinaryMask, BoxXyxy } from '../types';
import { createRng, fileSeed } from '../util/rng';
import { cropToSample, maskBbox } from '../data/samplers/crop_sample';
import { HostSample, sceneSample } from '../data/samplers/synthetic_sampler';


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

/** Refines host samples in batches through the loop driver; returns binary masks (probabilities ≥ 0.5). */
export async function refineSamples(denoise: Denoiser, s: Schedule, samples: HostSample[], indices: number[],
  seed: number, batchSize = 8): Promise<BinaryMask[]> {
  const out: BinaryMask[] = [];
  const { height, width } = samples[0].gt;
  for (let i = 0; i < samples.length; i += batchSize) {
    const chunk = samples.slice(i, i + batchSize);
    const { maskProbs } = await runLoop({ denoise, schedule: s, modelSize: height }, { images: chunk.map((c) => c.image), masks: chunk.map((c) => Float32Array.from(c.coarse.data)) },
      { indices, rng: createRng(seed + i), deterministic: false });
    for (const probs of maskProbs) out.push({ height, width, data: Uint8Array.from(probs, (p) => (p >= 0.5 ? 1 : 0)) });
  }
  return out;
}

/** A named validation set: 'synthetic', or '<folder name>/<coarse kind>'. */
export interface ValidationSet {
  name: string;
  samples: HostSample[];
}

/** The instance path's crop (method.md §4.1): the coarse mask's box + 20 px, clipped to the image. */
function coarseCrop(coarse: BinaryMask): { x0: number; y0: number; width: number; height: number } {
  const [x1, y1, x2, y2] = maskBbox(coarse) as BoxXyxy;
  const x0 = Math.max(0, x1 - 20), y0 = Math.max(0, y1 - 20);
  return { x0, y0, width: Math.min(coarse.width, x2 + 20) - x0, height: Math.min(coarse.height, y2 + 20) - y0 };
}

/**
 * Validation sets from paired photo folders: per folder, every pair with (1) modify_boundary seeded as
 * `segrefiner coarsen --seed 0` does and (2) the gentle mix (coarse_mix.ts) seeded with fileSeed(1, name);
 * each cropped around its coarse box + 20 px and resized to size² (masks nearest). Pairs whose coarse
 * mask is empty are left out.
 */
export async function folderValidationSets(roots: string[], size: number): Promise<ValidationSet[]> {
  const sets: ValidationSet[] = [];
  for (const root of roots) {
    const bench: HostSample[] = [], gentle: HostSample[] = [];
    for (const item of loadPairedFolder(root, {}, 'folderValidationSets').items) {
      const [image, gt] = await Promise.all([readImage(item.imagePath), readBinaryMask(item.maskPath)]);
      const name = path.basename(item.maskPath);
      const coarse = coarsenMask(gt, createRng(fileSeed(0, name)));
      const mild = drawCoarseMask(gt, createRng(fileSeed(1, name)), GENTLE_COARSE_MIX).mask;
      if (maskBbox(coarse)) bench.push(cropToSample(image, gt, coarse, coarseCrop(coarse), size, false));
      if (maskBbox(mild)) gentle.push(cropToSample(image, gt, mild, coarseCrop(mild), size, false));
    }
    sets.push({ name: `${path.basename(root)}/modify-boundary`, samples: bench }, { name: `${path.basename(root)}/gentle`, samples: gentle });
  }
  return sets;
}

export async function validate(denoise: Denoiser, s: Schedule, samples: HostSample[], indices: number[], seed = 0): Promise<ValidationResult> {
  const refined = await refineSamples(denoise, s, samples, indices, seed);
  const gts = samples.map((x) => x.gt);
  return { scenes: samples.length, coarse: scoreMasks(gts, samples.map((x) => x.coarse)), refined: scoreMasks(gts, refined) };
}
