/** LR object sampler: crop geometry, the annotation filters with their reasons, exact samples, determinism. */
import * as fs from 'fs';
import * as path from 'path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { segmentationToRle } from '../../../src/data/coco_json';
import { IMAGE_MEAN, IMAGE_STD } from '../../../src/data/image_io';
import { resizeMaskNearest } from '../../../src/data/resize';
import { cropMask, maskBbox, SampleDraw } from '../../../src/data/samplers/crop_sample';
import { lrObjectCrop, LrObjectSampler } from '../../../src/data/samplers/lr_sampler';
import type { BinaryMask } from '../../../src/types';
import { decodeRle } from '../../../src/util/coco_rle';
import { createRng } from '../../../src/util/rng';
import { expectRejects } from '../../helpers/rejects';
import { scriptedRng, tempDir, writeCocoDataset, writeRgbPng, coordinateImage } from './sampler_fixtures';

test('lrObjectCrop: size bbox + 40, start range [x1 − 40, x1] (jitter ±20 about the centred crop), x before y', () => {
  // bbox columns [50, 70), rows [30, 45) in a 120×200 image: crop 60 wide, 55 high
  const bbox: [number, number, number, number] = [50, 30, 70, 45];
  // int(n) gets n = 41 (starts 10..50) for x, then n = 31 (starts 0..30) for y: rows clipped at 0
  assert.equal(lrObjectCrop(bbox, 120, 200, scriptedRng([0, 0])), { x0: 10, y0: 0, width: 60, height: 55 });
  assert.equal(lrObjectCrop(bbox, 120, 200, scriptedRng([40, 30])), { x0: 50, y0: 30, width: 60, height: 55 });
  assert.throws(() => lrObjectCrop(bbox, 120, 200, scriptedRng([41, 0])), /no queued int below 41/);
  assert.throws(() => lrObjectCrop(bbox, 120, 200, scriptedRng([0, 31])), /no queued int below 31/);
  // capped to the image: a bbox nearly as wide as the image gives the whole width, start 0 (int(1))
  assert.equal(lrObjectCrop([2, 0, 190, 10], 120, 200, scriptedRng([0, 0])), { x0: 0, y0: 0, width: 200, height: 50 });
  // near the right border: starts in [max(0, x2 − size), min(x1, W − size)] = [135, 140]
  assert.equal(lrObjectCrop([175, 60, 195, 80], 120, 200, scriptedRng([5, 0])).x0, 140);
});

test('lrObjectCrop: over random boxes and seeds the crop holds the bbox, stays inside, jitter within ±20, both ends reached', () => {
  const rng = createRng(3);
  let minJitter = Infinity, maxJitter = -Infinity;
  for (let k = 0; k < 2000; k++) {
    const W = 40 + rng.int(200), H = 40 + rng.int(200);
    const x1 = rng.int(W), x2 = x1 + 1 + rng.int(W - x1), y1 = rng.int(H), y2 = y1 + 1 + rng.int(H - y1);
    const c = lrObjectCrop([x1, y1, x2, y2], H, W, rng);
    assert.ok(c.x0 >= 0 && c.y0 >= 0 && c.x0 + c.width <= W && c.y0 + c.height <= H, 'inside the image');
    assert.ok(c.x0 <= x1 && c.x0 + c.width >= x2 && c.y0 <= y1 && c.y0 + c.height >= y2, 'holds the bbox');
    assert.is(c.width, Math.min(x2 - x1 + 40, W));
    assert.is(c.height, Math.min(y2 - y1 + 40, H));
    if (c.width < W) {
      const jitter = c.x0 - (x1 - 20); // centre offset from the bbox centre
      assert.ok(jitter >= -20 && jitter <= 20, `jitter ${jitter}`);
      if (x1 >= 40 && x2 + 40 <= W) [minJitter, maxJitter] = [Math.min(minJitter, jitter), Math.max(maxJitter, jitter)];
    }
  }
  assert.equal([minJitter, maxJitter], [-20, 20]);
});

const denormRed = (v: number) => v * IMAGE_STD[0] + IMAGE_MEAN[0];

/** The source column the middle output column shows (coordinate image: red = x), undoing the flip. */
function middleColumnSource(d: SampleDraw, size: number): number {
  const { crop, flip } = d.records[0];
  const j = size / 2, y = size / 2;
  const red = Math.round(denormRed(d.samples[0].image[(y * size + (flip ? size - 1 - j : j)) * 3]));
  const expected = crop.x0 + (j + 0.5) * (crop.width / size) - 0.5; // bilinear of a linear ramp is exact
  return red - Math.round(expected);
}

function flipped(m: BinaryMask): BinaryMask {
  const data = new Uint8Array(m.data.length);
  for (let y = 0; y < m.height; y++) for (let x = 0; x < m.width; x++) data[y * m.width + x] = m.data[y * m.width + m.width - 1 - x];
  return { ...m, data };
}

