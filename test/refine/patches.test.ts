/** Refinement geometry on hand-made inputs: boxes, grid_sample paste-back, HR candidate patches, NMS. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { boxIou, nms, BoxXyxy } from '../../src/refine/nms';
import { boxHasBothClasses, maskBox, padBox, pasteBilinear, patchCandidates } from '../../src/refine/patches';
import { selectPatches } from '../../src/refine/high_resolution';
import { DEFAULT_HIGH_RESOLUTION_OPTIONS } from '../../src/refine/options';

const mask = (rows: string[]) => ({
  data: Uint8Array.from(rows.join('').split(''), (c) => (c === '1' ? 1 : 0)), height: rows.length, width: rows[0].length,
});

test('maskBox is the tight box with exclusive ends; padBox clips to the image', () => {
  const m = mask(['00000', '00100', '01100', '00000']);
  assert.equal(maskBox(m), [1, 1, 3, 3]);
  assert.is(maskBox(mask(['000', '000'])), null);
  assert.equal(padBox([1, 1, 3, 3], 20, 4, 5), [0, 0, 5, 4]);
  assert.equal(padBox([10, 10, 20, 30], 2, 100, 100), [8, 8, 22, 32]);
});

test('pasteBilinear: a map the size of its box is copied; the rest of the image stays zero', () => {
  const src = Float32Array.from([1, 2, 3, 4, 5, 6]); // 2×3
  const out = new Float32Array(4 * 5);
  pasteBilinear(src, 2, 3, [1, 1, 4, 3], out, 4, 5);
  assert.equal(Array.from(out), [0, 0, 0, 0, 0, /**/ 0, 1, 2, 3, 0, /**/ 0, 4, 5, 6, 0, /**/ 0, 0, 0, 0, 0]);
});

test('pasteBilinear: half-pixel grid_sample with zeros padding, shrinking and enlarging', () => {
  // 1×5 image, box x [1, 3): pixel x samples source position (x + 0.5 − 1)/2·4 − 0.5 of a 4-wide map
  const out = new Float32Array(5);
  pasteBilinear(Float32Array.from([1, 3, 5, 7]), 1, 4, [1, 0, 3, 1], out, 1, 5);
  assert.equal(Array.from(out), [0, 2, 6, 0, 0]); // positions 0.5 and 2.5; 4.5 and −1.5 have no taps
  // 1×7 image, box x [1, 5) from a 2-wide map: positions −0.75, −0.25, 0.25, 0.75, 1.25, 1.75, 2.25;
  // taps outside the map read zero, so the box edges (and one pixel beyond) get partial weight
  const up = new Float32Array(7);
  pasteBilinear(Float32Array.from([2, 4]), 1, 2, [1, 0, 5, 1], up, 1, 7);
  assert.equal(Array.from(up), [0.5, 1.5, 2.5, 3.5, 3, 1, 0]);
});

test('patchCandidates: low-confidence points become patch boxes shifted inside the image, scored 1 − s', () => {
  // 4×4 grid over an 8×9 image (H 8, W 9): scale y 2, x 2.25; patch 4, so half 2
  const s = Float32Array.from([
    1.0, 1.0, 1.0, 1.0,
    1.0, 0.2, 1.0, 1.0,
    1.0, 1.0, 1.0, 1.0,
    0.5, 1.0, 1.0, 0.9,
  ]);
  const c = patchCandidates(s, 4, 8, 9, 4, 0.9); // threshold 0.9: strictly below
  // (1,1): centre (y 2, x int(2.25)=2) → [0,0,4,4]; (3,0): centre (6, 0) → x [−2,2) → [0,4), y [4,8)
  assert.equal(c.boxes, [[0, 0, 4, 4], [0, 4, 4, 8]]);
  assert.equal(Array.from(c.scores), [Math.fround(0.8), 0.5]);
  // (3,3) with s 0.9 is not below 0.9·max; a lower max moves the threshold
  const c2 = patchCandidates(s.map((v) => v * 0.5), 4, 8, 9, 4, 0.9);
  assert.is(c2.boxes.length, 2);
  // high-side shift: grid (3,3) over 8×8 with patch 6 has centre (6,6) → [3,9) → moved to [2,8)
  const s3 = new Float32Array(16).fill(1);
  s3[15] = 0;
  assert.equal(patchCandidates(s3, 4, 8, 8, 6, 0.9).boxes, [[2, 2, 8, 8]]);
  assert.throws(() => patchCandidates(s, 4, 3, 9, 4, 0.9), /image must be at least 4×4 \(the patch size\), but got 3×9/);
});

test('nms: descending score, suppress when IoU > threshold (not =), ties keep input order', () => {
  const a: BoxXyxy = [0, 0, 10, 10], b: BoxXyxy = [5, 0, 15, 10], c: BoxXyxy = [7, 0, 17, 10], d: BoxXyxy = [0, 0, 10, 3];
  assert.ok(Math.abs(boxIou(a, b) - 50 / 150) < 1e-12);
  assert.is(boxIou(a, d), 0.3);
  // IoU(a, c) = 30/170, IoU(b, c) = 80/120
  assert.equal(nms([b, a, c], [0.8, 0.9, 0.7], 0.3), [1, 2]); // a kept; b (IoU 1/3 with a) gone; c kept
  assert.equal(nms([a, d], [0.9, 0.5], 0.3), [0, 1]); // IoU exactly 0.3 is kept
  assert.equal(nms([a, b, c], [0.5, 0.5, 0.5], 0.3), [0, 2]);
  assert.equal(nms([a, b, c], [0.5, 0.5, 0.5], 0.6), [0, 1]); // b survives a; c (2/3 with b) does not
  assert.throws(() => nms([a], [1, 2], 0.3), /nms: scores must have one value per box \(1\), but got 2/);
});

test('selectPatches keeps only boxes whose crop of M_g holds both classes', () => {
  // 8×8 image, grid 4, patch 4; M_g foreground: the top-left 4×4 block and pixel (7, 7)
  const mg = new Uint8Array(64);
  for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) mg[y * 8 + x] = 1;
  mg[63] = 1;
  // low confidence at grid (0,0) → box [0,0,4,4] (all foreground: dropped) and (3,3) → centre (6,6) → [4,4,8,8] (kept)
  const s = new Float32Array(16).fill(1);
  s[0] = 0.1;
  s[15] = 0.2;
  assert.equal(selectPatches(s, mg, 4, 8, 8, DEFAULT_HIGH_RESOLUTION_OPTIONS), [[4, 4, 8, 8]]);
  assert.ok(boxHasBothClasses(mg, 8, [2, 2, 6, 6]));
  assert.not.ok(boxHasBothClasses(mg, 8, [4, 0, 8, 4]));
});

test.run();
