import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { generateScene, sceneSeeds, VAL_SEED_OFFSET, type SyntheticScene } from '../../src/data/synthetic_scene';
import { clearLayer, createLayer, drawPath, drawRadial, ellipseShape, type CoverageLayer } from '../../src/data/synthetic_shapes';

/** 3×3 square erosion (outside the image counts as background) or dilation, on a {0,1} mask. */
function morph3(m: Uint8Array, h: number, w: number, erode: boolean): Uint8Array {
  const out = new Uint8Array(m.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let hit = erode ? 1 : 0;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const [yy, xx] = [y + dy, x + dx];
          const v = yy >= 0 && yy < h && xx >= 0 && xx < w ? m[yy * w + xx] : 0;
          hit = erode ? hit & v : hit | v;
        }
      }
      out[y * w + x] = hit;
    }
  }
  return out;
}

function repeat(m: Uint8Array, h: number, w: number, erode: boolean, times: number): Uint8Array {
  for (let k = 0; k < times; k++) m = morph3(m, h, w, erode);
  return m;
}

const sum = (a: Uint8Array): number => a.reduce((s, v) => s + v, 0);
const maskOf = (l: CoverageLayer): number[] => Array.from(l.cov, (c) => (c >= 0.5 ? 1 : 0));

/**
 * Colour contrast across the object's boundary, two ways (RGB Euclidean distance, 0–255 units):
 * `global`: mean colour of the interior vs of a ring 3–6 px outside the mask;
 * `local`: median, over every row/column crossing the boundary with 3 background then 3 foreground
 * pixels, of the difference between the outermost two (edges as a refiner sees them).
 */
function boundaryContrast(s: SyntheticScene): { global: number; local: number } {
  const { height: h, width: w, data: m } = s.mask;
  const img = s.image.data;
  // The interior skips the blended edge pixels; an object of 1–2 px parts only has none, then all of it counts.
  const eroded = repeat(m, h, w, true, 1);
  const inner = sum(eroded) > 0 ? eroded : m;
  const near = repeat(m, h, w, false, 2);
  const far = repeat(near, h, w, false, 4);
  const mi = [0, 0, 0];
  const mo = [0, 0, 0];
  let [ni, no] = [0, 0];
  for (let i = 0; i < m.length; i++) {
    if (inner[i]) {
      ni++;
      for (let c = 0; c < 3; c++) mi[c] += img[3 * i + c];
    }
    if (far[i] && !near[i]) {
      no++;
      for (let c = 0; c < 3; c++) mo[c] += img[3 * i + c];
    }
  }
  const diffs: number[] = [];
  const dist = (a: number, b: number): number => Math.hypot(img[3 * a] - img[3 * b], img[3 * a + 1] - img[3 * b + 1], img[3 * a + 2] - img[3 * b + 2]);
  for (const [lines, len, step, stride] of [[h, w, 1, w], [w, h, w, 1]]) {
    for (let l = 0; l < lines; l++) {
      for (let k = 3; k + 3 <= len; k++) {
        const p = l * stride + k * step; // first pixel after the candidate edge
        const a = m[p - 3 * step];
        if (a === m[p - 2 * step] && a === m[p - step] && a !== m[p] && m[p] === m[p + step] && m[p] === m[p + 2 * step]) {
          diffs.push(dist(p - 3 * step, p + 2 * step));
        }
      }
    }
  }
  diffs.sort((a, b) => a - b);
  return { global: Math.hypot(...mi.map((v, c) => v / ni - mo[c] / no)), local: diffs[diffs.length >> 1] };
}

test('primitives: the mask of a disc is exactly the pixel centres inside it', () => {
  const layer = createLayer(10, 12);
  drawRadial(layer, ellipseShape(6, 5, 3.2, 3.2, 0), 0, [0, 0, 1], 'add');
  const expected = Array.from({ length: 120 }, (_, i) => ((i % 12) + 0.5 - 6) ** 2 + (Math.floor(i / 12) + 0.5 - 5) ** 2 <= 3.2 ** 2 ? 1 : 0);
  assert.equal(maskOf(layer), expected);
  // The image blends: pixels just outside the disc are partly covered.
  assert.ok(Array.from(layer.cov).some((c) => c > 0 && c < 0.5));
});

test('primitives: a 1-px line covers one row of pixel centres; a cut hole removes its pixels', () => {
  const layer = createLayer(8, 8);
  drawPath(layer, [0, 4.5, 8, 4.5], [0.5, 0.5], 1, [0, 0, 1]);
  const row = (y: number): number[] => maskOf(layer).slice(8 * y, 8 * y + 8);
  assert.equal([row(3), row(4), row(5)], [[0, 0, 0, 0, 0, 0, 0, 0], [1, 1, 1, 1, 1, 1, 1, 1], [0, 0, 0, 0, 0, 0, 0, 0]]);
  drawRadial(layer, ellipseShape(4, 4.5, 1.2, 1.2, 0), 0, [0, 0, 1], 'cut');
  assert.equal(row(4), [1, 1, 1, 0, 0, 1, 1, 1]);
  clearLayer(layer);
  assert.equal(sum(Uint8Array.from(maskOf(layer))), 0);
});

