import sharp from 'sharp';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { heatmapFigure, lineChart } from '../../src/vis/charts';
import {
  PLOTLY_MIME, describeFigure, plotlyBundle, pngBundle, pngSize, showPlotly, showPng, tslabBundleWriter, writerFromDisplay, type MimeBundle,
} from '../../src/vis/display';
import { grayToPng } from '../../src/vis/to_png';

test('pngSize reads the IHDR chunk; pngBundle carries base64 PNG and a text line', async () => {
  const png = await grayToPng([0, 1, 0, 1, 0, 1], 2, 3);
  assert.equal(pngSize(png), { width: 3, height: 2 });
  const b = pngBundle(png);
  assert.ok(Buffer.from(b['image/png'] as string, 'base64').equals(png));
  assert.is(b['text/plain'], '<PNG image 3×2>');
  assert.throws(() => pngSize(new Uint8Array(30)), /pngSize: data must be a PNG file, but got 30 bytes/);
});

test('plotlyBundle: the figure JSON, a static PNG fallback of the same data, and text', async () => {
  const fig = heatmapFigure([0, 1, 1, 0], 2, 2, { title: 'confidence' });
  const b = await plotlyBundle(fig, { width: 320, height: 240 });
  assert.equal(Object.keys(b).sort(), [PLOTLY_MIME, 'image/png', 'text/plain'].sort());
  assert.equal(b[PLOTLY_MIME], { data: fig.data, layout: fig.layout });
  const meta = await sharp(Buffer.from(b['image/png'] as string, 'base64')).metadata();
  assert.equal([meta.format, meta.width, meta.height], ['png', 320, 240]);
  assert.is(b['text/plain'], "<plotly figure 'confidence': 1 trace (heatmap)>");
  const noPng = await plotlyBundle({ data: [{ type: 'pie' }] });
  assert.equal(Object.keys(noPng).sort(), [PLOTLY_MIME, 'text/plain'].sort());
  assert.is(describeFigure({ data: [{}, {}] }), '<plotly figure: 2 traces (scatter, scatter)>');
});

test('showPlotly and showPng send one bundle each to the writer', async () => {
  const sent: MimeBundle[] = [];
  await showPlotly(lineChart([{ name: 'a', x: [1, 2], y: [0, 1] }]), { write: (b) => sent.push(b) });
  showPng(await grayToPng([1], 1, 1), { write: (b) => sent.push(b), text: 'one pixel' });
  assert.is(sent.length, 2);
  assert.ok(PLOTLY_MIME in sent[0] && 'image/png' in sent[0]);
  assert.is(sent[1]['text/plain'], 'one pixel');
});

test('writerFromDisplay: one raw output per rich type, JSON as text', () => {
  const calls: [string, string | Uint8Array][] = [];
  writerFromDisplay({ raw: (t, b) => calls.push([t, b]) })({ [PLOTLY_MIME]: { data: [] }, 'image/png': 'AAAA', 'text/plain': 'x' });
  assert.equal(calls, [[PLOTLY_MIME, '{"data":[]}'], ['image/png', 'AAAA']]);
});

test('outside a tslab kernel the default writer says how to proceed', async () => {
  assert.throws(() => tslabBundleWriter(), /tslabBundleWriter: must run inside a tslab kernel cell/);
  try {
    await showPlotly({ data: [] });
    assert.unreachable('should throw');
  } catch (e) {
    assert.match((e as Error).message, /pass opts.write/);
  }
});

test.run();
