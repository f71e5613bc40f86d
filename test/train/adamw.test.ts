/** AdamW: the torch.optim.AdamW update by hand in float64, state round trip, bad input. */
import * as tf from '@tensorflow/tfjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AdamW } from '../../src';
import { AdamWConfig } from '../../src/train/adamw';
import { useTestBackend } from '../helpers/backend';
import { expectNoLeak } from '../helpers/leaks';

test.before(async () => {
  await useTestBackend();
});

const CONFIG: AdamWConfig = { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 };

/** torch.optim.AdamW's update for one scalar parameter over the given gradients, in float64. */
function torchAdamW(p0: number, grads: number[], lrs: number[], c: AdamWConfig): number {
  let p = p0, m = 0, v = 0;
  grads.forEach((g, i) => {
    const t = i + 1, lr = lrs[i];
    p *= 1 - lr * c.weightDecay;
    m = c.beta1 * m + (1 - c.beta1) * g;
    v = c.beta2 * v + (1 - c.beta2) * g * g;
    const denom = Math.sqrt(v) / Math.sqrt(1 - c.beta2 ** t) + c.eps;
    p -= (lr / (1 - c.beta1 ** t)) * (m / denom);
  });
  return p;
}

test('three steps equal torch.optim.AdamW by hand (weight decay, changing lr, two tensors)', () => {
  const start = { a: [0.5, -1.25, 2], b: [[3, -0.75]] };
  const gradSteps = [{ a: [0.1, -0.2, 0.3], b: [[1, -2]] }, { a: [-0.05, 0.4, 0.3], b: [[0.5, 0.5]] }, { a: [0.2, 0, -1], b: [[-3, 1e-3]] }];
  const lrs = [0.1, 0.05, 0.05];
  const params = new Map<string, tf.Variable>([['a', tf.variable(tf.tensor1d(start.a))], ['b', tf.variable(tf.tensor2d(start.b))]]);
  const optimizer = new AdamW(CONFIG);
  gradSteps.forEach((g, i) => {
    const grads = new Map<string, tf.Tensor>([['a', tf.tensor1d(g.a)], ['b', tf.tensor2d(g.b)]]);
    optimizer.apply(params, grads, lrs[i]);
    tf.dispose([...grads.values()]);
  });
  const got = [...params.get('a')!.dataSync(), ...params.get('b')!.dataSync()];
  const want = [...start.a, ...start.b[0]].map((p0, j) => torchAdamW(p0, gradSteps.map((g) => [...g.a, ...g.b[0]][j]), lrs, CONFIG));
  got.forEach((value, j) => assert.ok(Math.abs(value - want[j]) <= 1e-6 * Math.max(1, Math.abs(want[j])), `element ${j}: ${value} vs ${want[j]}`));
  assert.is(optimizer.stepCount, 3);
  optimizer.dispose();
  params.forEach((p) => p.dispose());
});

test('getState / setState continue exactly where the saved optimizer was', async () => {
  const make = () => new Map<string, tf.Variable>([['w', tf.variable(tf.tensor1d([1, -2, 3]))]]);
  const grad = (k: number) => new Map<string, tf.Tensor>([['w', tf.tensor1d([0.3 * k, -0.1, 0.2 / k])]]);
  const step = (opt: AdamW, params: Map<string, tf.Variable>, k: number) => { const g = grad(k); opt.apply(params, g, 0.01); tf.dispose([...g.values()]); };
  const pa = make(), a = new AdamW(CONFIG);
  for (let k = 1; k <= 4; k++) step(a, pa, k);
  const pb = make(), b = new AdamW(CONFIG);
  for (let k = 1; k <= 2; k++) step(b, pb, k);
  const saved = await b.getState();
  const pc = new Map([['w', tf.variable(tf.tensor1d(pb.get('w')!.dataSync()))]]), c = new AdamW(CONFIG);
  c.setState(saved, pc);
  for (let k = 3; k <= 4; k++) step(c, pc, k);
  assert.equal([...pc.get('w')!.dataSync()], [...pa.get('w')!.dataSync()]);
  assert.is(c.stepCount, 4);
  for (const o of [a, b, c]) o.dispose();
  for (const p of [pa, pb, pc]) p.forEach((t) => t.dispose());
});

test('an update leaves no tensors behind after its slots exist', async () => {
  const params = new Map([['w', tf.variable(tf.zeros([4]))]]), grads = new Map<string, tf.Tensor>([['w', tf.ones([4])]]);
  const optimizer = new AdamW(CONFIG);
  optimizer.apply(params, grads, 0.1); // creates the m and v slots
  await expectNoLeak('AdamW.apply', () => optimizer.apply(params, grads, 0.1));
  optimizer.dispose();
  tf.dispose([...params.values(), ...grads.values()]);
});

test('a gradient without a parameter, and a saved slot of the wrong size, are errors naming the key', () => {
  const params = new Map([['w', tf.variable(tf.zeros([2]))]]), stray = new Map<string, tf.Tensor>([['nope', tf.ones([2])]]);
  const optimizer = new AdamW(CONFIG);
  assert.throws(() => optimizer.apply(params, stray, 0.1), /gradient 'nope' must belong to a parameter/);
  assert.throws(() => optimizer.setState({ step: 1, m: new Map([['w', new Float32Array(3)]]), v: new Map() }, params), /'w' must have 2 values, but got 3/);
  optimizer.dispose();
  tf.dispose([...params.values(), ...stray.values()]);
});

test.run();
