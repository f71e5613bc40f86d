/** `segrefiner eval` end to end, as a user runs it (subprocesses through tsx, as cli.test.ts). */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import sharp from 'sharp';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const ROOT = path.join(__dirname, '..', '..');

function cli(args: string[]) {
  const r = spawnSync(process.execPath, ['-r', 'tsx/cjs', path.join(ROOT, 'src', 'cli', 'main.ts'), 'eval', ...args], {
    cwd: ROOT, encoding: 'utf8', timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** An 8×8 0/255 PNG with a filled rectangle (rows y0..y0+h−1, cols x0..x0+w−1). */
async function writeMask(file: string, rect: [number, number, number, number] | null, size: [number, number] = [8, 8]): Promise<void> {
  const [H, W] = size;
  const data = Buffer.alloc(H * W);
  if (rect) {
    const [y0, x0, h, w] = rect;
    for (let y = y0; y < y0 + h; y++) for (let x = x0; x < x0 + w; x++) data[y * W + x] = 255;
  }
  await sharp(data, { raw: { width: W, height: H, channels: 1 } }).png().toFile(file);
}

let tmp = '';
const dir = (...parts: string[]) => path.join(tmp, ...parts);

test.before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'segrefiner-eval-'));
  for (const d of ['gt', 'pred', 'coarse', 'empty', 'extra', 'small', 'broken']) fs.mkdirSync(dir(d));
  // Image a: GT rows/cols 2..5 (16 px); pred shifted 1 column (I 12, U 20, IoU 0.6); coarse shifted 2 (I 8, U 24).
  await writeMask(dir('gt', 'a.png'), [2, 2, 4, 4]);
  await writeMask(dir('pred', 'a.png'), [2, 3, 4, 4]);
  await writeMask(dir('coarse', 'a.png'), [2, 4, 4, 4]);
  // Image b: pred perfect (IoU 1); coarse empty (I 0, U 16).
  await writeMask(dir('gt', 'b.png'), [0, 0, 4, 4]);
  await writeMask(dir('pred', 'b.png'), [0, 0, 4, 4]);
  await writeMask(dir('coarse', 'b.png'), null);
  for (const f of ['a.png', 'b.png']) fs.copyFileSync(dir('gt', f), dir('extra', f));
  await writeMask(dir('extra', 'c.png'), [0, 0, 1, 1]);
  await writeMask(dir('small', 'a.png'), [0, 0, 2, 2], [6, 8]);
  await writeMask(dir('small', 'b.png'), [0, 0, 2, 2]);
  fs.copyFileSync(dir('pred', 'a.png'), dir('broken', 'a.png'));
  fs.writeFileSync(dir('broken', 'b.png'), 'not a png');
});

test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('folders: a before/after table and JSON with per-image values and aggregates', () => {
  const out = dir('results.json');
  const r = cli(['--pred', dir('pred'), '--gt', dir('gt'), '--coarse', dir('coarse'), '--out', out]);
  assert.is(r.code, 0, r.stderr);
  // Mean IoU: refined (0.6 + 1)/2 = 0.8, coarse (1/3 + 0)/2; cumulative: refined 28/36, coarse 8/40.
  assert.match(r.stdout, /IoU \(mean per image\)\s+0\.1667\s+0\.8000\s+\+0\.6333/);
  assert.match(r.stdout, /IoU \(cumulative ΣI\/ΣU\)\s+0\.2000\s+0\.7778\s+\+0\.5778/);
  assert.match(r.stdout, /mBA/);
  assert.match(r.stdout, /Boundary IoU \(mean\)/);
  const report = JSON.parse(fs.readFileSync(out, 'utf8'));
  assert.equal(report.images.map((i: { name: string }) => i.name), ['a', 'b']);
  assert.equal([report.images[0].refined.intersection, report.images[0].refined.union, report.images[0].refined.iou], [12, 20, 0.6]);
  assert.is(report.images[1].coarse.iou, 0);
  assert.is(report.aggregate.refined.cumulativeIou, 28 / 36);
  assert.is(report.aggregate.coarse.cumulativeIou, 0.2);
  assert.is(report.aggregate.refined.meanIou, 0.8);
  assert.is(report.images[1].refined.boundaryF, 1);
  assert.is(report.aggregate.refined.dis, undefined);
});

