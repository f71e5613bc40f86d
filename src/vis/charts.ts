/**
 * Plotly figure builders for the notebooks and reports: line charts with ± std error bars (the
 * step-count ablation), heatmaps of probability / confidence maps, training curves from
 * metrics.jsonl records, and grouped bar charts (before/after tables). Pure: they return
 * {data, layout} objects (see plotly_html.ts to render them, display.ts to show them in tslab).
 */
import { plotlyColorscale, type ColormapName } from './colormap';
import type { PlotlyFigure } from './plotly_html';

/** Okabe–Ito colours (colour-blind safe), in the order series take them. */
export const SERIES_COLORS: readonly string[] = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#F0E442'];

export interface ChartOptions {
  title?: string;
  xTitle?: string;
  yTitle?: string;
  /** Figure size in pixels; plotly fills its container when absent. */
  width?: number;
  height?: number;
}

/** One line: y (mean) against x, with an optional ± std error bar per point. */
export interface LineSeries {
  name: string;
  x: readonly number[];
  y: readonly number[];
  std?: readonly number[];
  /** Dashed line (e.g. a baseline). */
  dash?: boolean;
}

const FONT = { family: 'DejaVu Sans, Helvetica, Arial, sans-serif', size: 13, color: '#222' };

function axis(title: string | undefined, extra: object = {}): object {
  return {
    title: { text: title ?? '' }, showline: true, linecolor: '#444', ticks: 'outside', zeroline: false,
    showgrid: true, gridcolor: '#e5e5e5', ...extra,
  };
}

/** The shared look: white background, light grid, legend on the right. */
function baseLayout(o: ChartOptions): Record<string, unknown> {
  return {
    title: { text: o.title ?? '' }, font: FONT, paper_bgcolor: 'white', plot_bgcolor: 'white',
    margin: { l: 64, r: 24, t: o.title ? 56 : 24, b: 56 }, legend: { bgcolor: 'rgba(255,255,255,0.8)' },
    xaxis: axis(o.xTitle), yaxis: axis(o.yTitle),
    ...(o.width ? { width: o.width } : {}), ...(o.height ? { height: o.height } : {}),
  };
}

function checkSeries(s: LineSeries, i: number, where: string): void {
  if (s.x.length !== s.y.length) throw new Error(`${where}: series ${i} ('${s.name}') x and y must have the same length, but got ${s.x.length} and ${s.y.length}.`);
  if (s.std && s.std.length !== s.y.length) throw new Error(`${where}: series ${i} ('${s.name}') std must have one entry per point (${s.y.length}), but got ${s.std.length}.`);
}

/**
 * Lines with markers and ± std error bars, e.g. IoU against the number of diffusion steps, one
 * series per sampling mode.
 */
export function lineChart(series: readonly LineSeries[], opts: ChartOptions = {}): PlotlyFigure {
  const data = series.map((s, i) => {
    checkSeries(s, i, 'lineChart');
    const color = SERIES_COLORS[i % SERIES_COLORS.length];
    return {
      type: 'scatter', mode: 'lines+markers', name: s.name, x: [...s.x], y: [...s.y],
      line: { color, width: 2, ...(s.dash ? { dash: 'dash' } : {}) }, marker: { color, size: 7 },
      ...(s.std ? { error_y: { type: 'data', array: [...s.std], visible: true, color, thickness: 1.5, width: 5 } } : {}),
    };
  });
  return { data, layout: baseLayout(opts) };
}

/** Grouped bars: one group per category, one bar per series (e.g. categories = metrics, series = coarse / refined). */
export interface BarSeries {
  name: string;
  values: readonly number[];
  std?: readonly number[];
}

/** A grouped bar chart (a before/after table as a figure). */
export function barChart(categories: readonly string[], series: readonly BarSeries[], opts: ChartOptions = {}): PlotlyFigure {
  const data = series.map((s, i) => {
    if (s.values.length !== categories.length) {
      throw new Error(`barChart: series ${i} ('${s.name}') must have one value per category (${categories.length}), but got ${s.values.length}.`);
    }
    if (s.std && s.std.length !== categories.length) throw new Error(`barChart: series ${i} ('${s.name}') std must have ${categories.length} entries, but got ${s.std.length}.`);
    const color = SERIES_COLORS[i % SERIES_COLORS.length];
    return {
      type: 'bar', name: s.name, x: [...categories], y: [...s.values], marker: { color },
      text: s.values.map((v) => v.toFixed(3)), textposition: 'outside',
      ...(s.std ? { error_y: { type: 'data', array: [...s.std], visible: true, color: '#333', thickness: 1.2, width: 4 } } : {}),
    };
  });
  const layout = baseLayout(opts);
  layout.barmode = 'group';
  layout.xaxis = axis(opts.xTitle, { showgrid: false });
  return { data, layout };
}

