import * as fs from 'fs';
import * as path from 'path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { drawLine8, fillPolygons } from '../../src/data/polygon_fill';

const OPENCV = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'opencv_reference.json'), 'utf8'));
const toRows = (d: Uint8Array, w: number) => Array.from({ length: d.length / w }, (_, y) => Array.from(d.subarray(y * w, (y + 1) * w)).join(''));
const fill = (h: number, w: number, polys: number[][]) => {
  const out = new Uint8Array(h * w);
  fillPolygons(out, w, h, polys.map((p) => Int32Array.from(p)));
  return toRows(out, w);
};

test('a right triangle: outline by Bresenham, inside by the scanline rule', () => {
  // Vertices (1,1), (5,1), (1,4). Hypotenuse drawn from (1,4) to (5,1) (dx 4, dy −3, err = 4 − 6 = −2):
  // (1,4) (2,3) (3,3) (4,2) (5,1). Scanline: edges (1,1)–(1,4) and (5,1)–(1,4) (x = 5 at row 1,
  // dx = trunc(−4·65536/3)/65536) are active on rows 1..3; row 2 fills ceil(1) … floor(3.67) = 1..3 and
  // row 3 fills 1..2. With the outline: row 1: 1..5, row 2: 1..4, row 3: 1..3, row 4: 1 (as cv2 prints).
  assert.equal(fill(6, 7, [[1, 1, 5, 1, 1, 4]]), ['0000000', '0111110', '0111100', '0111000', '0100000', '0000000']);
});

test('two nested polygons fill even-odd: the inner one stays open apart from its outline (drawContours −1)', () => {
  assert.equal(fill(7, 7, [[0, 0, 6, 0, 6, 6, 0, 6], [2, 2, 4, 2, 4, 4, 2, 4]]),
    ['1111111', '1111111', '1111111', '1110111', '1111111', '1111111', '1111111']);
});

test('one vertex draws a pixel, two draw a line', () => {
  assert.equal(fill(3, 4, [[2, 1]]), ['0000', '0010', '0000']);
  assert.equal(fill(3, 4, [[0, 0, 3, 2]]), ['1000', '0110', '0001']);
});

test('drawLine8 steps the major axis every pixel (OpenCV LineIterator, 8-connected)', () => {
  const out = new Uint8Array(3 * 5);
  // Drawn from the left end (0,2): 4 steps in x, 2 in y, err = 4 − 2·2 = 0. Each pixel: x += 1; y −= 1
  // when err < 0 (then err += 2·4 − 2·2, else err −= 2·2): (0,2) (1,2) (2,1) (3,1) (4,0). cv2.line agrees.
  drawLine8(out, 5, 3, 4, 0, 0, 2);
  assert.equal(toRows(out, 5), ['00001', '00110', '11000']);
});

test('equals cv2.drawContours(thickness = −1) of random polygon sets (OpenCV 4.6 fixture)', () => {
  assert.ok(OPENCV.fill.length >= 40);
  for (const [i, c] of OPENCV.fill.entries()) assert.equal(fill(c.height, c.width, c.polygons), c.filled, `case ${i}`);
});

test('bad input is an error', () => {
  assert.throws(() => fillPolygons(new Uint8Array(3), 2, 2, []), /fillPolygons: out must have 2×2 values, but got 3/);
  assert.throws(() => fillPolygons(new Uint8Array(4), 2, 2, [Int32Array.from([1])]), /fillPolygons: polygon 0 must hold \(x, y\) pairs, at least one, but got 1 numbers/);
});

test.run();
