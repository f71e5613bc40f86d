/**
 * Figure grids of images, masks and probability maps, as PNG (sharp). Every panel is scaled with
 * nearest-neighbour sampling to one common height (masks stay crisp; nothing is interpolated), laid
 * out row-major with padding, optionally with column titles, row labels, per-panel titles and a
 * colour bar. Text is an SVG layer composited by sharp (librsvg, system fonts); if no font is
 * installed the text is missing from the pixels, so the result also lists the captions in words.
 */
import sharp from 'sharp';
import type { BinaryMask, RgbImage } from '../types';
import { applyColormap, type ColormapName, type Rgb } from './colormap';
import { OVERLAY_COLORS, overlayMasks } from './overlay';

/** One cell of a grid; `null` leaves the cell empty. */
export type GridPanel =
  | { kind: 'rgb'; image: RgbImage; title?: string }
  /** A binary mask: 1 white on 0 black. */
  | { kind: 'mask'; mask: BinaryMask; title?: string }
  /** A single-channel map (probabilities, confidence), row-major, coloured by `colormap` over `range`. */
  | { kind: 'map'; values: ArrayLike<number>; height: number; width: number; colormap?: ColormapName; range?: [number, number]; title?: string }
  | null;

export interface GridOptions {
  /** Panels per row. */
  columns: number;
  /** Common panel height in pixels; default: the tallest panel's height. */
  panelHeight?: number;
  /** Gap between panels and around the grid, pixels. */
  padding: number;
  background: Rgb;
  /** Titles above the columns (first row only). */
  columnTitles?: readonly string[];
  /** Labels left of the rows; '\n' breaks a line. */
  rowLabels?: readonly string[];
  /** A horizontal colour bar under the grid, for the 'map' panels. */
  colorbar?: { colormap: ColormapName; range?: [number, number]; label?: string };
  fontSize: number;
}

export const DEFAULT_GRID_OPTIONS: Readonly<Omit<GridOptions, 'columns'>> = Object.freeze({
  padding: 6,
  background: [255, 255, 255] as Rgb,
  fontSize: 14, // readable when a 6-column figure is shrunk to a page width
});

/** A text item of the SVG layer: (x, y) is the baseline anchor of the first line. */
export interface GridText { x: number; y: number; text: string; anchor: 'start' | 'middle' | 'end'; size: number; bold?: boolean }

export interface GridResult {
  png: Buffer;
  width: number;
  height: number;
  /** One line per panel in input order: its position with row label and column title, and its title or kind. */
  captions: string[];
}

const FONT_FAMILY = 'DejaVu Sans, Helvetica, Arial, sans-serif';

/** The RGB pixels of a panel at its own size. */
export function panelToRgb(panel: Exclude<GridPanel, null>, where = 'panelToRgb'): RgbImage {
  if (panel.kind === 'rgb') {
    checkSize(panel.image.height, panel.image.width, panel.image.data.length, 3, where);
    return panel.image;
  }
  if (panel.kind === 'mask') {
    const { data, height, width } = panel.mask;
    checkSize(height, width, data.length, 1, where);
    const out = new Uint8Array(data.length * 3);
    for (let i = 0; i < data.length; i++) {
      if (data[i] !== 0 && data[i] !== 1) throw new Error(`${where}: mask values must be 0 or 1, but got ${data[i]} at index ${i}.`);
      out.fill(data[i] * 255, 3 * i, 3 * i + 3);
    }
    return { data: out, height, width };
  }
  checkSize(panel.height, panel.width, panel.values.length, 1, where);
  return { data: applyColormap(panel.values, panel.colormap ?? 'viridis', panel.range), height: panel.height, width: panel.width };
}

function checkSize(height: number, width: number, length: number, channels: number, where: string): void {
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 1 || width < 1) {
    throw new Error(`${where}: panel height and width must be positive integers, but got ${height}×${width}.`);
  }
  if (length !== height * width * channels) {
    throw new Error(`${where}: panel data must have height·width${channels > 1 ? '·3' : ''} = ${height * width * channels} entries, but got ${length}.`);
  }
}

