/** DenoiseUNet: parameter count and names, shapes, parity with upstream, gradients against cpu, bad input. */
import * as tf from '@tensorflow/tfjs';
import * as fs from 'fs';
import * as path from 'path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { countUNetParams, CPU_UNET_CONFIG, DenoiseUNet, PAPER_UNET_CONFIG, runOnBackend, unetConfigFromUpstream } from '../../src';
import { resolveUNetConfig } from '../../src/model/config';
import { segRefinerLoss } from '../../src/train/losses';
import { unetParamSpecs } from '../../src/model/param_specs';
import { checkParity, PARITY_TOLERANCE } from '../../experiments/parity';
import { useTestBackend } from '../helpers/backend';
import { FIXTURES_DIR } from '../helpers/fixtures';
import { expectNoLeak } from '../helpers/leaks';

const PARITY_DIR = path.join(FIXTURES_DIR, 'parity_a');

test.before(async () => {
  await useTestBackend();
});

test('the paper config counts 118,604,673 parameters in 453 state_dict entries, without allocating', () => {
  const before = tf.memory().numTensors;
  assert.is(countUNetParams(PAPER_UNET_CONFIG), 118_604_673);
  assert.is(unetParamSpecs(PAPER_UNET_CONFIG).length, 453);
  assert.is(tf.memory().numTensors, before);
});

test('parameter names, shapes and order equal the upstream state_dict of the fixture (keys.json)', () => {
  const config = JSON.parse(fs.readFileSync(path.join(PARITY_DIR, 'config.json'), 'utf8'));
  const keys = JSON.parse(fs.readFileSync(path.join(PARITY_DIR, 'keys.json'), 'utf8'));
  const specs = unetParamSpecs(unetConfigFromUpstream(config.constructor_kwargs));
  assert.equal(specs.map((s) => s.key), keys.keys.map((k: { key: string }) => k.key));
  assert.equal(specs.map((s) => s.torchShape), keys.keys.map((k: { shape: number[] }) => k.shape));
  assert.is(countUNetParams(unetConfigFromUpstream(config.constructor_kwargs)), keys.param_count);
});

test(`parity with upstream PyTorch on parity_a: max abs error ≤ ${PARITY_TOLERANCE}`, async () => {
  const r = await checkParity(PARITY_DIR);
  assert.ok(r.maxAbsError <= PARITY_TOLERANCE, `max abs error ${r.maxAbsError}`);
});

test('a [2,32,32,4] input gives [2,32,32,1] logits; the timestep changes the output; no leaks', async () => {
  const unet = DenoiseUNet.create({ ...CPU_UNET_CONFIG }, 1);
  const x = tf.randomNormal([2, 32, 32, 4], 0, 1, 'float32', 2) as tf.Tensor4D;
  const t0 = tf.tensor1d([0, 0], 'int32'), t5 = tf.tensor1d([5, 5], 'int32');
  await expectNoLeak('DenoiseUNet.apply', () => {
    const a = unet.apply(x, t0);
    const b = unet.apply(x, t5);
    assert.equal(a.shape, [2, 32, 32, 1]);
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
    assert.ok(diff > 1e-3, `timestep must matter, max diff ${diff}`);
    tf.dispose([a, b]);
  });
  tf.dispose([x, t0, t5]);
  unet.dispose();
});

test('gradients of a CPU-preset training loss on the active backend match the cpu backend within 1e-3 relative', async () => {
  const unet = DenoiseUNet.create({ ...CPU_UNET_CONFIG }, 3);
  const x = tf.randomNormal([1, 16, 16, 4], 0, 1, 'float32', 4) as tf.Tensor4D;
  const gt = tf.tidy(() => tf.cast(tf.greater(tf.randomUniform([1, 16, 16, 1], 0, 1, 'float32', 5), 0.5), 'float32')) as tf.Tensor4D;
  const gradients = () => tf.tidy(() => {
    const t = tf.tensor1d([2], 'int32');
    const { grads } = tf.variableGrads(() => segRefinerLoss(unet.apply(x, t), gt).total, unet.variables());
    return unet.variables().map((v) => grads[v.name].dataSync().slice());
  });
  const ours = gradients();
  const reference = await runOnBackend('cpu', () => {
    // the variables live on the active backend; tfjs moves them to cpu on read
    return gradients();
  });
  let worst = 0, scale = 0;
  ours.forEach((g, i) => g.forEach((v, j) => { worst = Math.max(worst, Math.abs(v - reference[i][j])); scale = Math.max(scale, Math.abs(reference[i][j])); }));
  assert.ok(worst / scale <= 1e-3, `relative gradient error ${worst / scale} (abs ${worst}, scale ${scale})`);
  tf.dispose([x, gt]);
  unet.dispose();
});

test('bad input: channels, sizes, timesteps, config keys', () => {
  const unet = DenoiseUNet.create({ ...CPU_UNET_CONFIG }, 0);
  const t = tf.tensor1d([0], 'int32');
  const wrongChannels = tf.zeros([1, 16, 16, 3]) as tf.Tensor4D;
  const wrongSize = tf.zeros([1, 12, 16, 4]) as tf.Tensor4D;
  const good = tf.zeros([1, 16, 16, 4]) as tf.Tensor4D;
  assert.throws(() => unet.apply(wrongChannels, t), /DenoiseUNet.apply: x must have shape \[\*,\*,\*,4\], but got \[1,16,16,3\]/);
  assert.throws(() => unet.apply(wrongSize, t), /multiples of 8 .* but got 12×16/);
  assert.throws(() => unet.apply(good, tf.tensor1d([6], 'int32')), /t must be in \[0, 5\], but got 6/);
  assert.throws(() => unet.apply(good, tf.tensor1d([0, 1], 'int32')), /t must have shape \[1\]/);
  assert.throws(() => unet.apply(good, tf.tensor1d([0], 'float32')), /t must be int32, but got float32/);
  assert.throws(() => resolveUNetConfig({ modelChannel: 32 } as never), /unknown key 'modelChannel'/);
  assert.throws(() => resolveUNetConfig({ modelChannels: 48 }), /multiple of 32/);
  assert.throws(() => unetConfigFromUpstream({ model_channels: 32, use_scale_shift_norm: true }), /use_scale_shift_norm must be false/);
  assert.throws(() => unetConfigFromUpstream({ model_channel: 32 }), /unknown upstream kwarg 'model_channel'/);
  unet.dispose();
  assert.throws(() => unet.apply(good, t), /must not be used after dispose/);
  tf.dispose([t, wrongChannels, wrongSize, good]);
});

test.run();
