/**
 * `segrefiner refine`: refines coarse masks with a model (the shipped CPU model by default).
 *
 * One image: `--image a.jpg --mask coarse.png --out refined.png [--gt gt.png] [--save-steps dir]`.
 * A folder: `--images dir --masks dir --out dir [--gt dir]` pairs files by stem (the name without
 * its extension), writes `<out>/<stem>.png`, prints a progress line per file, collects per-file
 * failures and lists them at the end (exit 1 if any). With `--gt`, a table of IoU, mBA and Boundary
 * IoU for the coarse and the refined masks.
 * A folder with `--shard K/N`: only shard K's images (cluster/shard.ts), into `<out>/masks/<stem>.png`,
 * with `<out>/manifest.json` and a record per finished image (a rerun skips those); `segrefiner
 * merge` joins the shards into exactly what one run writes.
 * Masks are read as binary (value > 128, readBinaryMask) and written as 0/255 PNGs.
 */
import * as fs from 'fs';
import * as path from 'path';
import { initBackend } from '../backend/select_backend';
import { readImage } from '../data/image_io';
import { loadPairedFolder } from '../data/folder_loaders';
import { readBinaryMask, writeMaskPng, writeProbabilityPng } from '../data/mask_io';
import { MAX_BATCH_SIZE, RefineOptionsInput, RefineResult, RefineStep } from '../refine/options';
import { modelSha256 } from '../cluster/fingerprint';
import { RefineRecord, SHARD_MASKS_DIR } from '../cluster/merge';
import { ShardSpec } from '../cluster/shard';
import { formatMetricsTable, RefineRow, scorePair } from '../evaluate/refine_table';
import { SegRefiner } from '../refine/refiner';
import { DEFAULT_MODEL_DIR } from '../refine/shipped_models';
import type { BinaryMask, RgbImage } from '../types';
import { MAX_SEED } from '../util/rng';
import { assertInputsExist, assertOutputIsNotInput, FlagPath, lockOutputFolder, prepareOutputFile, prepareOutputFolder } from './output_paths';
import { FlagSpecs, formatUsage, ParsedFlags, parseFlags } from './parse_flags';
import { argsOf, openShard, SHARD_FLAGS, shardFromFlags, shardSummary } from './shard_flag';
import { UsageError } from './usage_error';

/** Flags shared with refine-coco: the model and the refinement options. */
export const MODEL_FLAGS: FlagSpecs = {
  model: { type: 'string', description: 'model folder or official .pth checkpoint (default: the shipped models/cpu-real, trained on real photographs)' },
  mode: { type: 'string', description: 'auto | instance | hr (default auto: instance, unless --auto-hr-factor or the model sets one)' },
  'auto-hr-factor': { type: 'string', description: 'auto picks hr when the mask box + 20 px is over this × the model size (default: the model\'s setting, else never)' },
  steps: { type: 'string', description: 'run only the first N steps of the loop (instance: 1–6, hr global pass: 1–5)' },
  seed: { type: 'string', description: 'seed of the sampling (integer, default 0)' },
  deterministic: { type: 'boolean', description: 'threshold the fine probability at 0.5 instead of sampling' },
  gate: { type: 'string', description: 'do-no-harm gate: keep the coarse value where confidence < this (0–1, 0 = off; default: the model\'s refineDefaults, else off)' },
  residual: { type: 'string', description: 'instance path: paste the network\'s change onto the full-resolution coarse mask (on | off; default: the model\'s refineDefaults, else off)' },
  batch: { type: 'string', description: 'crops/patches per forward pass (1–32, default 4)' },
  'min-area': { type: 'string', description: 'instance masks with fewer foreground pixels pass through unchanged (default 512, upstream)' },
};

export const REFINE_FLAGS: FlagSpecs = {
  image: { type: 'string', description: 'one image (with --mask and --out)' },
  mask: { type: 'string', description: 'its coarse mask' },
  images: { type: 'string', description: 'a folder of images (with --masks and --out)' },
  masks: { type: 'string', description: 'a folder of coarse masks, same stems as the images' },
  out: { type: 'string', description: 'output mask file (one image) or folder (created if missing)' },
  gt: { type: 'string', description: 'ground truth (file or folder): print IoU, mBA and Boundary IoU, coarse vs refined' },
  'save-steps': { type: 'string', description: 'one image only: write every step\'s maps as PNGs into this folder' },
  ...MODEL_FLAGS,
  ...SHARD_FLAGS,
};

