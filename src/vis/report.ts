/**
 * A standalone HTML report (experiments' results pages): headings, paragraphs, tables, PNG figures
 * as base64 data URIs and interactive plotly figures. One inlined copy of plotly.js in <head>,
 * shared by every figure, so the file works offline and can be mailed or attached to CI output.
 * Every text is HTML-escaped; the caller never writes markup.
 */
import { escapeXml } from './image_grid';
import { plotlyHtml, plotlyLibrarySource, type PlotlyFigure } from './plotly_html';

/** One block of a report, in reading order. */
export type ReportBlock =
  | { kind: 'heading'; text: string; level?: 2 | 3 }
  | { kind: 'paragraph'; text: string }
  | { kind: 'list'; items: readonly string[] }
  /** Preformatted text, e.g. the command that reproduces the report. */
  | { kind: 'code'; text: string }
  /** Rows of cells; numbers are printed with `digits` decimals (default 3) and right-aligned. */
  | { kind: 'table'; header: readonly string[]; rows: readonly (readonly (string | number)[])[]; caption?: string; digits?: number }
  | { kind: 'png'; png: Uint8Array; alt: string; caption?: string; /** Display width in CSS pixels (the PNG is not resized). */ width?: number }
  | { kind: 'plotly'; figure: PlotlyFigure; caption?: string };

export interface ReportOptions {
  /** A line under the title, e.g. the date and the command that produced the report. */
  subtitle?: string;
}

/** Escapes &, <, >, " and ' so any text is safe in element content and attribute values. */
export const escapeHtml = escapeXml;

/** A table cell's text: integers as they are, other numbers with `digits` decimals, NaN as '–'. */
export function formatCell(v: string | number, digits = 3): string {
  if (typeof v === 'string') return v;
  if (Number.isNaN(v)) return '–';
  return Number.isInteger(v) ? String(v) : v.toFixed(digits);
}

const STYLE = `
body { font-family: 'DejaVu Sans', Helvetica, Arial, sans-serif; max-width: 1040px; margin: 2em auto; padding: 0 1em; color: #222; line-height: 1.5; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } .subtitle { color: #666; margin-top: 0; }
h2 { font-size: 1.25em; border-bottom: 1px solid #ddd; padding-bottom: 0.2em; margin-top: 1.8em; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.92em; }
th, td { padding: 0.3em 0.8em; border-bottom: 1px solid #e3e3e3; } th { border-bottom: 2px solid #999; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
caption { caption-side: bottom; color: #555; font-size: 0.9em; padding-top: 0.4em; text-align: left; }
figure { margin: 1.2em 0; } figure img { max-width: 100%; height: auto; } figcaption { color: #555; font-size: 0.9em; }
pre { background: #f6f6f6; padding: 0.8em; overflow-x: auto; }
`;

function tableHtml(b: Extract<ReportBlock, { kind: 'table' }>, index: number): string {
  b.rows.forEach((row, r) => {
    if (row.length !== b.header.length) {
      throw new Error(`htmlReport: row ${r} of table block ${index} must have ${b.header.length} cells (one per header), but got ${row.length}.`);
    }
  });
  const head = `<tr>${b.header.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>`;
  const body = b.rows.map((row) => `<tr>${row.map((c) => `<td${typeof c === 'number' ? ' class="num"' : ''}>${escapeHtml(formatCell(c, b.digits))}</td>`).join('')}</tr>`);
  return `<table>${b.caption ? `<caption>${escapeHtml(b.caption)}</caption>` : ''}<thead>${head}</thead><tbody>${body.join('')}</tbody></table>`;
}

function figureHtml(inner: string, caption?: string): string {
  return `<figure>${inner}${caption ? `<figcaption>${escapeHtml(caption)}</figcaption>` : ''}</figure>`;
}

function blockHtml(b: ReportBlock, index: number): string {
  switch (b.kind) {
    case 'heading': return `<h${b.level ?? 2}>${escapeHtml(b.text)}</h${b.level ?? 2}>`;
    case 'paragraph': return `<p>${escapeHtml(b.text)}</p>`;
    case 'list': return `<ul>${b.items.map((i) => `<li>${escapeHtml(i)}</li>`).join('')}</ul>`;
    case 'code': return `<pre><code>${escapeHtml(b.text)}</code></pre>`;
    case 'table': return tableHtml(b, index);
    case 'png': {
      const src = `data:image/png;base64,${Buffer.from(b.png.buffer, b.png.byteOffset, b.png.byteLength).toString('base64')}`;
      return figureHtml(`<img src="${src}" alt="${escapeHtml(b.alt)}"${b.width ? ` width="${Math.round(b.width)}"` : ''}>`, b.caption);
    }
    case 'plotly': return figureHtml(plotlyHtml(b.figure, { divId: `report-figure-${index}` }), b.caption);
    default: throw new Error(`htmlReport: block ${index} kind must be one of heading, paragraph, list, code, table, png, plotly, but got '${(b as { kind: string }).kind}'.`);
  }
}

/**
 * The report as one HTML document.
 * @returns the HTML text; write it with fs.writeFileSync (or src/util/atomic_write)
 */
export function htmlReport(title: string, blocks: readonly ReportBlock[], opts: ReportOptions = {}): string {
  const body = blocks.map(blockHtml);
  // Library before the figures: each figure's inline script calls Plotly.newPlot as it is parsed.
  const library = blocks.some((b) => b.kind === 'plotly') ? `<script>${plotlyLibrarySource()}</script>` : '';
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title>`,
    `<style>${STYLE}</style>${library}</head><body>`,
    `<h1>${escapeHtml(title)}</h1>${opts.subtitle ? `<p class="subtitle">${escapeHtml(opts.subtitle)}</p>` : ''}`,
    ...body,
    '</body></html>',
    '',
  ].join('\n');
}