/**
 * Nearest-neighbour scaling to `height` rows, keeping the aspect ratio (width = round(w·height/h), at least 1).
 * Source pixel of output (y, x): (floor((y + ½)·h/height), floor((x + ½)·w/width)).
 */
export function scaleNearest(image: RgbImage, height: number): RgbImage {
  const width = Math.max(1, Math.round((image.width * height) / image.height));
  if (height === image.height && width === image.width) return image;
  const out = new Uint8Array(height * width * 3);
  for (let y = 0; y < height; y++) {
    const sy = Math.min(image.height - 1, Math.floor(((y + 0.5) * image.height) / height));
    for (let x = 0; x < width; x++) {
      const sx = Math.min(image.width - 1, Math.floor(((x + 0.5) * image.width) / width));
      const s = 3 * (sy * image.width + sx), d = 3 * (y * width + x);
      out[d] = image.data[s];
      out[d + 1] = image.data[s + 1];
      out[d + 2] = image.data[s + 2];
    }
  }
  return { data: out, height, width };
}

/** Approximate advance of DejaVu Sans, the widest common sans: 0.62 em per character. */
function textWidth(text: string, size: number): number {
  return Math.ceil(Math.max(...text.split('\n').map((l) => l.length)) * size * 0.62);
}

function resolveGridOptions(panels: readonly GridPanel[], opts: Partial<GridOptions> & { columns: number }): GridOptions {
  const o = { ...DEFAULT_GRID_OPTIONS, ...opts };
  if (!Number.isInteger(o.columns) || o.columns < 1) throw new Error(`imageGrid: columns must be a positive integer, but got ${o.columns}.`);
  if (!Number.isInteger(o.padding) || o.padding < 0) throw new Error(`imageGrid: padding must be a non-negative integer, but got ${o.padding}.`);
  if (o.panelHeight !== undefined && (!Number.isInteger(o.panelHeight) || o.panelHeight < 1)) {
    throw new Error(`imageGrid: panelHeight must be a positive integer, but got ${o.panelHeight}.`);
  }
  if (!panels.some((p) => p !== null)) throw new Error('imageGrid: panels must contain at least one panel, but got none.');
  const rows = Math.ceil(panels.length / o.columns);
  if (o.rowLabels && o.rowLabels.length !== rows) throw new Error(`imageGrid: rowLabels must have one label per row (${rows}), but got ${o.rowLabels.length}.`);
  if (o.columnTitles && o.columnTitles.length !== o.columns) {
    throw new Error(`imageGrid: columnTitles must have one title per column (${o.columns}), but got ${o.columnTitles.length}.`);
  }
  return o;
}

/**
 * Lays out and rasterises the grid without its text.
 * @returns the raster and the text items that imageGridPng draws on it
 */
