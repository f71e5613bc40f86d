import sharp from 'sharp';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { BinaryMask, RgbImage } from '../../src/types';
import { fadedGray, innerContour, overlayMasks } from '../../src/vis/overlay';
import { overlayPng, rgbToPng } from '../../src/vis/to_png';
import { expectRejects } from '../helpers/rejects';

const grey = (h: number, w: number, v = 100): RgbImage => ({ data: new Uint8Array(h * w * 3).fill(v), height: h, width: w });
const mask = (rows: string[]): BinaryMask => ({ data: Uint8Array.from(rows.join(''), (c) => (c === '1' ? 1 : 0)), height: rows.length, width: rows[0].length });
const px = (img: RgbImage, y: number, x: number) => Array.from(img.data.subarray(3 * (y * img.width + x), 3 * (y * img.width + x) + 3));

test('a 2×2 fill on a 4×4 image: round(0.65·100 + 0.35·colour), the rest untouched', () => {
  const out = overlayMasks(grey(4, 4), [{ mask: mask(['0000', '0110', '0110', '0000']), color: [228, 26, 28], fillAlpha: 0.35, contourWidth: 0 }]);
  // 65 + 79.8 = 144.8, 65 + 9.1 = 74.1, 65 + 9.8 = 74.8
  for (const [y, x] of [[1, 1], [1, 2], [2, 1], [2, 2]]) assert.equal(px(out, y, x), [145, 74, 75]);
  for (const [y, x] of [[0, 0], [0, 3], [3, 3], [1, 0]]) assert.equal(px(out, y, x), [100, 100, 100]);
});

test('contours are the mask pixels next to the outside, drawn opaque over every fill', () => {
  const m = mask(['00000', '01110', '01110', '01110', '00000']);
  const out = overlayMasks(grey(5, 5), [{ mask: m, color: [200, 0, 0], fillAlpha: 0.5, contourWidth: 1 }]);
  assert.equal(px(out, 2, 2), [150, 50, 50]); // centre: fill only
  for (const [y, x] of [[1, 1], [1, 2], [3, 3], [2, 1]]) assert.equal(px(out, y, x), [200, 0, 0]);
  assert.equal(px(out, 0, 2), [100, 100, 100]);
  // a later layer's fill does not cover an earlier contour
  const two = overlayMasks(grey(5, 5), [
    { mask: m, color: [200, 0, 0], fillAlpha: 0, contourWidth: 1 },
    { mask: m, color: [0, 200, 0], fillAlpha: 0.5, contourWidth: 0 },
  ]);
  assert.equal(px(two, 1, 1), [200, 0, 0]);
  assert.equal(px(two, 2, 2), [50, 150, 50]);
});

test('innerContour: width 2 eats two rings; the image border counts as outside', () => {
  const m = mask(['11111', '11111', '11111', '11111', '11111']);
  assert.equal(Array.from(innerContour(m, 1)), Array.from(mask(['11111', '10001', '10001', '10001', '11111']).data));
  assert.equal(Array.from(innerContour(m, 2)), Array.from(mask(['11111', '11111', '11011', '11111', '11111']).data));
});

test('bare masks take the default styles by position: red fill, green fill, blue outline', () => {
  const m = mask(['0000', '0110', '0110', '0000']);
  const out = overlayMasks(grey(4, 4), [m, m, m]);
  // every pixel of a 2×2 mask is contour; the last layer (ground truth, blue) is drawn last
  assert.equal(px(out, 1, 1), [55, 126, 184]);
  const fills = overlayMasks(grey(4, 4), [{ mask: m, contourWidth: 0 }, { mask: m, contourWidth: 0, color: undefined }]);
  // red then green at α = 0.35: round(0.65·145 + 0.35·77) = 121, round(0.65·74 + 0.35·175) = 109, round(0.65·75 + 0.35·74) = 75
  assert.equal(px(fills, 1, 1), [121, 109, 75]);
});

test('overlayMasks leaves the input alone and checks sizes and styles', () => {
  const img = grey(4, 4);
  overlayMasks(img, [mask(['1111', '1111', '1111', '1111'])]);
  assert.ok(img.data.every((v) => v === 100));
  assert.throws(() => overlayMasks(img, [mask(['11', '11'])]), /overlayMasks: mask 0 must have the image's size 4×4, but got 2×2/);
  assert.throws(() => overlayMasks(img, [{ mask: mask(['1111', '1111', '1111', '1111']), fillAlpha: 2 }]), /fillAlpha of mask 0 must lie in \[0, 1\], but got 2/);
  assert.throws(() => overlayMasks({ data: new Uint8Array(5), height: 4, width: 4 }, []), /image data must have height·width·3 = 48 bytes/);
});

test('fadedGray: Rec. 601 luma, faded towards white', () => {
  const img: RgbImage = { data: Uint8Array.from([255, 0, 0, 0, 0, 0]), height: 1, width: 2 };
  assert.equal(Array.from(fadedGray(img).data), [76, 76, 76, 0, 0, 0]);
  assert.equal(Array.from(fadedGray(img, 0.5).data), [166, 166, 166, 128, 128, 128]);
});

test('overlayPng and rgbToPng encode the exact pixels', async () => {
  const m = mask(['0000', '0110', '0110', '0000']);
  const png = await overlayPng(grey(4, 4), [{ mask: m, color: [228, 26, 28], fillAlpha: 0.35, contourWidth: 0 }]);
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  assert.equal([info.width, info.height, info.channels], [4, 4, 3]);
  assert.equal(Array.from(data.subarray(15, 18)), [145, 74, 75]);
  await expectRejects(rgbToPng({ data: new Uint8Array(3), height: 2, width: 2 }), /rgbToPng: image data must have/);
});

test.run();
