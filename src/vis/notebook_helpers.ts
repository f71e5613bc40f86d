/**
 * Small helpers the notebooks (notebooks/01–07) need beyond the figure builders: tables as one
 * notebook output (HTML with a plain-text twin), the forward-process statistic of notebook 01, the
 * "which pixels flip when" maps of notebook 05, and boxes, points, crops and PNG shrinking for the
 * high-resolution figures of notebook 06. Pure functions on plain arrays, except the PNG ones (sharp).
 */
import sharp from 'sharp';
import type { BoxXyxy, RgbImage } from '../types';
import { SERIES_COLORS } from './charts';
import type { Rgb } from './colormap';
import { tslabBundleWriter, type BundleWriter, type MimeBundle } from './display';
import type { PlotlyFigure } from './plotly_html';
import { escapeHtml, formatCell } from './report';
import { binarizeHalf, type StepMaps } from './step_figures';

/** A table cell: text, or a number printed with `digits` decimals (integers as they are, NaN as '–'). */
export type TableCell = string | number;

export interface TableOptions {
  caption?: string;
  /** Decimals of non-integer numbers (default 3). */
  digits?: number;
}

function checkRows(header: readonly string[], rows: readonly (readonly TableCell[])[], where: string): void {
  rows.forEach((row, r) => {
    if (row.length !== header.length) throw new Error(`${where}: row ${r} must have ${header.length} cells (one per header), but got ${row.length}.`);
  });
}

/**
 * The bundle of a table: `text/html` (rendered by Jupyter and on GitHub) and `text/plain` (the same
 * table in aligned columns, for logs and plain front ends).
 */
export function tableBundle(header: readonly string[], rows: readonly (readonly TableCell[])[], opts: TableOptions = {}): MimeBundle {
  checkRows(header, rows, 'tableBundle');
  const text = rows.map((row) => row.map((c) => formatCell(c, opts.digits)));
  const widths = header.map((h, j) => Math.max(h.length, ...text.map((row) => row[j].length)));
  const line = (cells: readonly string[]) => cells.map((c, j) => c.padEnd(widths[j])).join('  ').trimEnd();
  const plain = [...(opts.caption ? [opts.caption] : []), line(header), line(widths.map((w) => '-'.repeat(w))), ...text.map(line)].join('\n');
  const cell = (c: TableCell, s: string) => `<td style="text-align:${typeof c === 'number' ? 'right' : 'left'}">${escapeHtml(s)}</td>`;
  const html = `<table>${opts.caption ? `<caption style="caption-side:top;text-align:left">${escapeHtml(opts.caption)}</caption>` : ''}`
    + `<thead><tr>${header.map((h) => `<th style="text-align:left">${escapeHtml(h)}</th>`).join('')}</tr></thead>`
    + `<tbody>${rows.map((row, r) => `<tr>${row.map((c, j) => cell(c, text[r][j])).join('')}</tr>`).join('')}</tbody></table>`;
  return { 'text/html': html, 'text/plain': plain };
}

/** Shows a table as one notebook output (see tableBundle). */
export function showTable(header: readonly string[], rows: readonly (readonly TableCell[])[], opts: TableOptions & { write?: BundleWriter } = {}): void {
  const bundle = tableBundle(header, rows, opts);
  (opts.write ?? tslabBundleWriter())(bundle);
}

/** How much of the disagreement between two masks a forward sample x_t shows from the fine mask. */
export interface FineFraction {
  /** Pixels where fine and coarse differ (the only ones where x_t can tell which state it is in). */
  disagree: number;
  /** Of those, pixels where x_t equals the fine mask. */
  fine: number;
  /** fine / disagree; NaN when the masks agree everywhere. */
  fraction: number;
}

/**
 * The measured P(fine) of a forward sample, estimated where it is observable: over the pixels where
 * the fine and coarse masks differ, the share where x_t shows the fine value (method.md §1.4 says it
 * is β̄_t in expectation). All three arrays are row-major of one length; x_t is thresholded at ½.
 */
export function fineFraction(xt: ArrayLike<number>, fine: ArrayLike<number>, coarse: ArrayLike<number>): FineFraction {
  if (fine.length !== xt.length || coarse.length !== xt.length) {
    throw new Error(`fineFraction: xt, fine and coarse must have one length, but got ${xt.length}, ${fine.length} and ${coarse.length}.`);
  }
  let disagree = 0, shown = 0;
  for (let i = 0; i < xt.length; i++) {
    if ((fine[i] >= 0.5) === (coarse[i] >= 0.5)) continue;
    disagree++;
    if ((xt[i] >= 0.5) === (fine[i] >= 0.5)) shown++;
  }
  return { disagree, fine: shown, fraction: disagree > 0 ? shown / disagree : NaN };
}

/** Per pixel, when the reverse loop changed it (masks thresholded at ½). */
export interface FlipHistory {
  /** 0-based step of the last change, −1 where the pixel never changed, row-major. */
  lastStep: Int8Array;
  /** Number of steps that changed the pixel (a pixel can flip back: fine states are redrawn every step). */
  flips: Uint8Array;
  /** Pixels changed by at least one step. */
  changed: number;
}

/**
 * Which pixels flip when, over a whole reverse loop.
 * @param steps   the loop's steps in order (e.g. recordSteps), maps row-major of one length
 * @param initial the mask before the first step (the coarse mask x_T)
 */
