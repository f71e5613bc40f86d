/**
 * The per-step figure as one interactive plotly figure (the twin of stepFigurePng for a browser or a
 * report): rows are the current mask x, the predicted mask m̃ = σ(logits), the confidence p, the
 * transition probability p_c2f and the cumulative fine probability s; columns are the reverse steps.
 * Every panel shows the same window of the maps (e.g. the instance crop), block-averaged so that its
 * longer side is at most `maxSide`; hover gives image coordinates and the value.
 */
import { blockAverage } from './charts';
import { plotlyColorscale } from './colormap';
import type { PlotlyFigure } from './plotly_html';
import { checkSteps, type StepMaps } from './step_maps';

/** The rows, in order: the StepMaps key and its label. */
export const STEP_GRID_ROWS: readonly { key: keyof Omit<StepMaps, 't'>; label: string }[] = [
  { key: 'x', label: 'current mask x' },
  { key: 'maskProbs', label: 'predicted mask m̃' },
  { key: 'confidence', label: 'confidence p' },
  { key: 'transitionProbs', label: 'p_c2f' },
  { key: 'fineProbs', label: 'cumulative s' },
];

export interface StepGridOptions {
  height: number;
  width: number;
  /** The window shown, [x1, y1, x2, y2) in map pixels; default the whole map. */
  box?: [number, number, number, number];
  /** Longest panel side in values after block averaging (default 96). */
  maxSide?: number;
  /** Column titles; default `t = ${t}`. */
  stepTitle?: (step: StepMaps, index: number) => string;
  /** Figure size in pixels; default 150 px per panel. */
  figureWidth?: number;
  figureHeight?: number;
}

/** The window `box` of a row-major map, as a new array. */
function cropMap(values: ArrayLike<number>, width: number, [x1, y1, x2, y2]: [number, number, number, number]): Float32Array {
  const w = x2 - x1, out = new Float32Array(w * (y2 - y1));
  for (let y = y1; y < y2; y++) for (let x = x1; x < x2; x++) out[(y - y1) * w + (x - x1)] = values[y * width + x];
  return out;
}

function checkBox(box: [number, number, number, number], height: number, width: number): void {
  const [x1, y1, x2, y2] = box;
  if (!(Number.isInteger(x1) && Number.isInteger(y1) && x1 >= 0 && y1 >= 0 && x2 > x1 && y2 > y1 && x2 <= width && y2 <= height)) {
    throw new Error(`stepGridFigure: box must be integers [x1, y1, x2, y2) inside the ${height}×${width} maps, but got [${box}].`);
  }
}

/** One heatmap panel: the window of one map, averaged, on axes `k` (1-based). */
function panel(values: ArrayLike<number>, o: StepGridOptions, box: [number, number, number, number], k: number): Record<string, unknown> {
  const [x1, y1, x2, y2] = box, h = y2 - y1, w = x2 - x1;
  const factor = Math.max(1, Math.ceil(Math.max(h, w) / (o.maxSide ?? 96)));
  const b = blockAverage(cropMap(values, o.width, box), h, w, factor);
  const z = Array.from({ length: b.height }, (_, y) => Array.from(b.values.subarray(y * b.width, (y + 1) * b.width), (v) => Math.round(v * 1e4) / 1e4));
  const centre = (i: number, start: number, size: number) => start + (i * factor + Math.min((i + 1) * factor, size) - 1) / 2;
  return {
    type: 'heatmap', z, x: Array.from({ length: b.width }, (_, i) => centre(i, x1, w)), y: Array.from({ length: b.height }, (_, i) => centre(i, y1, h)),
    coloraxis: 'coloraxis', xaxis: `x${k}`, yaxis: `y${k}`, hovertemplate: 'x %{x}, y %{y}: %{z:.3f}<extra></extra>',
  };
}

/**
 * The grid figure.
 * @param steps the reverse steps in loop order, each map row-major height·width
 */
export function stepGridFigure(steps: readonly StepMaps[], o: StepGridOptions): PlotlyFigure {
  const { height, width } = o;
  checkSteps(steps, new Uint8Array(height * width), height * width, 'stepGridFigure');
  const box = o.box ?? [0, 0, width, height];
  checkBox(box, height, width);
  const columns = steps.length, rows = STEP_GRID_ROWS.length;
  const data: Record<string, unknown>[] = [];
  const layout: Record<string, unknown> = {
    grid: { rows, columns, pattern: 'independent', xgap: 0.04, ygap: 0.06 },
    coloraxis: { colorscale: plotlyColorscale('viridis'), cmin: 0, cmax: 1, colorbar: { title: { text: 'value' }, thickness: 12 } },
    margin: { l: 130, r: 20, t: 40, b: 10 }, paper_bgcolor: 'white', plot_bgcolor: 'white',
    font: { family: 'DejaVu Sans, Helvetica, Arial, sans-serif', size: 12, color: '#222' },
    width: o.figureWidth ?? 130 + 150 * columns, height: o.figureHeight ?? 50 + 140 * rows, annotations: [] as object[],
  };
  const title = o.stepTitle ?? ((s: StepMaps) => `t = ${s.t}`);
  STEP_GRID_ROWS.forEach((row, r) => steps.forEach((step, c) => {
    const k = r * columns + c + 1;
    data.push(panel(step[row.key], o, box, k));
    layout[`xaxis${k}`] = { visible: false, constrain: 'domain' };
    layout[`yaxis${k}`] = { visible: false, autorange: 'reversed', scaleanchor: `x${k}`, constrain: 'domain' };
    const notes = layout.annotations as object[];
    if (r === 0) notes.push({ text: title(step, c), xref: `x${k} domain`, yref: 'paper', x: 0.5, y: 1.0, yanchor: 'bottom', showarrow: false });
    if (c === 0) notes.push({ text: row.label, xref: 'paper', yref: `y${k} domain`, x: 0, xanchor: 'right', xshift: -8, y: 0.5, showarrow: false });
  }));
  return { data, layout };
}
