/** The discrete diffusion: schedule table, forward keep-rate, reverse loop properties, seeds, leaks, errors. */
import * as tf from '@tensorflow/tfjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRng, createSchedule, Denoiser, pSampleLoop, qSample } from '../../src';
import { coarseToFineProb } from '../../src/diffusion/schedule';
import { resolveDiffusionConfig } from '../../src/diffusion/config';
import { StepState } from '../../src/diffusion/discrete_diffusion';
import { useTestBackend } from '../helpers/backend';
import { expectNoLeak } from '../helpers/leaks';
import { expectRejects } from '../helpers/rejects';

test.before(async () => {
  await useTestBackend();
});

test('schedule equals the table of method.md §1.3 to 1e-12', () => {
  const s = createSchedule();
  const close = (a: Float64Array, b: number[]) => b.forEach((v, i) => assert.ok(Math.abs(a[i] - v) < 1e-12, `${a[i]} vs ${v} at ${i}`));
  close(s.betasCumprod, [0.8, 0.64, 0.48, 0.32, 0.16, 0]);
  close(s.betasCumprodPrev, [1, 0.8, 0.64, 0.48, 0.32, 0.16]);
  close(s.betas, [0.8, 0.8, 0.75, 2 / 3, 0.5, 0]);
  // p = 1 gives the true posterior q(x_{t-1}=fine | x_t=coarse, x_0=fine) = (β̄_{t−1} − β̄_t)/(1 − β̄_t)
  assert.ok(Math.abs(coarseToFineProb(s, 5, 1) - 0.16) < 1e-12);
  assert.ok(Math.abs(coarseToFineProb(s, 0, 1) - 1) < 1e-12);
  assert.ok(Math.abs(coarseToFineProb(s, 2, 0.5) - (0.5 * 0.16) / (1 - 0.5 * 0.48)) < 1e-12);
});

test('config: unknown keys, unknown schedules and bad ranges are errors', () => {
  assert.throws(() => resolveDiffusionConfig({ numTimestep: 6 } as never), /unknown key 'numTimestep'/);
  assert.throws(() => resolveDiffusionConfig({ schedule: 'cosin' as never }), /unknown schedule 'cosin'; expected one of 'linear'/);
  assert.throws(() => resolveDiffusionConfig({ start: 1 }), /0 ≤ stop ≤ start < 1/);
  assert.is(createSchedule({ numTimesteps: 11 }).betasCumprod.length, 11);
});

/** Mean in float64 on the host (wasm's float32 Mean drifts by ~1e-4 over 16k elements). */
function hostMean(v: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i];
  return sum / v.length;
}
type Shape4 = [number, number, number, number];
const ones = (shape: Shape4) => tf.ones(shape) as tf.Tensor4D;
const zeros = (shape: Shape4) => tf.zeros(shape) as tf.Tensor4D;

test('qSample keeps the fine mask at rate β̄_t (within sampling error) and is seeded', () => {
  const s = createSchedule();
  const shape: Shape4 = [6, 64, 64, 1];
  const fine = ones(shape), coarse = zeros(shape);
  const t = [0, 1, 2, 3, 4, 5];
  const xt = qSample(s, fine, coarse, t, createRng(3));
  const all = xt.dataSync(), n = 64 * 64;
  const rates = t.map((_, i) => hostMean(all.subarray(i * n, (i + 1) * n)));
  rates.forEach((r, i) => {
    const p = s.betasCumprod[i], sd = Math.sqrt((p * (1 - p)) / 4096);
    assert.ok(Math.abs(r - p) <= 5 * sd + 1e-9, `t=${i}: keep rate ${r} vs ${p}`);
  });
  const again = qSample(s, fine, coarse, t, createRng(3));
  assert.equal(Array.from(again.dataSync()), Array.from(xt.dataSync()));
  tf.dispose([fine, coarse, xt, again]);
});

