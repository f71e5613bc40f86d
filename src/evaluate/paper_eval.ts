/**
 * Fills the paper's tables (notebooks/07_paper_tables) from what a user supplies, and the
 * synthetic-benchmark stand-in when nothing is supplied:
 *   - BIG / DIS: folders of masks already refined by `segrefiner refine`, laid out as
 *     `<root>/<set>/{gt,coarse,refined}/` (same stems, what `segrefiner eval --pred --gt --coarse`
 *     takes), scored as the tables score them: IoU = ΣI/ΣU over the set, mBA averaged over images;
 *   - COCO: a ground-truth JSON and two results JSONs (the detector's, and `segrefiner
 *     refine-coco`'s), Mask AP and Boundary AP of each;
 *   - synthetic: held-out scenes (validation seeds) with modify_boundary coarse masks, refined by a
 *     model folder, IoU / mBA mean ± std over sampling seeds.
 */
import * as fs from 'fs';
import * as path from 'path';
import { evaluateCocoFiles } from './coco_files';
import { evaluateFolders } from './folder_eval';
import { coarsenMask } from '../data/coarse_mask';
import { generateScene, sceneSeeds } from '../data/synthetic_scene';
import { createSchedule } from '../diffusion/schedule';
import type { CocoSummary } from '../metrics/coco_eval';
import { loadModelDir } from '../model/checkpoint/model_dir';
import { scoreMasks } from '../metrics/mask_set';
import { refineSamples, validationSamples } from '../train/validation';
import type { BinaryMask } from '../types';
import { createRng } from '../util/rng';
import { SegRefiner } from '../refine/refiner';

/** The three mask folders of one evaluation set. */
export interface EvalSetFolders { name: string; gt: string; coarse: string; refined: string }

const SET_PARTS = ['gt', 'coarse', 'refined'] as const;

/**
 * The sets under `root`: every subfolder holding gt/, coarse/ and refined/, sorted by name.
 * @throws when root is not a folder, or holds no such subfolder (the message gives the layout)
 */
export function findEvalSets(root: string): EvalSetFolders[] {
  if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) throw new Error(`findEvalSets: ${root} must be a folder, but it does not exist or is a file.`);
  const sets = fs.readdirSync(root).sort()
    .map((name) => ({ name, gt: path.join(root, name, 'gt'), coarse: path.join(root, name, 'coarse'), refined: path.join(root, name, 'refined') }))
    .filter((s) => SET_PARTS.every((p) => fs.existsSync(s[p]) && fs.statSync(s[p]).isDirectory()));
  if (sets.length === 0) {
    throw new Error(`findEvalSets: ${root} must hold set folders <set>/gt, <set>/coarse and <set>/refined (masks with the same stems), but none was found.`);
  }
  return sets;
}

/** IoU / mBA of a set in [0, 1]; `std` only where several sampling seeds were run. */
export interface SetScores { iou: number; mba: number; iouStd?: number; mbaStd?: number }

export interface EvalSetRow {
  name: string;
  images: number;
  coarse: SetScores;
  refined: SetScores;
}

/** Scores every set under `root` (see findEvalSets): IoU = ΣI/ΣU over the set, mBA = mean over images. */
export async function evaluateEvalSets(root: string): Promise<EvalSetRow[]> {
  const rows: EvalSetRow[] = [];
  for (const s of findEvalSets(root)) {
    const r = await evaluateFolders({ pred: s.refined, gt: s.gt, coarse: s.coarse });
    const pick = (a: { cumulativeIou: number | null; mBA: number | null }) => ({ iou: a.cumulativeIou ?? NaN, mba: a.mBA ?? NaN });
    rows.push({ name: s.name, images: r.images.length, coarse: pick(r.aggregate.coarse as NonNullable<typeof r.aggregate.coarse>), refined: pick(r.aggregate.refined) });
  }
  return rows;
}

export interface CocoRefinementRow {
  results: 'coarse' | 'refined';
  iouType: 'segm' | 'boundary';
  summary: CocoSummary;
}

/** Mask AP (segm) and Boundary AP of the detector's results and of the refined ones. */
export async function evaluateCocoRefinement(gtFile: string, coarseResults: string, refinedResults: string): Promise<CocoRefinementRow[]> {
  const rows: CocoRefinementRow[] = [];
  for (const [results, file] of [['coarse', coarseResults], ['refined', refinedResults]] as const) {
    const report = await evaluateCocoFiles(gtFile, file, ['segm', 'boundary']);
    for (const iouType of ['segm', 'boundary'] as const) rows.push({ results, iouType, summary: report.summaries[iouType] as CocoSummary });
  }
  return rows;
}

function meanStd(xs: number[]): { mean: number; std: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const std = xs.length > 1 ? Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1)) : 0;
  return { mean, std };
}

function seedRow(name: string, gts: BinaryMask[], coarse: BinaryMask[], refinedPerSeed: BinaryMask[][]): EvalSetRow {
  const c = scoreMasks(gts, coarse);
  const r = refinedPerSeed.map((masks) => scoreMasks(gts, masks));
  const iou = meanStd(r.map((x) => x.cumulativeIou)), mba = meanStd(r.map((x) => x.mba));
  return { name, images: gts.length, coarse: { iou: c.cumulativeIou, mba: c.mba }, refined: { iou: iou.mean, iouStd: iou.std, mba: mba.mean, mbaStd: mba.std } };
}

