/**
 * `segrefiner eval`: scores masks, in one of two modes.
 *
 * Folders: `--pred <dir> --gt <dir> [--coarse <dir>] [--dis] [--out results.json]` pairs files by
 * stem (.png/.jpg/.jpeg), reads masks as binary (first channel > 128, readBinaryMask) and reports,
 * per image and over the set: IoU (mean of per-image IoUs), cumulative IoU (ΣI/ΣU, what BIG/DIS
 * tables call IoU), mBA (CascadePSP), Boundary IoU (ratio 0.02) and DAVIS boundary F; with --dis
 * also the DIS measures on the prediction read as an 8-bit probability map (first channel / 255).
 * With --coarse the same numbers for the coarse masks, side by side.
 *
 * COCO: `--coco-gt gt.json --coco-results res.json [--iou-type segm|boundary|both]` prints the
 * COCOeval summary (AP, AP50, AP75, APs/m/l, AR1/10/100, ARs/m/l).
 *
 * Errors name the file or folder: missing or empty folders, a file with no counterpart, two files
 * with one stem, size mismatches, unreadable images.
 */
import { promises as fs } from 'fs';
import * as path from 'path';
import sharp from 'sharp';
import { readBinaryMask } from '../data/mask_io';
import { readCocoGroundTruth, readCocoResults } from '../data/coco_json';
import { computeBoundaryAccuracy, meanBoundaryAccuracy } from '../metrics/boundary_accuracy';
import { computeBoundaryF } from '../metrics/boundary_f';
import { computeBoundaryIou } from '../metrics/boundary_iou';
import { CocoIouType, CocoSummary, evaluateCoco } from '../metrics/coco_eval';
import { aggregateDisMeasures, computeDisMeasures, DisMeasures, DisSummary, ProbabilityMap } from '../metrics/dis_measures';
import { computeIou, cumulativeIou, IouCounts } from '../metrics/iou';
import type { BinaryMask } from '../types';
import { FlagSpecs, formatUsage, parseFlags } from './parse_flags';
import { UsageError } from './usage_error';

export const EVAL_FLAGS: FlagSpecs = {
  pred: { type: 'string', description: 'folder of predicted (refined) masks' },
  gt: { type: 'string', description: 'folder of ground-truth masks (same stems)' },
  coarse: { type: 'string', description: 'folder of coarse masks, for a before/after table' },
  dis: { type: 'boolean', description: 'also the DIS measures (max/weighted F, MAE, S, E) on the predictions as probability maps' },
  out: { type: 'string', description: 'write per-image values and aggregates as JSON here' },
  'coco-gt': { type: 'string', description: 'COCO/LVIS ground-truth JSON (COCO mode)' },
  'coco-results': { type: 'string', description: 'COCO results JSON (COCO mode)' },
  'iou-type': { type: 'string', description: 'segm | boundary | both (COCO mode; default segm)' },
};

const MASK_EXTENSIONS = /\.(png|jpe?g)$/i;

/** Mask files of a folder by stem; errors name the folder or the two clashing files. */
export async function listMasks(dir: string, role: string): Promise<Map<string, string>> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch (error) {
    throw new Error(`eval: the ${role} folder ${dir} must be a readable folder, but reading failed: ${(error as Error).message}`, { cause: error });
  }
  const byStem = new Map<string, string>();
  for (const name of names.filter((n) => MASK_EXTENSIONS.test(n)).sort()) {
    const stem = name.replace(MASK_EXTENSIONS, '');
    const clash = byStem.get(stem);
    if (clash) throw new Error(`eval: each stem must have one ${role} file, but ${path.join(dir, clash)} and ${path.join(dir, name)} share '${stem}'.`);
    byStem.set(stem, name);
  }
  if (byStem.size === 0) throw new Error(`eval: the ${role} folder ${dir} must contain .png/.jpg masks, but has none.`);
  return byStem;
}

export interface MaskTriple { stem: string; pred: string; gt: string; coarse?: string }

