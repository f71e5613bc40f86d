import sharp from 'sharp';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { heatmapFigure, lineChart, lossCurves } from '../../src/vis/charts';
import { colorscaleAt, figureToPng, niceTicks, parseColor } from '../../src/vis/static_plot';

async function pixels(png: Buffer) {
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  const has = (rgb: number[]) => {
    for (let i = 0; i < data.length; i += info.channels) if (data[i] === rgb[0] && data[i + 1] === rgb[1] && data[i + 2] === rgb[2]) return true;
    return false;
  };
  return { info, has };
}

test('niceTicks: 1-2-2.5-5 steps covering the range', () => {
  assert.equal(niceTicks(0, 1), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.equal(niceTicks(0.775, 0.88), [0.775, 0.8, 0.825, 0.85, 0.875]);
  assert.equal(niceTicks(0, 240, 6), [0, 50, 100, 150, 200]);
  assert.equal(niceTicks(3, 3), [3]);
});

test('parseColor and colorscaleAt', () => {
  assert.equal(parseColor('#0072B2'), [0, 114, 178]);
  assert.equal(parseColor('rgba(1, 2, 3, 0.5)'), [1, 2, 3]);
  assert.throws(() => parseColor('red'), /parseColor: colour must be '#rrggbb' or 'rgb\(r,g,b\)', but got 'red'/);
  const scale: [number, string][] = [[0, 'rgb(0,0,0)'], [0.5, 'rgb(100,0,0)'], [1, 'rgb(100,200,0)']];
  assert.equal(colorscaleAt(scale, 0.25), [50, 0, 0]);
  assert.equal(colorscaleAt(scale, 0.75), [100, 100, 0]);
  assert.equal(colorscaleAt(scale, 1), [100, 200, 0]);
});

test('figureToPng draws line charts at the layout or default size, in the trace colours', async () => {
  const fig = lineChart([{ name: 'a', x: [1, 2, 3], y: [0.1, 0.5, 0.4], std: [0.05, 0.05, 0.05] }], { title: 't' });
  const { info, has } = await pixels((await figureToPng(fig)) as Buffer);
  assert.equal([info.width, info.height, info.channels], [640, 420, 3]);
  assert.ok(has([0, 114, 178]), 'the first series colour #0072B2 is drawn');
  const small = await pixels((await figureToPng(lossCurves([{ type: 'train', step: 1, loss: 1 }, { type: 'train', step: 2, loss: 0.5 }]), { width: 300, height: 200 })) as Buffer);
  assert.equal([small.info.width, small.info.height], [300, 200]);
});

test('figureToPng shows a heatmap in its colorscale; unsupported traces give null', async () => {
  const { info, has } = await pixels((await figureToPng(heatmapFigure([0, 1], 1, 2))) as Buffer);
  assert.equal(info.channels, 3);
  assert.ok(has([68, 1, 84]) && has([253, 231, 37]), 'both viridis ends appear');
  assert.is(await figureToPng({ data: [{ type: 'pie', values: [1, 2] }] }), null);
});

test.run();
