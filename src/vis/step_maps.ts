/**
 * The arithmetic of per-step maps (the reverse loop's onStep records): thresholds, flip counts and
 * flip maps. Pure and encoder-free: step_figures.ts draws them as a PNG grid, the web page as
 * interactive plotly figures.
 */
import type { RgbImage } from '../types';
import type { Rgb } from './colormap';

/** The maps of one reverse step, each row-major height·width. */
export interface StepMaps {
  /** Code index t of the step. */
  t: number;
  /** Mask after the step: binary, or probabilities on the last step. */
  x: ArrayLike<number>;
  maskProbs: ArrayLike<number>;
  confidence: ArrayLike<number>;
  transitionProbs: ArrayLike<number>;
  fineProbs: ArrayLike<number>;
}

/** Pixels a step changed, against the mask before it. */
export interface FlipCount {
  t: number;
  /** 0 → 1 */
  toForeground: number;
  /** 1 → 0 */
  toBackground: number;
  total: number;
}

/** Flip-map colours: unchanged background, unchanged foreground, became foreground, became background. */
export const FLIP_COLORS: Readonly<Record<'background' | 'foreground' | 'toForeground' | 'toBackground', Rgb>> = Object.freeze({
  background: [0, 0, 0] as Rgb,
  foreground: [96, 96, 96] as Rgb,
  toForeground: [60, 220, 90] as Rgb,
  toBackground: [255, 64, 64] as Rgb,
});

/** Thresholds at ½: a binary mask stays as it is, the last step's probabilities become its final mask. */
export function binarizeHalf(values: ArrayLike<number>): Uint8Array {
  return Uint8Array.from(values as ArrayLike<number>, (v) => (v >= 0.5 ? 1 : 0));
}

/** Checks that every step has all five maps of `size` entries, and that there is at least one step. */
export function checkSteps(steps: readonly StepMaps[], initial: ArrayLike<number>, size: number, where: string): void {
  if (steps.length === 0) throw new Error(`${where}: steps must hold at least one step, but got none.`);
  if (initial.length !== size) throw new Error(`${where}: initial must have height·width = ${size} entries, but got ${initial.length}.`);
  steps.forEach((s, i) => {
    for (const key of ['x', 'maskProbs', 'confidence', 'transitionProbs', 'fineProbs'] as const) {
      if (s[key].length !== size) throw new Error(`${where}: steps[${i}].${key} must have ${size} entries, but got ${s[key].length}.`);
    }
  });
}

/**
 * Pixels changed by each step, masks thresholded at ½.
 * @param steps in loop order
 * @param initial the mask before the first step (the coarse mask x_T), same length as each map
 * @returns one count per step
 */
export function flipCounts(steps: readonly StepMaps[], initial: ArrayLike<number>): FlipCount[] {
  checkSteps(steps, initial, initial.length, 'flipCounts');
  let prev = binarizeHalf(initial);
  return steps.map((s) => {
    const next = binarizeHalf(s.x);
    let toForeground = 0, toBackground = 0;
    for (let i = 0; i < next.length; i++) {
      if (next[i] > prev[i]) toForeground++;
      else if (next[i] < prev[i]) toBackground++;
    }
    prev = next;
    return { t: s.t, toForeground, toBackground, total: toForeground + toBackground };
  });
}

/** The flip map of one step as RGB (FLIP_COLORS). `prev` and `next` are binary, same length. */
export function flipMapRgb(prev: ArrayLike<number>, next: ArrayLike<number>, height: number, width: number): RgbImage {
  if (prev.length !== height * width || next.length !== height * width) {
    throw new Error(`flipMapRgb: prev and next must have height·width = ${height * width} entries, but got ${prev.length} and ${next.length}.`);
  }
  const data = new Uint8Array(height * width * 3);
  for (let i = 0; i < prev.length; i++) {
    const colour = next[i] > prev[i] ? FLIP_COLORS.toForeground : next[i] < prev[i] ? FLIP_COLORS.toBackground
      : next[i] ? FLIP_COLORS.foreground : FLIP_COLORS.background;
    data.set(colour, 3 * i);
  }
  return { data, height, width };
}
