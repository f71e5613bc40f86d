/**
 * Training configuration (style B7): one typed object with nested groups, a resolver that rejects
 * unknown keys at any depth, and `--set a.b=value` overrides checked against the defaults' types.
 * Recipes live in experiments/configs; each documents why its values are what they are.
 */
import * as fs from 'fs';
import { DiffusionConfig, resolveDiffusionConfig } from '../diffusion/config';
import { CoarseMix, checkCoarseMix, TRAIN_COARSE_MIX } from '../data/coarse_mix';
import { MAX_SEED } from '../util/rng';
import { checkImageSize, PAPER_UNET_CONFIG, resolveUNetConfig, UNetConfig } from '../model/config';
import { AdamWConfig, DEFAULT_ADAMW_CONFIG } from './adamw';

export type CollapseAction = 'stop' | 'rollback';
/**
 * 'synthetic': built-in scenes; 'coco-instances': LR sampler (COCO/LVIS JSON); 'hr-folder': HR sampler
 * (method.md §3.3–3.4); 'photo-folders': paired folders of real photographs (photo_sampler.ts).
 */
export type TrainDataKind = 'synthetic' | 'coco-instances' | 'hr-folder' | 'photo-folders';

export interface TrainConfig {
  /** Run folder name under outDir. */
  name: string;
  outDir: string;
  /** Seed of everything random (weights, data, timesteps, q_sample). */
  seed: number;
  /** A model folder whose weights start the run (fine-tuning; its network config must equal `model`); '' = random init. */
  initFrom: string;
  model: UNetConfig;
  diffusion: DiffusionConfig;
  optimizer: AdamWConfig;
  /** Total optimizer steps. */
  steps: number;
  batchSize: number;
  /** Model input side (the paper's 256). */
  imageSize: number;
  /** Learning-rate schedule: ×gamma at each milestone step; linear warm-up over warmupSteps (0 = none). */
  lrSchedule: { milestones: number[]; gamma: number; warmupSteps: number };
  /** Clip the global gradient norm (0 = off, as in the paper). */
  clipGradNorm: number;
  /**
   * An extension, 0 (off) as in the paper: the share of samples with t < T−1 whose fine-state pixels
   * come from the network's own one-step prediction instead of the ground truth (train_step.ts
   * `fineStateSource`), so that later reverse steps learn to correct the earlier prediction they are given
   * at inference. Costs one extra forward pass (no gradient) per step that draws such a sample.
   */
  ownPredictionRate: number;
  data: {
    kind: TrainDataKind;
    /** horizontal flip probability */ flipProb: number;
    /** 'coco-instances': the image folder; 'hr-folder': the dataset folder (unused by 'synthetic') */ root: string;
    /** 'coco-instances': the instances JSON (unused otherwise) */ annotations: string;
    /** 'photo-folders': paired folders (images/ + masks/); `--set data.roots=a,b` */ roots: string[];
    /** 'photo-folders': relative weight per root ([] = all 1) */ rootWeights: number[];
    /** 'photo-folders': how coarse masks are drawn (coarse_mix.ts) */ coarse: CoarseMix;
    /** 'photo-folders': probability of a full-resolution boundary patch instead of an object crop */ patchProb: number;
    /** 'photo-folders': context around the object box, with jitter (upstream 40) */ padSize: number;
  };
  /**
   * numScenes held-out synthetic scenes, or, when `roots` is set, every pair of those folders (e.g. a dev
   * set, never trained on) with two fixed coarse masks each: modify_boundary (`segrefiner coarsen --seed 0`)
   * and the gentle mix; all refined at the model size around the coarse box (+20 px).
   */
  validation: { every: number; numScenes: number; /** model steps per refinement */ indices: number[]; roots: string[] };
  checkpointEvery: number;
  sampleEvery: number;
  logEvery: number;
  /** Collapse guard (method.md §7): NaN/Inf, or train IoU below iouBelow for `patience` logged steps. */
  collapse: { action: CollapseAction; iouBelow: number; patience: number; lrFactor: number; maxRollbacks: number };
}

