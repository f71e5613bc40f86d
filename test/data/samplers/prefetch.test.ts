/** Prefetch pipeline and TrainFeed: order, depth, seek, errors; data-kind config; two TrainLoop steps on a tiny COCO set. */
import * as fs from 'fs';
import * as path from 'path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { applyOverrides, resolveTrainConfig } from '../../../src/train/config';
import { SampleDraw } from '../../../src/data/samplers/crop_sample';
import { LrObjectSampler } from '../../../src/data/samplers/lr_sampler';
import { PrefetchPipeline, SampleSource } from '../../../src/data/samplers/prefetch';
import { TrainFeed } from '../../../src/train/train_feed';
import { trainRecipe } from '../../../src/train/recipes';
import { Progress } from '../../../src/train/progress';
import { TrainLoop } from '../../../src/train/train_loop';
import { useTestBackend } from '../../helpers/backend';
import { expectRejects } from '../../helpers/rejects';
import { tempDir, writeCocoDataset, writeHrDataset } from './sampler_fixtures';

test.before(async () => {
  await useTestBackend();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Draws that finish out of order; each sample's image is [index, stream, slot]. */
class FakeSource implements SampleSource {
  readonly started: string[] = [];
  constructor(readonly samplesPerDraw = 1, private readonly failAt = -1) {}

  async draw(index: number, stream: number): Promise<SampleDraw> {
    this.started.push(`${stream}:${index}`);
    await sleep((index * 7) % 5);
    if (index === this.failAt) throw new Error(`draw ${index} failed`);
    const mask = { data: new Uint8Array(1), height: 1, width: 1 };
    const samples = Array.from({ length: this.samplesPerDraw }, (_, slot) => ({ image: Float32Array.of(index, stream, slot), gt: mask, coarse: mask }));
    return { samples, records: [] };
  }
}

const ids = (draws: SampleDraw[]) => draws.map((d) => d.samples[0].image[0]);

test('PrefetchPipeline: index order whatever the finishing order; depth draws in flight ahead; seek; state', async () => {
  const src = new FakeSource();
  const p = new PrefetchPipeline(src, 3);
  assert.equal(ids(await p.take()), [0]);
  assert.equal(src.started, ['0:0', '0:1', '0:2', '0:3'], 'the next 3 draws started before waiting on draw 0');
  assert.equal(ids(await p.take(2)), [1, 2]);
  assert.equal(ids(await p.take()), [3]);
  assert.equal([src.started.length, p.queued], [7, 3]);
  assert.equal(p.state(), { stream: 0, next: 4 });
  p.seek({ stream: 2, next: 10 });
  const d = await p.take();
  assert.equal(Array.from(d[0].samples[0].image), [10, 2, 0]);
  assert.equal(p.state(), { stream: 2, next: 11 });
  await p.drain();
  assert.throws(() => new PrefetchPipeline(src, 0), /depth must be a positive integer, but got 0/);
  assert.throws(() => p.seek({ stream: 0, next: -1 }), /must be integer \{stream, next ≥ 0\}/);
});

test('PrefetchPipeline: a failed draw rejects the take that reaches it; a failed draw never taken is no unhandled rejection', async () => {
  let unhandled = 0;
  const onUnhandled = () => unhandled++;
  process.on('unhandledRejection', onUnhandled);
  const p = new PrefetchPipeline(new FakeSource(1, 2), 2);
  assert.equal(ids(await p.take()), [0]);
  assert.equal(ids(await p.take()), [1]);
  await expectRejects(p.take(), /draw 2 failed/);
  const q = new PrefetchPipeline(new FakeSource(1, 3), 3);
  assert.equal(ids(await q.take()), [0]); // draw 3 has started and fails in the background
  q.seek({ stream: 1, next: 0 });
  await q.drain();
  await sleep(20);
  process.off('unhandledRejection', onUnhandled);
  assert.is(unhandled, 0);
});

test('TrainFeed: step s takes draws [s·d, (s+1)·d); a jump (resume, rollback stream) seeks; batch must divide', async () => {
  const feed = new TrainFeed(new FakeSource(2), 4);
  assert.is(feed.drawsPerStep, 2);
  const tags = (b: { image: Float32Array }[]) => b.map((s) => Array.from(s.image).join(','));
  assert.equal(tags(await feed.batch(0)), ['0,0,0', '0,0,1', '1,0,0', '1,0,1']);
  assert.equal(tags(await feed.batch(1)), ['2,0,0', '2,0,1', '3,0,0', '3,0,1']);
  assert.equal(tags(await feed.batch(5, 1)), ['10,1,0', '10,1,1', '11,1,0', '11,1,1']);
  assert.throws(() => new TrainFeed(new FakeSource(2), 3), /batchSize must be a positive multiple of the sampler's 2 samples per draw, but got 3/);
  await feed.pipeline.drain();
});

test('prefetched LR draws equal draws made one by one', async () => {
  const dir = tempDir('prefetch');
  const ds = await writeCocoDataset(dir);
  const open = () => LrObjectSampler.open({ root: ds.root, annotations: ds.annotations, size: 32, seed: 3 });
  const p = new PrefetchPipeline(await open(), 4);
  const fetched = await p.take(6);
  const one = await open();
  for (let k = 0; k < 6; k++) assert.equal(fetched[k], await one.draw(k));
  await p.drain();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('resolveTrainConfig: folder data kinds need their paths (named in the error); hr-folder needs an even batch', async () => {
  const dir = tempDir('prefetch');
  const coco = await writeCocoDataset(dir), hr = await writeHrDataset(dir);
  const resolve = (sets: string[], recipe = 'cpu-synthetic') => resolveTrainConfig(applyOverrides(trainRecipe(recipe), sets));
  assert.equal({ ...resolve([]).data, coarse: undefined }, { kind: 'synthetic', flipProb: 0.5, root: '', annotations: '', roots: [], rootWeights: [], coarse: undefined, patchProb: 0.25, padSize: 40 });
  assert.throws(() => resolve([], 'paper-lr'), /data.root must name the dataset folder for data.kind 'coco-instances' \(--set data.root=<path>\), but it is empty/);
  assert.throws(() => resolve([`data.root=${coco.root}`], 'paper-lr'), /data.annotations must name the dataset file for data.kind 'coco-instances'/);
  const nowhere = path.join(dir, 'nowhere.json');
  assert.throws(() => resolve([`data.root=${coco.root}`, `data.annotations=${nowhere}`], 'paper-lr'), new RegExp(`data.annotations must be an existing file for data.kind 'coco-instances', but ${nowhere} does not exist`));
  assert.throws(() => resolve([`data.root=${coco.annotations}`, `data.annotations=${coco.annotations}`], 'paper-lr'), /data.root must be an existing folder .* is not a folder/);
  assert.is(resolve([`data.root=${coco.root}`, `data.annotations=${coco.annotations}`], 'paper-lr').data.kind, 'coco-instances');
  assert.throws(() => resolve([], 'paper-hr'), /data.root must name the dataset folder for data.kind 'hr-folder'/);
  assert.is(resolve([`data.root=${hr.root}`], 'paper-hr').data.kind, 'hr-folder');
  assert.throws(() => resolve([`data.root=${hr.root}`, 'data.kind=hr-folder', 'batchSize=3']), /batchSize must be even for data.kind 'hr-folder'/);
  assert.throws(() => resolve(['data.kind=coco']), /data.kind must be one of 'synthetic', 'coco-instances', 'hr-folder', 'photo-folders', but got 'coco'/);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('TrainLoop trains from a tiny COCO folder: 2 steps straight equal 1 + 1 resumed; skipped annotations are written down', async () => {
  const dir = tempDir('prefetch');
  const ds = await writeCocoDataset(dir);
  const quiet = () => new Progress(1, 0, 1000, false, () => undefined);
  const config = (name: string) => resolveTrainConfig(applyOverrides(trainRecipe('cpu-synthetic'), [
    `outDir=${dir}`, `name=${name}`, 'steps=2', 'imageSize=32', 'batchSize=2', 'checkpointEvery=1', 'logEvery=1', 'lrSchedule.warmupSteps=0',
    'data.kind=coco-instances', `data.root=${ds.root}`, `data.annotations=${ds.annotations}`,
  ]));
  const weights = async (loop: TrainLoop) => [...(await loop.network.toTorchStateDict()).values()].flatMap((t) => Array.from(t.data.subarray(0, 40)));
  const straight = new TrainLoop(config('straight'), { skipValidation: true, progress: quiet() });
  assert.is((await straight.run()).step, 2);
  const expected = await weights(straight);
  straight.dispose();
  const first = new TrainLoop(config('resumed'), { skipValidation: true, progress: quiet(), maxStepsThisRun: 1 });
  await first.run();
  first.dispose();
  const second = new TrainLoop(config('resumed'), { resume: true, skipValidation: true, progress: quiet() });
  assert.is((await second.run()).step, 2);
  assert.equal(await weights(second), expected);
  second.dispose();
  const lines = fs.readFileSync(path.join(dir, 'straight', 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const data = lines.find((l) => l.event === 'data');
  assert.equal([data.kind, data.summary, data.skipped], ['coco-instances', '2 instances in 2 images (8 annotations/images skipped)', 8]);
  assert.equal(lines.filter((l) => l.type === 'train').map((l) => l.step), [1, 2]);
  assert.ok(lines.filter((l) => l.type === 'train').every((l) => Number.isFinite(l.loss)));
  const skipped = JSON.parse(fs.readFileSync(path.join(dir, 'straight', 'data_skipped.json'), 'utf8'));
  assert.is(skipped.length, 8);
  assert.ok(skipped.some((s: { reason: string }) => /crowd/.test(s.reason)));
  fs.rmSync(dir, { recursive: true, force: true });
});

test.run();
