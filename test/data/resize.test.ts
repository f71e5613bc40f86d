import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bilinearTaps, nearestIndices, resizeBilinear, resizeMaskBilinear, resizeMaskNearest, resizeNearest } from '../../src/data/resize';

const close = (got: Float32Array, want: number[], tol = 1e-5) => {
  assert.is(got.length, want.length);
  got.forEach((v, i) => assert.ok(Math.abs(v - want[i]) <= tol, `index ${i}: ${v} vs ${want[i]}`));
};

test('bilinear downscale 4 → 2 averages two neighbours only (no antialias)', () => {
  // scale 2: dst 0 → src 2·0.5 − 0.5 = 0.5 → (0 + 10)/2; dst 1 → 2.5 → (20 + 30)/2.
  close(resizeBilinear([0, 10, 20, 30], 1, 4, 1, 1, 2), [5, 25]);
});

test('bilinear upscale 2 → 4: half-pixel centres, clamped at 0 below and at the last index above', () => {
  // scale 0.5: dst 0 → −0.25 → 0 → 0; dst 1 → 0.25 → 2.5; dst 2 → 0.75 → 7.5; dst 3 → 1.25: i0 = 1 = in − 1,
  // so i1 = i0 and the value is 10.
  close(resizeBilinear([0, 10], 1, 2, 1, 1, 4), [0, 2.5, 7.5, 10]);
  const t = bilinearTaps(2, 4);
  assert.equal([Array.from(t.i0), Array.from(t.i1)], [[0, 0, 0, 1], [1, 1, 1, 1]]);
});

test('bilinear 2×2 → 3×3 with two channels (HWC): taps [0], [0,1]/2, [1] on both axes', () => {
  // scale 2/3: dst 0 → max(1/3 − 0.5, 0) = 0; dst 1 → 1 − 0.5 = 0.5; dst 2 → 5/3 − 0.5 = 1.17 → i0 = 1 = last.
  const src = [0, 100, 4, 104, 8, 108, 12, 112]; // channel 0: [[0, 4], [8, 12]]; channel 1: +100
  const out = resizeBilinear(src, 2, 2, 2, 3, 3);
  close(out.filter((_, i) => i % 2 === 0), [0, 2, 4, 4, 6, 8, 8, 10, 12]);
  close(out.filter((_, i) => i % 2 === 1), [100, 102, 104, 104, 106, 108, 108, 110, 112]);
});

test('bilinear to the same size is the identity', () => {
  const src = [1.5, -2, 3.25, 7, 0, 9];
  assert.equal(Array.from(resizeBilinear(src, 2, 3, 1, 2, 3)), src);
});

test('nearest: src = min(floor(dst·in/out), in − 1), not half-pixel', () => {
  assert.equal(Array.from(nearestIndices(5, 3)), [0, 1, 3]); // scale 5/3: 0, 1.67, 3.33
  assert.equal(Array.from(nearestIndices(3, 5)), [0, 0, 1, 1, 2]); // scale 0.6: 0, 0.6, 1.2, 1.8, 2.4
  assert.equal(Array.from(nearestIndices(3, 7)), [0, 0, 0, 1, 1, 2, 2]);
  assert.equal(Array.from(nearestIndices(2, 4)), [0, 0, 1, 1]); // PyTorch's ×2 shortcut: dst >> 1
  assert.equal(Array.from(resizeNearest([10, 20, 30, 40, 50], 1, 5, 1, 1, 3)), [10, 20, 40]);
});

test('nearest computes dst·scale in float32 as PyTorch does: 26 → 22 picks 12 for dst 11, not 13', () => {
  // scale = float32(26/22) = 1.18181812…; 11·scale in float32 = 12.999999 → floor 12, although 11·26/22 = 13
  // exactly. (torch 2.11 CPU F.interpolate(mode='nearest') gives the same indices for this size pair.)
  const idx = nearestIndices(26, 22);
  assert.is(idx[11], 12);
  assert.is(idx[10], 11);
});

test('mask helpers: nearest keeps {0, 1}; bilinear thresholds at ≥ 0.5', () => {
  const m = { data: Uint8Array.from([0, 1, 1, 0]), height: 1, width: 4 };
  assert.equal(Array.from(resizeMaskNearest(m, 1, 2).data), [0, 1]);
  // Bilinear 4 → 2: (0 + 1)/2 = 0.5 → 1, (1 + 0)/2 = 0.5 → 1.
  assert.equal(Array.from(resizeMaskBilinear(m, 1, 2).data), [1, 1]);
  assert.equal(Array.from(resizeMaskBilinear(m, 1, 2, 0.75).data), [0, 0]);
});

test('bad sizes are errors naming the value', () => {
  assert.throws(() => resizeBilinear([1, 2], 1, 2, 1, 0, 2), /resizeBilinear: outHeight must be a positive integer, but got 0/);
  assert.throws(() => resizeNearest([1, 2, 3], 1, 2, 1, 1, 2), /resizeNearest: src must hold height·width·channels = 2 values, but got 3/);
});

test.run();
