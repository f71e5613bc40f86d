/** HR sampler: object and patch crop geometry, the boundary fallback, offline/online coarse masks, shared flip, reports. */
import * as fs from 'fs';
import * as path from 'path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { IMAGE_MEAN, IMAGE_STD } from '../../../src/data/image_io';
import { writeMaskPng } from '../../../src/data/mask_io';
import { resizeMaskNearest } from '../../../src/data/resize';
import { cropMask, maskValues, SampleRecord } from '../../../src/data/samplers/crop_sample';
import { hrObjectCrop, hrPatchCrop, hrPatchSize, HrPatchSampler, loadHrFolder } from '../../../src/data/samplers/hr_sampler';
import type { BinaryMask } from '../../../src/types';
import { createRng } from '../../../src/util/rng';
import { coordinateImage, rectMask, scriptedRng, tempDir, writeHrDataset, writeRgbPng } from './sampler_fixtures';

test('hrObjectCrop: x1′ ~ U{0..x1−1}, x2′ ~ U{x2..W−1}, then y; 0 and W at the borders', () => {
  const bbox: [number, number, number, number] = [25, 20, 55, 40];
  // ints: x1′ = 0 of int(25), x2′ = 55 + 24 of int(25), y1′ = 19 of int(20), y2′ = 40 + 0 of int(20)
  assert.equal(hrObjectCrop(bbox, 60, 80, scriptedRng([0, 24, 19, 0])), { x0: 0, y0: 19, width: 79, height: 21 });
  assert.throws(() => hrObjectCrop(bbox, 60, 80, scriptedRng([25])), /no queued int below 25/);
  // a bbox touching the left, right and bottom borders draws only y1′
  assert.equal(hrObjectCrop([0, 5, 80, 60], 60, 80, scriptedRng([4])), { x0: 0, y0: 4, width: 80, height: 56 });
  const rng = createRng(9);
  for (let k = 0; k < 1000; k++) {
    const W = 2 + rng.int(100), H = 2 + rng.int(100);
    const x1 = rng.int(W), x2 = x1 + 1 + rng.int(W - x1), y1 = rng.int(H), y2 = y1 + 1 + rng.int(H - y1);
    const c = hrObjectCrop([x1, y1, x2, y2], H, W, rng);
    assert.ok(c.x0 <= x1 && c.x0 + c.width >= x2 && c.y0 <= y1 && c.y0 + c.height >= y2, 'holds the bbox');
    assert.ok(x1 === 0 ? c.x0 === 0 : c.x0 < x1, 'x1′ < x1 (or 0)');
    assert.ok(x2 === W ? c.x0 + c.width === W : c.x0 + c.width < W, 'x2′ < W (or W)');
  }
});

test('hrPatchSize and hrPatchCrop: size² windows with both values; the boundary fallback by hand; null without boundary', () => {
  assert.equal([hrPatchSize(60, 80, 32), hrPatchSize(24, 30, 32), hrPatchSize(300, 400, 256), hrPatchSize(200, 400, 256)], [32, 12, 256, 100]);
  const dot = rectMask(64, 64, 40, 40, 41, 41); // one foreground pixel at (40, 40)
  // first window (row 0, column 0) is empty → fallback; pairs in scan order: (40,39)↓, (39,40)→, (40,40)→, (40,40)↓
  assert.equal(hrPatchCrop(dot, 8, scriptedRng([0, 0, 0]), 1), { box: { x0: 37, y0: 36, width: 8, height: 8 }, tries: 1, fallback: true });
  assert.equal(hrPatchCrop(dot, 8, scriptedRng([0, 0, 3]), 1), { box: { x0: 37, y0: 37, width: 8, height: 8 }, tries: 1, fallback: true });
  // a pair at the image corner: the window is clamped inside and still holds both pixels
  const corner = rectMask(10, 10, 0, 0, 1, 1);
  const c = hrPatchCrop(corner, 2, scriptedRng([5, 5, 1]), 1);
  assert.equal(c?.box, { x0: 0, y0: 0, width: 2, height: 2 });
  const rng = createRng(2), gt = rectMask(60, 80, 25, 20, 55, 40);
  for (let k = 0; k < 200; k++) {
    const p = hrPatchCrop(gt, 32, rng) as NonNullable<ReturnType<typeof hrPatchCrop>>;
    assert.is(maskValues(cropMask(gt, p.box)), 'both');
    assert.ok(p.box.x0 + 32 <= 80 && p.box.y0 + 32 <= 60 && !p.fallback);
  }
  for (let k = 0; k < 50; k++) {
    const p = hrPatchCrop(dot, 3, rng, 1);
    assert.is(p && maskValues(cropMask(dot, p.box)), 'both');
  }
  assert.is(hrPatchCrop(rectMask(8, 8, 0, 0, 8, 8), 4, rng), null);
  assert.throws(() => hrPatchCrop(gt, 1, rng), /p must be an integer in \[2, min\(H, W\) = 60\], but got 1/);
});

