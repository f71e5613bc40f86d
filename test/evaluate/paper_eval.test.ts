/** Filling the paper's tables: set folders scored as BIG/DIS score them, COCO rows, the synthetic benchmark. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CPU_UNET_CONFIG } from '../../src/model/config';
import { saveModelDir } from '../../src/model/checkpoint/model_dir';
import { DenoiseUNet } from '../../src/model/unet';
import { writeMaskPng } from '../../src/data/mask_io';
import { computeBoundaryAccuracy } from '../../src/metrics/boundary_accuracy';
import type { CocoSummary } from '../../src/metrics/coco_eval';
import { cocoRefinementTable, evalSetTable, evaluateEvalSets, findEvalSets, syntheticBenchmark } from '../../src/evaluate/paper_eval';
import { scoreMasks } from '../../src/metrics/mask_set';
import { validationSamples } from '../../src/train/validation';
import { useTestBackend } from '../helpers/backend';
import { expectNoLeak } from '../helpers/leaks';
import { maskFrom } from '../refine/fake_denoisers';

test.before(async () => {
  await useTestBackend();
});

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'paper-eval-'));
test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('set folders: IoU is ΣI/ΣU over the set, mBA the mean over images; folders without all three parts are ignored', async () => {
  const root = path.join(tmp, 'big');
  // two 8×8 images: gt squares of 16 and 4 pixels; coarse masks of 4 and 4 pixels inside them; refined = gt
  const gts = [maskFrom(8, 8, (y, x) => y >= 2 && y < 6 && x >= 2 && x < 6), maskFrom(8, 8, (y, x) => y >= 3 && y < 5 && x >= 3 && x < 5)];
  const coarse = [maskFrom(8, 8, (y, x) => y >= 2 && y < 4 && x >= 2 && x < 4), maskFrom(8, 8, (y, x) => y >= 3 && y < 5 && x >= 3 && x < 5)];
  for (const [part, masks] of [['gt', gts], ['coarse', coarse], ['refined', gts]] as const) {
    fs.mkdirSync(path.join(root, 'fcn', part), { recursive: true });
    for (let i = 0; i < 2; i++) await writeMaskPng(masks[i], path.join(root, 'fcn', part, `img${i}.png`));
  }
  fs.mkdirSync(path.join(root, 'incomplete', 'gt'), { recursive: true });
  assert.equal(findEvalSets(root).map((s) => s.name), ['fcn']);
  const [row] = await evaluateEvalSets(root);
  assert.equal([row.name, row.images], ['fcn', 2]);
  assert.is(row.coarse.iou, (4 + 4) / (16 + 4)); // not the mean of per-image IoUs (0.625)
  const ba = (i: number) => computeBoundaryAccuracy(gts[i], coarse[i]).boundaryAccuracy as number;
  assert.ok(Math.abs(row.coarse.mba - (ba(0) + ba(1)) / 2) < 1e-12);
  assert.equal(row.refined, { iou: 1, mba: 1 });
  assert.equal(evalSetTable([row]).rows[0], ['fcn', 2, `40.00 / ${(50 * (ba(0) + ba(1))).toFixed(2)}`, '100.00 / 100.00', `60.00 / ${(100 - 50 * (ba(0) + ba(1))).toFixed(2)}`]);
  assert.throws(() => findEvalSets(path.join(root, 'incomplete')), /must hold set folders <set>\/gt, <set>\/coarse and <set>\/refined/);
  assert.throws(() => findEvalSets(path.join(root, 'nope')), /findEvalSets: .*nope must be a folder/);
});

test('cocoRefinementTable: Table 2 columns in percent, n/a for −1 (no instances of that size)', () => {
  const s = (ap: number): CocoSummary => ({ AP: ap, AP50: 0.6, AP75: 0.4, APs: -1, APm: 0.5, APl: 0.55, AR1: 0, AR10: 0, AR100: 0, ARs: 0, ARm: 0, ARl: 0 });
  const t = cocoRefinementTable([
    { results: 'coarse', iouType: 'segm', summary: s(0.398) }, { results: 'coarse', iouType: 'boundary', summary: s(0.273) },
    { results: 'refined', iouType: 'segm', summary: s(0.419) }, { results: 'refined', iouType: 'boundary', summary: s(0.326) },
  ]);
  assert.equal(t.rows, [['detector (coarse)', '39.8, 60.0, 40.0, n/a, 50.0, 55.0', '27.3, 60.0, 40.0, n/a, 50.0, 55.0'],
    ['+ SegRefiner (ours)', '41.9, 60.0, 40.0, n/a, 50.0, 55.0', '32.6, 60.0, 40.0, n/a, 50.0, 55.0']]);
});

test('syntheticBenchmark: held-out scenes, coarse scores as validation computes them, std over seeds; no leaks', async () => {
  const model = path.join(tmp, 'model');
  const unet = DenoiseUNet.create({ ...CPU_UNET_CONFIG }, 5);
  await saveModelDir(model, unet, { imageSize: 32, diffusion: { numTimesteps: 6, schedule: 'linear', start: 0.8, stop: 0 } });
  unet.dispose();
  await expectNoLeak('syntheticBenchmark', async () => {
    const rows = await syntheticBenchmark(model, { scenes: 2, seeds: 2, largeScenes: 1, largeSize: 64 });
    assert.is(rows.length, 2);
    const samples = validationSamples(2, 32, 1000), c = scoreMasks(samples.map((s) => s.gt), samples.map((s) => s.coarse));
    assert.equal(rows[0].coarse, { iou: c.cumulativeIou, mba: c.mba });
    assert.is(rows[0].images, 2);
    assert.ok(rows[0].refined.iouStd !== undefined && rows[0].refined.iouStd >= 0 && rows[0].refined.iou >= 0 && rows[0].refined.iou <= 1);
    assert.match(rows[1].name, /^synthetic 64² \(SegRefiner, (instance|hr) path\)$/, rows[1].name);
  });
});

test.run();