test('--dis adds the DIS measures', () => {
  const out = dir('dis.json');
  const r = cli(['--pred', dir('pred'), '--gt', dir('gt'), '--dis', '--out', out]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /max Fβ/);
  assert.match(r.stdout, /S-measure/);
  const report = JSON.parse(fs.readFileSync(out, 'utf8'));
  assert.is(report.images[1].refined.dis.mae, 0); // the perfect image
  assert.is(report.aggregate.refined.dis.images, 2);
  assert.ok(report.aggregate.refined.dis.maxF > 0.8 && report.aggregate.refined.dis.maxF <= 1);
});

test('errors name the folder or file', () => {
  let r = cli(['--pred', dir('empty'), '--gt', dir('gt')]);
  assert.is(r.code, 1);
  assert.match(r.stderr, `the prediction folder ${dir('empty')} must contain mask images (.jpg .jpeg .png .webp .tif .tiff), but has none`);
  r = cli(['--pred', dir('extra'), '--gt', dir('gt')]);
  assert.is(r.code, 1);
  assert.match(r.stderr, `${dir('extra', 'c.png')} must have a ground-truth counterpart with stem 'c'`);
  r = cli(['--pred', dir('pred'), '--gt', dir('extra')]);
  assert.match(r.stderr, `${dir('extra', 'c.png')} must have a prediction counterpart`);
  r = cli(['--pred', dir('small'), '--gt', dir('gt')]);
  assert.is(r.code, 1);
  assert.match(r.stderr, `${dir('small', 'a.png')} must have the size of its ground truth ${dir('gt', 'a.png')} (8×8), but is 6×8`);
  r = cli(['--pred', dir('broken'), '--gt', dir('gt')]);
  assert.is(r.code, 1);
  assert.match(r.stderr, `${dir('broken', 'b.png')} must be a readable mask image`);
  r = cli(['--pred', dir('missing'), '--gt', dir('gt')]);
  assert.match(r.stderr, `the prediction folder ${dir('missing')} must be a readable folder`);
});

test('usage errors exit 2', () => {
  assert.is(cli([]).code, 2);
  const mixed = cli(['--pred', dir('pred'), '--coco-gt', 'x.json']);
  assert.is(mixed.code, 2);
  assert.match(mixed.stderr, 'must not be combined');
  const badType = cli(['--coco-gt', 'a.json', '--coco-results', 'b.json', '--iou-type', 'bbox']);
  assert.is(badType.code, 2);
  assert.match(badType.stderr, "--iou-type must be one of segm, boundary, both, but got 'bbox'");
});

test('COCO mode prints the AP table for segm and boundary', () => {
  // One 8×8 image, two objects given as polygons and compressed RLE; detections: both found exactly.
  const gt = {
    images: [{ id: 1, height: 8, width: 8 }], categories: [{ id: 3, name: 'thing' }],
    annotations: [
      { id: 1, image_id: 1, category_id: 3, segmentation: [[0.5, 0.5, 2.5, 0.5, 2.5, 2.5, 0.5, 2.5]], area: 4, iscrowd: 0 },
      { id: 2, image_id: 1, category_id: 3, segmentation: { size: [8, 8], counts: [45, 3, 5, 3, 5, 3] }, area: 9, iscrowd: 0 },
    ],
  };
  const res = [
    { image_id: 1, category_id: 3, score: 0.9, segmentation: { size: [8, 8], counts: [9, 2, 6, 2, 45] } },
    { image_id: 1, category_id: 3, score: 0.8, segmentation: { size: [8, 8], counts: [45, 3, 5, 3, 5, 3] } },
  ];
  fs.writeFileSync(dir('gt.json'), JSON.stringify(gt));
  fs.writeFileSync(dir('res.json'), JSON.stringify(res));
  const out = dir('coco.json');
  const r = cli(['--coco-gt', dir('gt.json'), '--coco-results', dir('res.json'), '--iou-type', 'both', '--out', out]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /metric\s+segm\s+boundary/);
  assert.match(r.stdout, /AP\s+1\.000\s+1\.000/);
  const report = JSON.parse(fs.readFileSync(out, 'utf8'));
  assert.is(report.summaries.segm.AP, 1);
  assert.is(report.summaries.boundary.AP50, 1);
  assert.is(report.summaries.segm.APl, -1);
  const bad = cli(['--coco-gt', dir('gt.json'), '--coco-results', dir('missing.json')]);
  assert.is(bad.code, 1);
  assert.match(bad.stderr, `${dir('missing.json')} must be a readable file`);
});

test.run();
