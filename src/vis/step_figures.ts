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
 * records of the refiner's onStep, so this module needs neither tensors nor the refiner. The maps'
 * arithmetic (flips, thresholds) is in step_maps.ts, which the web page shares.
 */
import { imageGridPng, type GridOptions, type GridPanel, type GridResult } from './image_grid';
import { binarizeHalf, checkSteps, flipCounts, flipMapRgb, type StepMaps } from './step_maps';

export { binarizeHalf, FLIP_COLORS, flipCounts, flipMapRgb } from './step_maps';
export type { FlipCount, StepMaps } from './step_maps';

const STEP_ROWS = ['current mask', 'predicted\nmask m̃₀', 'confidence p', 'transition\nprob. p_c2f', 'cumulative\nfine prob. s', 'flipped this step\n(green +, red −)'];

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
