/** DAVIS boundary F on hand-drawn masks. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { boundaryTolerancePx, computeBoundaryF, diskHalfWidths, dilateDisk, seg2bmap } from '../../src/metrics/boundary_f';
import type { BinaryMask } from '../../src/types';

function block(h: number, w: number, y0: number, x0: number, bh: number, bw: number): BinaryMask {
  const data = new Uint8Array(h * w);
  for (let y = y0; y < y0 + bh; y++) for (let x = x0; x < x0 + bw; x++) data[y * w + x] = 1;
  return { data, height: h, width: w };
}
const pixels = (b: Uint8Array, w: number) => [...b].flatMap((v, i) => (v ? [[Math.floor(i / w), i % w]] : []));

test('tolerance: ceil(0.008 · diagonal), or an integer radius when ≥ 1', () => {
  assert.is(boundaryTolerancePx(480, 854, 0.008), 8); // 0.008 · 979.7 = 7.84 → 8
  assert.is(boundaryTolerancePx(6, 8, 0.008), 1); // 0.08 → 1
  assert.is(boundaryTolerancePx(6, 8, 3), 3);
  assert.throws(() => boundaryTolerancePx(6, 8, 2.5), /must be an integer, but got 2.5/);
});

test('seg2bmap marks pixels that differ from the right, lower or lower-right neighbour', () => {
  // A 2×2 block at rows 2..3, cols 2..3 of 6×6: the boundary is the 3×3 ring from (1,1) to (3,3)
  // without its centre (2,2) — the map is shifted up-left by the "compare with later neighbours" rule.
  assert.equal(pixels(seg2bmap(block(6, 6, 2, 2, 2, 2)), 6), [[1, 1], [1, 2], [1, 3], [2, 1], [2, 3], [3, 1], [3, 2], [3, 3]]);
  // Last row: right neighbour only; last column: lower neighbour only; bottom-right never.
  assert.equal(pixels(seg2bmap(block(2, 2, 0, 0, 2, 2)), 2), []); // full mask: no boundary
  assert.equal(pixels(seg2bmap(block(2, 2, 0, 0, 1, 1)), 2), [[0, 0]]);
  assert.equal(pixels(seg2bmap(block(2, 2, 1, 1, 1, 1)), 2), [[0, 0], [0, 1], [1, 0]]);
});

test('disk(r) half-widths (skimage: dx² + dy² ≤ r²) and dilation with zero outside', () => {
  assert.equal(Array.from(diskHalfWidths(1)), [0, 1, 0]); // the 5-pixel cross
  assert.equal(Array.from(diskHalfWidths(2)), [0, 1, 2, 1, 0]);
  assert.equal(Array.from(diskHalfWidths(3)), [0, 2, 2, 3, 2, 2, 0]);
  const one = new Uint8Array(9);
  one[0] = 1;
  assert.equal(Array.from(dilateDisk(one, 3, 3, 1)), [1, 1, 0, 1, 0, 0, 0, 0, 0]);
});

test('a 2-pixel shift with a 1-pixel tolerance: 5 of 8 boundary pixels match each way', () => {
  // GT 2×2 at cols 2..3 of a 6×8 image: boundary ring (1,1)…(3,3) minus (2,2).
  // Pred 2×2 at cols 4..5: ring (1,3)…(3,5) minus (2,4).
  // Pred pixels within the cross of a GT boundary pixel: (1,3) (1,4) (2,3) (3,3) (3,4) → 5/8, not (1,5) (2,5) (3,5).
  // GT pixels within the cross of a pred boundary pixel: (1,2) (1,3) (2,3) (3,2) (3,3) → 5/8, not (1,1) (2,1) (3,1).
  const r = computeBoundaryF(block(6, 8, 2, 2, 2, 2), block(6, 8, 2, 4, 2, 2), 1);
  assert.equal([r.tolerancePx, r.predBoundaryPixels, r.gtBoundaryPixels, r.predMatched, r.gtMatched], [1, 8, 8, 5, 5]);
  assert.equal([r.precision, r.recall, r.f], [0.625, 0.625, 0.625]);
  // With a radius of 2 every boundary pixel is matched.
  assert.is(computeBoundaryF(block(6, 8, 2, 2, 2, 2), block(6, 8, 2, 4, 2, 2), 2).f, 1);
});

test('empty masks: DAVIS conventions', () => {
  const empty = block(6, 6, 0, 0, 0, 0), gt = block(6, 6, 2, 2, 2, 2);
  assert.equal([computeBoundaryF(gt, empty).precision, computeBoundaryF(gt, empty).recall, computeBoundaryF(gt, empty).f], [1, 0, 0]);
  assert.equal([computeBoundaryF(empty, gt).precision, computeBoundaryF(empty, gt).recall], [0, 1]);
  assert.is(computeBoundaryF(empty, empty).f, 1);
  assert.throws(() => computeBoundaryF(gt, block(5, 6, 0, 0, 1, 1)), /computeBoundaryF: gt and pred must have the same size/);
});

test.run();