export const DEFAULT_TRAIN_CONFIG: Readonly<TrainConfig> = Object.freeze({
  name: 'run',
  outDir: 'runs',
  seed: 0,
  initFrom: '',
  model: { ...PAPER_UNET_CONFIG },
  diffusion: resolveDiffusionConfig(),
  optimizer: { ...DEFAULT_ADAMW_CONFIG },
  steps: 120000,
  batchSize: 8,
  imageSize: 256,
  lrSchedule: { milestones: [80000, 100000], gamma: 0.5, warmupSteps: 0 },
  clipGradNorm: 0,
  ownPredictionRate: 0,
  data: { kind: 'synthetic', flipProb: 0.5, root: '', annotations: '', roots: [], rootWeights: [], coarse: structuredClone(TRAIN_COARSE_MIX), patchProb: 0.25, padSize: 40 },
  validation: { every: 5000, numScenes: 32, indices: [5, 4, 3, 2, 1, 0], roots: [] },
  checkpointEvery: 5000,
  sampleEvery: 5000,
  logEvery: 50,
  collapse: { action: 'stop', iouBelow: 0.05, patience: 20, lrFactor: 0.5, maxRollbacks: 3 },
}) as TrainConfig;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Deep-merges `partial` over `base`, rejecting keys `base` lacks and values of another type. */
function mergeChecked(base: Record<string, unknown>, partial: Record<string, unknown>, pathSoFar: string): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(partial)) {
    const where = pathSoFar ? `${pathSoFar}.${k}` : k;
    if (!(k in base)) throw new Error(`resolveTrainConfig: unknown key '${where}'; expected one of ${Object.keys(base).map((b) => (pathSoFar ? `${pathSoFar}.${b}` : b)).join(', ')}.`);
    const b = base[k];
    // `--set data.roots=a,b` gives a string where a list is expected: split it at commas (numbers parsed)
    if (Array.isArray(b) && typeof v === 'string') {
      out[k] = v === '' ? [] : v.split(',').map((x) => (x.trim() !== '' && Number.isFinite(Number(x)) ? Number(x) : x));
      continue;
    }
    if (b !== null && typeof b === 'object' && !Array.isArray(b)) {
      if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error(`resolveTrainConfig: '${where}' must be an object, but got ${JSON.stringify(v)}.`);
      out[k] = mergeChecked(b as Record<string, unknown>, v as Record<string, unknown>, where);
    } else {
      if (Array.isArray(b) !== Array.isArray(v) || (!Array.isArray(b) && typeof b !== typeof v)) {
        throw new Error(`resolveTrainConfig: '${where}' must be ${Array.isArray(b) ? 'an array' : `a ${typeof b}`}, but got ${JSON.stringify(v)}.`);
      }
      out[k] = v;
    }
  }
  return out;
}

/** Resolves a (partial) config over the defaults and validates every group. */
export function resolveTrainConfig(partial: Record<string, unknown> = {}): TrainConfig {
  const c = mergeChecked(DEFAULT_TRAIN_CONFIG as unknown as Record<string, unknown>, partial, '') as unknown as TrainConfig;
  c.model = resolveUNetConfig(c.model, 'resolveTrainConfig: model');
  c.diffusion = resolveDiffusionConfig(c.diffusion);
  const positiveInts: [string, number][] = [['steps', c.steps], ['batchSize', c.batchSize], ['imageSize', c.imageSize],
    ['validation.every', c.validation.every], ['checkpointEvery', c.checkpointEvery], ['sampleEvery', c.sampleEvery], ['logEvery', c.logEvery]];
  for (const [k, v] of positiveInts) if (!Number.isInteger(v) || v < 1) throw new Error(`resolveTrainConfig: ${k} must be a positive integer, but got ${v}.`);
  checkImageSize(c.model, c.imageSize, 'resolveTrainConfig');
  checkStepSize(c);
  // the loop also seeds its sampler with seed + 1, which must stay a 32-bit seed
  if (!Number.isInteger(c.seed) || c.seed < 0 || c.seed > MAX_SEED - 1) throw new Error(`resolveTrainConfig: seed must be an integer in [0, ${MAX_SEED - 1}], but got ${c.seed}.`);
  if (!(c.optimizer.lr > 0)) throw new Error(`resolveTrainConfig: optimizer.lr must be > 0, but got ${c.optimizer.lr}.`);
  if (!(c.ownPredictionRate >= 0 && c.ownPredictionRate <= 1)) throw new Error(`resolveTrainConfig: ownPredictionRate must be in [0, 1], but got ${c.ownPredictionRate}.`);
  if (!['stop', 'rollback'].includes(c.collapse.action)) throw new Error(`resolveTrainConfig: collapse.action must be 'stop' or 'rollback', but got '${c.collapse.action}'.`);
  checkDataConfig(c);
  if (c.model.numTimesteps !== c.diffusion.numTimesteps) {
    throw new Error(`resolveTrainConfig: model.numTimesteps (${c.model.numTimesteps}) must equal diffusion.numTimesteps (${c.diffusion.numTimesteps}).`);
  }
  return c;
}

/**
 * Pixels one training step may hold (batchSize·imageSize²): 2^27, 256× the paper's 8×256². A larger
 * step cannot fit in memory on any backend here; without the limit a typo (batchSize=1e9) makes the
 * process grow until the machine runs out of memory instead of failing.
 */
export const MAX_STEP_PIXELS = 2 ** 27;

function checkStepSize(c: TrainConfig): void {
  const pixels = c.batchSize * c.imageSize * c.imageSize;
  if (pixels > MAX_STEP_PIXELS) {
    throw new Error(`resolveTrainConfig: batchSize·imageSize² must be at most ${MAX_STEP_PIXELS} pixels a step, but got ${c.batchSize}·${c.imageSize}² = ${pixels}.`);
  }
}

const DATA_KINDS: readonly TrainDataKind[] = ['synthetic', 'coco-instances', 'hr-folder', 'photo-folders'];