test('same seed and size give identical bytes; different seeds differ', () => {
  const a = generateScene({ seed: 7, height: 96, width: 96 });
  const b = generateScene({ seed: 7, height: 96, width: 96 });
  const c = generateScene({ seed: 8, height: 96, width: 96 });
  assert.ok(Buffer.from(a.image.data).equals(Buffer.from(b.image.data)));
  assert.ok(Buffer.from(a.mask.data).equals(Buffer.from(b.mask.data)));
  assert.not.ok(Buffer.from(a.image.data).equals(Buffer.from(c.image.data)));
  assert.not.ok(Buffer.from(a.mask.data).equals(Buffer.from(c.mask.data)));
});

test('one seed at two sizes is the same scene: the 256² mask, 2×2-downsampled, matches the 128² mask', () => {
  const ious: number[] = [];
  for (let seed = 0; seed < 10; seed++) {
    const small = generateScene({ seed, height: 128, width: 128 }).mask.data;
    const big = generateScene({ seed, height: 256, width: 256 }).mask.data;
    let [inter, union] = [0, 0];
    for (let y = 0; y < 128; y++) {
      for (let x = 0; x < 128; x++) {
        const i = 2 * y * 256 + 2 * x;
        const v = big[i] + big[i + 1] + big[i + 256] + big[i + 257] >= 2 ? 1 : 0;
        inter += v & small[y * 128 + x];
        union += v | small[y * 128 + x];
      }
    }
    ious.push(inter / union);
  }
  ious.sort((a, b) => a - b);
  assert.ok(ious[0] > 0.6 && ious[5] > 0.85, `IoUs across sizes must have min > 0.6 and median > 0.85, but got ${ious.map((v) => v.toFixed(2))}`);
});

test('sizes 64², 100×160 and 1024²: image HWC RGB and a binary, non-empty, not full mask of the same size', () => {
  for (const [height, width] of [[64, 64], [100, 160], [1024, 1024]]) {
    const s = generateScene({ seed: 3, height, width });
    assert.equal([s.image.height, s.image.width, s.mask.height, s.mask.width], [height, width, height, width]);
    assert.is(s.image.data.length, height * width * 3);
    assert.is(s.mask.data.length, height * width);
    assert.ok(s.mask.data.every((v) => v === 0 || v === 1), 'mask must be binary');
    const fg = sum(s.mask.data);
    assert.ok(fg > 0 && fg < height * width, `${height}×${width}: foreground ${fg} must be neither empty nor full`);
  }
});

test('over 50 seeds: sane foreground fraction, thin structures in most, a visible boundary in all', () => {
  const fractions: number[] = [];
  let withThin = 0;
  for (const seed of sceneSeeds('train', 50)) {
    const s = generateScene({ seed, height: 192, width: 192 });
    const { data: m, height: h, width: w } = s.mask;
    fractions.push(sum(m) / m.length);
    // Pixels that a 3×3 opening removes belong to parts at most 2 px wide (limbs, spokes, hairs, tips).
    const opened = repeat(repeat(m, h, w, true, 1), h, w, false, 1);
    const thin = m.reduce((n, v, i) => n + (v && !opened[i] ? 1 : 0), 0);
    if (thin >= 10) withThin++;
    const { global, local } = boundaryContrast(s);
    assert.ok(global > 15, `seed ${seed}: interior vs outside-ring mean colour difference ${global.toFixed(1)} must exceed 15`);
    assert.ok(local > 40, `seed ${seed}: median colour difference across the boundary ${local.toFixed(1)} must exceed 40`);
  }
  fractions.sort((a, b) => a - b);
  assert.ok(fractions[0] > 0.005 && fractions[49] < 0.6, `foreground fractions must lie in (0.005, 0.6), but got [${fractions[0]}, ${fractions[49]}]`);
  assert.ok(fractions[25] > 0.03 && fractions[25] < 0.35, `median foreground fraction ${fractions[25]} must lie in (0.03, 0.35)`);
  assert.ok(withThin >= 40, `thin structures must appear in at least 40 of 50 scenes, but got ${withThin}`);
});

test('sceneSeeds: train and val ranges are disjoint; val starts at VAL_SEED_OFFSET', () => {
  assert.equal(sceneSeeds('train', 3), [0, 1, 2]);
  assert.equal(sceneSeeds('val', 2), [VAL_SEED_OFFSET, VAL_SEED_OFFSET + 1]);
  assert.equal(sceneSeeds('val', 0), []);
  assert.throws(() => sceneSeeds('val', -1), /sceneSeeds: n must be an integer in \[0, 1000000000\], but got -1\./);
  assert.throws(() => sceneSeeds('test' as 'val', 1), /sceneSeeds: split must be 'train' or 'val', but got 'test'\./);
  // A validation scene is a valid generator seed.
  assert.is(generateScene({ seed: sceneSeeds('val', 1)[0], height: 64, width: 64 }).mask.height, 64);
});

test('bad options are errors naming the option', () => {
  assert.throws(() => generateScene({ seed: 1.5, height: 64, width: 64 }), /generateScene: seed must be an integer in \[0, 2\^32\), but got 1\.5\./);
  assert.throws(() => generateScene({ seed: -1, height: 64, width: 64 }), /seed must be an integer/);
  assert.throws(() => generateScene({ seed: 0, height: 16, width: 64 }), /generateScene: height must be an integer in \[32, 8192\], but got 16\./);
  assert.throws(() => generateScene({ seed: 0, height: 64, width: 100.5 }), /generateScene: width must be an integer in \[32, 8192\], but got 100\.5\./);
});

test.run();
