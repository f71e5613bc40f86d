/**
 * Bad input, as an unlucky user gives it (issue 15): every case runs the CLI's `main` (in process, so
 * the model loads once) or an API call, and asserts the exit code, a message that names what, where,
 * what was expected and what came, and that no file in the sandbox (inputs and earlier outputs) was
 * changed, added or left half-written.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import sharp from 'sharp';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { main } from '../../src/cli/main';
import { OUTPUT_LOCK_FILE } from '../../src/cli/output_paths';
import { processStartTicks } from '../../src/util/process_info';
import { readSafetensors, writeSafetensors } from '../../src/model/checkpoint/safetensors';
import { readBinaryMask, readImage, SegRefiner, writeMaskPng } from '../../src';
import { useTestBackend } from '../helpers/backend';
import { encodePng } from '../helpers/png';
import { expectRejects } from '../helpers/rejects';

const ROOT = path.join(__dirname, '..', '..');
const box = fs.mkdtempSync(path.join(os.tmpdir(), 'segrefiner-bad-input-'));
const at = (...p: string[]) => path.join(box, ...p);

async function writePng(file: string, h: number, w: number, channels: 1 | 3, value: (x: number, y: number, c: number) => number): Promise<void> {
  const data = Buffer.alloc(h * w * channels);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < channels; c++) data[(y * w + x) * channels + c] = value(x, y, c);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await sharp(data, { raw: { width: w, height: h, channels } }).png().toFile(file);
}

/** A copy of the shipped synthetic model with one weight set to `value`. */
function modelWithWeight(dir: string, value: number): void {
  const src = path.join(ROOT, 'models', 'cpu-synthetic');
  fs.mkdirSync(dir, { recursive: true });
  fs.copyFileSync(path.join(src, 'config.json'), path.join(dir, 'config.json'));
  const { tensors, metadata } = readSafetensors(path.join(src, 'model.safetensors'));
  const first = [...tensors.values()][5];
  first.data[3] = value;
  writeSafetensors(path.join(dir, 'model.safetensors'), tensors, metadata);
}

/** A model folder whose safetensors header lies (`edit` rewrites one tensor's entry). */
function modelWithHeader(dir: string, edit: (entry: Record<string, unknown>) => void): void {
  const src = path.join(ROOT, 'models', 'cpu-synthetic');
  fs.mkdirSync(dir, { recursive: true });
  fs.copyFileSync(path.join(src, 'config.json'), path.join(dir, 'config.json'));
  const buf = fs.readFileSync(path.join(src, 'model.safetensors'));
  const n = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.toString('utf8', 8, 8 + n));
  edit(header[Object.keys(header).find((k) => k !== '__metadata__') as string]);
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const head = Buffer.alloc(8);
  head.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  fs.writeFileSync(path.join(dir, 'model.safetensors'), Buffer.concat([head, Buffer.from(json), buf.subarray(8 + n)]));
}

