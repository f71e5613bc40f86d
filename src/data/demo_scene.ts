/**
 * The demo input: one synthetic scene with a coarse mask, for a user who has no image and mask of
 * their own (the web page's built-in scene) and for checks that must feed the page and Node the very
 * same bytes. The coarse mask is upstream's modify_boundary (coarsenMask), drawn from its own stream
 * seeded like syntheticAblationSet's (seed + 7919), so the scene's seed fixes everything.
 */
import type { BinaryMask, RgbImage } from '../types';
import { createRng } from '../util/rng';
import { coarsenMask } from './coarse_mask';
import { generateScene } from './synthetic_scene';

export interface DemoScene {
  image: RgbImage;
  /** The exact mask of the scene's object. */
  gt: BinaryMask;
  /** A coarse version of gt to refine. */
  coarse: BinaryMask;
}

/** Validation scenes start at 1e9 (sceneSeeds('val')): the models never trained on these. */
export const DEMO_SCENE_SEED = 1_000_000_000;

/** The scene of `seed` at size×size with its coarse mask. */
export function demoScene(seed: number = DEMO_SCENE_SEED, size = 256): DemoScene {
  const scene = generateScene({ seed, height: size, width: size });
  return { image: scene.image, gt: scene.mask, coarse: coarsenMask(scene.mask, createRng((seed + 7919) % 2 ** 32)) };
}
