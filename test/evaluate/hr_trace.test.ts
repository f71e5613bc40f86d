/**
 * The high-resolution trace must describe exactly what the refiner did: the same boxes as
 * refineHighResolution with the same seed, the grid read back from the upsampled maps, points
 * matching the candidates, and the result untouched.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createSchedule } from '../../src/diffusion/schedule';
import { nearestIndices } from '../../src/data/resize';
import { refineHighResolution } from '../../src/refine/high_resolution';
import { changedInPatch, gridFromUpsampled, lowConfidencePoints, mostChangedPatch, traceHighResolution } from '../../src/evaluate/hr_trace';
import { DEFAULT_HIGH_RESOLUTION_OPTIONS } from '../../src/refine/options';
import { patchCandidates } from '../../src/refine/patches';
import { SegRefiner } from '../../src/refine/refiner';
import { createRng } from '../../src/util/rng';
import { useTestBackend } from '../helpers/backend';
import { expectNoLeak } from '../helpers/leaks';
import { diskScene, doubtfulDenoiser, maskFrom, perfectDenoiser, sameMask } from '../refine/fake_denoisers';

test.before(async () => {
  await useTestBackend();
});

const { N, S, coarse, image } = diskScene();

test('gridFromUpsampled inverts a nearest upsampling, also for sizes that are not multiples', () => {
  for (const [h, w, s] of [[7, 5, 3], [10, 13, 4], [4, 4, 4]]) {
    const grid = Float32Array.from({ length: s * s }, (_, i) => i + 0.5);
    const rows = nearestIndices(s, h), cols = nearestIndices(s, w);
    const up = new Float32Array(h * w);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) up[y * w + x] = grid[rows[y] * s + cols[x]];
    assert.equal(Array.from(gridFromUpsampled(up, h, w, s)), Array.from(grid), `${h}×${w} from ${s}²`);
  }
  assert.throws(() => gridFromUpsampled(new Float32Array(6), 2, 3, 4), /grid index 1 must be reached by the 2-pixel axis/);
  assert.throws(() => gridFromUpsampled(new Float32Array(5), 2, 3, 2), /map must have height·width = 6 entries, but got 5/);
});

test('lowConfidencePoints: threshold ratio·max(s), raster order, centres int(g·H/S), score 1 − s', () => {
  // 2×2 grid over a 10×20 image: s = [0.1, 1, 0.95, 0.5]; threshold 0.9 keeps indices 0 and 3
  const pts = lowConfidencePoints([0.1, 1, 0.95, 0.5], 2, 10, 20, 0.9);
  assert.equal(pts.map((p) => [p.x, p.y]), [[0, 0], [10, 5]]);
  assert.equal(pts.map((p) => p.score), [Math.fround(1 - 0.1), 0.5]);
  const boxes = patchCandidates([0.1, 1, 0.95, 0.5], 2, 10, 20, 4, 0.9).boxes;
  assert.is(boxes.length, pts.length);
});

test('the trace gives the refiner\'s own boxes and result; points and candidates agree', async () => {
  const d = doubtfulDenoiser();
  const refiner = SegRefiner.fromDenoiser(d.denoise, { imageSize: S });
  refiner.setImage(image);
  const plain = await refiner.refine(coarse, { mode: 'hr', seed: 3 });
  const seen: string[] = [];
  const trace = await traceHighResolution(refiner, coarse, { seed: 3, onStep: (s) => { seen.push(`${s.stage}:${s.t}`); } });
  assert.is(sameMask(trace.result.mask, plain.mask), null);
  assert.equal(Array.from(trace.result.probs), Array.from(plain.probs));
  assert.equal(seen, ['global:5', 'global:4', 'global:3', 'global:2', 'global:1', 'local:0']);
  // the same boxes, in the same order, as the high-resolution function reports for this seed
  const direct = await refineHighResolution({ denoise: d.denoise, schedule: createSchedule(), modelSize: S }, image, coarse, {
    options: DEFAULT_HIGH_RESOLUTION_OPTIONS, globalIndices: [5, 4, 3, 2, 1], batchSize: 4, rng: createRng(3), deterministic: false, maskIndex: 0,
  });
  assert.ok(direct.boxes.length > 0);
  assert.equal(trace.patches, direct.boxes);
  assert.is(trace.result.patches, trace.patches.length);
  assert.is(trace.points.length, trace.candidates.length);
  assert.ok(trace.afterNms.length >= trace.patches.length && trace.candidates.length > trace.afterNms.length);
  trace.points.forEach((p, i) => {
    const [x1, y1, x2, y2] = trace.candidates[i];
    assert.ok(p.x >= x1 && p.x < x2 && p.y >= y1 && p.y < y2, `point ${i} inside its box`);
  });
  assert.is(trace.gridFineProbs.length, S * S);
  assert.is(trace.globalMask.data.length, N * N);
  assert.is(trace.local?.stage, 'local');
  // the zoom helper picks the patch with the most M_g pixels changed by the local step
  const best = mostChangedPatch(trace);
  assert.ok(best !== null && trace.patches.includes(best));
  const changed = trace.patches.map((b) => changedInPatch(trace, b));
  assert.is(changedInPatch(trace, best), Math.max(...changed));
  assert.ok(Math.max(...changed) > 0);
  refiner.dispose();
});

test('a mask of ≤ 128 pixels passes through: empty trace, no network calls, no leaks', async () => {
  const d = perfectDenoiser();
  const refiner = SegRefiner.fromDenoiser(d.denoise, { imageSize: S });
  refiner.setImage(image);
  const tiny = maskFrom(N, N, (y, x) => y >= 100 && y < 104 && x >= 100 && x < 104);
  await expectNoLeak('trace', async () => {
    const trace = await traceHighResolution(refiner, tiny);
    assert.is(trace.result.passedThrough, 'few-foreground');
    assert.equal([trace.points.length, trace.patches.length, trace.local, mostChangedPatch(trace)], [0, 0, null, null]);
  });
  assert.is(d.calls.length, 0);
  refiner.dispose();
});

test.run();
