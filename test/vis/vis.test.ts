import sharp from 'sharp';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { grayToPng, plotlyHtml } from '../../src';
import { plotlyMimeJson } from '../../src/vis/plotly_html';
import { expectRejects } from '../helpers/rejects';

test('grayToPng writes a PNG that decodes back to the same pixels', async () => {
  const values = [0, 1, 0.5, 1, 0, 0.25];
  const png = await grayToPng(values, 2, 3);
  const meta = await sharp(png).metadata();
  assert.equal([meta.format, meta.width, meta.height, meta.channels], ['png', 3, 2, 1]);
  const data = await sharp(png).extractChannel(0).raw().toBuffer();
  assert.equal(Array.from(data), [0, 255, 128, 255, 0, 64]);
});

test('grayToPng rejects wrong sizes and out-of-range values', async () => {
  await expectRejects(grayToPng([0, 1], 2, 2), /grayToPng: values must have height·width = 4 entries, but got 2/);
  await expectRejects(grayToPng([0, 2], 1, 2), /values must lie in \[0, 1\], but got 2 at index 1/);
  await expectRejects(grayToPng([NaN], 1, 1), /but got NaN at index 0/);
});

test('plotlyHtml inlines the library only when asked and escapes closing tags', () => {
  const fig = { data: [{ y: [1, 2], name: '</script>' }] };
  const plain = plotlyHtml(fig, { divId: 'a' });
  assert.ok(plain.startsWith('<div id="a"></div><script>'));
  assert.not.match(plain, '</script>"'); // the trace name cannot end the script early
  assert.ok(plain.length < 500);
  const full = plotlyHtml(fig, { includeLibrary: true });
  assert.ok(full.length > 1_000_000, 'plotly.js is inlined');
  assert.equal(JSON.parse(plotlyMimeJson(fig)).data[0].y, [1, 2]);
  assert.throws(() => plotlyHtml({ data: 'x' } as never), /figure.data must be an array of traces/);
});

test.run();