/** A map reduced by averaging f×f blocks; edge blocks average only the pixels they hold. */
export interface BlockAveraged {
  values: Float32Array;
  height: number;
  width: number;
  /** Block side f in source pixels. */
  factor: number;
}

/**
 * Block-averages a row-major height×width map by `factor` (1 returns a copy).
 * @returns ceil(height/f) × ceil(width/f) values
 */
export function blockAverage(values: ArrayLike<number>, height: number, width: number, factor: number): BlockAveraged {
  if (values.length !== height * width) throw new Error(`blockAverage: values must have height·width = ${height * width} entries, but got ${values.length}.`);
  if (!Number.isInteger(factor) || factor < 1) throw new Error(`blockAverage: factor must be a positive integer, but got ${factor}.`);
  const h = Math.ceil(height / factor), w = Math.ceil(width / factor);
  const sums = new Float64Array(h * w), counts = new Uint32Array(h * w);
  for (let y = 0; y < height; y++) {
    const row = Math.floor(y / factor) * w;
    for (let x = 0; x < width; x++) {
      const j = row + Math.floor(x / factor);
      sums[j] += values[y * width + x];
      counts[j]++;
    }
  }
  return { values: Float32Array.from(sums, (s, j) => s / counts[j]), height: h, width: w, factor };
}

export interface HeatmapOptions extends ChartOptions {
  colormap?: ColormapName;
  /** Colour range [zmin, zmax]; default [0, 1] (probabilities). */
  range?: [number, number];
  /** Larger maps are block-averaged so neither side exceeds this (keeps notebooks and reports small). */
  maxSide?: number;
  colorbarTitle?: string;
}

/**
 * A map as an interactive heatmap, drawn like an image: row 0 at the top, square pixels; hover
 * shows source-pixel coordinates (block centres when averaged).
 * @param values row-major height·width
 */
export function heatmapFigure(values: ArrayLike<number>, height: number, width: number, opts: HeatmapOptions = {}): PlotlyFigure {
  const maxSide = opts.maxSide ?? 256;
  if (!Number.isInteger(maxSide) || maxSide < 1) throw new Error(`heatmapFigure: maxSide must be a positive integer, but got ${maxSide}.`);
  const factor = Math.max(1, Math.ceil(Math.max(height, width) / maxSide));
  const b = blockAverage(values, height, width, factor);
  const centre = (i: number, size: number) => (i * factor + Math.min((i + 1) * factor, size) - 1) / 2;
  const z = Array.from({ length: b.height }, (_, y) => Array.from(b.values.subarray(y * b.width, (y + 1) * b.width), (v) => Math.round(v * 1e4) / 1e4));
  const [zmin, zmax] = opts.range ?? [0, 1];
  const trace = {
    type: 'heatmap', z, x: Array.from({ length: b.width }, (_, i) => centre(i, width)), y: Array.from({ length: b.height }, (_, i) => centre(i, height)),
    colorscale: plotlyColorscale(opts.colormap ?? 'viridis'), zmin, zmax,
    colorbar: { title: { text: opts.colorbarTitle ?? '' }, thickness: 14 },
    hovertemplate: 'x %{x}, y %{y}: %{z:.3f}<extra></extra>',
  };
  const layout = baseLayout(opts);
  layout.xaxis = axis(opts.xTitle ?? (factor > 1 ? `x (averaged over ${factor}×${factor} blocks)` : 'x'), { showgrid: false, constrain: 'domain' });
  layout.yaxis = axis(opts.yTitle ?? 'y', { showgrid: false, autorange: 'reversed', scaleanchor: 'x', constrain: 'domain' });
  return { data: [trace], layout };
}