/** Pairs prediction, GT (and coarse) files by stem; a file without counterpart is an error. */
export async function pairMaskFiles(predDir: string, gtDir: string, coarseDir?: string): Promise<MaskTriple[]> {
  const pred = await listMasks(predDir, 'prediction'), gt = await listMasks(gtDir, 'ground-truth');
  const coarse = coarseDir === undefined ? undefined : await listMasks(coarseDir, 'coarse');
  const check = (from: Map<string, string>, fromDir: string, to: Map<string, string>, toDir: string, what: string) => {
    for (const [stem, name] of from) {
      if (!to.has(stem)) throw new Error(`eval: ${path.join(fromDir, name)} must have a ${what} counterpart with stem '${stem}' in ${toDir}, but there is none.`);
    }
  };
  check(pred, predDir, gt, gtDir, 'ground-truth');
  check(gt, gtDir, pred, predDir, 'prediction');
  if (coarse && coarseDir) {
    check(coarse, coarseDir, gt, gtDir, 'ground-truth');
    check(gt, gtDir, coarse, coarseDir, 'coarse');
  }
  return [...gt.keys()].map((stem) => ({
    stem, pred: path.join(predDir, pred.get(stem) as string), gt: path.join(gtDir, gt.get(stem) as string),
    ...(coarse && coarseDir ? { coarse: path.join(coarseDir, coarse.get(stem) as string) } : {}),
  }));
}

/** The first channel of an 8-bit image as value / 255 (how the SOD toolboxes read predictions). */
export async function readProbabilityMap(file: string): Promise<ProbabilityMap> {
  let data: Buffer, width: number, height: number;
  try {
    ({ data, info: { width, height } } = await sharp(file).extractChannel(0).raw().toBuffer({ resolveWithObject: true }));
  } catch (error) {
    throw new Error(`eval: ${file} must be a readable image, but reading failed: ${(error as Error).message}`, { cause: error });
  }
  if (data.length !== width * height) throw new Error(`eval: ${file} must be an 8-bit image, but got ${data.length / (width * height)} bytes per pixel.`);
  return { data: Float64Array.from(data, (v) => v / 255), height, width };
}

/** Per-image scores of one mask against its GT. */
export interface MaskScores {
  iou: number | null;
  intersection: number;
  union: number;
  boundaryAccuracy: number | null;
  boundaryIou: number | null;
  boundaryF: number;
  dis?: Omit<DisMeasures, 'fCurve' | 'eCurve'>;
}

function assertSameSize(gt: BinaryMask, mask: { height: number; width: number }, maskFile: string, gtFile: string): void {
  if (gt.height !== mask.height || gt.width !== mask.width) {
    throw new Error(`eval: ${maskFile} must have the size of its ground truth ${gtFile} (${gt.height}×${gt.width}), but is ${mask.height}×${mask.width}.`);
  }
}

interface ScoredMask { scores: MaskScores; iouCounts: IouCounts; ba: ReturnType<typeof computeBoundaryAccuracy>; dis?: DisMeasures }

async function scoreMask(gt: BinaryMask, gtFile: string, file: string, withDis: boolean): Promise<ScoredMask> {
  const mask = await readBinaryMask(file);
  assertSameSize(gt, mask, file, gtFile);
  const iouCounts = computeIou(gt, mask);
  const ba = computeBoundaryAccuracy(gt, mask);
  const scores: MaskScores = {
    iou: iouCounts.iou, intersection: iouCounts.intersection, union: iouCounts.union,
    boundaryAccuracy: ba.boundaryAccuracy, boundaryIou: computeBoundaryIou(gt, mask).boundaryIou, boundaryF: computeBoundaryF(gt, mask).f,
  };
  let dis: DisMeasures | undefined;
  if (withDis) {
    const probs = await readProbabilityMap(file);
    dis = computeDisMeasures(gt, probs);
    const { fCurve: _f, eCurve: _e, ...scalars } = dis; // eslint-disable-line @typescript-eslint/no-unused-vars
    scores.dis = scalars;
  }
  return { scores, iouCounts, ba, dis };
}

/** Aggregates over the images. IoU and Boundary IoU means skip images where both masks are empty. */
export interface MaskAggregate {
  meanIou: number | null;
  /** Σ intersection / Σ union over all images (the "IoU" of the BIG/DIS tables). */
  cumulativeIou: number | null;
  mBA: number | null;
  meanBoundaryIou: number | null;
  meanBoundaryF: number;
  dis?: DisSummary;
}

