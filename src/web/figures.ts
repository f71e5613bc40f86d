/**
 * The page's interactive figures (notebook 05's, for the mask just refined): the per-step grid (x,
 * m̃, p, p_c2f, s per step), the mean transition probability per step against its ceiling
 * (β̄_{t−1} − β̄_t)/(1 − β̄_t), and the pixels each step flipped. Built by src/vis, drawn by plotly.
 */
import Plotly from 'plotly.js-dist-min';
import type { Schedule } from '../diffusion/schedule';
import type { RefineStep } from '../refine/options';
import type { BinaryMask } from '../types';
import { barChart, lineChart } from '../vis/charts';
import type { PlotlyFigure } from '../vis/plotly_html';
import { stepGridFigure } from '../vis/step_grid_figure';
import { flipCounts } from '../vis/step_maps';

/** The plotly containers, by figure. */
export interface FigureElements {
  grid: HTMLElement;
  transition: HTMLElement;
  flips: HTMLElement;
}

const CONFIG = { displaylogo: false, responsive: false };

const title = (s: RefineStep) => (s.stage === 'instance' ? `t = ${s.t}` : `${s.stage} t = ${s.t}`);

type Box = [number, number, number, number];

/** Mean of a row-major map inside box [x1, y1, x2, y2). */
function meanIn(values: ArrayLike<number>, width: number, [x1, y1, x2, y2]: Box): number {
  let sum = 0;
  for (let y = y1; y < y2; y++) for (let x = x1; x < x2; x++) sum += values[y * width + x];
  return sum / ((x2 - x1) * (y2 - y1));
}

/** Mean p_c2f over the window per step, and the ceiling for a fully confident pixel. */
function transitionFigure(steps: readonly RefineStep[], schedule: Schedule, box: Box): PlotlyFigure {
  const x = steps.map((_, i) => i);
  const ceiling = steps.map((s) => (schedule.betasCumprodPrev[s.t] - schedule.betasCumprod[s.t]) / (1 - schedule.betasCumprod[s.t]));
  const figure = lineChart([
    { name: 'mean p_c2f (in the window)', x, y: steps.map((s) => meanIn(s.transitionProbs, s.width, box)) },
    { name: 'ceiling (p = 1)', x, y: ceiling, dash: true },
  ], { title: 'Transition probability per step', xTitle: `step (${steps.map(title).join(', ')})`, yTitle: 'p_c2f', width: 560, height: 340 });
  return figure;
}

function flipsFigure(steps: readonly RefineStep[], coarse: BinaryMask): PlotlyFigure {
  const counts = flipCounts(steps, coarse.data);
  return barChart(steps.map(title), [
    { name: '0 → 1', values: counts.map((c) => c.toForeground) },
    { name: '1 → 0', values: counts.map((c) => c.toBackground) },
  ], { title: 'Pixels flipped by each step', xTitle: 'step', yTitle: 'pixels', width: 560, height: 340 });
}

/**
 * Draws the three figures.
 * @param box the window of the step grid, [x1, y1, x2, y2) (the instance crop, or the whole image)
 */
export async function drawFigures(el: FigureElements, steps: readonly RefineStep[], coarse: BinaryMask, schedule: Schedule,
  box: Box): Promise<void> {
  const grid = stepGridFigure(steps, { height: coarse.height, width: coarse.width, box, stepTitle: (_, i) => title(steps[i]) });
  const transition = transitionFigure(steps, schedule, box);
  const flips = flipsFigure(steps, coarse);
  await Plotly.react(el.grid, grid.data, grid.layout ?? {}, CONFIG);
  await Plotly.react(el.transition, transition.data, transition.layout ?? {}, CONFIG);
  await Plotly.react(el.flips, flips.data, flips.layout ?? {}, CONFIG);
}

/** Empties the figures (new input, or an error). */
export function clearFigures(el: FigureElements): void {
  for (const e of [el.grid, el.transition, el.flips]) Plotly.purge(e);
}
