/**
 * DIS measures (PySODMetrics definitions) on hand-computed 4×4 and 6×6 maps. ε = 2^−52 appears in
 * several denominators, so "≈ 1" values are checked to 1e-12.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  aggregateDisMeasures, binaryToProbabilityMap, computeDisMeasures, greyToProbabilityMap, normalizePrediction,
} from '../../src/metrics/dis_measures';
import { eMeasureCurve } from '../../src/metrics/e_measure';
import { fMeasureCurve } from '../../src/metrics/f_measure';
import { sMeasure } from '../../src/metrics/s_measure';
import { weightedFMeasure } from '../../src/metrics/weighted_f';
import type { BinaryMask } from '../../src/types';

const close = (a: number, b: number, msg = '') => assert.ok(Math.abs(a - b) < 1e-12, `${msg} ${a} vs ${b}`);

function block(h: number, w: number, y0: number, x0: number, bh: number, bw: number): BinaryMask {
  const data = new Uint8Array(h * w);
  for (let y = y0; y < y0 + bh; y++) for (let x = x0; x < x0 + bw; x++) data[y * w + x] = 1;
  return { data, height: h, width: w };
}
const GT4 = block(4, 4, 1, 1, 2, 2); // 4 foreground, 12 background pixels
const GT6 = block(6, 6, 2, 2, 2, 2); // 4 foreground, 32 background pixels
const constant = (h: number, w: number, v: number) => ({ data: new Float64Array(h * w).fill(v), height: h, width: w });

test('prediction preparation: grey/255, min-max normalised unless constant, range checked', () => {
  assert.equal(Array.from(normalizePrediction(greyToProbabilityMap([0, 51, 102, 255], 2, 2))), [0, 0.2, 0.4, 1]);
  assert.equal(Array.from(normalizePrediction(greyToProbabilityMap([51, 102], 1, 2))), [0, 1]); // stretched
  assert.equal(Array.from(normalizePrediction(constant(1, 2, 0.5))), [0.5, 0.5]); // constant: kept
  assert.throws(() => normalizePrediction({ data: Float32Array.of(0, 1.5), height: 1, width: 2 }), /probabilities in \[0, 1\], but got 1.5 at index 1/);
});

test('F curve: thresholds on 8-bit levels (level ≥ t), β² = 0.3', () => {
  // GT4; grey prediction: foreground 200, 200, 100, 100; one background pixel 100; the rest 0.
  // Normalised by max 200/255: levels trunc(255·1) = 255 and trunc(255·0.5) = 127.
  const grey = new Array(16).fill(0);
  [5, 6].forEach((i) => (grey[i] = 200));
  [9, 10, 0].forEach((i) => (grey[i] = 100)); // 9, 10 foreground; 0 background
  const m = computeDisMeasures(GT4, greyToProbabilityMap(grey, 4, 4));
  // t = 0: all 16 predicted, TP 4: P = 1/4, R = 1 → 1.3·0.25 / (0.3·0.25 + 1) = 0.325/1.075.
  close(m.fCurve[0], 0.325 / 1.075);
  // t = 1..127: 5 predicted, TP 4: P = 0.8, R = 1 → 1.04 / 1.24 = 26/31.
  close(m.fCurve[1], 26 / 31);
  close(m.fCurve[127], 26 / 31);
  // t = 128..255: 2 predicted, both TP: P = 1, R = 0.5 → 0.65 / 0.8 = 0.8125.
  close(m.fCurve[128], 0.8125);
  close(m.fCurve[255], 0.8125);
  close(m.maxF, 26 / 31);
  // Adaptive: threshold 2·mean = 2·(2 + 3·0.5)/16 = 0.4375 → same set as t = 1..127.
  close(m.adaptiveF, 26 / 31);
});

test('perfect binary prediction: F 1, MAE 0, Eφ = N/(N − 1), S ≈ 1, weighted F ≈ 1', () => {
  const m = computeDisMeasures(GT6, binaryToProbabilityMap(GT6));
  assert.is(m.maxF, 1);
  assert.is(m.mae, 0);
  // Eφ for t ≥ 1: every pixel aligned, enhanced value ≈ 1 each → 36 / (36 − 1) = 36/35.
  close(m.eCurve[1], 36 / 35);
  close(m.maxE, 36 / 35);
  // t = 0 predicts everything: mean(P) = 1, φ_P = 0 → ξ = 0, value 1/4 per pixel → 9/35.
  close(m.eCurve[0], 9 / 35);
  close(m.meanE, (9 / 35 + 255 * (36 / 35)) / 256);
  close(m.adaptiveE, 36 / 35);
  close(m.sMeasure, 1);
  close(m.weightedF, 1);
});

test('constant 0.5: F, E, S and MAE by hand', () => {
  const m = computeDisMeasures(GT6, constant(6, 6, 0.5));
  // Level trunc(127.5) = 127. t ≤ 127: all predicted, P = 4/36, R = 1 → (1.3/9)/(0.3/9 + 1) = 1.3/9.3.
  close(m.fCurve[127], 1.3 / 9.3);
  assert.is(m.fCurve[128], 0); // nothing predicted: P = R = 0 → 0
  close(m.maxF, 1.3 / 9.3);
  assert.is(m.adaptiveF, 0); // threshold min(2·0.5, 1) = 1: nothing predicted
  assert.is(m.mae, 0.5);
  // Eφ, t ≤ 127: all predicted (φ_P = 0 → value 1/4 each) → 36/4 / 35 = 9/35; t > 127: nothing predicted,
  // φ_P = 0 again → 9/35.
  close(m.meanE, 9 / 35);
  close(m.maxE, 9 / 35);
  // S: object O = 2·0.5 / (0.25 + 1 + 0) = 0.8 on both sides → 0.8. Region: the centroid (2.5, 2.5)
  // rounds half-to-even to 2 → split after row/col 3: four 3×3 quadrants, each with one GT pixel; the
  // prediction is constant in each (σ_x = σ_xy = 0, σ_y > 0) → SSIM 0. S = 0.5·0.8 + 0.5·0 = 0.4.
  close(m.sMeasure, 0.4);
});

test('S-measure: empty and full GT', () => {
  // Empty GT: 1 − mean(pred); values 0.2..0.8 are stretched to 0, 1/3, 2/3, 1 (mean 0.5) first.
  const pred = normalizePrediction({ data: Float64Array.of(0.2, 0.4, 0.6, 0.8), height: 2, width: 2 });
  close(sMeasure(pred, new Uint8Array(4), 2, 2), 0.5);
  close(sMeasure(Float64Array.of(1, 1, 0, 0.5), Uint8Array.of(1, 1, 1, 1), 2, 2), 0.625); // full GT: mean(pred)
});

test('S-measure stays finite where the reference divides by zero (one-pixel quadrant)', () => {
  // GT4's centroid (1.5, 1.5) rounds to 2 → split after row/col 3: the bottom-right quadrant is one
  // pixel, where the reference's SSIM is 0/0. Here its variance is 0 and the prediction equals the GT.
  close(sMeasure(Float64Array.from(GT4.data), GT4.data, 4, 4), 1);
});

test('weighted F: one false positive pixel, weighted by its distance to the object', () => {
  // Pred = GT6 + pixel (0,0). E = 0 on the object and Et = 0 everywhere (background pixels copy E of
  // their nearest object pixel) → EA = 0, R = 1, TPw = 4. FPw = B(0,0) = 2 − 0.5^(d/5) with d = |(0,0) − (2,2)| = √8.
  const pred = Float64Array.from(GT6.data);
  pred[0] = 1;
  const P = 4 / (4 + (2 - Math.pow(0.5, Math.sqrt(8) / 5)));
  close(weightedFMeasure(pred, GT6.data, 6, 6), (2 * P) / (1 + P)); // ≈ 0.858
  assert.is(weightedFMeasure(pred, new Uint8Array(36), 6, 6), 0); // empty GT
});

test('curves are indexed by threshold and aggregate as PySODMetrics (mean curve, then max/mean)', () => {
  const a = computeDisMeasures(GT6, binaryToProbabilityMap(GT6)), b = computeDisMeasures(GT6, constant(6, 6, 0.5));
  const s = aggregateDisMeasures([a, b]);
  const fMean = a.fCurve.map((v, t) => (v + b.fCurve[t]) / 2);
  assert.is(s.maxF, Math.max(...fMean)); // 1.3/9.3 at t ≤ 127 averaged with 1 → (1 + 0.1398)/2
  close(s.maxF, (1 + 1.3 / 9.3) / 2);
  close(s.mae, 0.25);
  close(s.sMeasure, 0.7);
  assert.is(s.images, 2);
  assert.equal(fMeasureCurve(Float64Array.from(GT6.data), GT6.data).f.length, 256);
  assert.equal(eMeasureCurve(Float64Array.from(GT6.data), GT6.data).length, 256);
  assert.throws(() => aggregateDisMeasures([]), /at least one image/);
});

test('size mismatch and non-binary GT are rejected', () => {
  assert.throws(() => computeDisMeasures(GT6, constant(6, 5, 0.5)), /gt and pred must have the same size, but got 6×6 and 6×5/);
  assert.throws(() => computeDisMeasures({ data: new Uint8Array(4).fill(255), height: 2, width: 2 }, constant(2, 2, 0.5)), /gt must be binary/);
});

test.run();
