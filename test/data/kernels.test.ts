import * as fs from 'fs';
import * as path from 'path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { kernelMatrix, structuringElement } from '../../src/data/kernels';
import { FIXTURES_DIR } from '../helpers/fixtures';

const rows = (m: number[][]) => m.map((r) => r.join(''));
const OPENCV = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'opencv_reference.json'), 'utf8'));

test('RECT is all ones with the centre anchor (integer division), any (w, h)', () => {
  const k = structuringElement('rect', 4, 3);
  assert.equal(rows(kernelMatrix(k)), ['1111', '1111', '1111']);
  assert.equal([k.anchorX, k.anchorY], [2, 1]);
});

test('ELLIPSE (5, 2) and (9, 4), worked by hand from getStructuringElement', () => {
  // (5,2): r = 1, c = 2. Row 0: dy = −1, dx = round(2·√0) = 0 → column 2. Row 1: dy = 0, dx = 2 → all.
  assert.equal(rows(kernelMatrix(structuringElement('ellipse', 5, 2))), ['00100', '11111']);
  // (9,4): r = 2, c = 4. dy = −2: dx = 0; dy = −1: dx = round(4·√(3/4)) = round(3.46) = 3; dy = 0: 4; dy = 1: 3.
  assert.equal(rows(kernelMatrix(structuringElement('ellipse', 9, 4))), ['000010000', '011111110', '111111111', '011111110']);
});

test('degenerate ELLIPSEs: (3, 1) is one pixel, (1, 3) a column, 1×1 a rect', () => {
  // (3,1): r = 0 so dx = round(c·√(0·0)) = 0 → only the centre column (OpenCV prints [0 1 0]).
  assert.equal(rows(kernelMatrix(structuringElement('ellipse', 3, 1))), ['010']);
  assert.equal(rows(kernelMatrix(structuringElement('ellipse', 1, 3))), ['1', '1', '1']);
  assert.equal(rows(kernelMatrix(structuringElement('ellipse', 1, 1))), ['1']);
});

test('square ellipses equal ../shared/fixtures/ellipse_kernels.json (r = 1..16)', () => {
  const { kernels } = JSON.parse(fs.readFileSync(path.join(FIXTURES_DIR, 'ellipse_kernels.json'), 'utf8'));
  for (const [r, expected] of Object.entries(kernels) as [string, number[][]][]) {
    const size = 2 * Number(r) + 1;
    assert.equal(kernelMatrix(structuringElement('ellipse', size, size)), expected, `r = ${r}`);
  }
});

test('every RECT and ELLIPSE of (w, h) in 1..10 equals cv2.getStructuringElement (OpenCV 4.6)', () => {
  assert.is(OPENCV.kernels.length, 200);
  for (const k of OPENCV.kernels) {
    assert.equal(rows(kernelMatrix(structuringElement(k.shape, k.width, k.height))), k.kernel, `${k.shape} (${k.width}, ${k.height})`);
  }
});

test('bad sizes and shapes are errors', () => {
  assert.throws(() => structuringElement('ellipse', 0, 3), /structuringElement: width must be a positive integer, but got 0/);
  assert.throws(() => structuringElement('cross' as 'rect', 3, 3), /shape must be 'rect' or 'ellipse', but got 'cross'/);
});

test.run();
