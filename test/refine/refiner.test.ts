/**
 * The SegRefiner API: loading (our folder, errors), the do-no-harm gate, seeds and deterministic mode,
 * onStep, no tensor leaks over 100 refinements, and clear errors for bad input and options.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { saveModelDir } from '../../src/model/checkpoint/model_dir';
import { CPU_UNET_CONFIG } from '../../src/model/config';
import { DenoiseUNet } from '../../src/model/unet';
import { generateScene } from '../../src/data/synthetic_scene';
import { SegRefiner, withModelDefaults } from '../../src/refine/refiner';
import type { BinaryMask } from '../../src/types';
import { useTestBackend } from '../helpers/backend';
import { expectNoLeak } from '../helpers/leaks';
import { expectRejects } from '../helpers/rejects';
import { flipDenoiser, halvesDenoiser, imageFromMask, maskFrom, perfectDenoiser } from './fake_denoisers';

test.before(async () => {
  await useTestBackend();
});

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'segrefiner-refine-'));

// 200×200 image; coarse box x [60, 148), y [40, 128) → crop [40, 168) × [20, 148), 128² (×2 for a 256 model)
const H = 200, W = 200;
const coarse = maskFrom(H, W, (y, x) => x >= 60 && x < 148 && y >= 40 && y < 128 && (x - 60) + (y - 40) < 150);
const image = imageFromMask(maskFrom(H, W, (y, x) => (y - 84) ** 2 + (x - 104) ** 2 < 40 ** 2));

test('the gate keeps the coarse value where the final confidence is below its threshold', async () => {
  // left half of the model input: logit 0.1 (σ 0.525, confidence 0.05); right half: logit 20
  const refiner = SegRefiner.fromDenoiser(halvesDenoiser(0.1, 20).denoise, { imageSize: 256 });
  refiner.setImage(image);
  const open = await refiner.refine(coarse);
  const gated = await refiner.refine(coarse, { gate: { threshold: 0.5 } });
  // crop x [40, 168): full columns 40..103 map to model columns 0..127 (left), 104..167 to the right half
  for (const y of [20, 60, 100, 147]) {
    for (const x of [40, 70, 103, 104, 130, 167]) {
      const i = y * W + x;
      assert.is(open.mask.data[i], 1, `open (${y}, ${x})`);
      assert.is(gated.mask.data[i], x < 104 ? coarse.data[i] : 1, `gated (${y}, ${x})`);
    }
  }
  assert.ok(Math.abs(open.confidence[60 * W + 70] - 0.05) < 1e-3);
  assert.equal(gated.probs, open.probs); // the gate changes the mask only
  assert.is(gated.mask.data[5 * W + 5], 0); // outside the crop: probability 0, confident
  refiner.dispose();
});

test('a seed reproduces a refinement, another seed changes it, deterministic ignores seeds', async () => {
  const refiner = SegRefiner.fromDenoiser(flipDenoiser().denoise, { imageSize: 64 });
  refiner.setImage(image);
  const probs = async (o: object) => (await refiner.refine(coarse, o)).probs;
  assert.equal(await probs({ seed: 3 }), await probs({ seed: 3 }));
  assert.not.equal(await probs({ seed: 3 }), await probs({ seed: 4 }));
  assert.equal(await probs({ seed: 3, deterministic: true }), await probs({ seed: 4, deterministic: true }));
  assert.equal(await probs({ seed: undefined, steps: undefined }), await probs({ seed: 0 })); // undefined = not given
  refiner.dispose();
});

test('onStep gets every step at the input resolution, pasted like the output', async () => {
  const refiner = SegRefiner.fromDenoiser(perfectDenoiser().denoise, { imageSize: 256 });
  refiner.setImage(image);
  const seen: string[] = [];
  let last: Float32Array | null = null;
  const r = await refiner.refineBatch([coarse, coarse], {
    batchSize: 2, onStep: (s) => {
      assert.is(s.x.length, H * W);
      assert.is(s.fineMap === null, s.step === 5);
      seen.push(`${s.maskIndex}:${s.t}`);
      last = s.maskProbs;
    },
  });
  assert.equal(seen, ['0:5', '1:5', '0:4', '1:4', '0:3', '1:3', '0:2', '1:2', '0:1', '1:1', '0:0', '1:0']);
  assert.equal(last, r[1].probs);
  refiner.dispose();
});

test('no tensor leaks over 100 refinements (instance, batches, hr, onStep, pass-through, errors)', async () => {
  const refiner = SegRefiner.fromDenoiser(flipDenoiser().denoise, { imageSize: 32 });
  const small = maskFrom(64, 64, (y, x) => y > 8 && y < 50 && x > 10 && x < 40);
  refiner.setImage(imageFromMask(small));
  await refiner.refine(small, { instance: { areaThreshold: 0 } }); // warm-up (backend scratch tensors, if any)
  await expectNoLeak('100 refinements', async () => {
    for (let i = 0; i < 80; i++) await refiner.refine(small, { seed: i, instance: { areaThreshold: 0 } });
    for (let i = 0; i < 10; i++) await refiner.refineBatch([small, small, small], { batchSize: 2, instance: { areaThreshold: 0 }, onStep: () => undefined });
    for (let i = 0; i < 8; i++) await refiner.refine(small, { mode: 'hr', onStep: () => undefined });
    await refiner.refine(small); // area 1,189 ≥ 512: refined
    await expectRejects(refiner.refine(small, { onStep: () => { throw new Error('callback failed'); } }), /callback failed/);
  });
  refiner.dispose();
});

test('bad input: no image, size mismatch, empty, non-binary, bad image data, use after dispose', async () => {
  const refiner = SegRefiner.fromDenoiser(perfectDenoiser().denoise, { imageSize: 32 });
  await expectRejects(refiner.refine(coarse), /SegRefiner\.refine: an image must be set with setImage\(\.\.\.\) before refining\./);
  refiner.setImage(image);
  const wrongSize: BinaryMask = { data: new Uint8Array(100 * 200).fill(1), height: 100, width: 200 };
  await expectRejects(refiner.refine(wrongSize), /the coarse mask must have the image's size 200×200, but got 100×200\./);
  await expectRejects(refiner.refine({ data: new Uint8Array(H * W), height: H, width: W }), /the coarse mask must have at least one foreground pixel, but it is empty\./);
  const grey = { ...coarse, data: coarse.data.map((v) => v * 255) };
  await expectRejects(refiner.refine(grey), /the coarse mask must be binary \(0 or 1\), but pixel 8060 \(y 40, x 60\) is 255\./);
  await expectRejects(refiner.refineBatch([coarse, grey]), /SegRefiner\.refineBatch: mask 1 must be binary/);
  assert.throws(() => refiner.setImage({ data: new Uint8Array(10), height: 2, width: 2 }), /image data must be a Uint8Array of 2×2×3 = 12 RGB bytes, but got 10 values\./);
  refiner.dispose();
  await expectRejects(refiner.refine(coarse), /SegRefiner\.refine: the refiner must not be used after dispose\(\)\./);
});

test('bad options are errors naming the option', async () => {
  const refiner = SegRefiner.fromDenoiser(perfectDenoiser().denoise, { imageSize: 32 });
  refiner.setImage(image);
  const cases: [object, RegExp][] = [
    [{ step: 3 }, /unknown option 'step'; expected one of mode, autoHrFactor, indices, steps/],
    [{ hr: { emptyBelow: true } }, /unknown option 'hr\.emptyBelow'/],
    [{ steps: 7, mode: 'instance' }, /steps \(instance loop\) must be an integer in \[1, 6\], but got 7\./],
    [{ steps: 6, mode: 'hr' }, /steps \(hr global pass\) must be an integer in \[1, 5\], but got 6\./],
    [{ steps: 2, indices: [1, 0] }, /give indices or steps, not both/],
    [{ indices: [0, 1] }, /indices must be strictly descending, but got \[0,1\]/],
    [{ batchSize: 33 }, /batchSize must be an integer in \[1, 32\], but got 33\./],
    [{ gate: { threshold: 2 } }, /gate\.threshold must be a number in \[0, 1\], but got 2\./],
    [{ mode: 'fast' }, /mode must be one of 'auto', 'instance', 'hr', but got 'fast'\./],
    [{ autoHrFactor: -1 }, /autoHrFactor must be a number in \[0, /],
  ];
  for (const [o, pattern] of cases) await expectRejects(refiner.refine(coarse, o as never), pattern);
  refiner.dispose();
});

test('load: our model folder round trip; unreadable folders and files are clear errors', async () => {
  const dir = tmp();
  const unet = DenoiseUNet.create({ ...CPU_UNET_CONFIG }, 1);
  await saveModelDir(path.join(dir, 'model'), unet, { imageSize: 32, diffusion: { numTimesteps: 6, schedule: 'linear', start: 0.8, stop: 0 } });
  unet.dispose();
  const before = tf.memory().numTensors;
  const refiner = await SegRefiner.load(path.join(dir, 'model'));
  assert.is(refiner.modelSize, 32);
  const scene = generateScene({ seed: 5, height: 64, width: 80 });
  refiner.setImage(scene.image);
  const r = await refiner.refine(scene.mask, { steps: 2, instance: { areaThreshold: 0 } });
  assert.is(r.mask.data.length, 64 * 80);
  assert.ok(r.probs.every((p) => p >= 0 && p <= 1));
  refiner.dispose();
  assert.is(tf.memory().numTensors, before, 'dispose frees the network');

  await expectRejects(SegRefiner.load(path.join(dir, 'nope')), /must be a model folder or a \.pth checkpoint, but .*nope does not exist\./);
  await expectRejects(SegRefiner.load(dir), /must contain config\.json, but .*config\.json does not exist\./);
  fs.mkdirSync(path.join(dir, 'bad'));
  fs.writeFileSync(path.join(dir, 'bad', 'config.json'), '{ not json');
  await expectRejects(SegRefiner.load(path.join(dir, 'bad')), /config\.json must be JSON, but parsing failed/);
  fs.writeFileSync(path.join(dir, 'bad', 'config.json'), JSON.stringify({ format: 'segrefiner-ts/model@1', unet: CPU_UNET_CONFIG }));
  await expectRejects(SegRefiner.load(path.join(dir, 'bad')), /config\.json must give the model's input side 'imageSize', but it is missing\./);
  fs.writeFileSync(path.join(dir, 'bad', 'config.json'), JSON.stringify({ format: 'segrefiner-ts/model@1', unet: CPU_UNET_CONFIG, imageSize: 32 }));
  await expectRejects(SegRefiner.load(path.join(dir, 'bad')), /model\.safetensors/);
  fs.writeFileSync(path.join(dir, 'weights.bin'), 'x');
  await expectRejects(SegRefiner.load(path.join(dir, 'weights.bin')), /a model file must be a PyTorch checkpoint \(\.pth\)/);
  // an official-format checkpoint of another architecture (the tiny mmdet fixture): which keys differ
  await expectRejects(SegRefiner.load(path.join(__dirname, '..', 'fixtures', 'mmdet_tiny.pth')),
    /a \.pth checkpoint must hold the paper's network \(convert others with segrefiner convert --config\), but: .*has keys this architecture does not/);
  assert.is(tf.memory().numTensors, before, 'failed loads leave nothing behind');
});

test('a model folder\'s refineDefaults apply under the caller\'s options; bad ones are errors naming the key', async () => {
  const dir = tmp();
  const unet = DenoiseUNet.create({ ...CPU_UNET_CONFIG }, 1);
  const diffusion = { numTimesteps: 6, schedule: 'linear', start: 0.8, stop: 0 };
  await saveModelDir(path.join(dir, 'm'), unet, { imageSize: 32, diffusion, refineDefaults: { mode: 'instance', steps: 2, gate: { threshold: 0.3 }, instance: { residual: true } } });
  const refiner = await SegRefiner.load(path.join(dir, 'm'));
  assert.equal(refiner.refineDefaults, { mode: 'instance', steps: 2, gate: { threshold: 0.3 }, instance: { residual: true } });
  const scene = generateScene({ seed: 5, height: 64, width: 80 });
  refiner.setImage(scene.image);
  const steps: number[] = [];
  await refiner.refine(scene.mask, { instance: { areaThreshold: 0 }, onStep: (s) => { steps.push(s.t); } });
  assert.equal(steps, [5, 4], 'the model\'s steps');
  steps.length = 0;
  await refiner.refine(scene.mask, { indices: [3, 0], instance: { areaThreshold: 0 }, onStep: (s) => { steps.push(s.t); } });
  assert.equal(steps, [3, 0], 'the caller\'s indices replace the model\'s steps');
  refiner.dispose();
  assert.equal(withModelDefaults({ steps: 2, gate: { threshold: 0.3 }, instance: { residual: true } }, { gate: null, instance: { padWidth: 5 }, seed: undefined }),
    { steps: 2, gate: null, instance: { residual: true, padWidth: 5 }, hr: {} });
  for (const [bad, pattern] of [[{ seed: 3 }, /'refineDefaults' may set mode, steps.*but has seed/], [[1], /'refineDefaults' must be an object/],
    [{ gate: { threshold: 2 } }, /'refineDefaults': gate.threshold must be a number in \[0, 1\], but got 2/]] as const) {
    await saveModelDir(path.join(dir, 'bad'), unet, { imageSize: 32, diffusion, refineDefaults: bad });
    await expectRejects(SegRefiner.load(path.join(dir, 'bad')), pattern);
  }
  unet.dispose();
});

test.run();