async function makeSandbox(): Promise<void> {
  const disc = (x: number, y: number) => ((x - 30) ** 2 + (y - 22) ** 2 < 150 ? 255 : 0);
  await writePng(at('img.png'), 48, 64, 3, (x, y, c) => (x * 3 + y * 5 + c * 40) % 256);
  await writePng(at('mask.png'), 48, 64, 1, disc);
  await writePng(at('gt.png'), 48, 64, 1, disc);
  await writePng(at('small_mask.png'), 40, 64, 1, disc);
  for (const stem of ['a', 'b']) {
    await writePng(at('imgs', `${stem}.png`), 48, 64, 3, (x, y, c) => (x + y + c * 60) % 256);
    await writePng(at('masks', `${stem}.png`), 48, 64, 1, disc);
  }
  fs.writeFileSync(at('white0_palette.png'), encodePng(64, 48, 3, 8, Array.from({ length: 48 }, (_, y) => Array.from({ length: 64 }, (_, x) => (disc(x, y) ? 1 : 0))), [[255, 255, 255], [200, 0, 0]]));
  fs.symlinkSync(at('mask.png'), at('mask_link.png'));
  fs.symlinkSync(at('masks'), at('masks_link'));
  fs.mkdirSync(at('folder.png'));
  fs.writeFileSync(at('existing_file.txt'), 'keep me\n');
  const coco = (poly: number[]) => JSON.stringify([{ image_id: 1, category_id: 1, score: 0.9, bbox: [0, 0, 10, 10], segmentation: [poly] }]);
  fs.writeFileSync(at('results.json'), coco([10, 10, 40, 10, 40, 30, 10, 30]));
  fs.writeFileSync(at('results_far.json'), coco([10, 10, 1e7, 10, 40, 30, 10, -1e7]));
  await writePng(at('coco_imgs', '000000000001.png'), 48, 64, 3, (x, _y, c) => (x + c) % 256);
  fs.writeFileSync(at('coco_gt.json'), JSON.stringify({
    images: [{ id: 1, height: 48, width: 64 }], categories: [{ id: 1, name: 'x' }],
    annotations: [{ id: 1, image_id: 1, category_id: 1, iscrowd: 0, area: 600, bbox: [10, 10, 30, 20], segmentation: [[10, 10, 40, 10, 40, 30, -1e7, 30]] }],
  }));
  fs.writeFileSync(at('weights.pth'), 'not really a checkpoint');
  modelWithWeight(at('model_nan'), NaN);
  modelWithWeight(at('model_inf'), Infinity);
  modelWithHeader(at('model_dtype'), (e) => { e.dtype = 'I8'; });
  modelWithHeader(at('model_offsets'), (e) => { e.data_offsets = [0, 1e12]; });
  // an output folder another (live) command is writing: this test process stands in for it
  fs.mkdirSync(at('busy_out'));
  fs.writeFileSync(at('busy_out', OUTPUT_LOCK_FILE), JSON.stringify({ pid: process.pid, host: os.hostname(), procStart: processStartTicks(process.pid), startedAt: new Date().toISOString(), command: 'segrefiner refine (another run)' }));
  fs.mkdirSync(at('run_bad_config'));
  fs.writeFileSync(at('run_bad_config', 'config.json'), '{"name": "x", "steps": ');
}

/** Every file under the sandbox (links as their target) with its content hash. */
function snapshot(): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name), rel = path.relative(box, p);
      if (e.isSymbolicLink()) out[rel] = `link → ${fs.readlinkSync(p)}`;
      else if (e.isDirectory()) walk(p);
      else out[rel] = crypto.createHash('sha1').update(fs.readFileSync(p)).digest('hex');
    }
  };
  walk(box);
  return out;
}

/** Runs `main(argv)` in the sandbox, capturing what it prints. */
async function run(argv: string[], env: Record<string, string> = {}): Promise<{ code: number; stderr: string }> {
  const saved = { error: console.error, log: console.log, cwd: process.cwd(), env: { ...process.env } };
  let stderr = '';
  console.error = (...a: unknown[]) => { stderr += `${a.join(' ')}\n`; };
  console.log = () => undefined;
  Object.assign(process.env, env);
  process.chdir(box);
  try {
    return { code: await main(argv), stderr };
  } finally {
    Object.assign(console, { error: saved.error, log: saved.log });
    process.chdir(saved.cwd);
    for (const k of Object.keys(env)) if (saved.env[k] === undefined) delete process.env[k]; else process.env[k] = saved.env[k];
  }
}

/** [argv, exit code, message pattern, env] */
type CliCase = [string[], number, RegExp, Record<string, string>?];

