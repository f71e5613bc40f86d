/**
 * One refinement as the page runs it: SegRefinerCore.refine with the page's options, every step's
 * maps recorded for the figures, the wall time measured, and the live tensor count read afterwards
 * (the page shows it; the browser test checks it does not grow over many runs).
 */
import * as tf from '@tensorflow/tfjs';
import type { RefineOptionsInput, RefineResult, RefineStep } from '../refine/options';
import type { SegRefinerCore } from '../refine/refiner_core';
import type { BinaryMask, RgbImage } from '../types';

export interface PageRun {
  result: RefineResult;
  /** The steps of the (only) mask, in loop order, maps at the image's resolution. */
  steps: RefineStep[];
  /** Wall time of refine(), step recording included, in milliseconds. */
  ms: number;
  /** tf.memory().numTensors after the run (the network's weights and nothing else). */
  numTensors: number;
}

/** The options a user can set on the page; unset ones fall back to the model's defaults. */
export interface PageOptions {
  mode?: 'auto' | 'instance' | 'hr';
  steps?: number;
  seed: number;
  /** Gate threshold, or null for no gate; undefined: the model's default. */
  gate?: number | null;
}

/** The page's options as RefineOptionsInput (only what the user set). */
export function toRefineOptions(o: PageOptions): RefineOptionsInput {
  const out: RefineOptionsInput = { seed: o.seed };
  if (o.mode !== undefined) out.mode = o.mode;
  if (o.steps !== undefined) out.steps = o.steps;
  if (o.gate !== undefined) out.gate = o.gate === null ? null : { threshold: o.gate };
  return out;
}

export async function runRefinement(refiner: SegRefinerCore, image: RgbImage, coarse: BinaryMask, options: PageOptions): Promise<PageRun> {
  const steps: RefineStep[] = [];
  refiner.setImage(image);
  const start = performance.now();
  const result = await refiner.refine(coarse, { ...toRefineOptions(options), onStep: (s) => { steps.push(s); } });
  const ms = performance.now() - start;
  refiner.reset();
  return { result, steps, ms, numTensors: tf.memory().numTensors };
}