/** What lossCurves reads from metrics.jsonl records; other record types (events) are skipped. */
export type MetricsRecord =
  | { type: 'train'; step: number; loss?: number; bce?: number; texture?: number; iou?: number; [k: string]: unknown }
  | { type: 'val'; step: number; coarse?: { meanIou?: number; mba?: number }; refined?: { meanIou?: number; mba?: number }; [k: string]: unknown }
  | { type: string; step?: number; [k: string]: unknown };

interface CurveSpec { name: string; type: 'train' | 'val'; get: (r: Record<string, unknown>) => unknown; panel: 'loss' | 'quality'; dash?: boolean; color: string }

const CURVES: readonly CurveSpec[] = [
  { name: 'loss', type: 'train', get: (r) => r.loss, panel: 'loss', color: SERIES_COLORS[0] },
  { name: 'BCE', type: 'train', get: (r) => r.bce, panel: 'loss', color: SERIES_COLORS[1] },
  { name: 'texture', type: 'train', get: (r) => r.texture, panel: 'loss', color: SERIES_COLORS[2] },
  { name: 'train IoU', type: 'train', get: (r) => r.iou, panel: 'quality', color: SERIES_COLORS[3] },
  { name: 'val IoU coarse', type: 'val', get: (r) => (r.coarse as Record<string, unknown> | undefined)?.meanIou, panel: 'quality', dash: true, color: SERIES_COLORS[0] },
  { name: 'val IoU refined', type: 'val', get: (r) => (r.refined as Record<string, unknown> | undefined)?.meanIou, panel: 'quality', color: SERIES_COLORS[0] },
  { name: 'val mBA coarse', type: 'val', get: (r) => (r.coarse as Record<string, unknown> | undefined)?.mba, panel: 'quality', dash: true, color: SERIES_COLORS[4] },
  { name: 'val mBA refined', type: 'val', get: (r) => (r.refined as Record<string, unknown> | undefined)?.mba, panel: 'quality', color: SERIES_COLORS[4] },
];

/**
 * Training curves from metrics.jsonl records: losses on top, IoU / mBA (train and validation,
 * coarse dashed vs refined solid) below, sharing the step axis. A curve appears only if some
 * record has a finite value for it.
 */
export function lossCurves(records: readonly MetricsRecord[], opts: ChartOptions = {}): PlotlyFigure {
  const data: object[] = [];
  for (const spec of CURVES) {
    const points = records.filter((r) => r.type === spec.type && Number.isFinite(r.step))
      .map((r) => [r.step as number, spec.get(r as Record<string, unknown>)] as const)
      .filter((p): p is readonly [number, number] => typeof p[1] === 'number' && Number.isFinite(p[1]));
    if (points.length === 0) continue;
    data.push({
      type: 'scatter', mode: spec.type === 'val' ? 'lines+markers' : 'lines', name: spec.name,
      x: points.map((p) => p[0]), y: points.map((p) => p[1]), xaxis: 'x', yaxis: spec.panel === 'loss' ? 'y' : 'y2',
      line: { color: spec.color, width: 2, ...(spec.dash ? { dash: 'dash' } : {}) }, marker: { color: spec.color, size: 6 },
    });
  }
  const layout = baseLayout({ height: 560, ...opts });
  layout.xaxis = axis(opts.xTitle ?? 'step', { anchor: 'y2' });
  layout.yaxis = axis('loss', { domain: [0.56, 1] });
  layout.yaxis2 = axis('IoU / mBA', { domain: [0, 0.44], range: [0, 1] });
  return { data, layout };
}

/**
 * Parses metrics.jsonl text: one JSON object with a "type" per line; blank lines are skipped. A last
 * line without its newline that does not parse is skipped too: a running trainer is mid-write.
 */
export function parseMetricsJsonl(text: string, file = 'metrics.jsonl'): MetricsRecord[] {
  const lines = text.split('\n');
  return lines.flatMap((line, i) => {
    if (line.trim() === '') return [];
    try {
      const r = JSON.parse(line) as MetricsRecord;
      if (typeof r !== 'object' || r === null || typeof r.type !== 'string') throw new Error('no "type" field');
      return [r];
    } catch (e) {
      if (i === lines.length - 1) return []; // partial last line
      throw new Error(`parseMetricsJsonl: ${file} line ${i + 1} must be a JSON object with a "type", but got ${JSON.stringify(line.slice(0, 80))} (${(e as Error).message}).`, { cause: e });
    }
  });
}
