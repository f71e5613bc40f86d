/**
 * A static PNG of a plotly figure, drawn from the figure's own data (not by plotly, which needs a
 * browser): the fallback that notebooks viewed on GitHub or in CI logs show instead of the
 * interactive chart. Deliberately simple: linear axes, 'scatter' traces (lines, markers, error_y),
 * grouped 'bar' traces and one 'heatmap' trace (its colorscale, zmin/zmax, reversed y), subplots
 * stacked by yaxis domains sharing one x axis, title, axis titles, legend or colour bar. The
 * vector parts are an SVG rasterised by sharp; heatmap pixels are composited as a raster.
 */
import sharp from 'sharp';
import type { RgbImage } from '../types';
import { escapeXml } from './image_grid';
import type { PlotlyFigure } from './plotly_html';
import { SERIES_COLORS } from './charts';

type Dict = Record<string, unknown>;
type Box = { x: number; y: number; w: number; h: number };

const FONT = 'DejaVu Sans, Helvetica, Arial, sans-serif';

/** "Nice" tick values (1, 2, 5 × 10^k steps) covering [lo, hi], about `count` of them. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count, mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) as number;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

function fmtTick(v: number): string {
  return Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(1) : String(Number(v.toPrecision(6)));
}

/** Parses '#rrggbb', 'rgb(r,g,b)' or 'rgba(r,g,b,a)' to [r, g, b]. */
export function parseColor(color: string): [number, number, number] {
  const hex = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color);
  if (hex) return [parseInt(hex[1], 16), parseInt(hex[2], 16), parseInt(hex[3], 16)];
  const rgb = /^rgba?\(\s*([\d.]+)\s*,\s*([\d.]+)\s*,\s*([\d.]+)/i.exec(color);
  if (rgb) return [Number(rgb[1]), Number(rgb[2]), Number(rgb[3])];
  throw new Error(`parseColor: colour must be '#rrggbb' or 'rgb(r,g,b)', but got '${color}'.`);
}

/** The colour of a plotly colorscale ([[pos, colour], …], positions ascending in [0, 1]) at f ∈ [0, 1], linearly interpolated in RGB. */
export function colorscaleAt(scale: readonly (readonly [number, string])[], f: number): [number, number, number] {
  const v = Math.min(1, Math.max(0, f));
  let i = 0;
  while (i < scale.length - 2 && scale[i + 1][0] < v) i++;
  const [p0, c0] = scale[i], [p1, c1] = scale[Math.min(i + 1, scale.length - 1)];
  const a = parseColor(c0), b = parseColor(c1), t = p1 > p0 ? (v - p0) / (p1 - p0) : 0;
  return [0, 1, 2].map((k) => Math.round(a[k] + Math.min(1, Math.max(0, t)) * (b[k] - a[k]))) as [number, number, number];
}

const text = (x: number, y: number, s: string, o: { anchor?: string; size?: number; bold?: boolean; rotate?: boolean } = {}) =>
  `<text x="${x}" y="${y}" text-anchor="${o.anchor ?? 'middle'}" font-size="${o.size ?? 12}"${o.bold ? ' font-weight="bold"' : ''}${o.rotate ? ` transform="rotate(-90 ${x} ${y})"` : ''}>${escapeXml(s)}</text>`;

const titleOf = (t: unknown): string => (typeof t === 'string' ? t : typeof (t as Dict | undefined)?.text === 'string' ? ((t as Dict).text as string) : '');

function traceColor(trace: Dict, i: number): string {
  const c = (trace.line as Dict | undefined)?.color ?? (trace.marker as Dict | undefined)?.color;
  return typeof c === 'string' ? c : SERIES_COLORS[i % SERIES_COLORS.length];
}

/** Value range of the traces drawn on one y axis, error bars and bar baselines included. */
function yExtent(traces: Dict[]): [number, number] {
  let lo = Infinity, hi = -Infinity;
  for (const t of traces) {
    const ys = (t.y as number[]) ?? [], err = ((t.error_y as Dict | undefined)?.array as number[] | undefined) ?? [];
    ys.forEach((y, k) => {
      lo = Math.min(lo, y - (err[k] ?? 0));
      hi = Math.max(hi, y + (err[k] ?? 0));
    });
    if (t.type === 'bar') lo = Math.min(lo, 0);
  }
  if (!Number.isFinite(lo)) return [0, 1];
  const pad = (hi - lo || Math.abs(hi) || 1) * 0.05;
  return [lo - (lo === 0 ? 0 : pad), hi + pad];
}

interface Layout { plot: Box; width: number; height: number; title: string; legend: boolean }

