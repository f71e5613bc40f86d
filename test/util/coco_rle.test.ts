/** COCO RLE against hand-worked encodings and a few pycocotools 2.0.11 outputs (named as such). */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  decodeRle, decodeRleCrop, encodeCrop, encodeMask, rleArea, rleFromBbox, rleFromPolygon, rleFromString, rleIou,
  rleMerge, rleToBbox, rleToString,
} from '../../src/util/coco_rle';
import type { BinaryMask } from '../../src/types';

const mask = (rows: number[][]): BinaryMask => ({ data: Uint8Array.from(rows.flat()), height: rows.length, width: rows[0].length });
const block = (h: number, w: number, y0: number, x0: number, bh: number, bw: number): BinaryMask => {
  const data = new Uint8Array(h * w);
  for (let y = y0; y < y0 + bh; y++) for (let x = x0; x < x0 + bw; x++) data[y * w + x] = 1;
  return { data, height: h, width: w };
};

// 3×2 mask, row-major:      column-major walk: col 0 = 0,1,0; col 1 = 1,1,0
//   0 1                      → 0 | 1 | 0 | 1 1 | 0 → counts [1, 1, 1, 2, 1]
//   1 1
//   0 0
const M32 = mask([[0, 1], [1, 1], [0, 0]]);

test('encodeMask walks columns (Fortran order) and starts with a 0-run', () => {
  assert.equal(Array.from(encodeMask(M32).counts), [1, 1, 1, 2, 1]);
  assert.equal(Array.from(encodeMask(mask([[1, 1]])).counts), [0, 2]); // leading empty 0-run
  assert.equal(Array.from(encodeMask(mask([[0, 0]])).counts), [2]);
});

test('decodeRle inverts encodeMask; area and bbox', () => {
  const rle = encodeMask(M32);
  assert.equal(Array.from(decodeRle(rle).data), Array.from(M32.data));
  assert.is(rleArea(rle), 3);
  assert.equal(rleToBbox(rle), [0, 0, 2, 2]); // x 0..1, y 0..1
  assert.equal(rleToBbox(encodeMask(mask([[0, 0]]))), [0, 0, 0, 0]);
});

test('a 1-run that wraps into the next column spans every row of the box', () => {
  // 3×2: pixel (2,0) and (0,1) are one run in column-major order; their box is rows 0..2, cols 0..1.
  assert.equal(rleToBbox(encodeMask(mask([[0, 1], [0, 0], [1, 0]]))), [0, 0, 2, 3]);
});

test('compressed strings: 5 bits per char, deltas against counts[i−2] from i = 3, sign bit', () => {
  // [1,1,1,2,1]: 1,1,1 → '1','1','1'; i=3: 2−1 = 1 → '1'; i=4: 1−1 = 0 → '0'. pycocotools: b'11110'.
  assert.is(rleToString(encodeMask(M32)), '11110');
  // 40 = 0b01000 + 1·32: low 5 bits 8 with the continuation bit (8|32 = 40 → '0'+40 = 'X'), then 1 → '1'.
  assert.is(rleToString({ height: 40, width: 1, counts: Uint32Array.of(40) }), 'X1');
  // [0,5,2,2] (3×3): i=3: 2−5 = −3 → low bits 29 with sign bit 0x10 set and nothing left → '0'+29 = 'M'.
  // pycocotools frPyObjects of this uncompressed RLE: b'052M'.
  const rle = { height: 3, width: 3, counts: Uint32Array.of(0, 5, 2, 2) };
  assert.is(rleToString(rle), '052M');
  assert.equal(Array.from(rleFromString('052M', 3, 3).counts), [0, 5, 2, 2]);
  assert.equal(Array.from(rleFromString('X1', 40, 1).counts), [40]);
});

