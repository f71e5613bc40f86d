/**
 * Plotly figures as self-contained HTML (the library inlined, so it works offline and in CI) or as
 * the `application/vnd.plotly.v1+json` MIME payload that plotly-aware front ends render.
 * plotly.js is a browser bundle: Node reads it as text and never executes it.
 */
import * as fs from 'fs';

/** A plotly figure: traces and layout, as plotly.js takes them. */
export interface PlotlyFigure {
  data: object[];
  layout?: object;
}

let plotlySource: string | null = null;

/** The minified plotly.js bundle (~4.8 MB), read once. */
export function plotlyLibrarySource(): string {
  plotlySource ??= fs.readFileSync(require.resolve('plotly.js-dist-min'), 'utf8');
  return plotlySource;
}

let nextDivId = 0;

/**
 * HTML that draws `figure`. Include the library in the first figure of a page or notebook only
 * (`includeLibrary: true`); later figures reuse the global `Plotly`.
 */
export function plotlyHtml(figure: PlotlyFigure, opts: { includeLibrary?: boolean; divId?: string } = {}): string {
  if (!Array.isArray(figure.data)) throw new Error('plotlyHtml: figure.data must be an array of traces, but got ' + typeof figure.data + '.');
  const id = opts.divId ?? `segrefiner-plot-${process.pid}-${nextDivId++}`;
  const library = opts.includeLibrary ? `<script>${plotlyLibrarySource()}</script>` : '';
  const json = JSON.stringify({ data: figure.data, layout: figure.layout ?? {} }).replace(/</g, '\\u003c');
  return `<div id="${id}"></div>${library}<script>(function(){var f=${json};Plotly.newPlot("${id}",f.data,f.layout);})();</script>`;
}

/** The plotly MIME payload (JSON text) for front ends with a plotly renderer. */
export function plotlyMimeJson(figure: PlotlyFigure): string {
  return JSON.stringify({ data: figure.data, layout: figure.layout ?? {} });
}