test('loadHrFolder: items with their offline coarse masks; a stray coarse file is reported', async () => {
  const dir = tempDir('hr');
  const ds = await writeHrDataset(dir);
  const folder = loadHrFolder(ds.root);
  assert.equal(folder.items.map((i) => [i.stem, path.basename(i.coarseFile ?? '-'), path.basename(i.expandFile ?? '-')]), [['p', 'p.png', 'p.png'], ['q', 'q.png', '-']]);
  assert.equal(folder.skipped.map((s) => [path.basename(s.path), s.reason]), [['stray.png', "no sample with the stem 'stray'"]]);
  assert.throws(() => loadHrFolder(path.join(dir, 'none')), /none must be a dataset folder, but it does not exist/);
  assert.throws(() => loadHrFolder(dir), /must hold im\/ \+ gt\/ \(DIS5K\) or images\/ \+ masks\/, but has neither pair/);
  fs.rmSync(dir, { recursive: true, force: true });
});

const flippedMask = (m: BinaryMask): BinaryMask => {
  const data = new Uint8Array(m.data.length);
  for (let y = 0; y < m.height; y++) for (let x = 0; x < m.width; x++) data[y * m.width + x] = m.data[y * m.width + m.width - 1 - x];
  return { ...m, data };
};
const asShown = (m: BinaryMask, rec: SampleRecord, size: number) => Array.from((rec.flip ? flippedMask : (x: BinaryMask) => x)(resizeMaskNearest(cropMask(m, rec.crop), size, size)).data);