function meanOf(values: (number | null)[]): number | null {
  const v = values.filter((x): x is number => x !== null);
  return v.length === 0 ? null : v.reduce((s, x) => s + x, 0) / v.length;
}

function aggregate(scored: ScoredMask[]): MaskAggregate {
  const agg: MaskAggregate = {
    meanIou: meanOf(scored.map((s) => s.scores.iou)),
    cumulativeIou: cumulativeIou(scored.map((s) => s.iouCounts)),
    mBA: meanBoundaryAccuracy(scored.map((s) => s.ba)),
    meanBoundaryIou: meanOf(scored.map((s) => s.scores.boundaryIou)),
    meanBoundaryF: meanOf(scored.map((s) => s.scores.boundaryF)) as number,
  };
  if (scored[0]?.dis) agg.dis = aggregateDisMeasures(scored.map((s) => s.dis as DisMeasures));
  return agg;
}

export interface FolderEvalReport {
  pred: string; gt: string; coarse: string | null;
  images: { name: string; height: number; width: number; refined: MaskScores; coarse?: MaskScores }[];
  aggregate: { refined: MaskAggregate; coarse?: MaskAggregate };
}

/** Scores every prediction (and coarse mask) against its GT. */
export async function evaluateFolders(opts: { pred: string; gt: string; coarse?: string; dis?: boolean }): Promise<FolderEvalReport> {
  const triples = await pairMaskFiles(opts.pred, opts.gt, opts.coarse);
  const refined: ScoredMask[] = [], coarse: ScoredMask[] = [];
  const images: FolderEvalReport['images'] = [];
  for (const t of triples) {
    const gt = await readBinaryMask(t.gt);
    const r = await scoreMask(gt, t.gt, t.pred, Boolean(opts.dis));
    refined.push(r);
    const entry: FolderEvalReport['images'][number] = { name: t.stem, height: gt.height, width: gt.width, refined: r.scores };
    if (t.coarse) {
      const c = await scoreMask(gt, t.gt, t.coarse, Boolean(opts.dis));
      coarse.push(c);
      entry.coarse = c.scores;
    }
    images.push(entry);
  }
  return {
    pred: opts.pred, gt: opts.gt, coarse: opts.coarse ?? null, images,
    aggregate: { refined: aggregate(refined), ...(opts.coarse ? { coarse: aggregate(coarse) } : {}) },
  };
}

const fmt = (v: number | null | undefined) => (v === null || v === undefined ? 'n/a' : v.toFixed(4));

/** The rows of the folder table: label and the value picked from an aggregate. */
const FOLDER_ROWS: [string, (a: MaskAggregate) => number | null | undefined][] = [
  ['IoU (mean per image)', (a) => a.meanIou],
  ['IoU (cumulative ΣI/ΣU)', (a) => a.cumulativeIou],
  ['mBA', (a) => a.mBA],
  ['Boundary IoU (mean)', (a) => a.meanBoundaryIou],
  ['Boundary F (mean)', (a) => a.meanBoundaryF],
  ['max Fβ', (a) => a.dis?.maxF],
  ['weighted Fβ', (a) => a.dis?.weightedF],
  ['MAE', (a) => a.dis?.mae],
  ['S-measure', (a) => a.dis?.sMeasure],
  ['mean Eφ', (a) => a.dis?.meanE],
];

export function formatFolderTable(r: FolderEvalReport): string {
  const { refined, coarse } = r.aggregate;
  const rows = FOLDER_ROWS.filter(([, pick]) => pick(refined) !== undefined);
  const head = coarse ? `${'metric'.padEnd(26)} ${'coarse'.padStart(8)} ${'refined'.padStart(8)} ${'Δ'.padStart(8)}` : `${'metric'.padEnd(26)} ${'value'.padStart(8)}`;
  const lines = [`${r.images.length} image${r.images.length === 1 ? '' : 's'}`, head];
  for (const [label, pick] of rows) {
    const v = pick(refined);
    if (!coarse) lines.push(`${label.padEnd(26)} ${fmt(v).padStart(8)}`);
    else {
      const c = pick(coarse);
      const delta = v === null || v === undefined || c === null || c === undefined ? 'n/a' : `${v - c >= 0 ? '+' : ''}${(v - c).toFixed(4)}`;
      lines.push(`${label.padEnd(26)} ${fmt(c).padStart(8)} ${fmt(v).padStart(8)} ${delta.padStart(8)}`);
    }
  }
  return lines.join('\n');
}