test('LrObjectSampler: every filtered annotation and image is reported with its reason', async () => {
  const dir = tempDir('lr');
  const ds = await writeCocoDataset(dir);
  const s = await LrObjectSampler.open({ root: ds.root, annotations: ds.annotations, size: 32, seed: 0 });
  assert.is(s.numInstances, 2);
  assert.equal(s.images.map((im) => im.file), ['images/a.png', 'images/b.png']);
  const reasonOf = (id: number) => s.skipped.find((k) => k.path.endsWith(`annotation id ${id}`))?.reason ?? '';
  assert.match(reasonOf(10), /crowd/);
  assert.match(reasonOf(11), /area 512 is ≤ 512/);
  assert.match(reasonOf(12), /ignore/);
  assert.match(reasonOf(13), /category_id 99 is not among/);
  assert.match(reasonOf(14), /does not overlap the 100×120 image/);
  assert.match(reasonOf(15), /0.5×20, under 1 px/);
  assert.match(reasonOf(17), /image_id 42 names no image/);
  const missing = s.skipped.find((k) => k.path.endsWith('missing.png'));
  assert.match(missing?.reason ?? '', /does not exist \(1 usable instances lost\)/);
  assert.is(s.skipped.length, 8); // 7 annotations + the missing image (annotation 16 passes the filters)
  assert.equal(s.skipCounts, { crowd: 1, 'area ≤ 512': 1, ignore: 1, 'unknown category': 1, 'bbox outside the image': 1, 'bbox under 1 px': 1, 'unknown image': 1, 'image file missing': 1 });
  fs.rmSync(dir, { recursive: true, force: true });
});

test('LrObjectSampler: a draw is the crop of the full instance mask, resized nearest, flipped with the image; seeded', async () => {
  const dir = tempDir('lr');
  const ds = await writeCocoDataset(dir);
  const json = JSON.parse(fs.readFileSync(ds.annotations, 'utf8'));
  const fullMask = (id: number, h: number, w: number) => decodeRle(segmentationToRle(json.annotations.find((a: { id: number }) => a.id === id).segmentation, h, w, 'test'));
  const masks = new Map([['a.png', fullMask(1, 100, 120)], ['b.png', fullMask(2, 80, 100)]]);
  const open = (seed: number) => LrObjectSampler.open({ root: ds.root, annotations: ds.annotations, size: 32, seed });
  const s = await open(5);
  const flips = new Set<boolean>(), sources = new Set<string>();
  for (let k = 0; k < 16; k++) {
    const d = await s.draw(k);
    assert.is(d.samples.length, 1);
    const [rec, sample] = [d.records[0], d.samples[0]];
    const full = masks.get(path.basename(rec.source)) as BinaryMask;
    assert.equal(rec.bbox, maskBbox(full));
    const c = rec.crop;
    assert.ok(c.x0 <= rec.bbox[0] && c.x0 + c.width >= rec.bbox[2] && c.y0 <= rec.bbox[1] && c.y0 + c.height >= rec.bbox[3]);
    const expectedGt = resizeMaskNearest(cropMask(full, c), 32, 32);
    assert.equal(Array.from(sample.gt.data), Array.from((rec.flip ? flipped(expectedGt) : expectedGt).data));
    assert.is(middleColumnSource(d, 32), 0, 'the image shows the recorded crop, flipped with the masks');
    assert.equal([sample.image.length, sample.coarse.height, sample.coarse.width], [32 * 32 * 3, 32, 32]);
    assert.ok(sample.coarse.data.some((v) => v) && rec.coarse === 'online');
    flips.add(rec.flip);
    sources.add(path.basename(rec.source));
  }
  assert.equal([...flips].sort(), [false, true]);
  assert.equal([...sources].sort(), ['a.png', 'b.png']);
  // determinism: the same (seed, stream, index) gives the same draw in any order, from any instance
  const again = await open(5);
  const [d7, d3] = [await again.draw(7), await again.draw(3)];
  assert.equal(d7, await s.draw(7));
  assert.equal(d3, await s.draw(3));
  assert.not.equal((await s.draw(3, 1)).samples[0].coarse, d3.samples[0].coarse, 'another stream differs');
  assert.not.equal((await (await open(6)).draw(3)).samples[0].coarse, d3.samples[0].coarse, 'another seed differs');
  fs.rmSync(dir, { recursive: true, force: true });
});

test('LrObjectSampler: an image whose size differs from the JSON is reported once and another instance drawn; errors name the file', async () => {
  const dir = tempDir('lr');
  const ds = await writeCocoDataset(dir);
  await writeRgbPng(coordinateImage(80, 101), path.join(ds.root, 'images', 'b.png')); // JSON says 80×100
  const issues: string[] = [];
  const s = await LrObjectSampler.open({ root: ds.root, annotations: ds.annotations, size: 32, seed: 1, onIssue: (i) => issues.push(`${i.action} ${path.basename(i.path)}: ${i.reason}`) });
  for (let k = 0; k < 12; k++) assert.match((await s.draw(k)).records[0].source, /a\.png$/);
  assert.equal(issues, ['skipped b.png (annotation id 2): the image is 80×101 but the JSON says 80×100']);
  assert.ok(s.issues[0].count > 1, 'later hits are counted, not re-reported');
  await expectRejects(LrObjectSampler.open({ root: ds.root, annotations: path.join(dir, 'nope.json'), size: 32, seed: 0 }), /nope\.json must be a readable annotations JSON/);
  await expectRejects(LrObjectSampler.open({ root: path.join(dir, 'nowhere'), annotations: ds.annotations, size: 32, seed: 0 }), /nowhere must be the image folder/);
  const onlySmall = path.join(dir, 'small.json');
  fs.writeFileSync(onlySmall, JSON.stringify({ images: [{ id: 1, file_name: 'images/a.png', height: 100, width: 120 }], categories: [{ id: 1 }], annotations: [{ id: 1, image_id: 1, category_id: 1, area: 10, bbox: [0, 0, 5, 2], segmentation: [[0, 0, 5, 0, 5, 2]] }] }));
  await expectRejects(LrObjectSampler.open({ root: ds.root, annotations: onlySmall, size: 32, seed: 0 }), /small\.json must have at least one usable instance .*1 area ≤ 512, 1 image without a usable instance/);
  fs.rmSync(dir, { recursive: true, force: true });
});

test.run();
