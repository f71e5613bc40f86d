import sharp from 'sharp';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { MimeBundle } from '../../src/vis/display';
import {
  drawBoxes, drawPoints, fineFraction, fitPng, flipHistory, groupColors, showTable, tableBundle,
} from '../../src/vis/notebook_helpers';
import { lineChart, SERIES_COLORS } from '../../src/vis/charts';
import { rgbToPng } from '../../src/vis/to_png';
import { expectRejects } from '../helpers/rejects';

const black = (h: number, w: number) => ({ data: new Uint8Array(h * w * 3), height: h, width: w });
/** The image as rows of '#' (painted) and '.' (black), reading the red channel. */
const art = (img: { data: Uint8Array; height: number; width: number }) =>
  Array.from({ length: img.height }, (_, y) => Array.from({ length: img.width }, (_, x) => (img.data[3 * (y * img.width + x)] ? '#' : '.')).join(''));

test('tableBundle: HTML with escaped text and right-aligned numbers, and an aligned plain-text twin', () => {
  const b = tableBundle(['set', 'IoU'], [['a<b', 0.81234], ['c', 2]], { caption: 'Table', digits: 2 });
  assert.is(b['text/plain'], 'Table\nset  IoU\n---  ----\na<b  0.81\nc    2');
  const html = b['text/html'] as string;
  assert.ok(html.includes('<td style="text-align:left">a&lt;b</td><td style="text-align:right">0.81</td>'));
  assert.ok(html.includes('<caption'));
  assert.throws(() => tableBundle(['a', 'b'], [[1]]), /tableBundle: row 0 must have 2 cells \(one per header\), but got 1/);
  const sent: MimeBundle[] = [];
  showTable(['x'], [[NaN]], { write: (bundle) => sent.push(bundle) });
  assert.is(sent[0]['text/plain'], 'x\n-\n–');
});

test('fineFraction counts only pixels where fine and coarse differ', () => {
  //          fine      1 1 0 0 1
  //          coarse    0 1 1 0 0   → differ at 0, 2, 4
  //          x_t       1 1 1 0 0   → shows fine at 0 only
  assert.equal(fineFraction([1, 1, 1, 0, 0], [1, 1, 0, 0, 1], [0, 1, 1, 0, 0]), { disagree: 3, fine: 1, fraction: 1 / 3 });
  assert.ok(Number.isNaN(fineFraction([1], [1], [1]).fraction));
  assert.throws(() => fineFraction([1, 0], [1], [1, 0]), /fineFraction: xt, fine and coarse must have one length, but got 2, 1 and 2/);
});

test('flipHistory: last step of change, number of flips (a pixel can flip back), changed count', () => {
  const initial = [0, 1, 0, 1];
  const steps = [{ x: [1, 1, 0, 0] }, { x: [1, 1, 1, 0] }, { x: [0, 1, 1, 0.7] }]; // last step: probabilities, ≥ ½ is 1
  const h = flipHistory(steps, initial);
  assert.equal(Array.from(h.lastStep), [2, -1, 1, 2]);
  assert.equal(Array.from(h.flips), [2, 0, 1, 2]);
  assert.is(h.changed, 3);
  assert.throws(() => flipHistory([{ x: [1] }], initial), /steps\[0\].x must have 4 entries \(as initial\), but got 1/);
});

test('drawBoxes outlines inside the box, clipped; drawPoints paints squares; inputs untouched', () => {
  const img = black(5, 6);
  assert.equal(art(drawBoxes(img, [[1, 1, 5, 4]], [255, 0, 0])), ['......', '.####.', '.#..#.', '.####.', '......']);
  assert.equal(art(drawBoxes(img, [[4, 3, 9, 9]], [255, 0, 0], 1)), ['......', '......', '......', '....##', '....#.']);
  assert.equal(art(drawPoints(img, [{ x: 0, y: 0 }, { x: 3, y: 2 }], [255, 0, 0], 1)), ['##....', '#####.', '..###.', '..###.', '......']);
  assert.ok(img.data.every((v) => v === 0));
  assert.throws(() => drawBoxes(img, [], [256, 0, 0]), /drawBoxes: color must be three integers in \[0, 255\], but got \[256,0,0\]/);
  assert.throws(() => drawPoints(img, [], [0, 0, 0], -1), /radius must be a non-negative integer, but got -1/);
});

test('fitPng shrinks only larger PNGs, keeping the aspect ratio', async () => {
  const png = await rgbToPng(black(40, 100));
  const small = await sharp(await fitPng(png, 50)).metadata();
  assert.equal([small.width, small.height], [50, 20]);
  assert.ok((await fitPng(png, 100)).equals(png));
  await expectRejects(fitPng(png, 0), /fitPng: maxSide must be a positive integer, but got 0/);
});

test('groupColors: one colour per group of traces, on lines, markers and error bars', () => {
  const s = (name: string) => ({ name, x: [1, 2], y: [0, 1], std: [0, 0] });
  const fig = groupColors(lineChart([s('a'), s('a, coarse'), s('b'), s('b, coarse')]), 2);
  const colors = fig.data.map((t) => { const d = t as { line: { color: string }; marker: { color: string }; error_y: { color: string } }; return [d.line.color, d.marker.color, d.error_y.color]; });
  assert.equal(colors, [0, 0, 1, 1].map((g) => [SERIES_COLORS[g], SERIES_COLORS[g], SERIES_COLORS[g]]));
  assert.throws(() => groupColors(fig, 0), /groupSize must be a positive integer, but got 0/);
});

test.run();