const SUMMARY_KEYS: (keyof CocoSummary)[] = ['AP', 'AP50', 'AP75', 'APs', 'APm', 'APl', 'AR1', 'AR10', 'AR100', 'ARs', 'ARm', 'ARl'];

export interface CocoFileReport {
  gt: string; results: string;
  summaries: Partial<Record<CocoIouType, CocoSummary>>;
  perCategory: Partial<Record<CocoIouType, { categoryId: number; ap: number }[]>>;
}

export async function evaluateCocoFiles(gtFile: string, resultsFile: string, iouTypes: CocoIouType[]): Promise<CocoFileReport> {
  const gt = await readCocoGroundTruth(gtFile);
  const detections = await readCocoResults(resultsFile, gt);
  const report: CocoFileReport = { gt: gtFile, results: resultsFile, summaries: {}, perCategory: {} };
  for (const iouType of iouTypes) {
    const r = evaluateCoco({ images: gt.images, categories: gt.categories, annotations: gt.annotations, detections }, { iouType });
    report.summaries[iouType] = r.summary;
    report.perCategory[iouType] = r.perCategory;
  }
  return report;
}

export function formatCocoTable(r: CocoFileReport): string {
  const types = Object.keys(r.summaries) as CocoIouType[];
  const lines = [`${'metric'.padEnd(8)} ${types.map((t) => t.padStart(9)).join(' ')}`];
  for (const key of SUMMARY_KEYS) {
    lines.push(`${key.padEnd(8)} ${types.map((t) => (r.summaries[t] as CocoSummary)[key].toFixed(3).padStart(9)).join(' ')}`);
  }
  return lines.join('\n');
}

function parseIouTypes(value: string | undefined): CocoIouType[] {
  if (value === undefined || value === 'segm') return ['segm'];
  if (value === 'boundary') return ['boundary'];
  if (value === 'both') return ['segm', 'boundary'];
  throw new UsageError(`segrefiner eval: --iou-type must be one of segm, boundary, both, but got '${value}'.`, formatUsage('eval', EVAL_FLAGS));
}

export async function runEval(argv: string[]): Promise<number> {
  const flags = parseFlags('eval', argv, EVAL_FLAGS);
  const usage = formatUsage('eval', EVAL_FLAGS);
  const coco = flags['coco-gt'] !== undefined || flags['coco-results'] !== undefined;
  const folders = flags.pred !== undefined || flags.gt !== undefined || flags.coarse !== undefined || flags.dis !== undefined;
  if (coco && folders) throw new UsageError('segrefiner eval: --coco-gt/--coco-results must not be combined with --pred/--gt/--coarse/--dis.', usage);
  let report: FolderEvalReport | CocoFileReport;
  if (coco) {
    if (flags['coco-gt'] === undefined || flags['coco-results'] === undefined) throw new UsageError('segrefiner eval: COCO mode needs both --coco-gt and --coco-results.', usage);
    report = await evaluateCocoFiles(String(flags['coco-gt']), String(flags['coco-results']), parseIouTypes(flags['iou-type'] as string | undefined));
    console.log(formatCocoTable(report));
  } else {
    if (flags['iou-type'] !== undefined) throw new UsageError('segrefiner eval: --iou-type applies to COCO mode only (--coco-gt, --coco-results).', usage);
    if (flags.pred === undefined || flags.gt === undefined) throw new UsageError('segrefiner eval: --pred and --gt are required (or --coco-gt and --coco-results).', usage);
    report = await evaluateFolders({ pred: String(flags.pred), gt: String(flags.gt), coarse: flags.coarse as string | undefined, dis: Boolean(flags.dis) });
    console.log(formatFolderTable(report));
  }
  if (flags.out !== undefined) {
    await fs.writeFile(String(flags.out), `${JSON.stringify(report, null, 2)}\n`);
    console.log(`wrote ${flags.out}`);
  }
  return 0;
}
