/** The wasm backend itself: threads, the kernels we register, their errors and their memory. */
import * as os from 'os';
import * as tf from '@tensorflow/tfjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { activeBackend, REPLACED_KERNELS } from '../../src';
import { registerWasmTrainingKernels, WASM_TRAINING_KERNELS } from '../../src/backend/wasm_kernels/register_training_kernels';
import { conv2dBackpropInputViaConv } from '../../src/backend/wasm_kernels/conv2d_backprop_input';
import { unsortedSegmentSumViaMatMul } from '../../src/backend/wasm_kernels/unsorted_segment_sum';
import { useTestBackend } from '../helpers/backend';
import { expectNoLeak } from '../helpers/leaks';

test.before(async () => {
  await useTestBackend();
});

test('the auto choice here is wasm with SIMD, and threads on a multi-core machine', () => {
  const b = activeBackend();
  assert.ok(b, 'initBackend ran');
  if (b.name !== 'wasm') return; // a machine with tfjs-node takes the native backend instead
  assert.is(b.simd, true);
  const wanted = process.env.SEGREFINER_THREADS ? Number(process.env.SEGREFINER_THREADS) : os.cpus().length;
  assert.is(b.threads, wanted, `threads: ${JSON.stringify(b.skipped)}`);
});

test('every training kernel is registered for wasm, and registering twice changes nothing', () => {
  const before = WASM_TRAINING_KERNELS.map((k) => tf.getKernel(k, 'wasm')?.kernelFunc);
  registerWasmTrainingKernels();
  const batchMatMul = tf.getKernel('BatchMatMul', 'wasm')?.kernelFunc;
  assert.ok(before.every((f) => typeof f === 'function'));
  assert.is(batchMatMul, before[WASM_TRAINING_KERNELS.indexOf('BatchMatMul')], 'BatchMatMul wrapped once only');
  assert.ok(REPLACED_KERNELS.has('wasm:Conv2DBackpropInput'), 'the built-in input gradient is kept for benchmarks');
});

test('a conv training step leaves no tensors behind', async () => {
  const x = tf.randomNormal([2, 9, 9, 3]) as tf.Tensor4D;
  const w = tf.variable(tf.randomNormal([3, 3, 3, 4]));
  const optimizer = tf.train.adam(0.01);
  const step = () => tf.dispose(optimizer.minimize(() => tf.mean(tf.square(tf.conv2d(x, w as tf.Tensor4D, 2, 'same'))) as tf.Scalar, true) ?? []);
  step(); // Adam allocates its two moment slots on the first step
  await expectNoLeak('conv + Adam', () => {
    for (let i = 0; i < 3; i++) step();
  });
  optimizer.dispose();
  tf.dispose([x, w]);
});

test('the input-gradient kernel matches a hand computation (1-D, stride 2)', () => {
  // x [1,1,5,1], w [1,3,1,1] = [1, 2, 3], stride 2, pad 1 each side: y[o] = Σ_k x[2o + k − 1] w[k], o = 0..2.
  // dy = [1, 10, 100]: dx[i] = Σ_{o,k: 2o+k−1=i} dy[o] w[k] = [2, 3+10, 20, 30+100, 200].
  const dy = tf.tensor4d([1, 10, 100], [1, 1, 3, 1]);
  const w = tf.tensor4d([1, 2, 3], [1, 3, 1, 1]);
  const dx = conv2dBackpropInputViaConv(dy, w, { strides: 2, pad: [[0, 0], [0, 0], [1, 1], [0, 0]], dataFormat: 'NHWC', inputShape: [1, 1, 5, 1] });
  assert.equal(Array.from(dx.dataSync()), [2, 13, 20, 130, 200]);
  tf.dispose([dy, w, dx]);
});

test('bad input to the kernels gives a clear error', () => {
  const dy = tf.zeros([1, 2, 2, 1]) as tf.Tensor4D;
  const w = tf.zeros([1, 1, 1, 1]) as tf.Tensor4D;
  assert.throws(() => conv2dBackpropInputViaConv(dy, w, { strides: 1, pad: 'valid', dataFormat: 'NCHW', inputShape: [1, 2, 2, 1] }),
    /Conv2DBackpropInput \(wasm\): dataFormat must be 'NHWC', but got 'NCHW'/);
  const ids = tf.tensor1d([0, 1, 2], 'int32');
  assert.throws(() => unsortedSegmentSumViaMatMul(tf.zeros([2, 3]), ids, 3), /segmentIds shape \[3\] must be a prefix of x's shape \[2,3\]/);
  tf.dispose([dy, w, ids]);
});

test('unsortedSegmentSum drops out-of-range ids, as TensorFlow does', () => {
  const out = tf.tidy(() => unsortedSegmentSumViaMatMul(tf.tensor2d([[1, 2], [3, 4], [5, 6]]), tf.tensor1d([1, -1, 1], 'int32'), 2));
  assert.equal(Array.from(out.dataSync()), [0, 0, 6, 8]);
  out.dispose();
});

test.run();