/** The shipped default model (models/cpu-real at the package root). */
export function defaultModelDir(): string {
  return DEFAULT_MODEL_DIR;
}

/** The model a --model flag names: its value, or the shipped default. */
export const modelPathOf = (flags: ParsedFlags): string => (flags.model === undefined ? defaultModelDir() : String(flags.model));

/** Loads --model, or the shipped model with a clear error when it is missing. */
export async function loadRefinerFromFlag(model: string | undefined, command: string): Promise<SegRefiner> {
  if (model === undefined) {
    const dir = defaultModelDir();
    if (!fs.existsSync(path.join(dir, 'config.json'))) {
      throw new Error(`segrefiner ${command}: no --model given, and the default model folder ${dir} does not exist; train one (segrefiner train --config cpu-real --set data.roots=<photo folders>, see models/cpu-real/MODEL_CARD.md) or pass --model <folder or .pth>.`);
    }
    return SegRefiner.load(dir);
  }
  return SegRefiner.load(model);
}

/** An integer flag in [lo, hi], or undefined when not given; anything else is a usage error. */
function integerFlag(flags: ParsedFlags, name: string, range: [number, number], command: string, usage: string): number | undefined {
  const raw = flags[name];
  if (raw === undefined) return undefined;
  const v = Number(raw), [lo, hi] = range;
  if (String(raw).trim() === '' || !Number.isInteger(v) || v < lo || v > hi) {
    throw new UsageError(`segrefiner ${command}: --${name} must be an integer in [${lo}, ${hi}], but got '${String(raw)}'.`, usage);
  }
  return v;
}

/** Refinement options from MODEL_FLAGS; value errors are usage errors. */
export function refineOptionsFromFlags(flags: ParsedFlags, command: string, usage: string): RefineOptionsInput {
  const o: RefineOptionsInput = {};
  if (flags.mode !== undefined) {
    if (!['auto', 'instance', 'hr'].includes(String(flags.mode))) throw new UsageError(`segrefiner ${command}: --mode must be one of auto, instance, hr, but got '${String(flags.mode)}'.`, usage);
    o.mode = flags.mode as RefineOptionsInput['mode'];
  }
  // ranges known before the model loads; the upper bound of steps depends on the model and is checked there
  const steps = integerFlag(flags, 'steps', [1, Number.MAX_SAFE_INTEGER], command, usage);
  const seed = integerFlag(flags, 'seed', [0, MAX_SEED], command, usage);
  const batch = integerFlag(flags, 'batch', [1, MAX_BATCH_SIZE], command, usage);
  const minArea = integerFlag(flags, 'min-area', [0, Number.MAX_SAFE_INTEGER], command, usage);
  if (flags['auto-hr-factor'] !== undefined) {
    const f = Number(flags['auto-hr-factor']);
    if (!(f > 0)) throw new UsageError(`segrefiner ${command}: --auto-hr-factor must be a positive number, but got '${String(flags['auto-hr-factor'])}'.`, usage);
    o.autoHrFactor = f;
  }
  if (minArea !== undefined) o.instance = { areaThreshold: minArea };
  if (flags.residual !== undefined) {
    if (!['on', 'off'].includes(String(flags.residual))) throw new UsageError(`segrefiner ${command}: --residual must be on or off, but got '${String(flags.residual)}'.`, usage);
    o.instance = { ...o.instance, residual: flags.residual === 'on' };
  }
  if (steps !== undefined) o.steps = steps;
  if (seed !== undefined) o.seed = seed;
  if (batch !== undefined) o.batchSize = batch;
  if (flags.deterministic) o.deterministic = true;
  if (flags.gate !== undefined) {
    const g = Number(flags.gate);
    if (!(g >= 0 && g <= 1)) throw new UsageError(`segrefiner ${command}: --gate must be a number in [0, 1], but got '${String(flags.gate)}'.`, usage);
    o.gate = g > 0 ? { threshold: g } : null;
  }
  return o;
}

/** Reads an image and its mask and checks they agree in size (errors name both files). */
async function readPair(imageFile: string, maskFile: string): Promise<{ image: RgbImage; mask: BinaryMask }> {
  const image = await readImage(imageFile), mask = await readBinaryMask(maskFile);
  if (mask.height !== image.height || mask.width !== image.width) {
    throw new Error(`${maskFile} must have the size of its image ${imageFile} (${image.height}×${image.width}), but is ${mask.height}×${mask.width}.`);
  }
  return { image, mask };
}