test('qSample rejects mismatched shapes and out-of-range timesteps', () => {
  const s = createSchedule();
  const a = zeros([1, 8, 8, 1]), b = zeros([1, 8, 4, 1]);
  assert.throws(() => qSample(s, a, b, [0], createRng(0)), /qSample: xLast must have shape \[1,8,8,1\], but got \[1,8,4,1\]/);
  assert.throws(() => qSample(s, a, a, [6], createRng(0)), /qSample: timestep must be an integer in \[0, 5\], but got 6/);
  assert.throws(() => qSample(s, a, a, [0, 1], createRng(0)), /one index per sample \(1\), but got 2/);
  tf.dispose([a, b]);
});

/** A denoiser that always predicts `target` with confidence `conf` (logit ±atanh-like value). */
function constantDenoiser(target: tf.Tensor4D, conf: number): Denoiser {
  const logit = Math.log((1 + conf) / (1 - conf)); // σ(logit) = (1 + conf)/2 ⇒ p = conf
  return (z) => tf.tidy(() => tf.mul(tf.sub(tf.mul(target, 2), 1), logit).reshape([z.shape[0], z.shape[1], z.shape[2], 1]) as tf.Tensor4D);
}

test('with a perfect denoiser the loop returns the fine mask', async () => {
  const s = createSchedule();
  const fine = tf.tidy(() => tf.cast(tf.greater(tf.randomUniform([2, 16, 16, 1], 0, 1, 'float32', 1), 0.5), 'float32')) as tf.Tensor4D;
  const coarse = tf.tidy(() => tf.sub(1, fine)) as tf.Tensor4D;
  const image = zeros([2, 16, 16, 3]);
  const { maskProbs, fineProbs } = await pSampleLoop(constantDenoiser(fine, 0.999999), s, image, coarse, { seed: 1 });
  const out = tf.tidy(() => tf.greaterEqual(maskProbs, 0.5).cast('float32'));
  assert.equal(Array.from(out.dataSync()), Array.from(fine.dataSync()));
  tf.dispose([fine, coarse, image, maskProbs, fineProbs, out]);
});

test('with constant confidence the fine fraction after each step matches the closed form', async () => {
  const s = createSchedule();
  const conf = 0.7;
  const fine = ones([4, 64, 64, 1]), coarse = zeros([4, 64, 64, 1]), image = zeros([4, 64, 64, 3]);
  const seen: { t: number; mean: number; s: number }[] = [];
  const result = await pSampleLoop(constantDenoiser(fine, conf), s, image, coarse, {
    seed: 5,
    onStep: async (st: StepState) => {
      seen.push({ t: st.t, mean: hostMean(await st.x.data()), s: (await st.fineProbs.data())[0] });
    },
  });
  let sExpected = 0;
  seen.forEach(({ t, mean, s: sObserved }, i) => {
    sExpected += (1 - sExpected) * coarseToFineProb(s, t, conf);
    assert.ok(Math.abs(sObserved - sExpected) < 1e-6, `s after t=${t}: ${sObserved} vs ${sExpected}`);
    if (i < seen.length - 1) {
      const sd = Math.sqrt((sExpected * (1 - sExpected)) / (4 * 64 * 64));
      assert.ok(Math.abs(mean - sExpected) < 5 * sd + 1e-9, `fine fraction after t=${t}: ${mean} vs ${sExpected}`);
    }
  });
  assert.equal(seen.map((x) => x.t), [5, 4, 3, 2, 1, 0]);
  assert.ok(Math.abs(seen[5].mean - (1 + conf) / 2) < 1e-5, `the last step returns σ(logits): ${seen[5].mean}`);
  tf.dispose([fine, coarse, image, result.maskProbs, result.fineProbs]);
});

test('with p ≡ 1 the expected fine fraction after step t is β̄_{t−1}, mirroring the forward process', () => {
  const s = createSchedule();
  let sCum = 0;
  for (let t = 5; t >= 1; t--) {
    sCum += (1 - sCum) * coarseToFineProb(s, t, 1);
    assert.ok(Math.abs(1 - sCum - (1 - s.betasCumprodPrev[t])) < 1e-12, `t=${t}`);
  }
});