/** `path` exists and is a folder (or a file), else an error naming the key. */
function requirePath(key: string, value: string, what: 'folder' | 'file', forWhat: string): void {
  let stat: fs.Stats | undefined;
  try { stat = fs.statSync(value); } catch { stat = undefined; }
  if (!stat || stat.isDirectory() !== (what === 'folder')) throw new Error(`resolveTrainConfig: ${key} must be an existing ${what} ${forWhat}, but ${value} ${stat ? `is not a ${what}` : 'does not exist'}.`);
}

/** data.kind is known; the paths its sampler needs are given and exist (named in the error). */
function checkDataConfig(c: TrainConfig): void {
  const d = c.data;
  if (!DATA_KINDS.includes(d.kind)) throw new Error(`resolveTrainConfig: data.kind must be one of ${DATA_KINDS.map((k) => `'${k}'`).join(', ')}, but got '${d.kind}'.`);
  if (!(d.flipProb >= 0 && d.flipProb <= 1)) throw new Error(`resolveTrainConfig: data.flipProb must be in [0, 1], but got ${d.flipProb}.`);
  const needs: [string, string, 'folder' | 'file'][] = d.kind === 'coco-instances' ? [['data.root', d.root, 'folder'], ['data.annotations', d.annotations, 'file']]
    : d.kind === 'hr-folder' ? [['data.root', d.root, 'folder']] : [];
  for (const [key, value, what] of needs) {
    if (!value) throw new Error(`resolveTrainConfig: ${key} must name the dataset ${what} for data.kind '${d.kind}' (--set ${key}=<path>), but it is empty.`);
    requirePath(key, value, what, `for data.kind '${d.kind}'`);
  }
  if (d.kind === 'photo-folders') checkPhotoFolders(c);
  c.validation.roots.forEach((r, i) => requirePath(`validation.roots[${i}]`, r, 'folder', '(a paired images/ + masks/ folder)'));
  if (c.initFrom) requirePath('initFrom', c.initFrom, 'folder', '(a model folder)');
  if (d.kind === 'hr-folder' && c.batchSize % 2 !== 0) {
    throw new Error(`resolveTrainConfig: batchSize must be even for data.kind 'hr-folder' (each draw is an object sample and a patch sample), but got ${c.batchSize}.`);
  }
}

function checkPhotoFolders(c: TrainConfig): void {
  const d = c.data;
  if (d.roots.length === 0) throw new Error("resolveTrainConfig: data.roots must list the photo folders for data.kind 'photo-folders' (--set data.roots=<dir>,<dir>), but it is empty.");
  d.roots.forEach((r, i) => requirePath(`data.roots[${i}]`, String(r), 'folder', "for data.kind 'photo-folders'"));
  if (d.rootWeights.length && (d.rootWeights.length !== d.roots.length || !d.rootWeights.every((w) => typeof w === 'number' && w >= 0) || !d.rootWeights.some((w) => w > 0))) {
    throw new Error(`resolveTrainConfig: data.rootWeights must give one number ≥ 0 per root (${d.roots.length}), not all 0, or be empty, but got ${JSON.stringify(d.rootWeights)}.`);
  }
  if (!(d.patchProb >= 0 && d.patchProb <= 1)) throw new Error(`resolveTrainConfig: data.patchProb must be in [0, 1], but got ${d.patchProb}.`);
  if (!(Number.isInteger(d.padSize) && d.padSize >= 0)) throw new Error(`resolveTrainConfig: data.padSize must be an integer ≥ 0, but got ${d.padSize}.`);
  checkCoarseMix(d.coarse, 'resolveTrainConfig: data.coarse');
}

/** Applies `key.path=value` overrides (value parsed as JSON when it parses, else a string) onto a partial config. */
export function applyOverrides(partial: Record<string, unknown>, overrides: string[]): Record<string, unknown> {
  const out = structuredClone(partial);
  for (const o of overrides) {
    const eq = o.indexOf('=');
    if (eq <= 0) throw new Error(`--set: overrides must look like key.path=value, but got '${o}'.`);
    const keys = o.slice(0, eq).split('.');
    let value: Json;
    try { value = JSON.parse(o.slice(eq + 1)); } catch { value = o.slice(eq + 1); }
    let node = out as Record<string, unknown>;
    for (const k of keys.slice(0, -1)) {
      if (typeof node[k] !== 'object' || node[k] === null) node[k] = {};
      node = node[k] as Record<string, unknown>;
    }
    node[keys[keys.length - 1]] = value;
  }
  return out;
}

/** The learning rate at 0-based step `step`: warm-up, then ×gamma per milestone passed (mmcv 'step' policy). */
export function learningRate(c: TrainConfig, step: number): number {
  let lr = c.optimizer.lr;
  for (const m of c.lrSchedule.milestones) if (step >= m) lr *= c.lrSchedule.gamma;
  if (c.lrSchedule.warmupSteps > 0 && step < c.lrSchedule.warmupSteps) lr *= (step + 1) / c.lrSchedule.warmupSteps;
  return lr;
}