const one = ['refine', '--image', 'img.png', '--mask', 'mask.png'];
const folder = ['refine', '--images', 'imgs', '--masks', 'masks'];
const CLI_CASES: Record<string, CliCase> = {
  'refine: --out is the coarse mask': [[...one, '--out', 'mask.png'], 2, /--out must differ from --mask \(the input would be overwritten\), but both are .*mask\.png/],
  'refine: --out is the image': [[...one, '--out', 'img.png'], 2, /--out must differ from --image/],
  'refine: --out is the ground truth': [[...one, '--gt', 'gt.png', '--out', 'gt.png'], 2, /--out must differ from --gt/],
  'refine: --out is a symlink to the mask': [[...one, '--out', 'mask_link.png'], 2, /--out must differ from --mask .* both are .*\/mask\.png\.$/m],
  'refine: --out reaches the mask through ..': [[...one, '--out', 'imgs/../mask.png'], 2, /--out must differ from --mask/],
  'refine: folder --out is the masks folder': [[...folder, '--out', 'masks'], 2, /--out must differ from --masks/],
  'refine: folder --out is the images folder': [[...folder, '--out', 'imgs/'], 2, /--out must differ from --images/],
  'refine: folder --out is a symlink to the masks': [[...folder, '--out', 'masks_link'], 2, /--out must differ from --masks/],
  'refine: --save-steps is an input': [[...one, '--out', 'new/r.png', '--save-steps', 'mask.png'], 2, /--save-steps must differ from --mask/],
  'refine: --out with a .jpg name': [[...one, '--out', 'refined.jpg'], 1, /--out refined\.jpg must end in \.png \(that is what is written\), but ends in '\.jpg'/],
  'refine: --out without an extension': [[...one, '--out', 'refined'], 1, /must end in \.png .* but ends in '\(none\)'/],
  'refine: --out is an existing folder': [[...one, '--out', 'folder.png'], 1, /--out folder\.png must be a file path, but it is an existing folder or special file/],
  'refine: folder --out is an existing file': [[...folder, '--out', 'existing_file.txt'], 1, /--out existing_file\.txt must be a folder, but it is an existing file/],
  'refine: --out under a file': [[...one, '--out', 'existing_file.txt/r.png'], 1, /the folder .*existing_file\.txt must exist or be creatable/],
  'refine: --steps 0': [[...one, '--out', 'r.png', '--steps', '0'], 2, /--steps must be an integer in \[1, \d+\], but got '0'/],
  'refine: --steps -1': [[...one, '--out', 'r.png', '--steps=-1'], 2, /--steps must be an integer in \[1, \d+\], but got '-1'/],
  'refine: --batch 0': [[...one, '--out', 'r.png', '--batch', '0'], 2, /--batch must be an integer in \[1, 32\], but got '0'/],
  'refine: --batch 33': [[...one, '--out', 'r.png', '--batch', '33'], 2, /--batch must be an integer in \[1, 32\], but got '33'/],
  'refine: --seed 2^32 (would wrap to 0)': [[...one, '--out', 'r.png', '--seed', '4294967296'], 2, /--seed must be an integer in \[0, 4294967295\], but got '4294967296'/],
  'refine: --seed -1': [[...one, '--out', 'r.png', '--seed=-1'], 2, /--seed must be an integer in \[0, 4294967295\], but got '-1'/],
  'refine: --seed 1.5': [[...one, '--out', 'r.png', '--seed', '1.5'], 2, /--seed must be an integer .* but got '1\.5'/],
  'refine: --seed empty': [[...one, '--out', 'r.png', '--seed', ''], 2, /--seed must be an integer .* but got ''/],
  'refine: --min-area -3': [[...one, '--out', 'r.png', '--min-area=-3'], 2, /--min-area must be an integer in \[0, \d+\], but got '-3'/],
  'refine: --gate 2': [[...one, '--out', 'r.png', '--gate', '2'], 2, /--gate must be a number in \[0, 1\], but got '2'/],
  'refine: --mode fast': [[...one, '--out', 'r.png', '--mode', 'fast'], 2, /--mode must be one of auto, instance, hr, but got 'fast'/],
  'refine: --residual maybe': [[...one, '--out', 'r.png', '--residual', 'maybe'], 2, /--residual must be on or off, but got 'maybe'/],
  'refine: the image does not exist': [['refine', '--image', 'nope.png', '--mask', 'mask.png', '--out', 'r.png'], 1, /--image nope\.png must be an existing file, but it does not exist/],
  'refine: the masks folder does not exist': [['refine', '--images', 'imgs', '--masks', 'nope', '--out', 'r'], 1, /--masks nope must be an existing folder, but it does not exist/],
  'refine: a colour palette mask with colour 0 not black': [['refine', '--image', 'img.png', '--mask', 'white0_palette.png', '--out', 'r.png'], 1, /white0_palette\.png must be a readable mask image, but it is a colour palette PNG whose colour 0 is \(255, 255, 255\), not black/],
  'refine: mask and image sizes differ': [['refine', '--image', 'img.png', '--mask', 'small_mask.png', '--out', 'r.png'], 1, /small_mask\.png must have the size of its image img\.png \(48×64\), but is 40×64/],
  'refine: an image over the pixel limit': [[...one, '--out', 'r.png'], 1, /readImage: img\.png must have at most 1000 pixels \(SEGREFINER_MAX_PIXELS raises the limit\), but is 64×48 = 3072/, { SEGREFINER_MAX_PIXELS: '1000' }],
  'refine: a bad SEGREFINER_MAX_PIXELS': [[...one, '--out', 'r.png'], 1, /SEGREFINER_MAX_PIXELS must be a positive integer \(pixels\), but got 'lots'/, { SEGREFINER_MAX_PIXELS: 'lots' }],
  'refine: a model with a NaN weight': [[...one, '--out', 'r.png', '--model', 'model_nan'], 1, /loadModelDir\(model_nan\): weights must be finite, but '[\w.]+' holds NaN at element 3 of \d+/],
  'refine: a model with an Inf weight': [[...one, '--out', 'r.png', '--model', 'model_inf'], 1, /weights must be finite, but '[\w.]+' holds Infinity at element 3/],
  'refine: a safetensors dtype it cannot read': [[...one, '--out', 'r.png', '--model', 'model_dtype'], 1, /readSafetensors\(.*model\.safetensors\): tensor '[\w.]+' must have dtype F32, F64, F16 or BF16, but has "I8"/],
  'refine: safetensors offsets past the end': [[...one, '--out', 'r.png', '--model', 'model_offsets'], 1, /tensor '[\w.]+' must lie inside the file's \d+ data bytes, but ends at byte 1000000000000 \(truncated\?\)/],
  'refine: folder --out in use by another command': [[...folder, '--out', 'busy_out'], 1, /--out busy_out must not be written by another command at the same time, but .*busy_out\/\.segrefiner\.lock is held by pid \d+/],
  'coarsen: --out in use by another command': [['coarsen', '--masks', 'masks', '--out', 'busy_out'], 1, /coarsen: --out busy_out must not be written by another command at the same time/],
  'coarsen: --out is a symlink to the masks': [['coarsen', '--masks', 'masks', '--out', 'masks_link'], 2, /coarsen: --out must differ from --masks \(the input would be overwritten\)/],
  'coarsen: --seed 2^32': [['coarsen', '--masks', 'masks', '--out', 'c', '--seed', '4294967296'], 2, /--seed must be an integer in \[0, 4294967295\], but got '4294967296'/],
  'coarsen: --out is an existing file': [['coarsen', '--masks', 'masks', '--out', 'existing_file.txt'], 1, /--out existing_file\.txt must be a folder, but it is an existing file/],
  'refine-coco: --out is the results file': [['refine-coco', '--images', 'coco_imgs', '--results', 'results.json', '--out', 'results.json'], 2, /--out must differ from --results/],
  'refine-coco: --out is not .json': [['refine-coco', '--images', 'coco_imgs', '--results', 'results.json', '--out', 'out.txt'], 1, /--out out\.txt must end in \.json/],
  'refine-coco: --results does not exist': [['refine-coco', '--images', 'coco_imgs', '--results', 'nope.json', '--out', 'o.json'], 1, /--results nope\.json must be an existing file, but it does not exist/],
  'refine-coco: a polygon at ±1e7': [['refine-coco', '--images', 'coco_imgs', '--results', 'results_far.json', '--out', 'o.json'], 1, /polygon #0: vertices must lie within \[-64, 128\]×\[-48, 96\] .* but vertex 1 is \(10000000, 10\)/],
  'eval: --out is the gt folder': [['eval', '--pred', 'masks', '--gt', 'imgs', '--out', 'imgs'], 2, /eval: --out must differ from --gt/],
  'eval: --out is not .json': [['eval', '--pred', 'masks', '--gt', 'masks', '--out', 'scores.csv'], 1, /--out scores\.csv must end in \.json/],
  'eval: a COCO polygon at -1e7': [['eval', '--coco-gt', 'coco_gt.json', '--coco-results', 'results.json'], 1, /vertices must lie within .* but vertex 3 is \(-10000000, 30\)/],
  'convert: --image-size 97': [['convert', '--pth', 'weights.pth', '--out', 'conv', '--image-size', '97'], 2, /--image-size: imageSize must be a positive multiple of \d+ .* but got 97/],
  'convert: --out is the checkpoint': [['convert', '--pth', 'weights.pth', '--out', 'weights.pth'], 2, /convert: --out must differ from --pth/],
  'train: batchSize=1e9': [['train', '--config', 'cpu-synthetic', '--set', 'batchSize=1e9', '--set', 'outDir=runs'], 1, /batchSize·imageSize² must be at most 134217728 pixels a step, but got 1000000000·96² = /],
  'train: seed=2^32': [['train', '--config', 'cpu-synthetic', '--set', 'seed=4294967296', '--set', 'outDir=runs'], 1, /seed must be an integer in \[0, 4294967294\], but got 4294967296/],
  'train: --max-steps 0': [['train', '--config', 'cpu-synthetic', '--max-steps', '0'], 2, /--max-steps must be a positive integer, but got '0'/],
  'train: --resume with a corrupt config.json': [['train', '--resume', 'run_bad_config'], 1, /--resume: run_bad_config\/config\.json must be the run's JSON config, but reading it failed: /],
};

let before: Record<string, string> = {};

test.before(async () => {
  await useTestBackend();
  await makeSandbox();
  before = snapshot();
});

test(`the CLI suite has at least 40 cases (${Object.keys(CLI_CASES).length})`, () => {
  assert.ok(Object.keys(CLI_CASES).length >= 40);
});

for (const [name, [argv, code, pattern, env]] of Object.entries(CLI_CASES)) {
  test(name, async () => {
    const r = await run(argv, env);
    assert.is(r.code, code, r.stderr);
    assert.match(r.stderr, pattern);
    assert.equal(snapshot(), before, 'no file in the sandbox was changed, added or left half-written');
  });
}

test('API: null and wrong-typed arguments get the usual clear errors', async () => {
  await expectRejects(SegRefiner.load(null as unknown as string), /SegRefiner\.load\(null\): modelPath must be a model folder or \.pth path \(a non-empty string\), but got null/);
  await expectRejects(readImage(null as unknown as string), /readImage: file must be a path \(a non-empty string\), but got null/);
  await expectRejects(readBinaryMask(undefined as unknown as string), /readBinaryMask: file must be a path .* but got undefined/);
  const refiner = await SegRefiner.load(path.join(ROOT, 'models', 'cpu-synthetic'));
  try {
    assert.throws(() => refiner.setImage(null as never), /SegRefiner\.setImage: image must be an RgbImage \{data, height, width\}, but got null/);
    refiner.setImage(await readImage(at('img.png')));
    await expectRejects(refiner.refine(null as never), /SegRefiner\.refine: the coarse mask must be a BinaryMask \{data, height, width\}, but got null/);
    await expectRejects(refiner.refineBatch(null as never), /SegRefiner\.refineBatch: masks must be an array of BinaryMask, but got null/);
    const mask = await readBinaryMask(at('mask.png'));
    await expectRejects(refiner.refine(mask, null as never), /SegRefiner\.refine: options must be an object \(or omitted\), but got null/);
    await expectRejects(refiner.refine(mask, { seed: 2 ** 32 }), /SegRefiner\.refine: seed must be an integer in \[0, 4294967295\], but got 4294967296/);
  } finally {
    refiner.dispose();
  }
});

test('API: a mask written under a .jpg name is refused before anything is written', async () => {
  await expectRejects(writeMaskPng({ data: new Uint8Array(4), height: 2, width: 2 }, at('m.jpg')), /writeMaskPng: the file name must end in \.png \(a PNG is written\), but got .*m\.jpg/);
  assert.equal(snapshot(), before);
});

test.after(() => fs.rmSync(box, { recursive: true, force: true }));

test.run();
