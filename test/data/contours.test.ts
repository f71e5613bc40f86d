import * as fs from 'fs';
import * as path from 'path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { findContours } from '../../src/data/contours';
import type { BinaryMask } from '../../src/types';

const OPENCV = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'opencv_reference.json'), 'utf8'));
const fromRows = (r: string[]): BinaryMask => ({ height: r.length, width: r[0]?.length ?? 0, data: Uint8Array.from(r.join(''), (c) => (c === '1' ? 1 : 0)) });
const points = (m: BinaryMask) => findContours(m).map((c) => Array.from(c.points));

test('a 5×3 block: one outer border from its top-left pixel, down the left side first (12 points)', () => {
  const m = fromRows(['0000000', '0111110', '0111110', '0111110', '0000000']);
  assert.equal(points(m), [[1, 1, 1, 2, 1, 3, 2, 3, 3, 3, 4, 3, 5, 3, 5, 2, 5, 1, 4, 1, 3, 1, 2, 1]]);
  assert.is(findContours(m)[0].isHole, false);
});

test('a hole gives a second border through the pixels around it; RETR_LIST lists the last found first', () => {
  // The outer border (found first, at (0, 0)) runs along the image border; the hole border starts at
  // the foreground pixel left of the hole, (1, 2), and cuts the corners (8-connected foreground).
  const m = fromRows(['11111', '11111', '11011', '11111', '11111']);
  const c = findContours(m);
  assert.equal(c.map((k) => k.isHole), [true, false]);
  assert.equal(Array.from(c[0].points), [1, 2, 2, 1, 3, 2, 2, 3]);
  assert.equal(Array.from(c[1].points), [0, 0, 0, 1, 0, 2, 0, 3, 0, 4, 1, 4, 2, 4, 3, 4, 4, 4, 4, 3, 4, 2, 4, 1, 4, 0, 3, 0, 2, 0, 1, 0]);
});

test('a 1-px line is traced there and back; single pixels are 1-point contours; diagonal pixels connect', () => {
  assert.equal(points(fromRows(['0000', '1111', '0000'])), [[0, 1, 1, 1, 2, 1, 3, 1, 2, 1, 1, 1]]);
  assert.equal(points(fromRows(['1000', '0000', '0010', '0001'])), [[2, 2, 3, 3], [0, 0]]);
});

test('empty and 0×0 masks have no contours', () => {
  assert.equal(points(fromRows(['000', '000'])), []);
  assert.equal(points({ data: new Uint8Array(0), height: 0, width: 0 }), []);
});

test('equals cv2.findContours(RETR_LIST, CHAIN_APPROX_NONE) on random masks (OpenCV 4.6 fixture)', () => {
  assert.ok(OPENCV.contours.length >= 40);
  for (const [i, c] of OPENCV.contours.entries()) assert.equal(points(fromRows(c.mask)), c.contours, `case ${i}: ${c.mask.join('/')}`);
});

test('a mask whose data length does not match its size is an error', () => {
  assert.throws(() => findContours({ data: new Uint8Array(5), height: 2, width: 3 }), /findContours: mask data must have 2×3 values, but got 5/);
});

test.run();