function frame(fig: PlotlyFigure, width: number, height: number, legend: boolean): Layout {
  const layout = (fig.layout ?? {}) as Dict;
  const title = titleOf(layout.title);
  const right = legend ? 190 : 20, top = title ? 40 : 16;
  return { plot: { x: 72, y: top, w: width - 72 - right, h: height - top - 56 }, width, height, title, legend };
}

/** SVG of a figure made of scatter and bar traces; null when it has none. */
function chartSvg(fig: PlotlyFigure, width: number, height: number): string | null {
  const traces = (fig.data as Dict[]).filter((t) => (t.type ?? 'scatter') === 'scatter' || t.type === 'bar');
  if (traces.length === 0) return null;
  const layout = (fig.layout ?? {}) as Dict;
  const named = traces.filter((t) => typeof t.name === 'string' && t.name !== '');
  const f = frame(fig, width, height, named.length > 0);
  const parts: string[] = [`<rect width="${width}" height="${height}" fill="white"/>`];
  const bars = traces.filter((t) => t.type === 'bar');
  const categories = bars.length ? [...new Set(bars.flatMap((t) => t.x as string[]))] : [];
  const xs = traces.filter((t) => t.type !== 'bar').flatMap((t) => t.x as number[]);
  const [x0, x1] = categories.length ? [-0.5, categories.length - 0.5] : [Math.min(...xs), Math.max(...xs)];
  const xPad = categories.length ? 0 : (x1 - x0 || 1) * 0.04;
  const sx = (v: number) => f.plot.x + ((v - (x0 - xPad)) / (x1 - x0 + 2 * xPad)) * f.plot.w;
  const axisKeys = [...new Set(traces.map((t) => (typeof t.yaxis === 'string' ? t.yaxis : 'y')))];
  for (const key of axisKeys) {
    const ax = (layout[key === 'y' ? 'yaxis' : `yaxis${key.slice(1)}`] ?? {}) as Dict;
    const [d0, d1] = (ax.domain as [number, number] | undefined) ?? [0, 1];
    const box: Box = { x: f.plot.x, y: f.plot.y + (1 - d1) * f.plot.h, w: f.plot.w, h: (d1 - d0) * f.plot.h };
    const onAxis = traces.filter((t) => (t.yaxis ?? 'y') === key);
    const [y0, y1] = (ax.range as [number, number] | undefined) ?? yExtent(onAxis);
    const sy = (v: number) => box.y + box.h - ((v - y0) / (y1 - y0)) * box.h;
    parts.push(...yAxisSvg(box, niceTicks(y0, y1), sy, titleOf(ax.title)));
    onAxis.forEach((t) => parts.push(...(t.type === 'bar' ? barSvg(t, traces.indexOf(t), bars, categories, sx, sy) : lineSvg(t, traces.indexOf(t), sx, sy))));
  }
  const bottom = f.plot.y + f.plot.h;
  parts.push(`<line x1="${f.plot.x}" y1="${bottom}" x2="${f.plot.x + f.plot.w}" y2="${bottom}" stroke="#444"/>`);
  const xTicks = categories.length ? categories.map((c, k) => [k, c] as const) : niceTicks(x0, x1, 6).map((v) => [v, fmtTick(v)] as const);
  for (const [v, label] of xTicks) {
    parts.push(`<line x1="${sx(v)}" y1="${bottom}" x2="${sx(v)}" y2="${bottom + 5}" stroke="#444"/>`, text(sx(v), bottom + 19, label));
  }
  parts.push(text(f.plot.x + f.plot.w / 2, height - 12, titleOf((layout.xaxis as Dict | undefined)?.title), { size: 13 }));
  if (f.title) parts.push(text(width / 2, 24, f.title, { size: 15, bold: true }));
  if (f.legend) parts.push(...legendSvg(named.map((t) => [t.name as string, traceColor(t, traces.indexOf(t)), t.type === 'bar', !!(t.line as Dict | undefined)?.dash] as const), f.plot.x + f.plot.w + 16, f.plot.y + 4));
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><g font-family="${FONT}" fill="#222">${parts.join('')}</g></svg>`;
}

function yAxisSvg(box: Box, ticks: number[], sy: (v: number) => number, title: string): string[] {
  const out = [`<line x1="${box.x}" y1="${box.y}" x2="${box.x}" y2="${box.y + box.h}" stroke="#444"/>`];
  for (const v of ticks) {
    const y = sy(v);
    out.push(`<line x1="${box.x}" y1="${y}" x2="${box.x + box.w}" y2="${y}" stroke="#e5e5e5"/>`,
      `<line x1="${box.x - 5}" y1="${y}" x2="${box.x}" y2="${y}" stroke="#444"/>`, text(box.x - 8, y + 4, fmtTick(v), { anchor: 'end' }));
  }
  if (title) out.push(text(16, box.y + box.h / 2, title, { size: 13, rotate: true }));
  return out;
}

function lineSvg(t: Dict, i: number, sx: (v: number) => number, sy: (v: number) => number): string[] {
  const color = traceColor(t, i), xs = t.x as number[], ys = t.y as number[], mode = String(t.mode ?? 'lines+markers');
  const dash = (t.line as Dict | undefined)?.dash ? ' stroke-dasharray="7,4"' : '';
  const err = ((t.error_y as Dict | undefined)?.array as number[] | undefined) ?? [];
  const out: string[] = [];
  err.forEach((e, k) => {
    const x = sx(xs[k]), a = sy(ys[k] - e), b = sy(ys[k] + e);
    out.push(`<path d="M${x},${a}V${b}M${x - 4},${a}H${x + 4}M${x - 4},${b}H${x + 4}" stroke="${color}" stroke-width="1.5" fill="none"/>`);
  });
  if (mode.includes('lines')) out.push(`<polyline points="${xs.map((x, k) => `${sx(x)},${sy(ys[k])}`).join(' ')}" fill="none" stroke="${color}" stroke-width="2"${dash}/>`);
  if (mode.includes('markers')) xs.forEach((x, k) => out.push(`<circle cx="${sx(x)}" cy="${sy(ys[k])}" r="3.5" fill="${color}"/>`));
  return out;
}

function barSvg(t: Dict, i: number, bars: Dict[], categories: string[], sx: (v: number) => number, sy: (v: number) => number): string[] {
  const color = traceColor(t, i), slot = 0.8 / bars.length, j = bars.indexOf(t), unit = sx(1) - sx(0);
  const err = ((t.error_y as Dict | undefined)?.array as number[] | undefined) ?? [];
  return (t.x as string[]).flatMap((c, k) => {
    const v = (t.y as number[])[k], centre = categories.indexOf(c) - 0.4 + slot * (j + 0.5);
    const left = sx(centre - slot / 2), top = Math.min(sy(v), sy(0)), h = Math.abs(sy(v) - sy(0));
    const out = [`<rect x="${left}" y="${top}" width="${slot * unit * 0.92}" height="${h}" fill="${color}"/>`];
    if (err[k] !== undefined) {
      const x = sx(centre), a = sy(v - err[k]), b = sy(v + err[k]);
      out.push(`<path d="M${x},${a}V${b}M${x - 4},${a}H${x + 4}M${x - 4},${b}H${x + 4}" stroke="#333" stroke-width="1.2" fill="none"/>`);
    }
    return out;
  });
}

function legendSvg(items: readonly (readonly [string, string, boolean, boolean])[], x: number, y: number): string[] {
  return items.flatMap(([name, color, isBar, dashed], k) => {
    const cy = y + 10 + k * 20;
    const swatch = isBar ? `<rect x="${x}" y="${cy - 6}" width="18" height="12" fill="${color}"/>`
      : `<line x1="${x}" y1="${cy}" x2="${x + 22}" y2="${cy}" stroke="${color}" stroke-width="2.5"${dashed ? ' stroke-dasharray="5,3"' : ''}/>`;
    return [swatch, text(x + 28, cy + 4, name.length > 22 ? name.slice(0, 21) + '…' : name, { anchor: 'start' })];
  });
}

/** Heatmap pixels: z rows coloured by the trace's colorscale over [zmin, zmax]. */
function heatmapRaster(t: Dict): RgbImage {
  const z = t.z as number[][], scale = t.colorscale as [number, string][];
  const zmin = (t.zmin as number | undefined) ?? Math.min(...z.flat()), zmax = (t.zmax as number | undefined) ?? Math.max(...z.flat());
  const height = z.length, width = z[0]?.length ?? 0, data = new Uint8Array(height * width * 3);
  z.forEach((row, y) => row.forEach((v, x) => data.set(colorscaleAt(scale, zmax > zmin ? (v - zmin) / (zmax - zmin) : 0), 3 * (y * width + x))));
  return { data, height, width };
}

/** Nearest-neighbour resize to exactly h×w (aspect already chosen by the caller). */
function resizeNearest(img: RgbImage, h: number, w: number): RgbImage {
  const data = new Uint8Array(h * w * 3);
  for (let y = 0; y < h; y++) {
    const sy = Math.min(img.height - 1, Math.floor(((y + 0.5) * img.height) / h));
    for (let x = 0; x < w; x++) {
      const s = 3 * (sy * img.width + Math.min(img.width - 1, Math.floor(((x + 0.5) * img.width) / w)));
      data.set(img.data.subarray(s, s + 3), 3 * (y * w + x));
    }
  }
  return { data, height: h, width: w };
}

/** The SVG frame (title, colour bar, box) and the pixels of a figure whose first heatmap trace is drawn; null if none. */
function heatmapParts(fig: PlotlyFigure, width: number, height: number): { svg: string; raster: RgbImage; left: number; top: number } | null {
  const t = (fig.data as Dict[]).find((d) => d.type === 'heatmap');
  if (!t || !Array.isArray(t.z) || t.z.length === 0) return null;
  const layout = (fig.layout ?? {}) as Dict;
  let raster = heatmapRaster(t);
  if ((layout.yaxis as Dict | undefined)?.autorange !== 'reversed') raster = flipRows(raster); // plotly's y grows upwards by default
  const f = frame(fig, width, height, false);
  const area: Box = { x: 24, y: f.plot.y, w: width - 24 - 110, h: f.plot.h + 24 };
  const s = Math.min(area.w / raster.width, area.h / raster.height);
  const w = Math.max(1, Math.floor(raster.width * s)), h = Math.max(1, Math.floor(raster.height * s));
  const left = area.x + Math.floor((area.w - w) / 2), top = area.y + Math.floor((area.h - h) / 2);
  const zmin = (t.zmin as number | undefined) ?? 0, zmax = (t.zmax as number | undefined) ?? 1;
  const bar: Box = { x: left + w + 18, y: top, w: 14, h };
  const parts = [`<rect width="${width}" height="${height}" fill="white"/>`, `<rect x="${left - 0.5}" y="${top - 0.5}" width="${w + 1}" height="${h + 1}" fill="none" stroke="#444"/>`];
  const steps = 64;
  for (let k = 0; k < steps; k++) {
    const [r, g, b] = colorscaleAt(t.colorscale as [number, string][], 1 - k / (steps - 1));
    parts.push(`<rect x="${bar.x}" y="${bar.y + (k * bar.h) / steps}" width="${bar.w}" height="${bar.h / steps + 0.6}" fill="rgb(${r},${g},${b})"/>`);
  }
  for (const v of niceTicks(zmin, zmax, 4)) {
    const y = bar.y + bar.h - ((v - zmin) / (zmax - zmin || 1)) * bar.h;
    parts.push(`<line x1="${bar.x + bar.w}" y1="${y}" x2="${bar.x + bar.w + 4}" y2="${y}" stroke="#444"/>`, text(bar.x + bar.w + 7, y + 4, fmtTick(v), { anchor: 'start' }));
  }
  const cbTitle = titleOf((t.colorbar as Dict | undefined)?.title);
  if (cbTitle) parts.push(text(bar.x + bar.w / 2, bar.y - 8, cbTitle, { size: 12 }));
  if (f.title) parts.push(text(width / 2, 24, f.title, { size: 15, bold: true }));
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><g font-family="${FONT}" fill="#222">${parts.join('')}</g></svg>`;
  return { svg, raster: resizeNearest(raster, h, w), left, top };
}

