/**
 * Showing figures in tslab notebooks. A plotly figure goes out as ONE display bundle holding
 *   - application/vnd.plotly.v1+json: the interactive chart (JupyterLab, VS Code),
 *   - image/png: a static rendering of the same data (GitHub, nbconvert HTML, CI logs),
 *   - text/plain: a one-line summary,
 * and the front end picks the richest type it can render.
 *
 * Why not tslab's public `display.raw(type, data)`: it sends one MIME type per output, so the
 * PNG fallback would appear as a second output next to the interactive chart. The bundle goes
 * through the function tslab's own `display` calls (`lastWriteDisplayData` of tslab/dist/jupyter,
 * set while a cell runs). That is tslab-internal (1.0.22); if it is missing, pass
 * `writerFromDisplay(tslab.display)` (one output per type) or any other writer.
 */
import * as path from 'path';
import type { PlotlyFigure } from './plotly_html';
import { figureToPng } from './static_plot';

export const PLOTLY_MIME = 'application/vnd.plotly.v1+json';

/** MIME type → payload (binary types base64 text, JSON types objects), as Jupyter's display_data carries it. */
export type MimeBundle = Record<string, unknown>;
/** Sends one bundle to the front end. */
export type BundleWriter = (bundle: MimeBundle) => void;
/** What these helpers need of tslab's `display` object. */
export interface RawDisplay {
  raw(contentType: string, b: string | Uint8Array): unknown;
}

type JupyterModule = { lastWriteDisplayData?: ((data: object, update: boolean) => void) | null };

/** tslab's jupyter module as the running kernel loaded it (its own copy first, then the project's). */
function kernelJupyterModules(): JupyterModule[] {
  const found: JupyterModule[] = [];
  const main = require.main?.filename;
  const candidates = [
    ...(main && main.includes('tslab') ? [path.join(path.dirname(main), '..', 'dist', 'jupyter.js')] : []),
    'tslab/dist/jupyter',
  ];
  for (const id of candidates) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- tslab is an optional dev dependency, present only in a kernel
      found.push(require(id) as JupyterModule);
    } catch {
      // not installed here: try the next
    }
  }
  return found;
}

/**
 * The writer that sends a bundle as one tslab output. Call it inside a running cell.
 * @throws when not running in a tslab kernel
 */
export function tslabBundleWriter(): BundleWriter {
  const jupyter = kernelJupyterModules().find((m) => typeof m.lastWriteDisplayData === 'function');
  if (!jupyter) {
    throw new Error('tslabBundleWriter: must run inside a tslab kernel cell (tslab/dist/jupyter lastWriteDisplayData is not set), but it is not; outside a notebook pass opts.write, e.g. writerFromDisplay(tslab.display).');
  }
  return (bundle) => (jupyter.lastWriteDisplayData as (data: object, update: boolean) => void)({ data: bundle, metadata: {}, transient: {} }, false);
}

/** A writer over tslab's public display API: one output per MIME type (text/plain dropped), plotly first. */
export function writerFromDisplay(display: RawDisplay): BundleWriter {
  return (bundle) => {
    for (const [type, value] of Object.entries(bundle)) {
      if (type === 'text/plain') continue;
      display.raw(type, typeof value === 'string' ? value : JSON.stringify(value));
    }
  };
}

/** Width and height from a PNG's IHDR chunk. */
export function pngSize(png: Uint8Array): { width: number; height: number } {
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (png.length < 24 || signature.some((b, i) => png[i] !== b)) throw new Error(`pngSize: data must be a PNG file, but got ${png.length} bytes without the PNG signature.`);
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

/** The bundle of a PNG image. */
export function pngBundle(png: Uint8Array, text?: string): MimeBundle {
  const { width, height } = pngSize(png);
  return { 'image/png': Buffer.from(png.buffer, png.byteOffset, png.byteLength).toString('base64'), 'text/plain': text ?? `<PNG image ${width}×${height}>` };
}

/** A one-line description of a figure. */
export function describeFigure(fig: PlotlyFigure): string {
  const layout = (fig.layout ?? {}) as { title?: { text?: string } | string };
  const title = typeof layout.title === 'string' ? layout.title : layout.title?.text ?? '';
  const types = fig.data.map((t) => String((t as { type?: string }).type ?? 'scatter'));
  return `<plotly figure${title ? ` '${title}'` : ''}: ${fig.data.length} trace${fig.data.length === 1 ? '' : 's'} (${types.join(', ')})>`;
}

/** The bundle of a plotly figure: the figure JSON, a static PNG of it (when its trace types are supported), text. */
export async function plotlyBundle(fig: PlotlyFigure, opts: { width?: number; height?: number } = {}): Promise<MimeBundle> {
  if (!Array.isArray(fig.data)) throw new Error(`plotlyBundle: figure.data must be an array of traces, but got ${typeof fig.data}.`);
  const png = await figureToPng(fig, opts);
  return {
    [PLOTLY_MIME]: { data: fig.data, layout: fig.layout ?? {} },
    ...(png ? { 'image/png': png.toString('base64') } : {}),
    'text/plain': describeFigure(fig),
  };
}

export interface ShowOptions {
  /** Where the bundle goes; default tslabBundleWriter(). */
  write?: BundleWriter;
}

/** Shows a PNG (e.g. from overlayPng or imageGridPng) as one notebook output. */
export function showPng(png: Uint8Array, opts: ShowOptions & { text?: string } = {}): void {
  const bundle = pngBundle(png, opts.text);
  (opts.write ?? tslabBundleWriter())(bundle);
}

/**
 * Shows a plotly figure: interactive where the front end renders plotly, the static PNG elsewhere.
 * @param opts.width, opts.height size of the static PNG (default: the layout's, else 640×420)
 */
export async function showPlotly(fig: PlotlyFigure, opts: ShowOptions & { width?: number; height?: number } = {}): Promise<void> {
  const write = opts.write ?? tslabBundleWriter(); // fail before rendering when there is nowhere to show it
  write(await plotlyBundle(fig, opts));
}
