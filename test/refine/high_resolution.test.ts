/**
 * High-resolution path end to end with hand-made denoisers: the global pass and its nearest resizes,
 * patches where the global pass was unsure, exact local refinement inside patches, the merge, the
 * ≤ 128-pixel rule, and onStep maps at the input resolution.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createSchedule } from '../../src/diffusion/schedule';
import { resizeMaskNearest } from '../../src/data/resize';
import { computeIou } from '../../src/metrics/iou';
import { refineHighResolution } from '../../src/refine/high_resolution';
import { DEFAULT_HIGH_RESOLUTION_OPTIONS, RefineStep } from '../../src/refine/options';
import { SegRefiner } from '../../src/refine/refiner';
import { createRng } from '../../src/util/rng';
import { useTestBackend } from '../helpers/backend';
import { diskScene, doubtfulDenoiser, imageFromMask, maskFrom, perfectDenoiser, sameMask } from './fake_denoisers';

test.before(async () => {
  await useTestBackend();
});

const { N, S, gt, coarse, image } = diskScene();

test('patches go where the global pass was unsure; inside them the result is exact, elsewhere it is M_g', async () => {
  const d = doubtfulDenoiser();
  const engine = { denoise: d.denoise, schedule: createSchedule(), modelSize: S };
  const out = await refineHighResolution(engine, image, coarse, {
    options: DEFAULT_HIGH_RESOLUTION_OPTIONS, globalIndices: [5, 4, 3, 2, 1], batchSize: 4, rng: createRng(0),
    deterministic: false, maskIndex: 0,
  });
  // the global pass: 5 steps of one S×S sample; then one step at t = 0 per batch of patches
  assert.equal(d.calls.slice(0, 5).map((c) => [c.t[0], c.batch, c.size]), [[5, 1, S], [4, 1, S], [3, 1, S], [2, 1, S], [1, 1, S]]);
  const local = d.calls.slice(5);
  assert.ok(out.boxes.length > 0);
  assert.is(local.reduce((n, c) => n + c.batch, 0), out.boxes.length);
  assert.ok(local.every((c) => c.t.every((t) => t === 0) && c.size === S && c.batch <= 4));
  // M_g is the truth downsampled and upsampled with PyTorch 'nearest' (the global logits follow the image)
  const mg = resizeMaskNearest(resizeMaskNearest(gt, S, S), N, N);
  const covered = new Uint8Array(N * N);
  for (const [x1, y1, x2, y2] of out.boxes) {
    assert.equal([x2 - x1, y2 - y1], [S, S]);
    for (let y = y1; y < y2; y++) for (let x = x1; x < x2; x++) covered[y * N + x] = 1;
  }
  let wrongInside = 0, wrongOutside = 0, coveredCount = 0;
  for (let i = 0; i < N * N; i++) {
    const m = out.probs[i] >= 0.5 ? 1 : 0;
    if (covered[i]) {
      coveredCount++;
      wrongInside += m !== gt.data[i] ? 1 : 0;
    } else wrongOutside += m !== mg.data[i] ? 1 : 0;
  }
  assert.is(wrongInside, 0);
  assert.is(wrongOutside, 0);
  assert.ok(coveredCount > 0.3 * N * N, `patches cover ${coveredCount} pixels`);
});

test('SegRefiner hr mode improves on the coarse mask and counts its patches; onStep maps are full size', async () => {
  const d = doubtfulDenoiser();
  const refiner = SegRefiner.fromDenoiser(d.denoise, { imageSize: S });
  refiner.setImage(image);
  const steps: Pick<RefineStep, 'stage' | 't' | 'height' | 'width'>[] = [];
  const r = await refiner.refine(coarse, {
    mode: 'hr', onStep: (s) => {
      assert.is(s.maskProbs.length, N * N);
      assert.is(s.fineProbs.length, N * N);
      steps.push({ stage: s.stage, t: s.t, height: s.height, width: s.width });
    },
  });
  assert.is(r.mode, 'hr');
  assert.ok(r.patches > 0);
  const iou = (m: typeof gt) => computeIou(gt, m).iou as number;
  assert.ok(iou(r.mask) > iou(coarse), `refined IoU ${iou(r.mask)} vs coarse ${iou(coarse)}`);
  // here the patches happen to cover every pixel M_g got wrong, so the result is the truth itself
  assert.is(sameMask(r.mask, gt), null);
  assert.equal(steps.map((s) => `${s.stage}:${s.t}`), ['global:5', 'global:4', 'global:3', 'global:2', 'global:1', 'local:0']);
  assert.ok(steps.every((s) => s.height === N && s.width === N));
  // 'auto' picks hr only when asked to: this mask's padded box (322 px) is 2.5× the model size
  assert.is((await refiner.refine(coarse)).mode, 'instance');
  assert.is((await refiner.refine(coarse, { autoHrFactor: 2 })).mode, 'hr');
  assert.is((await refiner.refine(coarse, { autoHrFactor: 3 })).mode, 'instance');
  const hrModel = SegRefiner.fromDenoiser(d.denoise, { imageSize: S, autoHrFactor: 2 });
  hrModel.setImage(image);
  assert.is((await hrModel.refine(coarse, { steps: 1 })).mode, 'hr');
  hrModel.dispose();
  refiner.dispose();
});

test('≤ 128 foreground pixels: the coarse mask is returned unchanged, or empty with emptyBelow128', async () => {
  const d = perfectDenoiser();
  const refiner = SegRefiner.fromDenoiser(d.denoise, { imageSize: S });
  refiner.setImage(image);
  const tiny = maskFrom(N, N, (y, x) => y >= 100 && y < 108 && x >= 100 && x < 116); // 128 pixels
  const kept = await refiner.refine(tiny, { mode: 'hr' });
  assert.is(kept.passedThrough, 'few-foreground');
  assert.is(sameMask(kept.mask, tiny), null);
  assert.is(d.calls.length, 0);
  const emptied = await refiner.refine(tiny, { mode: 'hr', hr: { emptyBelow128: true } });
  assert.ok(emptied.mask.data.every((v) => v === 0));
  assert.ok(emptied.probs.every((v) => v === 0));
  const more = maskFrom(N, N, (y, x) => (y >= 100 && y < 108 && x >= 100 && x < 116) || (y === 200 && x === 200));
  assert.is((await refiner.refine(more, { mode: 'hr' })).passedThrough, null);
  assert.ok(d.calls.length >= 5);
  refiner.dispose();
});

test('hr mode needs an image at least the model size', async () => {
  const refiner = SegRefiner.fromDenoiser(perfectDenoiser().denoise, { imageSize: S });
  const small = maskFrom(100, 600, (y, x) => y > 20 && y < 80 && x > 20 && x < 580);
  refiner.setImage(imageFromMask(small));
  try {
    await refiner.refine(small, { mode: 'hr' });
    assert.unreachable();
  } catch (error) {
    assert.match((error as Error).message, "SegRefiner.refine: mode 'hr' needs an image of at least 128×128 (the model size), but got 100×600; use mode 'instance'.");
  }
  assert.is((await refiner.refine(small, { autoHrFactor: 1 })).mode, 'instance'); // auto never picks hr here
  refiner.dispose();
});

test.run();