export function flipHistory(steps: readonly Pick<StepMaps, 'x'>[], initial: ArrayLike<number>): FlipHistory {
  if (steps.length > 127) throw new Error(`flipHistory: steps must number at most 127, but got ${steps.length}.`);
  const n = initial.length;
  const lastStep = new Int8Array(n).fill(-1), flips = new Uint8Array(n);
  let prev = binarizeHalf(initial);
  steps.forEach((s, k) => {
    if (s.x.length !== n) throw new Error(`flipHistory: steps[${k}].x must have ${n} entries (as initial), but got ${s.x.length}.`);
    const next = binarizeHalf(s.x);
    for (let i = 0; i < n; i++) {
      if (next[i] === prev[i]) continue;
      lastStep[i] = k;
      flips[i]++;
    }
    prev = next;
  });
  let changed = 0;
  for (let i = 0; i < n; i++) changed += flips[i] > 0 ? 1 : 0;
  return { lastStep, flips, changed };
}


function checkRgb(image: RgbImage, where: string): void {
  if (!Number.isInteger(image.height) || !Number.isInteger(image.width) || image.height < 1 || image.width < 1 || image.data.length !== image.height * image.width * 3) {
    throw new Error(`${where}: image must be RGB with height·width·3 bytes, but got ${image.height}×${image.width} with ${image.data.length} bytes.`);
  }
}

function checkColor(color: Rgb, where: string): void {
  if (color.length !== 3 || color.some((c) => !Number.isInteger(c) || c < 0 || c > 255)) throw new Error(`${where}: color must be three integers in [0, 255], but got [${color}].`);
}

/** Paints the pixels of [x1, x2) × [y1, y2), clipped to the image. */
function fillRect(out: Uint8Array, width: number, height: number, x1: number, y1: number, x2: number, y2: number, color: Rgb): void {
  for (let y = Math.max(0, y1); y < Math.min(height, y2); y++) {
    for (let x = Math.max(0, x1); x < Math.min(width, x2); x++) out.set(color, 3 * (y * width + x));
  }
}

/**
 * Box outlines drawn `thickness` pixels wide just inside each box, clipped to the image.
 * @returns a new image; the input is not modified
 */
export function drawBoxes(image: RgbImage, boxes: readonly BoxXyxy[], color: Rgb, thickness = 1): RgbImage {
  checkRgb(image, 'drawBoxes');
  checkColor(color, 'drawBoxes');
  if (!Number.isInteger(thickness) || thickness < 1) throw new Error(`drawBoxes: thickness must be a positive integer, but got ${thickness}.`);
  const out = Uint8Array.from(image.data), { width: w, height: h } = image, t = thickness;
  for (const [x1, y1, x2, y2] of boxes) {
    fillRect(out, w, h, x1, y1, x2, y1 + t, color);
    fillRect(out, w, h, x1, y2 - t, x2, y2, color);
    fillRect(out, w, h, x1, y1, x1 + t, y2, color);
    fillRect(out, w, h, x2 - t, y1, x2, y2, color);
  }
  return { data: out, height: h, width: w };
}

/**
 * Points as filled squares of side 2·radius + 1 centred on (x, y), clipped to the image.
 * @returns a new image
 */
export function drawPoints(image: RgbImage, points: readonly { x: number; y: number }[], color: Rgb, radius = 1): RgbImage {
  checkRgb(image, 'drawPoints');
  checkColor(color, 'drawPoints');
  if (!Number.isInteger(radius) || radius < 0) throw new Error(`drawPoints: radius must be a non-negative integer, but got ${radius}.`);
  const out = Uint8Array.from(image.data);
  for (const { x, y } of points) fillRect(out, image.width, image.height, Math.round(x) - radius, Math.round(y) - radius, Math.round(x) + radius + 1, Math.round(y) + radius + 1, color);
  return { data: out, height: image.height, width: image.width };
}

/**
 * A PNG shrunk (area averaging) so that neither side exceeds maxSide, for showing large images in a
 * notebook without multi-megabyte outputs; smaller PNGs come back unchanged.
 */
export async function fitPng(png: Uint8Array, maxSide: number): Promise<Buffer> {
  if (!Number.isInteger(maxSide) || maxSide < 1) throw new Error(`fitPng: maxSide must be a positive integer, but got ${maxSide}.`);
  const input = Buffer.from(png.buffer, png.byteOffset, png.byteLength);
  const { width = 0, height = 0 } = await sharp(input).metadata();
  if (Math.max(width, height) <= maxSide) return input;
  return sharp(input).resize({ width: maxSide, height: maxSide, fit: 'inside', kernel: 'lanczos3' }).png().toBuffer();
}

/**
 * Gives consecutive traces of a figure one colour per group of `groupSize` (line, markers, error
 * bars), e.g. each metric and its dashed coarse baseline from lineChart in the same colour.
 * @returns the same figure, modified
 */
export function groupColors(fig: PlotlyFigure, groupSize: number): PlotlyFigure {
  if (!Number.isInteger(groupSize) || groupSize < 1) throw new Error(`groupColors: groupSize must be a positive integer, but got ${groupSize}.`);
  fig.data.forEach((trace, i) => {
    const t = trace as { line?: object; marker?: object; error_y?: object };
    const color = SERIES_COLORS[Math.floor(i / groupSize) % SERIES_COLORS.length];
    for (const key of ['line', 'marker', 'error_y'] as const) if (t[key]) t[key] = { ...t[key], color };
  });
  return fig;
}
