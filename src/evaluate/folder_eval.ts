/**
 * Folder evaluation (`segrefiner eval --pred --gt [--coarse] [--dis]`, the paper tables): pairs mask
 * files by stem (any image extension), reads masks as binary (readBinaryMask) and scores every image and
 * the set: IoU (mean of per-image IoUs), cumulative IoU (ΣI/ΣU, what BIG/DIS tables call IoU), mBA
 * (CascadePSP), Boundary IoU (ratio 0.02), DAVIS boundary F, and with `dis` the DIS measures on the
 * prediction read as an 8-bit probability map. Errors name the file or folder: missing or empty
 * folders, a file with no counterpart, two files with one stem, size mismatches, unreadable images.
 */
import { promises as fs } from 'fs';
import * as path from 'path';
import sharp from 'sharp';
import { listImages, StemListing } from '../data/folder_loaders';
import { IMAGE_EXTENSIONS } from '../data/image_io';
import { readBinaryMask } from '../data/mask_io';
import { computeBoundaryAccuracy, meanBoundaryAccuracy } from '../metrics/boundary_accuracy';
import { computeBoundaryF } from '../metrics/boundary_f';
import { computeBoundaryIou } from '../metrics/boundary_iou';
import { aggregateDisMeasures, computeDisMeasures, DisMeasures, DisSummary, ProbabilityMap } from '../metrics/dis_measures';
import { computeIou, cumulativeIou, IouCounts } from '../metrics/iou';
import type { BinaryMask } from '../types';

/** Mask files of a folder by stem (listImages, the one listing by stem); errors name the folder or the two clashing files. */
export async function listMasks(dir: string, role: string): Promise<Map<string, string>> {
  let listing: StemListing;
  try {
    await fs.access(dir);
    listing = listImages('eval', dir);
  } catch (error) {
    throw new Error(`eval: the ${role} folder ${dir} must be a readable folder, but reading failed: ${(error as Error).message}`, { cause: error });
  }
  const byStem = new Map<string, string>();
  for (const [stem, files] of listing.byStem) {
    if (files.length > 1) throw new Error(`eval: each stem must have one ${role} file, but ${files[0]} and ${files[1]} share '${stem}'.`);
    byStem.set(stem, path.basename(files[0]));
  }
  if (byStem.size === 0) throw new Error(`eval: the ${role} folder ${dir} must contain mask images (${IMAGE_EXTENSIONS.join(' ')}), but has none.`);
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
export interface ImageScores {
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

/** One mask scored: its report values and what the set aggregate needs (IoU counts, mBA per radius, DIS curves). */
export interface ScoredMask { scores: ImageScores; iouCounts: IouCounts; ba: ReturnType<typeof computeBoundaryAccuracy>; dis?: DisMeasures }

async function scoreMask(gt: BinaryMask, gtFile: string, file: string, withDis: boolean): Promise<ScoredMask> {
  const mask = await readBinaryMask(file);
  assertSameSize(gt, mask, file, gtFile);
  const iouCounts = computeIou(gt, mask);
  const ba = computeBoundaryAccuracy(gt, mask);
  const scores: ImageScores = {
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
  images: { name: string; height: number; width: number; refined: ImageScores; coarse?: ImageScores }[];
  aggregate: { refined: MaskAggregate; coarse?: MaskAggregate };
}

/** One image of the report: its entry, and the scored refined (and coarse) mask the aggregate is built from. */
export interface ScoredImage { entry: FolderEvalReport['images'][number]; refined: ScoredMask; coarse?: ScoredMask }

/** Scores one prediction (and its coarse mask) against its GT. */
export async function scoreImage(t: MaskTriple, dis: boolean): Promise<ScoredImage> {
  const gt = await readBinaryMask(t.gt);
  const refined = await scoreMask(gt, t.gt, t.pred, dis);
  const entry: ScoredImage['entry'] = { name: t.stem, height: gt.height, width: gt.width, refined: refined.scores };
  if (!t.coarse) return { entry, refined };
  const coarse = await scoreMask(gt, t.gt, t.coarse, dis);
  entry.coarse = coarse.scores;
  return { entry, refined, coarse };
}

/** The report of scored images, in the order given (the sums behind the means run in that order). */
export function buildFolderReport(opts: { pred: string; gt: string; coarse?: string }, scored: ScoredImage[]): FolderEvalReport {
  return {
    pred: opts.pred, gt: opts.gt, coarse: opts.coarse ?? null, images: scored.map((s) => s.entry),
    aggregate: { refined: aggregate(scored.map((s) => s.refined)), ...(opts.coarse ? { coarse: aggregate(scored.map((s) => s.coarse as ScoredMask)) } : {}) },
  };
}

/** Scores every prediction (and coarse mask) against its GT. */
export async function evaluateFolders(opts: { pred: string; gt: string; coarse?: string; dis?: boolean }): Promise<FolderEvalReport> {
  const scored: ScoredImage[] = [];
  for (const t of await pairMaskFiles(opts.pred, opts.gt, opts.coarse)) scored.push(await scoreImage(t, Boolean(opts.dis)));
  return buildFolderReport(opts, scored);
}
