/** Real-photo sampler: reads only its folders, weights, object crops vs boundary patches, determinism; cpu-real resolves; fine-tuning starts from the given weights. */
import * as fs from 'fs';
import * as path from 'path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TRAIN_COARSE_MIX } from '../../../src/data/coarse_mix';
import { writeMaskPng } from '../../../src/data/mask_io';
import { saveModelDir } from '../../../src/model/checkpoint/model_dir';
import { CPU_UNET_CONFIG } from '../../../src/model/config';
import { DenoiseUNet } from '../../../src/model/unet';
import { applyOverrides, resolveTrainConfig } from '../../../src/train/config';
import { maskValues } from '../../../src/data/samplers/crop_sample';
import { PhotoFolderSampler } from '../../../src/data/samplers/photo_sampler';
import { trainRecipe } from '../../../src/train/recipes';
import { TrainLoop } from '../../../src/train/train_loop';
import { useTestBackend } from '../../helpers/backend';
import { coordinateImage, rectMask, tempDir, writeRgbPng } from './sampler_fixtures';

test.before(async () => {
  await useTestBackend();
});

/** `<dir>/<name>/images|masks` with `n` pairs of 70×90 coordinate images and rectangle masks. */
async function writePairedFolder(dir: string, name: string, n: number): Promise<string> {
  const root = path.join(dir, name);
  for (let i = 0; i < n; i++) {
    await writeRgbPng(coordinateImage(70, 90), path.join(root, 'images', `${name}${i}.png`));
    fs.mkdirSync(path.join(root, 'masks'), { recursive: true });
    await writeMaskPng(rectMask(70, 90, 20 + i, 15, 60 + i, 50), path.join(root, 'masks', `${name}${i}.png`));
  }
  return root;
}

const dir = tempDir('photo');
let trainA = '', trainB = '', dev = '';
test.before(async () => {
  trainA = await writePairedFolder(dir, 'a', 3);
  trainB = await writePairedFolder(dir, 'b', 2);
  dev = await writePairedFolder(dir, 'dev', 2); // a sibling folder that must never be read
});

const open = (o: Partial<Parameters<typeof PhotoFolderSampler.open>[0]> = {}) =>
  PhotoFolderSampler.open({ roots: [trainA, trainB], size: 32, seed: 3, coarse: TRAIN_COARSE_MIX, ...o });

test('draws come only from the given folders, in proportion to their weights; a weight of 0 is never drawn', async () => {
  const s = open({ weights: [3, 1] });
  assert.is(s.numItems, 5);
  const sources = await Promise.all(Array.from({ length: 80 }, (_, k) => s.draw(k).then((d) => d.records[0].source)));
  assert.ok(sources.every((f) => f.startsWith(trainA) || f.startsWith(trainB)), 'only the given roots');
  assert.ok(!sources.some((f) => f.startsWith(dev)), 'the dev folder is never read');
  const fromA = sources.filter((f) => f.startsWith(trainA)).length;
  assert.ok(fromA > 45 && fromA < 75, `root a has weight 3/4: ${fromA} of 80`);
  const onlyB = open({ weights: [0, 1] });
  for (let k = 0; k < 20; k++) assert.ok((await onlyB.draw(k)).records[0].source.startsWith(trainB));
});

test('a draw is a size² sample, the same for the same (seed, stream, index); patches hold both values at full resolution', async () => {
  const s = open({ patchProb: 0 });
  const a = await s.draw(7), b = await s.draw(7), other = await open({ seed: 4, patchProb: 0 }).draw(7);
  assert.equal(a.records, b.records);
  assert.equal(Array.from(a.samples[0].coarse.data), Array.from(b.samples[0].coarse.data));
  assert.is.not(JSON.stringify(a.records), JSON.stringify(other.records));
  assert.is(a.samples[0].image.length, 32 * 32 * 3);
  assert.is(a.records[0].kind, 'object');
  assert.match(a.records[0].degradations as string, /^[a-z-]+@\d\.\d\d(\+[a-z-]+@\d\.\d\d)?$/);
  const gtBox = a.records[0].bbox, crop = a.records[0].crop;
  assert.ok(crop.x0 <= gtBox[0] && crop.y0 <= gtBox[1] && crop.x0 + crop.width >= gtBox[2] && crop.y0 + crop.height >= gtBox[3], 'the object crop holds the GT box');
  const patches = open({ patchProb: 1 });
  for (let k = 0; k < 10; k++) {
    const d = await patches.draw(k);
    assert.is(d.records[0].kind, 'patch');
    assert.equal([d.records[0].crop.width, d.records[0].crop.height], [32, 32]);
    assert.is(maskValues(d.samples[0].gt), 'both');
  }
});

