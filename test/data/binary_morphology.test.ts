import * as fs from 'fs';
import * as path from 'path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { dilateMask, erodeMask, morphologyInPlace } from '../../src/data/binary_morphology';
import { structuringElement } from '../../src/data/kernels';
import type { BinaryMask } from '../../src/types';

const OPENCV = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'opencv_reference.json'), 'utf8'));
const fromRows = (r: string[]): BinaryMask => ({ height: r.length, width: r[0].length, data: Uint8Array.from(r.join(''), (c) => (c === '1' ? 1 : 0)) });
const toRows = (m: BinaryMask) => Array.from({ length: m.height }, (_, y) => Array.from(m.data.subarray(y * m.width, (y + 1) * m.width)).join(''));

test('dilating one pixel by ELLIPSE (5, 2) gives the kernel mirrored about its anchor (cv2.dilate)', () => {
  // Kernel rows ['00100', '11111'], anchor (2, 1). dst(x, y) = max src(x + kx − 2, y + ky − 1), so the
  // pixel at (3, 2) reaches (3 − kx + 2, 2 − ky + 1): row 2 columns 1..5 (ky = 1) and (3, 3) (ky = 0).
  const m = fromRows(['0000000', '0000000', '0001000', '0000000', '0000000']);
  assert.equal(toRows(dilateMask(m, structuringElement('ellipse', 5, 2))), ['0000000', '0000000', '0111110', '0001000', '0000000']);
});

test('outside the image has no effect: a full mask never erodes, an empty one never dilates', () => {
  const k = structuringElement('rect', 9, 9);
  const full = fromRows(['111', '111']), empty = fromRows(['000', '000']);
  assert.equal(toRows(erodeMask(full, k)), ['111', '111']);
  assert.equal(toRows(dilateMask(empty, k)), ['000', '000']);
});

test('erosion by RECT 3×3 removes the one-pixel rim of a block but not along the image border', () => {
  const m = fromRows(['11110', '11110', '11110', '00000']);
  // Column 3 and row 2 touch background; row 0 and column 0 lie on the border (no effect).
  assert.equal(toRows(erodeMask(m, structuringElement('rect', 3, 3))), ['11100', '11100', '00000', '00000']);
});

test('a rectangle restricts both what is read and what is written (cv2 on a NumPy slice)', () => {
  const m = fromRows(['10000', '00000', '00000']);
  // Rect columns 1..4, rows 0..2: the foreground pixel at (0, 0) lies outside, so nothing grows.
  assert.equal(toRows(dilateMask(m, structuringElement('rect', 3, 3), [1, 0, 5, 3])), ['10000', '00000', '00000']);
  const n = fromRows(['01000', '00000', '00000']);
  assert.equal(toRows(dilateMask(n, structuringElement('rect', 3, 3), [1, 0, 3, 2])), ['01100', '01100', '00000']);
});

test('morphologyInPlace reports every change and the count', () => {
  const m = fromRows(['000', '010', '000']);
  const seen: [number, number][] = [];
  const n = morphologyInPlace(m.data, 3, 3, [0, 0, 3, 3], structuringElement('ellipse', 3, 3), 'dilate', (i, v) => seen.push([i, v]));
  assert.is(n, 4);
  assert.equal(seen, [[1, 1], [3, 1], [5, 1], [7, 1]]);
  assert.equal(toRows(m), ['010', '111', '010']);
  assert.throws(() => morphologyInPlace(m.data, 3, 3, [2, 0, 2, 3], structuringElement('rect', 3, 3), 'dilate'),
    /morphologyInPlace: rect must be a non-empty integer rectangle inside the 3×3 mask, but got \[2, 2\)×\[0, 3\)/);
});

test('dilate and erode equal cv2.dilate / cv2.erode on random masks and kernels (OpenCV 4.6 fixture)', () => {
  assert.ok(OPENCV.morphology.length >= 40);
  for (const [i, c] of OPENCV.morphology.entries()) {
    const m = fromRows(c.mask), k = structuringElement(c.shape, c.kernel_width, c.kernel_height);
    assert.equal(toRows(dilateMask(m, k)), c.dilated, `case ${i} dilate ${c.shape} (${c.kernel_width}, ${c.kernel_height})`);
    assert.equal(toRows(erodeMask(m, k)), c.eroded, `case ${i} erode`);
  }
});

test.run();
