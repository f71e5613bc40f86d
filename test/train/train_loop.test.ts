/** Training: the loss falls on a fixed batch; a resumed run equals an uninterrupted one; config errors. */
import * as tf from '@tensorflow/tfjs';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AdamW, applyOverrides, createRng, createSchedule, CPU_UNET_CONFIG, DenoiseUNet, resolveTrainConfig, trainRecipe, TrainLoop, trainStep } from '../../src';
import { drawSyntheticSample } from '../../src/data/samplers/synthetic_sampler';
import { learningRate } from '../../src/train/config';
import { Progress } from '../../src/train/progress';
import { toTrainBatch } from '../../src/train/train_batch';
import { useTestBackend } from '../helpers/backend';
import { expectRejects } from '../helpers/rejects';

test.before(async () => {
  await useTestBackend();
});

const quiet = () => new Progress(1, 0, 1000, false, () => undefined);

test('the loss falls over 25 steps on a fixed batch of two synthetic samples', async () => {
  const unet = DenoiseUNet.create({ ...CPU_UNET_CONFIG }, 0);
  const optimizer = new AdamW({ lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 });
  const rng = createRng(0);
  const batch = toTrainBatch([drawSyntheticSample(rng, 32, 0), drawSyntheticSample(rng, 32, 0)]);
  const schedule = createSchedule();
  const losses: number[] = [];
  for (let i = 0; i < 25; i++) losses.push((await trainStep(unet, schedule, optimizer, batch, rng, { lr: 1e-3, clipGradNorm: 1 })).loss);
  const first = (losses[0] + losses[1] + losses[2]) / 3, last = (losses[22] + losses[23] + losses[24]) / 3;
  assert.ok(last < 0.8 * first, `loss must fall: first ${first.toFixed(4)}, last ${last.toFixed(4)}`);
  tf.dispose([batch.image, batch.gt, batch.coarse]);
  unet.dispose();
  optimizer.dispose();
});

function tinyConfig(outDir: string, name: string) {
  return resolveTrainConfig(applyOverrides(trainRecipe('cpu-synthetic'), [
    `outDir=${outDir}`, `name=${name}`, 'steps=4', 'imageSize=32', 'batchSize=1', 'checkpointEvery=2', 'logEvery=1',
    'lrSchedule.warmupSteps=0',
  ]));
}

async function weights(loop: TrainLoop): Promise<number[]> {
  const sd = await loop.network.toTorchStateDict();
  return [...sd.values()].flatMap((t) => Array.from(t.data.subarray(0, 50)));
}

test('a run killed after its step-2 checkpoint and resumed ends exactly like an uninterrupted run', async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'segrefiner-train-'));
  const straight = new TrainLoop(tinyConfig(out, 'straight'), { skipValidation: true, progress: quiet() });
  await straight.run();
  const expected = await weights(straight);
  straight.dispose();

  const first = new TrainLoop(tinyConfig(out, 'resumed'), { skipValidation: true, progress: quiet(), maxStepsThisRun: 2 });
  assert.is((await first.run()).step, 2);
  first.dispose(); // the process "dies" here: only the checkpoint survives
  const second = new TrainLoop(tinyConfig(out, 'resumed'), { resume: true, skipValidation: true, progress: quiet() });
  assert.is((await second.run()).step, 4);
  assert.equal(await weights(second), expected);
  second.dispose();

  const lines = fs.readFileSync(path.join(out, 'resumed', 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.ok(lines.some((l) => l.type === 'event' && l.event === 'resume' && l.step === 2));
  assert.equal(lines.filter((l) => l.type === 'train').map((l) => l.step), [1, 2, 3, 4]);
  assert.ok(fs.existsSync(path.join(out, 'resumed', 'model', 'model.safetensors')));
  const again = new TrainLoop(tinyConfig(out, 'resumed'), { progress: quiet() });
  await expectRejects(again.run(), /already holds a checkpoint; pass --resume/);
  again.dispose();
});

