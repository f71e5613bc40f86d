/**
 * Training samples from the built-in synthetic scenes, as plain arrays: each sample is a fresh scene
 * generated at the model's input size (so no crop or resize is needed), its coarse mask made online by
 * modify_boundary (as the LR recipe does, method.md §3.3), and a horizontal flip with probability
 * flipProb. Scene seeds come from the training range only (validation seeds are disjoint, see sceneSeeds).
 * HostSample is the one sample format every sampler returns.
 */
import { coarsenMask } from '../coarse_mask';
import { normalizeImage } from '../image_io';
import { generateScene, SyntheticScene, VAL_SEED_OFFSET } from '../synthetic_scene';
import type { BinaryMask } from '../../types';
import { Rng } from '../../util/rng';

/** One sample as plain arrays, [S, S, 3] normalised image and [S, S] masks. */
export interface HostSample {
  image: Float32Array;
  gt: BinaryMask;
  coarse: BinaryMask;
}

/** Mirrors an HWC array left–right in place-free fashion. */
export function flipHorizontal<T extends Float32Array | Uint8Array>(data: T, height: number, width: number, channels: number): T {
  const out = data.slice() as T;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const src = (y * width + x) * channels, dst = (y * width + (width - 1 - x)) * channels;
      for (let c = 0; c < channels; c++) out[dst + c] = data[src + c];
    }
  }
  return out;
}

/** A scene's sample: the normalised image, GT and a coarse mask drawn with `rng`. */
export function sceneSample(scene: SyntheticScene, rng: Rng, flip: boolean): HostSample {
  const { height, width } = scene.mask;
  const coarse = coarsenMask(scene.mask, rng);
  const image = normalizeImage(scene.image);
  if (!flip) return { image, gt: scene.mask, coarse };
  return {
    image: flipHorizontal(image, height, width, 3),
    gt: { height, width, data: flipHorizontal(scene.mask.data, height, width, 1) },
    coarse: { height, width, data: flipHorizontal(coarse.data, height, width, 1) },
  };
}

/** Draws a training sample at `size`² (scene seed uniform in the training range). */
export function drawSyntheticSample(rng: Rng, size: number, flipProb: number): HostSample {
  const seed = rng.int(VAL_SEED_OFFSET);
  return sceneSample(generateScene({ seed, height: size, width: size }), rng, rng.uniform() < flipProb);
}