export interface SyntheticBenchmarkOptions {
  /** Held-out scenes at the model's own size, refined full frame with all steps. */
  scenes: number;
  /** Sampling seeds (0 … seeds−1); std is over these. */
  seeds: number;
  /** Also this many larger scenes at `largeSize`², through SegRefiner's auto path (0 = none). */
  largeScenes?: number;
  largeSize?: number;
}

/**
 * The synthetic version of a BIG-style table: coarse vs refined IoU (ΣI/ΣU) and mBA on held-out
 * scenes (validation seeds, never trained on), coarse masks from modify_boundary with fixed seeds.
 */
export async function syntheticBenchmark(modelDir: string, o: SyntheticBenchmarkOptions): Promise<EvalSetRow[]> {
  const { unet, config } = loadModelDir(modelDir);
  const size = config.imageSize as number, schedule = createSchedule(config.diffusion ?? {});
  const seeds = Array.from({ length: o.seeds }, (_, i) => i);
  const rows: EvalSetRow[] = [];
  try {
    const samples = validationSamples(o.scenes, size, 1000); // coarse seed unlike the training run's validation set
    const refined = [];
    for (const seed of seeds) refined.push(await refineSamples(unet.denoiser, schedule, samples, defaultLoop(schedule.numTimesteps), seed));
    rows.push(seedRow(`synthetic ${size}² (full frame, ${schedule.numTimesteps} steps)`, samples.map((s) => s.gt), samples.map((s) => s.coarse), refined));
  } finally {
    unet.dispose();
  }
  if ((o.largeScenes ?? 0) > 0) rows.push(await largeSceneRow(modelDir, o.largeScenes as number, o.largeSize ?? 4 * size, seeds));
  return rows;
}

function defaultLoop(t: number): number[] {
  return Array.from({ length: t }, (_, i) => t - 1 - i);
}

async function largeSceneRow(modelDir: string, n: number, size: number, seeds: number[]): Promise<EvalSetRow> {
  const refiner = await SegRefiner.load(modelDir);
  try {
    const rng = createRng(4242);
    const items = sceneSeeds('val', n).map((seed) => {
      const s = generateScene({ seed, height: size, width: size });
      return { image: s.image, gt: s.mask, coarse: coarsenMask(s.mask, rng) };
    }).filter((it) => it.coarse.data.some((v) => v));
    if (items.length === 0) throw new Error(`syntheticBenchmark: the ${n} large scene(s) at ${size}² must give a non-empty coarse mask, but none did; use more or larger scenes.`);
    const refined: BinaryMask[][] = [];
    const modes = new Set<string>();
    for (const seed of seeds) {
      const masks: BinaryMask[] = [];
      for (const it of items) {
        refiner.setImage(it.image);
        const r = await refiner.refine(it.coarse, { seed });
        modes.add(r.mode);
        masks.push(r.mask);
      }
      refined.push(masks);
    }
    return seedRow(`synthetic ${size}² (SegRefiner, ${[...modes].join('/')} path)`, items.map((i) => i.gt), items.map((i) => i.coarse), refined);
  } finally {
    refiner.dispose();
  }
}

const pct = (v: number, std?: number) => (Number.isFinite(v) ? `${(100 * v).toFixed(2)}${std !== undefined ? `±${(100 * std).toFixed(2)}` : ''}` : 'n/a');

/** Rows of evaluated sets as a BIG-style table in percent: IoU / mBA, coarse and refined, and the gain. */
export function evalSetTable(rows: readonly EvalSetRow[]): { header: string[]; rows: (string | number)[][] } {
  return {
    header: ['set', 'images', 'coarse IoU / mBA', 'refined IoU / mBA', 'Δ IoU / Δ mBA'],
    rows: rows.map((r) => [r.name, r.images, `${pct(r.coarse.iou)} / ${pct(r.coarse.mba)}`,
      `${pct(r.refined.iou, r.refined.iouStd)} / ${pct(r.refined.mba, r.refined.mbaStd)}`,
      `${(100 * (r.refined.iou - r.coarse.iou)).toFixed(2)} / ${(100 * (r.refined.mba - r.coarse.mba)).toFixed(2)}`]),
  };
}

/** COCO rows as Table 2's columns (AP, AP50, AP75, APs, APm, APl in percent), one row per results file. */
export function cocoRefinementTable(rows: readonly CocoRefinementRow[]): { header: string[]; rows: (string | number)[][] } {
  const ap = (s: CocoSummary) => [s.AP, s.AP50, s.AP75, s.APs, s.APm, s.APl].map((v) => (v < 0 ? 'n/a' : (100 * v).toFixed(1))).join(', ');
  const pick = (results: string, iouType: string) => rows.find((r) => r.results === results && r.iouType === iouType);
  return {
    header: ['results', 'Mask AP', 'Boundary AP'],
    rows: (['coarse', 'refined'] as const).filter((k) => pick(k, 'segm')).map((k) => [k === 'coarse' ? 'detector (coarse)' : '+ SegRefiner (ours)',
      ap((pick(k, 'segm') as CocoRefinementRow).summary), pick(k, 'boundary') ? ap((pick(k, 'boundary') as CocoRefinementRow).summary) : 'n/a']),
  };
}