test('malformed compressed strings are rejected', () => {
  assert.throws(() => rleFromString('1\x7f', 2, 1), /characters '0'..'o'/);
  assert.throws(() => rleFromString('X', 40, 1), /must not end inside a value/);
  assert.throws(() => rleFromString('0M', 3, 3), /count #1 must be in \[0, 2\^32\)/);
  assert.throws(() => decodeRle({ height: 2, width: 2, counts: Uint32Array.of(1, 1) }), /must sum to height·width = 2·2 = 4, but sum to 2/);
});

test('frPoly: a square with corners between pixel centres covers the 2×2 centres inside it', () => {
  // Corners at .5 enclose the centres (1,1), (1,2), (2,1), (2,2). pycocotools: b'52203' = [5,2,2,2,5].
  const rle = rleFromPolygon([0.5, 0.5, 2.5, 0.5, 2.5, 2.5, 0.5, 2.5], 4, 4);
  assert.is(rleToString(rle), '52203');
  assert.equal(Array.from(decodeRle(rle).data), Array.from(block(4, 4, 1, 1, 2, 2).data));
  // rleFrBbox is the polygon of the box corners.
  assert.is(rleToString(rleFromBbox([0.5, 0.5, 2, 2], 4, 4)), '52203');
});

test('frPoly reproduces pycocotools on a triangle with vertices on pixel centres', () => {
  // pycocotools 2.0.11: frPyObjects([[1,1, 4,1, 1,4]], 6, 6) = b'724Ob0', pixels (1,1), (1,2), (2,1).
  const rle = rleFromPolygon([1, 1, 4, 1, 1, 4], 6, 6);
  assert.is(rleToString(rle), '724Ob0');
  const want = new Uint8Array(36);
  for (const [y, x] of [[1, 1], [1, 2], [2, 1]]) want[y * 6 + x] = 1;
  assert.equal(Array.from(decodeRle(rle).data), Array.from(want));
});

test('merge: union and intersection', () => {
  const a = encodeMask(block(4, 4, 0, 0, 2, 2)), b = encodeMask(block(4, 4, 1, 1, 2, 2));
  assert.is(rleArea(rleMerge([a, b])), 7); // 4 + 4 − 1
  assert.is(rleArea(rleMerge([a, b], true)), 1);
  assert.equal(Array.from(decodeRle(rleMerge([a, b], true)).data), Array.from(block(4, 4, 1, 1, 1, 1).data));
  assert.throws(() => rleMerge([a, encodeMask(block(3, 4, 0, 0, 1, 1))]), /same size/);
});

test('IoU: union rule for regular GTs, detection-area rule for crowds, [D × G] layout', () => {
  const dt = encodeMask(block(6, 6, 1, 1, 2, 2)); // 4 px
  const gtBig = encodeMask(block(6, 6, 0, 0, 4, 4)); // 16 px containing dt
  const gtFar = encodeMask(block(6, 6, 5, 5, 1, 1)); // disjoint box: 0 without decoding
  const o = rleIou([dt, dt], [gtBig, gtBig, gtFar], [false, true, false]);
  // regular: 4 / 16 = 0.25; crowd: 4 / |dt| = 1; disjoint: 0.
  assert.equal(Array.from(o), [0.25, 1, 0, 0.25, 1, 0]);
});

test('decodeRleCrop / encodeCrop round trip a box of the mask', () => {
  const m = mask([[0, 0, 0, 0], [0, 1, 1, 0], [0, 1, 0, 0], [1, 0, 0, 0]]);
  const rle = encodeMask(m);
  const box = rleToBbox(rle); // [0, 1, 3, 3]
  assert.equal(box, [0, 1, 3, 3]);
  const crop = decodeRleCrop(rle, box);
  assert.equal(Array.from(crop.data), [0, 1, 1, 0, 1, 0, 1, 0, 0]);
  assert.equal(Array.from(encodeCrop(crop, box[0], box[1], 4, 4).counts), Array.from(rle.counts));
  // A full column run continues into the next column: one run, as encodeMask gives.
  const full = mask([[1, 1], [1, 1]]);
  assert.equal(Array.from(encodeCrop(full, 0, 0, 2, 2).counts), [0, 4]);
  assert.throws(() => encodeCrop(full, 1, 0, 2, 2), /must lie inside the 2×2 image/);
});

test.run();
