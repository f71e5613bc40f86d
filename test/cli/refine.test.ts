/**
 * `segrefiner refine` and `refine-coco` end to end with a tiny random model: one image (with
 * --save-steps), a folder with a bad file (failures listed at the end, exit 1, metrics table), usage
 * and model errors, and the COCO JSON round trip (fields kept, compressed RLE out, missing images).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import sharp from 'sharp';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { refineCocoFile } from '../../src/cli/refine_coco';
import { coarsenMask } from '../../src/data/coarse_mask';
import { readBinaryMask, writeMaskPng } from '../../src/data/mask_io';
import { generateScene } from '../../src/data/synthetic_scene';
import { saveModelDir } from '../../src/model/checkpoint/model_dir';
import { CPU_UNET_CONFIG } from '../../src/model/config';
import { DenoiseUNet } from '../../src/model/unet';
import { SegRefiner } from '../../src/refine/refiner';
import { decodeRle, encodeMask, rleFromString, rleToString } from '../../src/util/coco_rle';
import { createRng } from '../../src/util/rng';
import type { RgbImage } from '../../src/data/image_io';
import { useTestBackend } from '../helpers/backend';
import { expectRejects } from '../helpers/rejects';

const ROOT = path.join(__dirname, '..', '..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'segrefiner-cli-refine-'));
const model = path.join(dir, 'model');

function cli(args: string[]) {
  const r = spawnSync(process.execPath, ['-r', 'tsx/cjs', path.join(ROOT, 'src', 'cli', 'main.ts'), ...args], {
    cwd: ROOT, encoding: 'utf8', timeout: 180_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const writeRgb = (image: RgbImage, file: string) =>
  sharp(Buffer.from(image.data), { raw: { width: image.width, height: image.height, channels: 3 } }).png().toFile(file);

test.before(async () => {
  await useTestBackend();
  const unet = DenoiseUNet.create({ ...CPU_UNET_CONFIG }, 2);
  await saveModelDir(model, unet, { imageSize: 32, diffusion: { numTimesteps: 6, schedule: 'linear', start: 0.8, stop: 0 } });
  unet.dispose();
  for (const sub of ['images', 'masks', 'gt']) fs.mkdirSync(path.join(dir, sub));
  for (const [k, stem] of ['s1', 's2', 's3'].entries()) {
    const scene = generateScene({ seed: 10 + k, height: 64, width: 80 });
    await writeRgb(scene.image, path.join(dir, 'images', `${stem}.png`));
    await writeMaskPng(scene.mask, path.join(dir, 'gt', `${stem}.png`));
    // s3's coarse mask has the wrong size: a per-file failure
    const coarse = stem === 's3' ? { data: new Uint8Array(50 * 50).fill(1), height: 50, width: 50 } : coarsenMask(scene.mask, createRng(k));
    await writeMaskPng(coarse, path.join(dir, 'masks', `${stem}.png`));
  }
});

test('one image: writes the refined mask and every step\'s maps', () => {
  const out = path.join(dir, 'one', 'refined.png'), steps = path.join(dir, 'steps');
  const r = cli(['refine', '--image', path.join(dir, 'images', 's1.png'), '--mask', path.join(dir, 'masks', 's1.png'), '--out', out,
    '--model', model, '--steps', '2', '--mode', 'instance', '--min-area', '0', '--save-steps', steps, '--gt', path.join(dir, 'gt', 's1.png')]);
  assert.is(r.code, 0, r.stderr);
  assert.ok(fs.existsSync(out));
  assert.match(r.stdout, /→ .*refined\.png \(instance, \d/);
  assert.match(r.stdout, /mBA/);
  const files = fs.readdirSync(steps).sort();
  assert.ok(files.includes('instance_0_t5_probs.png') && files.includes('instance_1_t4_confidence.png'), files.join(' '));
  assert.ok(files.includes('instance_0_t5_finemap.png') && !files.includes('instance_1_t4_finemap.png'));
});

test('a folder: good files refined, the bad one listed at the end, metrics table, exit 1', async () => {
  const out = path.join(dir, 'out');
  const r = cli(['refine', '--images', path.join(dir, 'images'), '--masks', path.join(dir, 'masks'), '--out', out,
    '--gt', path.join(dir, 'gt'), '--model', model, '--steps', '1', '--min-area', '0']);
  assert.is(r.code, 1, r.stderr);
  assert.match(r.stdout, /\[1\/3\] s1: (instance|hr, \d+ patches), [\d.]+ s, IoU [\d.]+ → [\d.]+/);
  assert.match(r.stdout, /\[3\/3\] s3: FAILED/);
  assert.match(r.stdout, /refined 2\/3/);
  assert.match(r.stdout, /2 images with ground truth/);
  assert.match(r.stdout, /IoU \(cumulative ΣI\/ΣU\)/);
  assert.match(r.stdout, /1 failure\(s\):\n {2}s3: .*s3\.png must have the size of its image .*s3\.png \(64×80\), but is 50×50\./);
  assert.equal(fs.readdirSync(out).sort(), ['s1.png', 's2.png']);
  assert.is((await readBinaryMask(path.join(out, 's1.png'))).width, 80);
});

test('usage and model errors', () => {
  const both = cli(['refine', '--image', 'a.png', '--images', 'dir', '--out', 'x']);
  assert.is(both.code, 2);
  assert.match(both.stderr, /give either --image and --mask \(one image\) or --images and --masks/);
  const mode = cli(['refine', '--image', 'a.png', '--mask', 'b.png', '--out', 'x', '--mode', 'fast']);
  assert.is(mode.code, 2);
  assert.match(mode.stderr, /--mode must be one of auto, instance, hr, but got 'fast'/);
  const missing = cli(['refine', '--image', path.join(dir, 'images', 's1.png'), '--mask', path.join(dir, 'masks', 's1.png'), '--out', path.join(dir, 'x.png'), '--model', path.join(dir, 'no-model')]);
  assert.is(missing.code, 1);
  assert.match(missing.stderr, /must be a model folder or a \.pth checkpoint, but .*no-model does not exist/);
  if (!fs.existsSync(path.join(ROOT, 'models', 'cpu-real', 'config.json'))) {
    const noDefault = cli(['refine-coco', '--images', dir, '--results', 'r.json', '--out', 'o.json']);
    assert.is(noDefault.code, 1);
    assert.match(noDefault.stderr, /no --model given, and the default model folder .*models\/cpu-real does not exist; train one/);
  }
});

test('refine-coco: COCO JSON round trip keeps every field and writes compressed RLE', async () => {
  const cocoDir = path.join(dir, 'coco');
  fs.mkdirSync(cocoDir);
  const scenes = [7, 42].map((id) => ({ id, scene: generateScene({ seed: id, height: 96, width: 96 }) }));
  for (const { id, scene } of scenes) await writeRgb(scene.image, path.join(cocoDir, `${String(id).padStart(12, '0')}.png`));
  const rle = (m: ReturnType<typeof generateScene>['mask']) => ({ size: [m.height, m.width], counts: rleToString(encodeMask(m)) });
  const tiny = { data: new Uint8Array(96 * 96), height: 96, width: 96 };
  tiny.data[5 * 96 + 5] = 1;
  const results = [
    { image_id: 7, category_id: 3, score: 0.9, bbox: [1, 2, 30, 40], label: 'cat', segmentation: rle(scenes[0].scene.mask) },
    { image_id: 42, category_id: 1, score: 0.5, bbox: [0, 0, 10, 10], segmentation: rle(tiny) },
    { image_id: 42, category_id: 2, score: 0.7, bbox: [3, 3, 50, 50], segmentation: [[10, 10, 80, 12, 70, 85, 12, 70]] },
    { image_id: 7, category_id: 3, score: 0.1, bbox: [0, 0, 1, 1], segmentation: { size: [96, 96], counts: [96 * 96] } },
  ];
  const inFile = path.join(dir, 'results.json'), outFile = path.join(dir, 'refined.json');
  fs.writeFileSync(inFile, JSON.stringify(results));
  const refiner = await SegRefiner.load(model);
  const summary = await refineCocoFile(refiner, { images: cocoDir, results: inFile, out: outFile }, { steps: 1 });
  refiner.dispose();
  assert.equal(summary, { images: 2, detections: 4, refined: 2, passedThrough: 1, empty: 1 });
  const out = JSON.parse(fs.readFileSync(outFile, 'utf8'));
  assert.is(out.length, 4);
  out.forEach((d: Record<string, unknown>, i: number) => {
    const { segmentation, ...rest } = d;
    const { segmentation: _, ...before } = results[i]; // eslint-disable-line @typescript-eslint/no-unused-vars
    assert.equal(rest, before, `fields of detection ${i}`);
    const seg = segmentation as { size: [number, number]; counts: string };
    assert.equal(seg.size, [96, 96]);
    assert.type(seg.counts, 'string');
  });
  const decoded = (i: number) => decodeRle(rleFromString(out[i].segmentation.counts, 96, 96));
  assert.equal(decoded(1).data, tiny.data, 'below the area threshold: unchanged');
  assert.ok(decoded(3).data.every((v) => v === 0), 'empty stays empty');

  // the dataset form: {images (file_name), categories, annotations}; everything but segmentation kept
  const dataset = {
    info: { note: 'kept' }, categories: [{ id: 3, name: 'thing' }],
    images: [{ id: 5, file_name: '000000000007.png', height: 96, width: 96 }],
    annotations: [{ id: 11, image_id: 5, category_id: 3, bbox: [1, 2, 3, 4], area: 123, score: 0.3, segmentation: results[0].segmentation }],
  };
  fs.writeFileSync(inFile, JSON.stringify(dataset));
  const r1 = await SegRefiner.load(model);
  assert.equal(await refineCocoFile(r1, { images: cocoDir, results: inFile, out: outFile }, { steps: 1 }), { images: 1, detections: 1, refined: 1, passedThrough: 0, empty: 0 });
  r1.dispose();
  const outDataset = JSON.parse(fs.readFileSync(outFile, 'utf8'));
  const { segmentation, ...annotation } = outDataset.annotations[0];
  const { segmentation: _s, ...annotationBefore } = dataset.annotations[0]; // eslint-disable-line @typescript-eslint/no-unused-vars
  assert.equal(annotation, annotationBefore);
  assert.equal(segmentation.size, [96, 96]);
  assert.equal({ ...outDataset, annotations: null }, { ...dataset, annotations: null });

  // a results file naming an image that is not in the folder: a clear error before any work
  fs.writeFileSync(inFile, JSON.stringify([...results, { ...results[0], image_id: 99 }]));
  const r2 = await SegRefiner.load(model);
  await expectRejects(refineCocoFile(r2, { images: cocoDir, results: inFile, out: outFile }, {}),
    /refine-coco: every image named in .*results\.json must exist in .*coco, but 1 do not: image_id 99 \(looked for 000000000099\.jpg, 000000000099\.jpeg, …\)\./);
  r2.dispose();
  const r = cli(['refine-coco', '--images', cocoDir, '--results', inFile, '--out', outFile, '--model', model]);
  assert.is(r.code, 1);
  assert.match(r.stderr, /image_id 99/);
});

test.run();