test('seeded loops are identical; deterministic mode needs no draws; index subsets run as given', async () => {
  const s = createSchedule();
  const target = tf.tidy(() => tf.cast(tf.greater(tf.randomUniform([1, 16, 16, 1], 0, 1, 'float32', 9), 0.5), 'float32')) as tf.Tensor4D;
  const coarse = zeros([1, 16, 16, 1]), image = zeros([1, 16, 16, 3]);
  const run = async (o: object) => {
    const r = await pSampleLoop(constantDenoiser(target, 0.5), s, image, coarse, o);
    const v = Array.from(await r.fineProbs.data()).concat(Array.from(await r.maskProbs.data()));
    tf.dispose([r.maskProbs, r.fineProbs]);
    return v;
  };
  assert.equal(await run({ seed: 4 }), await run({ seed: 4 }));
  assert.equal(await run({ deterministic: true }), await run({ deterministic: true, seed: 99 }));
  const ts: number[] = [];
  const r = await pSampleLoop(constantDenoiser(target, 0.5), s, image, coarse, { indices: [5, 3, 1], onStep: (st) => { ts.push(st.t); } });
  assert.equal(ts, [5, 3, 1]);
  tf.dispose([r.maskProbs, r.fineProbs, target, coarse, image]);
});

test('no tensor leaks over a 6-step loop with an onStep callback', async () => {
  const s = createSchedule();
  const target = ones([2, 8, 8, 1]), coarse = zeros([2, 8, 8, 1]), image = zeros([2, 8, 8, 3]);
  const denoise = constantDenoiser(target, 0.9);
  await pSampleLoop(denoise, s, image, coarse, { seed: 0 }).then((r) => tf.dispose([r.maskProbs, r.fineProbs])); // warm-up
  await expectNoLeak('pSampleLoop', async () => {
    const r = await pSampleLoop(denoise, s, image, coarse, { seed: 1, onStep: async (st) => { await st.confidence.data(); } });
    tf.dispose([r.maskProbs, r.fineProbs]);
  });
  tf.dispose([target, coarse, image]);
});

test('pSampleLoop rejects bad indices and shapes', async () => {
  const s = createSchedule();
  const coarse = zeros([1, 8, 8, 1]), image = zeros([1, 8, 4, 3]);
  const d: Denoiser = (z) => tf.zeros([z.shape[0], z.shape[1], z.shape[2], 1]) as tf.Tensor4D;
  await expectRejects(pSampleLoop(d, s, image, coarse), /pSampleLoop: image must have shape \[1,8,8,\*\], but got \[1,8,4,3\]/);
  const good = zeros([1, 8, 8, 3]);
  await expectRejects(pSampleLoop(d, s, good, coarse, { indices: [1, 3] }), /strictly descending/);
  await expectRejects(pSampleLoop(d, s, good, coarse, { indices: [7] }), /integer in \[0, 5\], but got 7/);
  await expectRejects(pSampleLoop(d, s, good, coarse, { indices: [] }), /at least one step/);
  tf.dispose([coarse, image, good]);
});

test('a denoiser or onStep that throws leaves no tensors behind', async () => {
  const s = createSchedule();
  const coarse = zeros([1, 8, 8, 1]), image = zeros([1, 8, 8, 3]);
  let calls = 0;
  const flaky: Denoiser = (z) => {
    if (++calls === 3) throw new Error('boom');
    return tf.zeros([z.shape[0], z.shape[1], z.shape[2], 1]) as tf.Tensor4D;
  };
  await expectNoLeak('throwing denoiser', () => expectRejects(pSampleLoop(flaky, s, image, coarse), /boom/));
  const ok: Denoiser = (z) => tf.zeros([z.shape[0], z.shape[1], z.shape[2], 1]) as tf.Tensor4D;
  await expectNoLeak('throwing onStep', () => expectRejects(pSampleLoop(ok, s, image, coarse, { onStep: (st) => { if (st.step === 2) throw new Error('stop'); } }), /stop/));
  tf.dispose([coarse, image]);
});

test.run();