test('bad options and bad folders are errors that name them; an unusable pair is reported and replaced', async () => {
  assert.throws(() => open({ roots: [] }), /roots must list at least one folder/);
  assert.throws(() => open({ weights: [1] }), /weights must give one number ≥ 0 per root \(2\)/);
  assert.throws(() => open({ weights: [0, 0] }), /not all 0/);
  assert.throws(() => open({ roots: [path.join(dir, 'nope')] }), /nope must be a folder, but it does not exist/);
  assert.throws(() => open({ patchProb: 2 }), /patchProb must be in \[0, 1\], but got 2/);
  assert.throws(() => open({ coarse: { ...TRAIN_COARSE_MIX, severity: [0, 2] } }), /coarse: severity must be \[min, max\]/);
  const bad = path.join(dir, 'bad');
  await writeRgbPng(coordinateImage(20, 20), path.join(bad, 'images', 'x.png'));
  fs.mkdirSync(path.join(bad, 'masks'), { recursive: true });
  await writeMaskPng(rectMask(20, 20, 0, 0, 0, 0), path.join(bad, 'masks', 'x.png'));
  const issues: string[] = [];
  const s = PhotoFolderSampler.open({ roots: [bad, trainB], weights: [1, 1], size: 16, seed: 0, coarse: TRAIN_COARSE_MIX, onIssue: (i) => issues.push(i.reason) });
  for (let k = 0; k < 10; k++) assert.ok((await s.draw(k)).records[0].source.startsWith(trainB));
  assert.equal(issues, ['its mask is empty']);
});

test('recipe cpu-real-128 (stage 2 of the default model) resolves: 128², from the shipped stage 1', () => {
  const c = resolveTrainConfig(applyOverrides(trainRecipe('cpu-real-128'), [`data.roots=${trainA},${trainB}`, 'data.rootWeights=0.6,0.4']));
  assert.is(c.imageSize, 128);
  assert.is(c.initFrom, 'models/cpu-real/stage1');
  assert.equal(c.lrSchedule.milestones, [1400, 1700]);
});

test('recipe cpu-real-chain (stage 3 of the default model) resolves: 128², from the shipped stage 2, own predictions on', () => {
  const c = resolveTrainConfig(applyOverrides(trainRecipe('cpu-real-chain'), [`data.roots=${trainA},${trainB}`, 'data.rootWeights=0.6,0.4']));
  assert.is(c.imageSize, 128);
  assert.is(c.initFrom, 'models/cpu-real/stage2');
  assert.is(c.ownPredictionRate, 0.5);
});

test('recipe cpu-real resolves with folders given (comma lists), and asks for them otherwise', () => {
  const c = resolveTrainConfig(applyOverrides(trainRecipe('cpu-real'), [`data.roots=${trainA},${trainB}`, 'data.rootWeights=0.6,0.4', `validation.roots=${dev}`]));
  assert.equal(c.data.roots, [trainA, trainB]);
  assert.equal(c.data.rootWeights, [0.6, 0.4]);
  assert.is(c.data.kind, 'photo-folders');
  assert.is(c.imageSize, 96);
  assert.throws(() => resolveTrainConfig(trainRecipe('cpu-real')), /data.roots must list the photo folders/);
  assert.throws(() => resolveTrainConfig(applyOverrides(trainRecipe('cpu-real'), [`data.roots=${trainA}`, 'data.rootWeights=1,2'])), /rootWeights must give one number/);
  assert.throws(() => resolveTrainConfig(applyOverrides(trainRecipe('cpu-real'), [`data.roots=${trainA}`, 'data.coarse.kinds.wobble=1'])), /unknown key 'data.coarse.kinds.wobble'/);
  assert.throws(() => resolveTrainConfig(applyOverrides(trainRecipe('cpu-real'), [`data.roots=${trainA}`, 'initFrom=nowhere'])), /initFrom must be an existing folder/);
});

test('initFrom starts training from the folder\'s weights; another architecture is refused', async () => {
  const model = path.join(dir, 'init');
  const source = DenoiseUNet.create({ ...CPU_UNET_CONFIG }, 42);
  await saveModelDir(model, source);
  const expected = (await source.toTorchStateDict()).get('out.2.weight')!.data;
  source.dispose();
  const c = resolveTrainConfig(applyOverrides(trainRecipe('cpu-real'), [`data.roots=${trainA}`, `initFrom=${model}`, `outDir=${dir}`]));
  const loop = new TrainLoop(c);
  assert.equal(Array.from((await loop.network.toTorchStateDict()).get('out.2.weight')!.data), Array.from(expected));
  loop.dispose();
  const other = resolveTrainConfig(applyOverrides(trainRecipe('cpu-real'), [`data.roots=${trainA}`, `initFrom=${model}`, 'model.modelChannels=64']));
  assert.throws(() => new TrainLoop(other), /must hold a network of the run's model config/);
});

test.run();