test('config: unknown keys at any depth and wrong types are errors; lr schedule', () => {
  assert.throws(() => resolveTrainConfig({ stepz: 3 }), /unknown key 'stepz'/);
  assert.throws(() => resolveTrainConfig({ optimizer: { learningRate: 1 } }), /unknown key 'optimizer.learningRate'/);
  assert.throws(() => resolveTrainConfig({ steps: '10' }), /'steps' must be a number, but got "10"/);
  assert.throws(() => resolveTrainConfig({ imageSize: 100 }), /imageSize must be a positive multiple of 32 \(2\^\(levels−1\)\) for this network, but got 100/);
  assert.throws(() => trainRecipe('cpu'), /unknown recipe 'cpu'/);
  const c = resolveTrainConfig({ optimizer: { lr: 1 }, lrSchedule: { milestones: [10, 20], gamma: 0.5, warmupSteps: 4 } });
  assert.equal([0, 3, 9, 10, 19, 20].map((s) => learningRate(c, s)), [0.25, 1, 1, 0.5, 0.5, 0.25]);
});

test('collapse guard: train IoU stuck below the threshold stops with a clear message, or rolls back and lowers the lr', async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'segrefiner-collapse-'));
  // iouBelow 2 makes every step count as collapsed, so the guard fires after `patience` steps
  const stop = new TrainLoop(resolveTrainConfig(applyOverrides(trainRecipe('cpu-synthetic'), [
    `outDir=${out}`, 'name=stop', 'steps=6', 'imageSize=32', 'batchSize=1', 'logEvery=1', 'checkpointEvery=1',
    'collapse.iouBelow=2', 'collapse.patience=3', 'collapse.action="stop"',
  ])), { skipValidation: true, progress: quiet() });
  await expectRejects(stop.run(), /training collapsed: train IoU below 2 for 3 steps .* Stopped/);
  stop.dispose();
  const back = new TrainLoop(resolveTrainConfig(applyOverrides(trainRecipe('cpu-synthetic'), [
    `outDir=${out}`, 'name=rollback', 'steps=6', 'imageSize=32', 'batchSize=1', 'logEvery=1', 'checkpointEvery=1',
    'collapse.iouBelow=2', 'collapse.patience=3', 'collapse.maxRollbacks=1',
  ])), { skipValidation: true, progress: quiet() });
  await expectRejects(back.run(), /rollbacks used 1\/1/);
  back.dispose();
  const events = fs.readFileSync(path.join(out, 'rollback', 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l))
    .filter((r) => r.type === 'event' && r.event !== 'checkpoint');
  assert.equal(events.map((e) => [e.event, e.action ?? null]), [['collapse', 'rollback'], ['rollback', null], ['collapse', 'stop']]);
  assert.is(events[1].lrScale, 0.5);
});

test('a NaN loss is caught before the update and names the step inputs', async () => {
  const unet = DenoiseUNet.create({ ...CPU_UNET_CONFIG }, 0);
  unet.params.get('out.2.bias')!.assign(tf.tensor1d([NaN]));
  const optimizer = new AdamW({ lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 });
  const rng = createRng(0);
  const batch = toTrainBatch([drawSyntheticSample(rng, 32, 0)]);
  const before = Array.from(unet.params.get('input_blocks.0.0.weight')!.dataSync().slice(0, 5));
  await expectRejects(trainStep(unet, createSchedule(), optimizer, batch, rng, { lr: 1e-3, clipGradNorm: 0 }), /trainStep: the loss and gradient norm must be finite, but got loss NaN/);
  assert.equal(Array.from(unet.params.get('input_blocks.0.0.weight')!.dataSync().slice(0, 5)), before, 'no update was applied');
  tf.dispose([batch.image, batch.gt, batch.coarse]);
  unet.dispose();
  optimizer.dispose();
});

test.run();