function flipRows(img: RgbImage): RgbImage {
  const data = new Uint8Array(img.data.length), row = img.width * 3;
  for (let y = 0; y < img.height; y++) data.set(img.data.subarray(y * row, (y + 1) * row), (img.height - 1 - y) * row);
  return { data, height: img.height, width: img.width };
}

/**
 * Rasterises a figure to PNG (size: opts, else layout width/height, else 640×420). A heatmap figure
 * shows its map and colour bar; otherwise scatter and bar traces are drawn. Returns null when the
 * figure has no trace of a supported type.
 */
export async function figureToPng(fig: PlotlyFigure, opts: { width?: number; height?: number } = {}): Promise<Buffer | null> {
  const layout = (fig.layout ?? {}) as Dict;
  const width = opts.width ?? (layout.width as number | undefined) ?? 640, height = opts.height ?? (layout.height as number | undefined) ?? 420;
  const heat = heatmapParts(fig, width, height);
  if (heat) {
    // Blit the map into the rasterised frame ourselves: sharp's composite would add an alpha channel.
    const frame = await sharp(Buffer.from(heat.svg)).flatten({ background: '#ffffff' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const { data, info } = frame, r = heat.raster;
    for (let y = 0; y < r.height; y++) {
      for (let x = 0; x < r.width; x++) data.set(r.data.subarray(3 * (y * r.width + x), 3 * (y * r.width + x) + 3), info.channels * ((heat.top + y) * info.width + heat.left + x));
    }
    return sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } }).png().toBuffer();
  }
  const svg = chartSvg(fig, width, height);
  return svg === null ? null : sharp(Buffer.from(svg)).flatten({ background: '#ffffff' }).png().toBuffer();
}