async function readGt(file: string, like: BinaryMask): Promise<BinaryMask> {
  const gt = await readBinaryMask(file);
  if (gt.height !== like.height || gt.width !== like.width) throw new Error(`${file} must have the size of the coarse mask (${like.height}×${like.width}), but is ${gt.height}×${gt.width}.`);
  return gt;
}

function describe(r: RefineResult): string {
  if (r.passedThrough) return `${r.mode}, passed through (${r.passedThrough === 'small-area' ? 'area below the threshold' : '≤ 128 foreground pixels'})`;
  return r.mode === 'hr' ? `hr, ${r.patches} patches` : 'instance';
}

/** Writes one step's maps as greyscale PNGs named <stage>_<step>_t<t>_<map>.png. */
async function saveStep(dir: string, s: RefineStep): Promise<void> {
  const base = path.join(dir, `${s.stage}_${s.step}_t${s.t}`);
  const maps: [string, Float32Array | null][] = [['x', s.x], ['probs', s.maskProbs], ['confidence', s.confidence], ['transition', s.transitionProbs], ['fine', s.fineProbs], ['finemap', s.fineMap]];
  for (const [name, m] of maps) if (m) await writeProbabilityPng(m, s.height, s.width, `${base}_${name}.png`);
}

async function runOne(refiner: SegRefiner, flags: ParsedFlags, options: RefineOptionsInput): Promise<number> {
  const out = String(flags.out);
  const { image, mask } = await readPair(String(flags.image), String(flags.mask));
  const gt = flags.gt === undefined ? null : await readGt(String(flags.gt), mask);
  const stepsDir = flags['save-steps'] === undefined ? null : String(flags['save-steps']);
  const start = Date.now();
  refiner.setImage(image);
  const r = await refiner.refine(mask, { ...options, ...(stepsDir ? { onStep: (s: RefineStep) => saveStep(stepsDir, s) } : {}) });
  await writeMaskPng(r.mask, out);
  console.log(`${flags.mask} → ${out} (${describe(r)}, ${((Date.now() - start) / 1000).toFixed(1)} s)`);
  if (gt) console.log(formatMetricsTable([{ coarse: scorePair(gt, mask), refined: scorePair(gt, r.mask) }]));
  return 0;
}

async function runFolder(refiner: SegRefiner, flags: ParsedFlags, options: RefineOptionsInput, shard: ShardSpec | null): Promise<number> {
  const rel = (p: unknown) => path.relative('.', String(p)) || '.';
  const ds = loadPairedFolder('.', { imagesDir: rel(flags.images), masksDir: rel(flags.masks) }, 'segrefiner refine');
  const gtByStem = flags.gt === undefined ? null
    : new Map(loadPairedFolder('.', { imagesDir: rel(flags.images), masksDir: rel(flags.gt) }, 'segrefiner refine --gt').items.map((i) => [i.stem, i.maskPath]));
  const outDir = String(flags.out);
  const lock = lockOutputFolder('refine', { flag: 'out', path: outDir });
  try {
    return await refineFolderItems(refiner, ds, gtByStem, flags, options, outDir, shard);
  } finally {
    lock.release();
  }
}

/**
 * Refines every pair of the folder (or of the shard: only its items not done yet) into outDir, with
 * progress lines, the metrics table and the failures.
 */