export function composeGrid(panels: readonly GridPanel[], options: Partial<GridOptions> & { columns: number }): { image: RgbImage; texts: GridText[] } {
  const o = resolveGridOptions(panels, options);
  const rgb = panels.map((p, i) => (p === null ? null : panelToRgb(p, `imageGrid: panel ${i}`)));
  const panelHeight = o.panelHeight ?? Math.max(...rgb.map((p) => p?.height ?? 0));
  const scaled = rgb.map((p) => (p === null ? null : scaleNearest(p, panelHeight)));
  const rows = Math.ceil(panels.length / o.columns), pad = o.padding, size = o.fontSize, lineH = Math.round(size * 1.4);
  const colW = Array.from({ length: o.columns }, (_, c) => {
    const widths = scaled.filter((_, i) => i % o.columns === c).map((p) => p?.width ?? 0);
    return Math.max(...widths) || panelHeight;
  });
  const rowTitled = Array.from({ length: rows }, (_, r) => panels.slice(r * o.columns, (r + 1) * o.columns).some((p) => p?.title));
  const labelW = o.rowLabels ? Math.max(...o.rowLabels.map((l) => textWidth(l, size))) + pad : 0;
  const left = pad + labelW, top = pad + (o.columnTitles ? lineH : 0);
  const texts: GridText[] = [];
  const colX = colW.map((_, c) => left + colW.slice(0, c).reduce((a, w) => a + w + pad, 0));
  const rowY: number[] = [];
  let y = top;
  for (let r = 0; r < rows; r++) {
    y += rowTitled[r] ? lineH : 0;
    rowY.push(y);
    y += panelHeight + pad;
  }
  const width = colX[o.columns - 1] + colW[o.columns - 1] + pad;
  const barTop = y, barH = Math.max(8, Math.round(size * 0.8)), barW = Math.min(width - 2 * pad - labelW, 320);
  const height = o.colorbar ? barTop + barH + lineH * (o.colorbar.label ? 2 : 1) + pad : y;
  const canvas = new Uint8Array(width * height * 3);
  for (let i = 0; i < canvas.length; i += 3) canvas.set(o.background, i);
  o.columnTitles?.forEach((t, c) => texts.push({ x: colX[c] + colW[c] / 2, y: pad + size, text: t, anchor: 'middle', size, bold: true }));
  o.rowLabels?.forEach((t, r) => {
    const lines = t.split('\n').length;
    texts.push({ x: left - pad, y: rowY[r] + panelHeight / 2 + size * 0.35 - ((lines - 1) * lineH) / 2, text: t, anchor: 'end', size });
  });
  scaled.forEach((p, i) => {
    if (!p) return;
    const r = Math.floor(i / o.columns), c = i % o.columns;
    const x = colX[c] + Math.floor((colW[c] - p.width) / 2);
    blit(canvas, width, p, x, rowY[r]);
    const title = panels[i]?.title;
    if (title) texts.push({ x: colX[c] + colW[c] / 2, y: rowY[r] - Math.round(lineH * 0.3), text: title, anchor: 'middle', size });
  });
  if (o.colorbar) drawColorbar(canvas, width, texts, { ...o.colorbar, x: left + Math.floor((width - pad - left - barW) / 2), y: barTop, w: barW, h: barH, size, lineH });
  return { image: { data: canvas, height, width }, texts };
}

function blit(canvas: Uint8Array, canvasWidth: number, p: RgbImage, x0: number, y0: number): void {
  for (let y = 0; y < p.height; y++) canvas.set(p.data.subarray(3 * y * p.width, 3 * (y + 1) * p.width), 3 * ((y0 + y) * canvasWidth + x0));
}

interface ColorbarBox { colormap: ColormapName; range?: [number, number]; label?: string; x: number; y: number; w: number; h: number; size: number; lineH: number }

function drawColorbar(canvas: Uint8Array, canvasWidth: number, texts: GridText[], b: ColorbarBox): void {
  const [lo, hi] = b.range ?? [0, 1];
  const ramp = applyColormap(Array.from({ length: b.w }, (_, i) => lo + ((hi - lo) * i) / Math.max(1, b.w - 1)), b.colormap, [lo, hi]);
  for (let y = 0; y < b.h; y++) canvas.set(ramp, 3 * ((b.y + y) * canvasWidth + b.x));
  const fmt = (v: number) => String(Number(v.toFixed(2)));
  const tickY = b.y + b.h + b.size;
  texts.push({ x: b.x, y: tickY, text: fmt(lo), anchor: 'start', size: b.size * 0.85 });
  texts.push({ x: b.x + b.w / 2, y: tickY, text: fmt((lo + hi) / 2), anchor: 'middle', size: b.size * 0.85 });
  texts.push({ x: b.x + b.w, y: tickY, text: fmt(hi), anchor: 'end', size: b.size * 0.85 });
  if (b.label) texts.push({ x: b.x + b.w / 2, y: tickY + b.lineH, text: b.label, anchor: 'middle', size: b.size });
}

