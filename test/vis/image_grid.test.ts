import sharp from 'sharp';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { RgbImage } from '../../src/types';
import { colormapTable } from '../../src/vis/colormap';
import { comparisonGridPng, composeGrid, escapeXml, imageGridPng, panelToRgb, scaleNearest, textLayerSvg } from '../../src/vis/image_grid';

const px = (img: RgbImage, y: number, x: number) => Array.from(img.data.subarray(3 * (y * img.width + x), 3 * (y * img.width + x) + 3));
const rgb = (h: number, w: number, f: (y: number, x: number) => number[]): RgbImage => {
  const data = new Uint8Array(h * w * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.set(f(y, x), 3 * (y * w + x));
  return { data, height: h, width: w };
};

test('scaleNearest duplicates pixels when enlarging and samples centres when shrinking', () => {
  const img = rgb(2, 2, (y, x) => [10 * y + x, 0, 0]);
  const up = scaleNearest(img, 4);
  assert.equal([up.height, up.width], [4, 4]);
  assert.equal([0, 1, 2, 3].map((x) => px(up, 3, x)[0]), [10, 10, 11, 11]);
  const wide = rgb(4, 6, (y, x) => [10 * y + x, 0, 0]);
  const down = scaleNearest(wide, 2); // width round(6·2/4) = 3; sources y 1, 3 and x 1, 3, 5
  assert.equal([down.height, down.width], [2, 3]);
  assert.equal([px(down, 0, 0)[0], px(down, 0, 2)[0], px(down, 1, 1)[0]], [11, 15, 33]);
  assert.is(scaleNearest(img, 2), img);
});

test('panelToRgb: masks white on black, maps through the colormap, and checks sizes and values', () => {
  const m = panelToRgb({ kind: 'mask', mask: { data: Uint8Array.from([0, 1]), height: 1, width: 2 } });
  assert.equal(Array.from(m.data), [0, 0, 0, 255, 255, 255]);
  const v = colormapTable('viridis');
  const map = panelToRgb({ kind: 'map', values: [1], height: 1, width: 1 });
  assert.equal(Array.from(map.data), Array.from(v.subarray(765, 768)));
  assert.throws(() => panelToRgb({ kind: 'mask', mask: { data: Uint8Array.from([0, 255]), height: 1, width: 2 } }), /mask values must be 0 or 1, but got 255 at index 1/);
  assert.throws(() => panelToRgb({ kind: 'map', values: [0, 1, 0], height: 2, width: 2 }), /panel data must have height·width = 4 entries, but got 3/);
});

test('composeGrid: panels scaled to a common height, padded, empty cells left as background', () => {
  const a = rgb(2, 2, () => [255, 0, 0]); // → 4×4
  const b = rgb(1, 2, () => [0, 0, 255]); // → 4×8
  const { image, texts } = composeGrid([{ kind: 'rgb', image: a }, { kind: 'rgb', image: b }, null, { kind: 'rgb', image: a }],
    { columns: 2, panelHeight: 4, padding: 1, background: [9, 9, 9] });
  // columns 4 and 8 wide: 1 + 4 + 1 + 8 + 1 = 15; two rows: 1 + 4 + 1 + 4 + 1 = 11
  assert.equal([image.width, image.height], [15, 11]);
  assert.equal(texts, []);
  assert.equal(px(image, 0, 0), [9, 9, 9]);
  assert.equal(px(image, 1, 1), [255, 0, 0]);
  assert.equal(px(image, 4, 4), [255, 0, 0]);
  assert.equal(px(image, 1, 6), [0, 0, 255]);
  assert.equal(px(image, 4, 13), [0, 0, 255]);
  assert.equal(px(image, 7, 2), [9, 9, 9]); // empty cell
  assert.equal(px(image, 7, 8), [255, 0, 0]); // 4-wide panel centred in the 8-wide column: x 8..11
  assert.equal(px(image, 7, 7), [9, 9, 9]);
});

test('composeGrid reserves room for titles, row labels and a colour bar, and places their text', () => {
  const panel = { kind: 'mask' as const, mask: { data: new Uint8Array(4), height: 2, width: 2 }, title: 'coarse' };
  const plain = composeGrid([panel, panel], { columns: 2, padding: 2, panelHeight: 10 }).image;
  const labelled = composeGrid([panel, panel], { columns: 2, padding: 2, panelHeight: 10, rowLabels: ['scene'], columnTitles: ['a', 'b'], colorbar: { colormap: 'viridis', label: 'p' } });
  assert.ok(labelled.image.width > plain.width && labelled.image.height > plain.height);
  const words = labelled.texts.map((t) => t.text).sort();
  assert.equal(words, ['0', '0.5', '1', 'a', 'b', 'coarse', 'coarse', 'p', 'scene']);
  assert.throws(() => composeGrid([panel], { columns: 1, rowLabels: ['a', 'b'] }), /rowLabels must have one label per row \(1\), but got 2/);
  assert.throws(() => composeGrid([null], { columns: 1 }), /panels must contain at least one panel/);
  assert.throws(() => composeGrid([panel], { columns: 0 }), /columns must be a positive integer, but got 0/);
});

test('textLayerSvg escapes text and splits lines', () => {
  const svg = textLayerSvg([{ x: 5, y: 10, text: 'a<b & "c"\nd', anchor: 'end', size: 12 }], 20, 20);
  assert.match(svg, 'a&lt;b &amp; &quot;c&quot;</tspan><tspan x="5" dy="17">d</tspan>');
  assert.is(escapeXml(`<'>`), '&lt;&#39;&gt;');
});

test('imageGridPng: a 3-channel PNG of the composed size, with one caption per panel', async () => {
  const a = rgb(2, 2, () => [255, 0, 0]);
  const r = await imageGridPng([{ kind: 'rgb', image: a, title: 'red' }, null], { columns: 2, panelHeight: 8, columnTitles: ['x', 'y'] });
  const meta = await sharp(r.png).metadata();
  assert.equal([meta.width, meta.height, meta.channels], [r.width, r.height, 3]);
  assert.equal(r.captions, ['row 1, column 1 (x): red', 'row 1, column 2 (y): (empty)']);
});

test('comparisonGridPng: image, coarse, refined and (if any scene has it) ground truth per row', async () => {
  const image = rgb(2, 2, () => [100, 100, 100]);
  const m = { data: Uint8Array.from([1, 0, 0, 0]), height: 2, width: 2 };
  const r = await comparisonGridPng([
    { image, coarse: m, refined: m, gt: m, label: 'a', coarseNote: 'IoU 0.5' },
    { image, coarse: m, refined: m, label: 'b' },
  ], { panelHeight: 8 });
  assert.equal(r.captions, [
    'row 1 (a), column 1 (image): rgb', 'row 1 (a), column 2 (coarse): IoU 0.5', 'row 1 (a), column 3 (refined): rgb', 'row 1 (a), column 4 (ground truth): rgb',
    'row 2 (b), column 1 (image): rgb', 'row 2 (b), column 2 (coarse): rgb', 'row 2 (b), column 3 (refined): rgb', 'row 2 (b), column 4 (ground truth): (empty)',
  ]);
  const { data, info } = await sharp(r.png).raw().toBuffer({ resolveWithObject: true });
  assert.equal([info.width, info.height], [r.width, r.height]);
  assert.ok(data.length > 0);
  await comparisonGridPng([]).then(() => assert.unreachable(), (e: Error) => assert.match(e.message, /rows must hold at least one scene/));
});

test.run();