test('HrPatchSampler: object + patch per draw with one flip; masks are the recorded crops; coarse from files or online', async () => {
  const dir = tempDir('hr');
  const ds = await writeHrDataset(dir);
  const s = HrPatchSampler.open({ root: ds.root, size: 32, seed: 4 });
  const kinds = new Set<string>();
  for (let k = 0; k < 40; k++) {
    const d = await s.draw(k);
    const [obj, patch] = d.records;
    assert.equal([obj.kind, patch.kind, d.samples.length], ['object', 'patch', 2]);
    assert.is(obj.flip, patch.flip);
    const stem = path.basename(obj.source, '.png'), gt = ds.gt.get(stem) as BinaryMask;
    const b = obj.bbox, c = obj.crop;
    assert.ok(c.x0 <= b[0] && c.x0 + c.width >= b[2] && c.y0 <= b[1] && c.y0 + c.height >= b[3], 'the object crop holds the bbox');
    assert.equal(Array.from(d.samples[0].gt.data), asShown(gt, obj, 32));
    assert.equal(Array.from(d.samples[1].gt.data), asShown(gt, patch, 32));
    assert.is(patch.crop.width, stem === 'p' ? 32 : 12); // q is 24×30, smaller than 32: ⌊24/2⌋
    assert.is(maskValues(cropMask(gt, patch.crop)), 'both');
    const file = obj.coarse === 'file' ? ds.coarse.get(stem) : obj.coarse === 'file-expand' ? ds.coarse.get(`${stem}-expand`) : undefined;
    if (file) assert.equal(Array.from(d.samples[0].coarse.data), asShown(file, obj, 32));
    if (file && patch.coarse !== 'online') assert.equal(Array.from(d.samples[1].coarse.data), asShown(file, patch, 32));
    // the image shows the recorded crops: coordinate image, red = x (bilinear of a ramp is exact)
    for (const [i, rec] of d.records.entries()) {
      const j = rec.flip ? 31 - 16 : 16;
      const red = Math.round(d.samples[i].image[(16 * 32 + j) * 3] * IMAGE_STD[0] + IMAGE_MEAN[0]);
      assert.is(red, Math.round(rec.crop.x0 + 16.5 * (rec.crop.width / 32) - 0.5), `${rec.kind} image column`);
    }
    kinds.add(`${stem} ${obj.coarse} ${patch.coarse}`);
  }
  // p has both files; q has no coarse_expand, so its expand draws make it online
  for (const k of ['p file file', 'p file-expand file-expand', 'p file online', 'q file file', 'q online-expand online-expand', 'q online-expand online']) {
    assert.ok(kinds.has(k), `seen: ${[...kinds].join(', ')}; missing ${k}`);
  }
  assert.equal(await HrPatchSampler.open({ root: ds.root, size: 32, seed: 4 }).draw(11), await s.draw(11), 'seeded');
  assert.equal(s.issues, []);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('HrPatchSampler: unusable items are reported and replaced; patch fallbacks are reported; errors', async () => {
  const dir = tempDir('hr');
  const ds = await writeHrDataset(dir);
  await writeRgbPng(coordinateImage(20, 20), path.join(ds.root, 'im', 'empty.png'));
  await writeMaskPng(rectMask(20, 20, 0, 0, 0, 0), path.join(ds.root, 'gt', 'empty.png'));
  await writeRgbPng(coordinateImage(20, 21), path.join(ds.root, 'im', 'odd.png'));
  await writeMaskPng(rectMask(20, 20, 2, 2, 9, 9), path.join(ds.root, 'gt', 'odd.png'));
  await writeRgbPng(coordinateImage(200, 200), path.join(ds.root, 'im', 'speck.png'));
  await writeMaskPng(rectMask(200, 200, 150, 150, 152, 152), path.join(ds.root, 'gt', 'speck.png'));
  const issues: string[] = [];
  const s = HrPatchSampler.open({ root: ds.root, size: 32, seed: 0, maxPatchTries: 1, onIssue: (i) => issues.push(`${i.action} ${path.basename(i.path)}: ${i.reason}`) });
  let fallbacks = 0;
  for (let k = 0; k < 30; k++) {
    const d = await s.draw(k);
    assert.not.match(d.records[0].source, /empty|odd/);
    if (d.records[1].fallback) fallbacks++;
    assert.is(maskValues(d.samples[1].gt), 'both');
  }
  assert.ok(fallbacks > 0);
  assert.ok(issues.includes('skipped empty.png: its GT is empty, so it has no object bbox and no boundary patch'), issues.join('\n'));
  assert.ok(issues.includes('skipped odd.png: image, GT sizes (height×width) differ: 20×21, 20×20'), issues.join('\n'));
  assert.ok(issues.some((i) => /^fallback speck\.png: no 32² window of 1 drawn had foreground and background/.test(i)), issues.join('\n'));
  assert.is(new Set(issues).size, issues.length, 'each issue is reported once');
  assert.throws(() => HrPatchSampler.open({ root: ds.root, size: 32, seed: 0, expandProb: 2 }), /expandProb must be in \[0, 1\], but got 2/);
  fs.rmSync(dir, { recursive: true, force: true });
});

test.run();