/** XML-escapes text for an SVG or HTML text node or attribute. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/** The SVG layer holding `texts`, same size as the raster. */
export function textLayerSvg(texts: readonly GridText[], width: number, height: number): string {
  const items = texts.map((t) => {
    const lines = t.text.split('\n').map((l, k) => `<tspan x="${t.x}" dy="${k === 0 ? 0 : Math.round(t.size * 1.4)}">${escapeXml(l)}</tspan>`);
    return `<text x="${t.x}" y="${t.y}" text-anchor="${t.anchor}" font-size="${t.size}"${t.bold ? ' font-weight="bold"' : ''}>${lines.join('')}</text>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><g font-family="${FONT_FAMILY}" fill="#222">${items.join('')}</g></svg>`;
}

/** Encodes a raster with a text layer on top. */
export async function rasterWithTextPng(image: RgbImage, texts: readonly GridText[]): Promise<Buffer> {
  const base = sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } });
  if (texts.length === 0) return base.png().toBuffer();
  const svg = Buffer.from(textLayerSvg(texts, image.width, image.height));
  // composite keeps the base's 3 channels; flatten guards against an alpha channel sneaking in.
  const png = await base.composite([{ input: svg, top: 0, left: 0 }]).png().toBuffer();
  return sharp(png).flatten({ background: '#ffffff' }).png().toBuffer();
}

/**
 * A grid figure as PNG, e.g. one row per scene: image, coarse, refined, ground truth.
 * @param panels row-major cells; the last row may be short; null cells stay empty
 */
export async function imageGridPng(panels: readonly GridPanel[], options: Partial<GridOptions> & { columns: number }): Promise<GridResult> {
  const { image, texts } = composeGrid(panels, options);
  const png = await rasterWithTextPng(image, texts);
  const captions = panels.map((p, i) => {
    const r = Math.floor(i / options.columns), c = i % options.columns;
    const rowLabel = options.rowLabels?.[r] ? ` (${options.rowLabels[r].replace(/\n/g, ' ')})` : '';
    const colTitle = options.columnTitles?.[c] ? ` (${options.columnTitles[c]})` : '';
    return `row ${r + 1}${rowLabel}, column ${c + 1}${colTitle}: ${p === null ? '(empty)' : p.title ?? p.kind}`;
  });
  return { png, width: image.width, height: image.height, captions };
}

/** One scene of a before/after figure. */
export interface ComparisonRow {
  image: RgbImage;
  coarse: BinaryMask;
  refined: BinaryMask;
  gt?: BinaryMask;
  /** Row label, e.g. the scene name. */
  label?: string;
  /** Short texts over the coarse / refined panels, e.g. 'IoU 0.812' (computed by the caller). */
  coarseNote?: string;
  refinedNote?: string;
}

/**
 * The paper-style comparison figure: per scene the image, then the coarse (red), refined (green)
 * and ground-truth (blue) masks, each overlaid on the image with a translucent fill and a contour.
 */
export async function comparisonGridPng(rows: readonly ComparisonRow[], opts: { panelHeight?: number; fillAlpha?: number } = {}): Promise<GridResult> {
  if (rows.length === 0) throw new Error('comparisonGridPng: rows must hold at least one scene, but got none.');
  const withGt = rows.some((r) => r.gt), fillAlpha = opts.fillAlpha ?? 0.4;
  const over = (r: ComparisonRow, mask: BinaryMask, color: Rgb, title?: string): GridPanel =>
    ({ kind: 'rgb', image: overlayMasks(r.image, [{ mask, color, fillAlpha }]), title });
  const panels = rows.flatMap((r) => [
    { kind: 'rgb', image: r.image } as GridPanel,
    over(r, r.coarse, OVERLAY_COLORS.coarse, r.coarseNote),
    over(r, r.refined, OVERLAY_COLORS.refined, r.refinedNote),
    ...(withGt ? [r.gt ? over(r, r.gt, OVERLAY_COLORS.gt) : null] : []),
  ]);
  return imageGridPng(panels, {
    columns: withGt ? 4 : 3,
    panelHeight: opts.panelHeight ?? Math.min(256, Math.max(...rows.map((r) => r.image.height))),
    columnTitles: ['image', 'coarse', 'refined', ...(withGt ? ['ground truth'] : [])],
    ...(rows.some((r) => r.label) ? { rowLabels: rows.map((r) => r.label ?? '') } : {}),
  });
}
