/** groupNormAffine: forward and closed-form gradients against a float64 reference, finite differences and autodiff. */
import * as tf from '@tensorflow/tfjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRng, randomNormalArray } from '../../src';
import { GROUP_NORM_EPS, groupNormAffine } from '../../src/util/group_norm';
import { useTestBackend } from '../helpers/backend';
import { expectNoLeak } from '../helpers/leaks';

test.before(async () => {
  await useTestBackend();
});

type Shape = [number, number, number, number];

/** GroupNorm in float64, straight from the definition: x NHWC flat, returns y flat. */
function groupNormReference(x: Float64Array, shape: Shape, gamma: Float64Array, beta: Float64Array, groups: number): Float64Array {
  const [b, h, w, c] = shape, perGroup = c / groups, y = new Float64Array(x.length);
  for (let n = 0; n < b; n++) {
    for (let g = 0; g < groups; g++) {
      const members: number[] = [];
      for (let p = 0; p < h * w; p++) for (let k = 0; k < perGroup; k++) members.push((n * h * w + p) * c + g * perGroup + k);
      const mean = members.reduce((s, i) => s + x[i], 0) / members.length;
      const variance = members.reduce((s, i) => s + (x[i] - mean) ** 2, 0) / members.length;
      for (const i of members) y[i] = ((x[i] - mean) / Math.sqrt(variance + GROUP_NORM_EPS)) * gamma[i % c] + beta[i % c];
    }
  }
  return y;
}

/** The same formula from tfjs primitives, for autodiff (GroupNorm as the model computed it before). */
function groupNormAutodiff(x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, groups: number): tf.Tensor4D {
  const [b, h, w, c] = x.shape;
  const grouped = tf.reshape(x, [b, h, w, groups, c / groups]);
  const { mean, variance } = tf.moments(grouped, [1, 2, 4], true);
  const xHat = tf.reshape(tf.div(tf.sub(grouped, mean), tf.sqrt(tf.add(variance, GROUP_NORM_EPS))), [b, h, w, c]);
  return tf.add(tf.mul(xHat, gamma), beta);
}

function inputs(shape: Shape, seed: number) {
  const rng = createRng(seed), c = shape[3], size = shape.reduce((a, v) => a * v, 1);
  // an offset per channel, so the group variance includes between-channel spread as in a real network
  const x = randomNormalArray(rng, size).map((v, i) => 2 * v + (i % c) * 0.5 - 3);
  const gamma = randomNormalArray(rng, c).map((v) => 1 + 0.3 * v), beta = randomNormalArray(rng, c).map((v) => 0.3 * v);
  const weights = randomNormalArray(rng, size); // loss = Σ y·weights, so dy = weights
  return { x, gamma, beta, weights };
}

function maxRelativeError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let scale = 0, err = 0;
  for (let i = 0; i < want.length; i++) { scale = Math.max(scale, Math.abs(want[i])); err = Math.max(err, Math.abs(got[i] - want[i])); }
  return err / scale;
}

test('forward equals the float64 definition (2 groups of 2 channels, and 32 groups)', () => {
  for (const [shape, groups] of [[[2, 3, 3, 4], 2], [[2, 5, 4, 64], 32]] as [Shape, number][]) {
    const { x, gamma, beta } = inputs(shape, 1);
    const want = groupNormReference(Float64Array.from(x), shape, Float64Array.from(gamma), Float64Array.from(beta), groups);
    const y = tf.tidy(() => groupNormAffine(tf.tensor4d(x, shape), tf.tensor1d(gamma), tf.tensor1d(beta), groups));
    assert.ok(maxRelativeError(y.dataSync(), want) < 2e-6, `shape ${shape}: relative error ${maxRelativeError(y.dataSync(), want)}`);
    y.dispose();
  }
});

test('gradients for x, γ and β equal central finite differences of the float64 definition', () => {
  const shape: Shape = [2, 3, 2, 4], groups = 2;
  const { x, gamma, beta, weights } = inputs(shape, 2);
  const loss = (xs: Float64Array, g: Float64Array, bt: Float64Array) =>
    groupNormReference(xs, shape, g, bt, groups).reduce((s, v, i) => s + v * weights[i], 0);
  const numeric = (values: ArrayLike<number>, which: 0 | 1 | 2): number[] => Array.from(values, (_, i) => {
    const args = [Float64Array.from(x), Float64Array.from(gamma), Float64Array.from(beta)] as const;
    const step = 1e-6;
    args[which][i] += step; const up = loss(...args);
    args[which][i] -= 2 * step; const down = loss(...args);
    return (up - down) / (2 * step);
  });
  const grads = tf.tidy(() => tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
    tf.sum(tf.mul(groupNormAffine(a as tf.Tensor4D, g as tf.Tensor1D, b as tf.Tensor1D, groups), tf.tensor4d(weights, shape))))(
    [tf.tensor4d(x, shape), tf.tensor1d(gamma), tf.tensor1d(beta)]));
  [x, gamma, beta].forEach((values, which) => {
    const err = maxRelativeError(grads[which].dataSync(), numeric(values, which as 0 | 1 | 2));
    assert.ok(err < 1e-4, `${['dx', 'dγ', 'dβ'][which]}: relative error ${err}`);
  });
  tf.dispose(grads);
});

test('gradients equal autodiff of the primitive formula at a network-sized shape (32 groups of 2)', () => {
  const shape: Shape = [2, 12, 12, 64], groups = 32;
  const { x, gamma, beta, weights } = inputs(shape, 3);
  const [custom, autodiff] = [groupNormAffine, groupNormAutodiff].map((f) => tf.tidy(() => tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
    tf.sum(tf.mul(f(a as tf.Tensor4D, g as tf.Tensor1D, b as tf.Tensor1D, groups), tf.tensor4d(weights, shape))))(
    [tf.tensor4d(x, shape), tf.tensor1d(gamma), tf.tensor1d(beta)])));
  custom.forEach((g, i) => {
    const err = maxRelativeError(g.dataSync(), autodiff[i].dataSync());
    assert.ok(err < 1e-4, `${['dx', 'dγ', 'dβ'][i]}: relative error ${err}`);
  });
  tf.dispose([...custom, ...autodiff]);
});

test('no tensor leaks over forward and backward', async () => {
  const x = tf.randomNormal([1, 4, 4, 32]) as tf.Tensor4D, gamma = tf.ones([32]) as tf.Tensor1D, beta = tf.zeros([32]) as tf.Tensor1D;
  await expectNoLeak('groupNormAffine', () => {
    groupNormAffine(x, gamma, beta, 32).dispose();
    tf.dispose(tf.grads((a: tf.Tensor) => tf.sum(groupNormAffine(a as tf.Tensor4D, gamma, beta, 32)))([x]));
  });
  tf.dispose([x, gamma, beta]);
});

test('shapes that disagree are errors naming the shapes', () => {
  const x = tf.zeros([1, 2, 2, 6]) as tf.Tensor4D, six = tf.ones([6]) as tf.Tensor1D, five = tf.ones([5]) as tf.Tensor1D;
  assert.throws(() => groupNormAffine(x, six, six, 4), /divisible by 4.*x \[1,2,2,6\]/);
  assert.throws(() => groupNormAffine(x, five, six, 3), /γ \[5\]/);
  tf.dispose([x, six, five]);
});

test.run();
