import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { barChart, blockAverage, heatmapFigure, lineChart, lossCurves, parseMetricsJsonl, type MetricsRecord } from '../../src/vis/charts';

type Trace = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- plotly JSON

test('lineChart: one scatter trace per series, ± std as data error bars', () => {
  const fig = lineChart([
    { name: 'stochastic', x: [1, 2, 3], y: [0.8, 0.85, 0.86], std: [0.02, 0.01, 0.01] },
    { name: 'coarse', x: [1, 3], y: [0.7, 0.7], dash: true },
  ], { title: 'IoU vs steps', xTitle: 'steps', yTitle: 'IoU' });
  const [a, b] = fig.data as Trace[];
  assert.equal([a.type, a.mode, a.name, a.x, a.y], ['scatter', 'lines+markers', 'stochastic', [1, 2, 3], [0.8, 0.85, 0.86]]);
  assert.equal([a.error_y.type, a.error_y.array, a.error_y.visible], ['data', [0.02, 0.01, 0.01], true]);
  assert.is(b.error_y, undefined);
  assert.is(b.line.dash, 'dash');
  assert.is.not(a.line.color, b.line.color);
  const layout = fig.layout as Trace;
  assert.equal([layout.title.text, layout.xaxis.title.text, layout.yaxis.title.text], ['IoU vs steps', 'steps', 'IoU']);
  assert.throws(() => lineChart([{ name: 'bad', x: [1, 2], y: [1] }]), /lineChart: series 0 \('bad'\) x and y must have the same length, but got 2 and 1/);
  assert.throws(() => lineChart([{ name: 's', x: [1], y: [1], std: [] }]), /std must have one entry per point \(1\), but got 0/);
});

test('barChart: grouped bars, one trace per series over the categories', () => {
  const fig = barChart(['IoU', 'mBA'], [{ name: 'coarse', values: [0.7, 0.5] }, { name: 'refined', values: [0.8, 0.6], std: [0.01, 0.02] }]);
  const traces = fig.data as Trace[];
  assert.equal(traces.map((t) => [t.type, t.name, t.x, t.y]), [['bar', 'coarse', ['IoU', 'mBA'], [0.7, 0.5]], ['bar', 'refined', ['IoU', 'mBA'], [0.8, 0.6]]]);
  assert.equal(traces[1].error_y.array, [0.01, 0.02]);
  assert.is((fig.layout as Trace).barmode, 'group');
  assert.throws(() => barChart(['a'], [{ name: 'x', values: [1, 2] }]), /one value per category \(1\), but got 2/);
});

test('blockAverage by hand on 3×3 with f = 2: edge blocks average only their own pixels', () => {
  const r = blockAverage([1, 2, 3, 4, 5, 6, 7, 8, 9], 3, 3, 2);
  assert.equal([r.height, r.width, r.factor], [2, 2, 2]);
  assert.equal(Array.from(r.values), [3, 4.5, 7.5, 9]); // (1+2+4+5)/4, (3+6)/2, (7+8)/2, 9
  assert.equal(Array.from(blockAverage([1, 2], 1, 2, 1).values), [1, 2]);
  assert.throws(() => blockAverage([1], 1, 1, 0), /factor must be a positive integer, but got 0/);
});

test('heatmapFigure: z rows top to bottom, y reversed like an image, capped by block averaging', () => {
  const small = heatmapFigure([0, 0.5, 1, 0.25], 2, 2, { colorbarTitle: 'p' });
  const t = small.data[0] as Trace, layout = small.layout as Trace;
  assert.equal([t.type, t.z, t.x, t.y, t.zmin, t.zmax], ['heatmap', [[0, 0.5], [1, 0.25]], [0, 1], [0, 1], 0, 1]);
  assert.is(layout.yaxis.autorange, 'reversed');
  assert.is(layout.yaxis.scaleanchor, 'x');
  assert.equal(t.colorscale[0], [0, 'rgb(68,1,84)']);
  const big = heatmapFigure([1, 2, 3, 4, 5, 6, 7, 8, 9].map((v) => v / 10), 3, 3, { maxSide: 2 });
  const tb = big.data[0] as Trace;
  assert.equal(tb.z, [[0.3, 0.45], [0.75, 0.9]]);
  assert.equal(tb.x, [0.5, 2]); // block centres in source pixels
  assert.match((big.layout as Trace).xaxis.title.text, 'averaged over 2×2 blocks');
});

const records: MetricsRecord[] = [
  { type: 'train', step: 10, loss: 1, bce: 0.7, texture: 0.1, iou: 0.2 },
  { type: 'event', step: 15, event: 'collapse' },
  { type: 'train', step: 20, loss: 0.8, bce: 0.5, texture: 0.08, iou: 0.4 },
  { type: 'val', step: 20, coarse: { meanIou: 0.7, mba: 0.5 }, refined: { meanIou: 0.75, mba: 0.6 } },
];

test('lossCurves: losses on the top axis, train and validation quality below; events skipped', () => {
  const fig = lossCurves(records);
  const traces = fig.data as Trace[];
  assert.equal(traces.map((t) => t.name), ['loss', 'BCE', 'texture', 'train IoU', 'val IoU coarse', 'val IoU refined', 'val mBA coarse', 'val mBA refined']);
  assert.equal(traces[0].x, [10, 20]);
  assert.equal(traces[0].y, [1, 0.8]);
  assert.equal(traces.map((t) => t.yaxis), ['y', 'y', 'y', 'y2', 'y2', 'y2', 'y2', 'y2']);
  assert.equal([traces[5].x, traces[5].y, traces[4].line.dash], [[20], [0.75], 'dash']);
  const layout = fig.layout as Trace;
  assert.equal([layout.yaxis.domain, layout.yaxis2.domain, layout.xaxis.anchor], [[0.56, 1], [0, 0.44], 'y2']);
  // a curve with no finite value anywhere is left out
  assert.equal((lossCurves([{ type: 'train', step: 1, loss: 0.5 }]).data as Trace[]).map((t) => t.name), ['loss']);
});

test('parseMetricsJsonl: skips blank lines and a partial last line, rejects a bad line elsewhere', () => {
  assert.equal(parseMetricsJsonl('{"type":"train","step":1}\n\n{"type":"val","step":1}\n{"type":"tr').map((r) => r.type), ['train', 'val']);
  assert.throws(() => parseMetricsJsonl('{"type":"train"}\n{oops\n{"type":"val"}\n', 'runs/x/metrics.jsonl'), /parseMetricsJsonl: runs\/x\/metrics.jsonl line 2 must be a JSON object with a "type"/);
  assert.throws(() => parseMetricsJsonl('[1]\n'), /line 1 must be a JSON object/);
});

test.run();
