/** The native (oneDNN) kernels on wasm: active when built, equal to the wasm kernels, falling back where they must, leak-free; off with SEGREFINER_NATIVE=0. */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { activeBackend } from '../../src';
import { ADDON_PATH } from '../../src/backend/native_kernels/addon';
import { NATIVE_KERNEL_CALLS, runWithoutNativeKernels } from '../../src/backend/native_kernels/register_native_kernels';
import { AdamW } from '../../src/train/adamw';
import { groupNormAffine, groupNormSilu } from '../../src/util/group_norm';
import { useTestBackend } from '../helpers/backend';
import { expectNoLeak } from '../helpers/leaks';

test.before(async () => {
  await useTestBackend();
});

const active = () => activeBackend()?.nativeKernels?.active === true;

test('native kernels are active exactly when the addon is built (and not turned off); otherwise the reason is given', () => {
  const b = activeBackend();
  if (!b || b.name !== 'wasm') return;
  const n = b.nativeKernels;
  assert.ok(n, 'wasm reports its native kernel status');
  const expected = fs.existsSync(ADDON_PATH) && process.env.SEGREFINER_NATIVE !== '0';
  assert.is(n.active, expected, JSON.stringify(n));
  if (!n.active) assert.match(n.reason, /not built|SEGREFINER_NATIVE=0|failed to load/);
});

const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

test('a U-Net-sized conv and its gradients, and a transposed batch matmul, equal the wasm kernels (1e-4 relative)', () => {
  if (!active()) return;
  const x = tf.randomNormal([2, 24, 24, 32], 0, 1, 'float32', 1) as tf.Tensor4D;
  const w = tf.randomNormal([3, 3, 32, 64], 0, 0.2, 'float32', 2) as tf.Tensor4D;
  const a = tf.randomNormal([6, 50, 40], 0, 1, 'float32', 3), b = tf.randomNormal([6, 30, 50], 0, 1, 'float32', 4);
  const run = () => tf.tidy(() => {
    const f = (xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.sin(tf.conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, 2, [[0, 0], [1, 1], [1, 1], [0, 0]])));
    const [gx, gw] = tf.grads(f)([x, w]);
    return [tf.conv2d(x, w, 1, 'same'), gx, gw, tf.matMul(a, b, true, true)].map((t) => t.dataSync() as Float32Array);
  });
  const before = { ...NATIVE_KERNEL_CALLS.Conv2D };
  const native = run();
  assert.ok(NATIVE_KERNEL_CALLS.Conv2D.native > before.native, 'the conv ran natively');
  const wasm = runWithoutNativeKernels(run);
  native.forEach((n, i) => {
    const scale = wasm[i].reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    assert.ok(maxDiff(n, wasm[i]) <= 1e-4 * scale, `output ${i}: ${maxDiff(n, wasm[i])} vs scale ${scale}`);
  });
  tf.dispose([x, w, a, b]);
});

for (const fused of [false, true]) test(`the native GroupNorm${fused ? ' + SiLU' : ''} op equals the tf-op version, forward and every gradient (1e-4 relative)`, () => {
  if (!active()) return;
  const x = tf.randomNormal([2, 12, 10, 64], 0.5, 2, 'float32', 7) as tf.Tensor4D;
  const gamma = tf.randomNormal([64], 1, 0.3, 'float32', 8) as tf.Tensor1D, beta = tf.randomNormal([64], 0, 0.3, 'float32', 9) as tf.Tensor1D;
  const dy = tf.randomNormal([2, 12, 10, 64], 0, 1, 'float32', 10);
  const run = () => tf.tidy(() => {
    const f = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => (fused ? groupNormSilu : groupNormAffine)(a as tf.Tensor4D, g as tf.Tensor1D, b as tf.Tensor1D, 32);
    return [f(x, gamma, beta), ...tf.grads(f)([x, gamma, beta], dy)].map((t) => t.dataSync() as Float32Array);
  });
  const native = run();
  const ops = runWithoutNativeKernels(run);
  native.forEach((n, i) => {
    const scale = ops[i].reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    assert.ok(maxDiff(n, ops[i]) <= 1e-4 * scale, `output ${i}: ${maxDiff(n, ops[i])} vs scale ${scale}`);
  });
  tf.dispose([x, gamma, beta, dy]);
});

test('the fused native AdamW gives the tf-op AdamW\'s numbers bit for bit (with weight decay)', () => {
  if (!active()) return;
  const run = () => {
    const params = new Map([['w', tf.variable(tf.randomNormal([37, 5], 0, 1, 'float32', 11))]]);
    const opt = new AdamW({ lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.05 });
    for (let k = 0; k < 3; k++) {
      const g = tf.randomNormal([37, 5], 0, 1, 'float32', 20 + k);
      opt.apply(params, new Map([['w', g]]), 1e-2);
      g.dispose();
    }
    const out = params.get('w')!.dataSync().slice();
    opt.dispose();
    params.get('w')!.dispose();
    return out;
  };
  const fused = run();
  const ops = runWithoutNativeKernels(run);
  assert.equal(Array.from(fused), Array.from(ops));
});

test('a valid conv whose stride does not divide the input falls back to wasm, with the right result', () => {
  if (!active()) return;
  const x = tf.randomNormal([1, 42, 42, 16], 0, 1, 'float32', 5) as tf.Tensor4D, w = tf.randomNormal([3, 3, 16, 16], 0, 1, 'float32', 6) as tf.Tensor4D;
  const before = NATIVE_KERNEL_CALLS.Conv2D.fallback;
  const y = tf.conv2d(x, w, 2, 'valid');
  assert.is(NATIVE_KERNEL_CALLS.Conv2D.fallback, before + 1);
  assert.equal(y.shape, [1, 20, 20, 16]);
  tf.dispose([x, w, y]);
});

test('a native training step leaves no tensors behind', async () => {
  if (!active()) return;
  const x = tf.randomNormal([2, 32, 32, 32]) as tf.Tensor4D;
  const w = tf.variable(tf.randomNormal([3, 3, 32, 32], 0, 0.1));
  const m = tf.variable(tf.randomNormal([32, 64], 0, 0.1));
  const optimizer = tf.train.adam(0.01);
  const loss = () => tf.mean(tf.square(tf.matMul(tf.reshape(tf.conv2d(x, w as tf.Tensor4D, 1, 'same'), [-1, 32]), m))) as tf.Scalar;
  const step = () => tf.dispose(optimizer.minimize(loss, true) ?? []);
  step();
  await expectNoLeak('native conv + matmul + Adam', () => {
    for (let i = 0; i < 3; i++) step();
  });
  optimizer.dispose();
  tf.dispose([x, w, m]);
});

test('SEGREFINER_NATIVE=0 turns the native kernels off and says so', () => {
  const script = "require('./src').initBackend({ backend: 'wasm', threads: 1 }).then((b) => console.log(JSON.stringify(b.nativeKernels)))";
  const out = execFileSync(process.execPath, ['-r', 'tsx/cjs', '-e', script], {
    cwd: path.join(__dirname, '..', '..'), env: { ...process.env, SEGREFINER_NATIVE: '0' }, encoding: 'utf8',
  });
  assert.equal(JSON.parse(out.trim().split('\n').pop() as string), { active: false, reason: 'turned off by SEGREFINER_NATIVE=0' });
});

test.run();
