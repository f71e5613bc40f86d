/** The step ablation: variants, mean ± std over seeds, a perfect denoiser scores 1 everywhere. */
import * as tf from '@tensorflow/tfjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRng, createSchedule, Denoiser } from '../../src';
import { AblationSample, defaultStepVariants, runStepAblation } from '../../src/evaluate/step_ablation';
import { useTestBackend } from '../helpers/backend';
import { expectNoLeak } from '../helpers/leaks';

test.before(async () => {
  await useTestBackend();
});

function sample(seed: number): AblationSample {
  const rng = createRng(seed), n = 16 * 16;
  const gt = Uint8Array.from({ length: n }, (_, i) => (Math.hypot((i % 16) - 8, Math.floor(i / 16) - 8) < 4 + rng.int(3) ? 1 : 0));
  const coarse = Uint8Array.from({ length: n }, (_, i) => (Math.abs((i % 16) - 8) < 6 && Math.abs(Math.floor(i / 16) - 8) < 6 ? 1 : 0));
  return { image: new Float32Array(n * 3), gt: { data: gt, height: 16, width: 16 }, coarse: { data: coarse, height: 16, width: 16 } };
}

test('default variants: the first-N list, subsets ending at 0, and a deterministic run', () => {
  const v = defaultStepVariants(6);
  assert.equal(v.slice(0, 6).map((x) => x.indices), [[5], [5, 4], [5, 4, 3], [5, 4, 3, 2], [5, 4, 3, 2, 1], [5, 4, 3, 2, 1, 0]]);
  assert.ok(v.some((x) => x.indices.join() === '0') && v[v.length - 1].deterministic === true);
});

test('a denoiser that knows the ground truth scores 1 for every variant and seed; coarse scores below 1; no leaks', async () => {
  const samples = [sample(1), sample(2), sample(3)];
  const gt = tf.tensor4d(samples.flatMap((s) => Array.from(s.gt.data)), [3, 16, 16, 1]);
  const perfect: Denoiser = (z) => tf.tidy(() => tf.mul(tf.sub(tf.mul(gt.slice([0, 0, 0, 0], [z.shape[0], 16, 16, 1]), 2), 1), 20) as tf.Tensor4D);
  await expectNoLeak('runStepAblation', async () => {
    const r = await runStepAblation(perfect, createSchedule(), samples, defaultStepVariants(6).slice(4), [0, 1, 2]);
    for (const v of r.variants) {
      assert.is(v.iou.mean, 1, v.label);
      assert.is(v.iou.std, 0, v.label);
      assert.is(v.iou.perSeed.length, v.deterministic ? 1 : 3, v.label);
      assert.ok(v.msPerRefinement > 0);
    }
    assert.ok(r.coarse.iou < 1 && r.coarse.mba < 1);
  });
  gt.dispose();
});

test('empty inputs are errors', async () => {
  const d: Denoiser = (z) => tf.zeros([z.shape[0], z.shape[1], z.shape[2], 1]) as tf.Tensor4D;
  await runStepAblation(d, createSchedule(), [], [], [0]).then(() => assert.unreachable(), (e) => assert.match(e.message, /samples must not be empty/));
});

test.run();
