/**
 * Instance path: crop/resize/paste-back exactness with a denoiser that reads the ground truth from the
 * image, batching, pass-through below the area threshold, and the crop geometry.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SegRefiner } from '../../src/refine/refiner';
import { instanceBox, prepareInstance } from '../../src/refine/instance';
import { useTestBackend } from '../helpers/backend';
import { expectRejects } from '../helpers/rejects';
import { echoDenoiser, imageFromMask, maskFrom, perfectDenoiser, sameMask } from './fake_denoisers';

test.before(async () => {
  await useTestBackend();
});

// A 400×360 image (H×W) with two objects. Their coarse masks are rectangles whose boxes + 20 px are
// 128×128 crops, i.e. exactly ×2 for a 256 model: the bilinear crop resize then keeps each source
// pixel's value at the model pixels 2k and 2k+1 (weight 0.75 ≥ 0.5 in each axis after thresholding),
// and the half-pixel paste-back reads model pixels 2k, 2k+1 for full pixel k. So a denoiser that knows
// the truth of its crop must give back the ground truth exactly.
const H = 400, W = 360;
const disk = (cy: number, cx: number, r: number) => (y: number, x: number) => (y - cy) ** 2 + (x - cx) ** 2 <= r * r;
// object A: coarse box x [150, 238), y [220, 308) → crop [130, 258) × [200, 328)
const gtA = maskFrom(H, W, disk(264, 194, 50));
const coarseA = maskFrom(H, W, (y, x) => x >= 150 && x < 238 && y >= 220 && y < 308);
// object B touches the top-left corner: coarse box [0, 108)² → crop [0, 128)² (clipped at the border)
const gtB = maskFrom(H, W, disk(50, 50, 60));
const coarseB = maskFrom(H, W, (y, x) => x < 108 && y < 108);
const image = imageFromMask(maskFrom(H, W, (y, x) => gtA.data[y * W + x] === 1 || gtB.data[y * W + x] === 1));

test('crop geometry: mask box + 20 px, clipped; resized crops are model size', () => {
  assert.equal(instanceBox(coarseA, 20), [130, 200, 258, 328]);
  assert.equal(instanceBox(coarseB, 20), [0, 0, 128, 128]);
  const p = prepareInstance(image, coarseA, 256, 20);
  assert.is(p.image.length, 256 * 256 * 3);
  assert.is(p.mask.length, 256 * 256);
  // the coarse rectangle starts 20 px into the crop: model columns ≥ 40 (and < 216) are foreground
  assert.equal([p.mask[100 * 256 + 39], p.mask[100 * 256 + 40], p.mask[100 * 256 + 215], p.mask[100 * 256 + 216]], [0, 1, 1, 0]);
});

test('a perfect denoiser gives back the ground truth exactly at full resolution (refine and refineBatch)', async () => {
  const d = perfectDenoiser();
  const refiner = SegRefiner.fromDenoiser(d.denoise, { imageSize: 256 });
  refiner.setImage(image);
  const a = await refiner.refine(coarseA);
  assert.is(a.mode, 'instance');
  assert.is(a.passedThrough, null);
  assert.is(sameMask(a.mask, gtA), null, 'object A');
  assert.is(d.calls.length, 6);
  assert.equal(d.calls.map((c) => c.t[0]), [5, 4, 3, 2, 1, 0]);
  for (const batchSize of [1, 2]) {
    d.calls.length = 0;
    const [ra, rb] = await refiner.refineBatch([coarseA, coarseB], { batchSize });
    assert.is(sameMask(ra.mask, gtA), null, `object A, batch ${batchSize}`);
    assert.is(sameMask(rb.mask, gtB), null, `object B, batch ${batchSize}`);
    assert.equal(d.calls.map((c) => c.batch), batchSize === 2 ? [2, 2, 2, 2, 2, 2] : Array(12).fill(1));
  }
  // outside the crop nothing is pasted: probability 0, confidence 1
  assert.is(a.probs[0], 0);
  assert.is(a.confidence[0], 1);
  refiner.dispose();
});

test('steps and indices choose the loop; masks below the area threshold pass through unchanged', async () => {
  const d = perfectDenoiser();
  const refiner = SegRefiner.fromDenoiser(d.denoise, { imageSize: 256 });
  refiner.setImage(image);
  await refiner.refine(coarseA, { steps: 2 });
  assert.equal(d.calls.map((c) => c.t[0]), [5, 4]);
  d.calls.length = 0;
  await refiner.refine(coarseA, { indices: [3, 0] });
  assert.equal(d.calls.map((c) => c.t[0]), [3, 0]);
  d.calls.length = 0;
  // 511 foreground pixels: passed through; 512: refined (upstream keeps area ≥ area_thr)
  const small = maskFrom(H, W, (y, x) => y >= 10 && y < 17 && x >= 200 && x < 273); // 7·73 = 511
  const r = await refiner.refine(small);
  assert.is(r.passedThrough, 'small-area');
  assert.is(sameMask(r.mask, small), null);
  assert.is(d.calls.length, 0);
  const enough = maskFrom(H, W, (y, x) => (y >= 10 && y < 17 && x >= 200 && x < 273) || (y === 20 && x === 200));
  assert.is((await refiner.refine(enough)).passedThrough, null);
  assert.is((await refiner.refine(small, { instance: { areaThreshold: 0 } })).passedThrough, null);
  refiner.dispose();
});

test('residual paste-back: a network that agrees keeps the full-resolution coarse mask; a perfect one still gives the truth', async () => {
  // a ragged coarse mask whose 1-px teeth are lost at the model size (its box is ~3× the model side)
  const ragged = maskFrom(H, W, (y, x) => disk(200, 180, 120)(y, x) && !((x + y) % 7 === 0 && (y - 200) ** 2 + (x - 180) ** 2 > 110 ** 2));
  const echo = SegRefiner.fromDenoiser(echoDenoiser().denoise, { imageSize: 96 });
  echo.setImage(image);
  const kept = await echo.refine(ragged, { instance: { residual: true } });
  assert.is(sameMask(kept.mask, ragged), null, 'residual keeps the coarse mask where the network agrees');
  const plain = await echo.refine(ragged);
  assert.ok(sameMask(plain.mask, ragged) !== null, 'the plain paste-back replaces it by the upsampled model-size mask');
  echo.dispose();
  const perfect = SegRefiner.fromDenoiser(perfectDenoiser().denoise, { imageSize: 256 });
  perfect.setImage(image);
  assert.is(sameMask((await perfect.refine(coarseA, { instance: { residual: true } })).mask, gtA), null);
  await expectRejects(perfect.refine(coarseA, { instance: { residual: 1 as never } }), /instance.residual must be true or false, but got 1/);
  perfect.dispose();
});

test.run();
