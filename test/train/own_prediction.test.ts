/** TrainConfig.ownPredictionRate: the fine-state source of q_sample is the ground truth or the network's own prediction. */
import * as tf from '@tensorflow/tfjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRng, createSchedule, CPU_UNET_CONFIG, DenoiseUNet, resolveTrainConfig, trainRecipe } from '../../src';
import { fineStateSource, TrainBatch } from '../../src/train/train_step';
import { useTestBackend } from '../helpers/backend';

test.before(async () => {
  await useTestBackend();
});

const SIZE = 32;

function batchOf(n: number): TrainBatch {
  const rng = createRng(3);
  const image = tf.tensor4d(Array.from({ length: n * SIZE * SIZE * 3 }, () => rng.normal()), [n, SIZE, SIZE, 3]);
  const gt = tf.tensor4d(Array.from({ length: n * SIZE * SIZE }, (_, i) => ((i % SIZE) < SIZE / 2 ? 1 : 0)), [n, SIZE, SIZE, 1]);
  const coarse = tf.tensor4d(Array.from({ length: n * SIZE * SIZE }, (_, i) => ((i % SIZE) < SIZE / 3 ? 1 : 0)), [n, SIZE, SIZE, 1]);
  return { image, gt, coarse };
}

test('rate 0 returns the ground truth itself and draws no random number (runs of the paper recipe are unchanged)', () => {
  const unet = DenoiseUNet.create({ ...CPU_UNET_CONFIG }, 0);
  const batch = batchOf(2);
  const rng = createRng(1);
  const before = rng.state();
  assert.is(fineStateSource(unet, createSchedule(), batch, [0, 3], 0, rng), batch.gt);
  assert.is(rng.state(), before);
  tf.dispose([batch.image, batch.gt, batch.coarse]);
  unet.dispose();
});

test('rate 1: samples with t < T−1 get the binarized one-step prediction from the coarse mask, t = T−1 keeps the ground truth; nothing leaks', async () => {
  const unet = DenoiseUNet.create({ ...CPU_UNET_CONFIG }, 0);
  const schedule = createSchedule();
  const last = schedule.numTimesteps - 1;
  const batch = batchOf(3);
  const tensorsBefore = tf.memory().numTensors;
  const fine = fineStateSource(unet, schedule, batch, [0, last, 2], 1, createRng(1));
  const predicted = tf.tidy(() => unet.apply(tf.concat([batch.image, batch.coarse], 3) as tf.Tensor4D, tf.tensor1d([last, last, last], 'int32'))
    .greaterEqual(0).cast('float32'));
  const prediction = await predicted.array() as number[][][][];
  const got = await fine.array() as number[][][][];
  const gt = await batch.gt.array() as number[][][][];
  assert.equal(got[0], prediction[0]);
  assert.equal(got[1], gt[1]);
  assert.equal(got[2], prediction[2]);
  assert.not.equal(prediction[0], gt[0], 'an untrained network must not predict the ground truth, or the test shows nothing');
  tf.dispose([fine, predicted]);
  assert.is(tf.memory().numTensors, tensorsBefore);
  tf.dispose([batch.image, batch.gt, batch.coarse]);
  unet.dispose();
});

test('ownPredictionRate is off in the paper defaults, on in cpu-real-chain, and must lie in [0, 1]', () => {
  assert.is(resolveTrainConfig().ownPredictionRate, 0);
  assert.is(trainRecipe('cpu-real-chain').ownPredictionRate, 0.5);
  assert.throws(() => resolveTrainConfig({ ownPredictionRate: 1.5 }), /ownPredictionRate must be in \[0, 1\], but got 1.5/);
});

test.run();
