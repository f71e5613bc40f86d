/**
 * The project on webgpu, against references: the upstream parity fixture (≤ 1e-4), every gradient of
 * a CPU-preset training loss against wasm (≤ 1e-3 relative), training steps giving wasm's losses
 * (1e-3 relative, same seed), SegRefiner refinement equal to wasm's, and no leaks.
 * Sizes are small: on a software adapter (llvmpipe) every kernel launch costs about a millisecond.
 */
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AdamW, createRng, createSchedule, CPU_UNET_CONFIG, DenoiseUNet, SegRefiner, trainStep } from '../../src';
import type { UNetConfig } from '../../src';
import { drawSyntheticSample } from '../../src/data/samplers/synthetic_sampler';
import { segRefinerLoss } from '../../src/train/losses';
import { toTrainBatch } from '../../src/train/train_batch';
import { checkParity, PARITY_TOLERANCE } from '../../experiments/parity';
import { FIXTURES_DIR } from '../helpers/fixtures';
import { expectNoLeak } from '../helpers/leaks';
import { imageFromMask, maskFrom } from '../refine/fake_denoisers';
import { relativeError, runOnWasm, useWebGpuTestBackend } from '../helpers/webgpu';

let ready = false;
test.before(async () => {
  ready = (await useWebGpuTestBackend()) !== null;
});

/** Two levels instead of four: the same blocks (ResBlock, attention, down/upsampling), fewer kernel launches. */
const SMALL: Partial<UNetConfig> = { ...CPU_UNET_CONFIG, channelMult: [1, 2], attentionStrides: [2] };
/** Training steps compared with wasm: 20 asked for; 8 keep the suite within minutes on llvmpipe. */
const TRAIN_STEPS = 8;

test(`parity with upstream PyTorch on parity_a: max abs error ≤ ${PARITY_TOLERANCE}`, async () => {
  if (!ready) return;
  const r = await checkParity(path.join(FIXTURES_DIR, 'parity_a'));
  assert.ok(r.maxAbsError <= PARITY_TOLERANCE, `max abs error ${r.maxAbsError}`);
});

/** Every parameter gradient of the training loss at t = 2 (a fresh network from `seed`). */
function lossGradients(seed: number): Float32Array[] {
  const unet = DenoiseUNet.create({ ...CPU_UNET_CONFIG }, seed);
  try {
    return tf.tidy(() => {
      const x = tf.randomNormal([1, 16, 16, 4], 0, 1, 'float32', 4) as tf.Tensor4D;
      const gt = tf.cast(tf.greater(tf.randomUniform([1, 16, 16, 1], 0, 1, 'float32', 5), 0.5), 'float32') as tf.Tensor4D;
      const { grads } = tf.variableGrads(() => segRefinerLoss(unet.apply(x, tf.tensor1d([2], 'int32')), gt).total, unet.variables());
      return unet.variables().map((v) => grads[v.name].dataSync() as Float32Array);
    });
  } finally {
    unet.dispose();
  }
}

test('every gradient of a CPU-preset training loss matches wasm within 1e-3 relative', async () => {
  if (!ready) return;
  await expectNoLeak('gradients', async () => {
    const ours = lossGradients(3);
    const reference = await runOnWasm(() => lossGradients(3));
    const { rel, abs } = relativeError(ours, reference);
    assert.ok(rel <= 1e-3, `relative gradient error ${rel} (abs ${abs})`);
  });
});

/** Losses of `steps` AdamW steps on one fixed batch of synthetic 32² samples. */
async function trainLosses(steps: number): Promise<number[]> {
  const unet = DenoiseUNet.create(SMALL, 0);
  const optimizer = new AdamW({ lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.05 });
  const rng = createRng(0);
  const batch = toTrainBatch([drawSyntheticSample(rng, 32, 0), drawSyntheticSample(rng, 32, 0)]);
  const schedule = createSchedule();
  const losses: number[] = [];
  try {
    for (let i = 0; i < steps; i++) losses.push((await trainStep(unet, schedule, optimizer, batch, rng, { lr: 1e-3, clipGradNorm: 1 })).loss);
    return losses;
  } finally {
    tf.dispose([batch.image, batch.gt, batch.coarse]);
    unet.dispose();
    optimizer.dispose();
  }
}

test(`${TRAIN_STEPS} training steps give wasm's losses within 1e-3 relative (same seed), without leaks`, async () => {
  if (!ready) return;
  await expectNoLeak('training', async () => {
    const ours = await trainLosses(TRAIN_STEPS);
    const reference = await runOnWasm(() => trainLosses(TRAIN_STEPS));
    ours.forEach((loss, i) => {
      assert.ok(Math.abs(loss - reference[i]) <= 1e-3 * Math.abs(reference[i]), `step ${i + 1}: ${loss} vs wasm ${reference[i]}`);
    });
    assert.ok(ours[TRAIN_STEPS - 1] < ours[0], `the loss falls: ${ours.map((l) => l.toFixed(4))}`);
  });
});

// 64×64 image with a disc; the coarse mask is a box around it
const H = 64, W = 64;
const coarse = maskFrom(H, W, (y, x) => y >= 14 && y < 50 && x >= 12 && x < 52);
const image = imageFromMask(maskFrom(H, W, (y, x) => (y - 32) ** 2 + (x - 32) ** 2 < 16 ** 2));

/** Deterministic 3-step refinements of one mask, alone and batched with a copy. */
async function refineAll(): Promise<Float32Array[]> {
  const refiner = SegRefiner.fromUNet(DenoiseUNet.create(SMALL, 7), { imageSize: 32 });
  try {
    refiner.setImage(image);
    const o = { deterministic: true, steps: 3, instance: { areaThreshold: 0 } };
    const one = await refiner.refine(coarse, o);
    const batch = await refiner.refineBatch([coarse, coarse], { ...o, batchSize: 2 });
    return [one.probs, ...batch.map((r) => r.probs)];
  } finally {
    refiner.dispose();
  }
}

test('SegRefiner refines (alone and batched) as on wasm, and leaks nothing', async () => {
  if (!ready) return;
  await refineAll(); // warm-up: backend scratch tensors, if any
  await expectNoLeak('refine', async () => {
    const ours = await refineAll();
    const reference = await runOnWasm(refineAll);
    const { abs } = relativeError(ours, reference);
    assert.ok(abs <= 1e-4, `max probability difference ${abs}`);
  });
});

test.run();
