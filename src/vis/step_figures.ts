/**
 * The per-step figure of the reverse diffusion (method.md §3, the paper's Fig. 4 idea): one column
 * per reverse step (t = T−1 … 0), rows
 *   1. the current mask x_{t−1} after the step (the last step's probabilities thresholded at ½),
 *   2. the predicted fine mask m̃_{0|t} = σ(logits),
 *   3. the confidence p = 2·|m̃ − ½|,
 *   4. the coarse→fine transition probability p_c2f,
 *   5. the cumulative fine probability s,
 *   6. the pixels that flipped in this step (green: became foreground, red: became background; the
 *      unchanged mask in grey),
 * plus a leading column with the coarse input x_T. Inputs are plain arrays, e.g. the RefineStep
 * records of the refiner's onStep, so this module needs neither tensors nor the refiner.
 */
import type { RgbImage } from '../types';
import type { Rgb } from './colormap';
import { imageGridPng, type GridOptions, type GridPanel, type GridResult } from './image_grid';

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

const STEP_ROWS = ['current mask', 'predicted\nmask m̃₀', 'confidence p', 'transition\nprob. p_c2f', 'cumulative\nfine prob. s', 'flipped this step\n(green +, red −)'];

/** Thresholds at ½: a binary mask stays as it is, the last step's probabilities become its final mask. */
export function binarizeHalf(values: ArrayLike<number>): Uint8Array {
  return Uint8Array.from(values as ArrayLike<number>, (v) => (v >= 0.5 ? 1 : 0));
}

function checkSteps(steps: readonly StepMaps[], initial: ArrayLike<number>, size: number, where: string): void {
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

export interface StepFigureOptions {
  height: number;
  width: number;
  /** The coarse input x_T (binary), drawn in a leading column and used for the first step's flips. */
  initial: ArrayLike<number>;
  /** Panel height in pixels; default: the map height, brought into [128, 192]. */
  panelHeight?: number;
  /** Column titles of the steps; default `t = ${t}`. */
  stepTitle?: (step: StepMaps, index: number) => string;
}

/** The grid panels and labels of the step figure (the pure part of stepFigurePng). */
export function stepFigurePanels(steps: readonly StepMaps[], o: StepFigureOptions): { panels: GridPanel[]; options: Partial<GridOptions> & { columns: number } } {
  const { height, width } = o, size = height * width;
  checkSteps(steps, o.initial, size, 'stepFigurePanels');
  const counts = flipCounts(steps, o.initial);
  const columns = steps.length + 1;
  const map = (values: ArrayLike<number>): GridPanel => ({ kind: 'map', values, height, width, colormap: 'viridis', range: [0, 1] });
  const masks = [binarizeHalf(o.initial), ...steps.map((s) => binarizeHalf(s.x))];
  const rows: GridPanel[][] = [
    masks.map((m) => ({ kind: 'mask', mask: { data: m, height, width } })),
    [null, ...steps.map((s) => map(s.maskProbs))],
    [null, ...steps.map((s) => map(s.confidence))],
    [null, ...steps.map((s) => map(s.transitionProbs))],
    [null, ...steps.map((s) => map(s.fineProbs))],
    [null, ...steps.map((_, i): GridPanel => ({
      kind: 'rgb', image: flipMapRgb(masks[i], masks[i + 1], height, width), title: `+${counts[i].toForeground} / −${counts[i].toBackground}`,
    }))],
  ];
  const title = o.stepTitle ?? ((s: StepMaps) => `t = ${s.t}`);
  return {
    panels: rows.flat(),
    options: {
      columns,
      panelHeight: o.panelHeight ?? Math.min(192, Math.max(128, height)),
      columnTitles: ['coarse x_T', ...steps.map((s, i) => title(s, i))],
      rowLabels: STEP_ROWS,
      colorbar: { colormap: 'viridis', range: [0, 1], label: 'rows 2–5: probability / confidence' },
    },
  };
}

/**
 * The per-step figure as one PNG grid (see the module comment for rows and columns).
 * @param steps the reverse steps in loop order, maps row-major height·width
 */
export async function stepFigurePng(steps: readonly StepMaps[], opts: StepFigureOptions): Promise<GridResult> {
  const { panels, options } = stepFigurePanels(steps, opts);
  return imageGridPng(panels, options);
}