async function refineFolderItems(refiner: SegRefiner, ds: ReturnType<typeof loadPairedFolder>, gtByStem: Map<string, string> | null,
  flags: ParsedFlags, options: RefineOptionsInput, outDir: string, shard: ShardSpec | null): Promise<number> {
  const store = shard && openShard('refine', shard, outDir, ds.items.map((i) => i.stem), {
    args: argsOf(flags, ['images', 'masks', 'gt', 'model']), model: modelSha256(modelPathOf(flags)), files: {}, options: JSON.parse(JSON.stringify(options)),
  }, (line) => console.log(line));
  const maskDir = store ? path.join(outDir, SHARD_MASKS_DIR) : outDir;
  fs.mkdirSync(maskDir, { recursive: true });
  const mine = store ? new Set(store.pending()) : null;
  const items = store ? ds.items.filter((i) => mine?.has(i.stem)) : ds.items;
  const failures: string[] = [], rows: RefineRow[] = [];
  const n = items.length, start = Date.now();
  for (const [k, item] of items.entries()) {
    const t0 = Date.now();
    try {
      const { image, mask } = await readPair(item.imagePath, item.maskPath);
      refiner.setImage(image);
      const r = await refiner.refine(mask, options);
      await writeMaskPng(r.mask, path.join(maskDir, `${item.stem}.png`));
      const line = `[${String(k + 1).padStart(String(n).length)}/${n}] ${item.stem}: ${describe(r)}, ${((Date.now() - t0) / 1000).toFixed(1)} s`;
      let row: RefineRow | null = null;
      if (gtByStem) {
        const gtFile = gtByStem.get(item.stem);
        if (!gtFile) throw new Error(`no ground truth with the stem '${item.stem}' in ${flags.gt} (the refined mask was written).`);
        const gt = await readGt(gtFile, mask);
        row = { coarse: scorePair(gt, mask), refined: scorePair(gt, r.mask) };
        rows.push(row);
        console.log(`${line}, IoU ${row.coarse.iou.iou?.toFixed(3)} → ${row.refined.iou.iou?.toFixed(3)}`);
      } else console.log(line);
      store?.write(item.stem, { result: describe(r), scores: row } satisfies RefineRecord);
    } catch (error) {
      failures.push(`${item.stem}: ${(error as Error).message}`);
      console.log(`[${String(k + 1).padStart(String(n).length)}/${n}] ${item.stem}: FAILED`);
    } finally {
      refiner.reset();
    }
  }
  console.log(`\nrefined ${n - failures.length}/${n} in ${((Date.now() - start) / 1000).toFixed(1)} s → ${maskDir}`);
  if (ds.skipped.length > 0) console.log(`skipped ${ds.skipped.length} file(s):\n${ds.skipped.map((s) => `  ${s.path}: ${s.reason}`).join('\n')}`);
  if (rows.length > 0) console.log(`\n${formatMetricsTable(rows)}${store ? '\n(the images refined by this run only; segrefiner merge gives the whole set)' : ''}`);
  if (failures.length > 0) console.log(`\n${failures.length} failure(s):\n${failures.map((f) => `  ${f}`).join('\n')}`);
  if (store && shard) console.log(shardSummary(store, shard));
  return failures.length > 0 ? 1 : 0;
}

/** The given paths among `names`, as FlagPaths. */
function givenPaths(flags: ParsedFlags, names: string[]): FlagPath[] {
  return names.filter((n) => flags[n] !== undefined).map((n) => ({ flag: n, path: String(flags[n]) }));
}

/** Before any work: outputs are not inputs, and can be written (output_paths.ts). */
function checkRefineOutputs(flags: ParsedFlags, one: boolean, usage: string): void {
  const inputs = givenPaths(flags, one ? ['image', 'mask', 'gt'] : ['images', 'masks', 'gt']);
  const out = { flag: 'out', path: String(flags.out) };
  assertInputsExist('refine', inputs, one ? 'file' : 'folder');
  assertOutputIsNotInput('refine', out, inputs, usage);
  if (one) prepareOutputFile('refine', out, ['.png']);
  else prepareOutputFolder('refine', out);
  const [steps] = givenPaths(flags, ['save-steps']);
  if (steps) {
    assertOutputIsNotInput('refine', steps, [...inputs, out], usage);
    prepareOutputFolder('refine', steps);
  }
}

export async function runRefine(argv: string[]): Promise<number> {
  const flags = parseFlags('refine', argv, REFINE_FLAGS);
  const usage = formatUsage('refine', REFINE_FLAGS);
  const one = flags.image !== undefined || flags.mask !== undefined, folder = flags.images !== undefined || flags.masks !== undefined;
  if (one === folder) throw new UsageError('segrefiner refine: give either --image and --mask (one image) or --images and --masks (folders).', usage);
  if (one && (flags.image === undefined || flags.mask === undefined)) throw new UsageError('segrefiner refine: one image needs both --image and --mask.', usage);
  if (folder && (flags.images === undefined || flags.masks === undefined)) throw new UsageError('segrefiner refine: folders need both --images and --masks.', usage);
  if (flags.out === undefined) throw new UsageError('segrefiner refine: --out is required.', usage);
  if (folder && flags['save-steps'] !== undefined) throw new UsageError('segrefiner refine: --save-steps works with one image (--image) only.', usage);
  const shard = shardFromFlags(flags, 'refine', usage);
  if (shard && one) throw new UsageError('segrefiner refine: --shard works with folders (--images, --masks) only.', usage);
  const options = refineOptionsFromFlags(flags, 'refine', usage);
  checkRefineOutputs(flags, one, usage);
  await initBackend();
  const refiner = await loadRefinerFromFlag(flags.model as string | undefined, 'refine');
  try {
    return await (one ? runOne(refiner, flags, options) : runFolder(refiner, flags, options, shard));
  } finally {
    refiner.dispose();
  }
}
