/**
 * COCO-style instance evaluation: pycocotools COCOeval (iouType 'segm') and boundary-iou-api's
 * COCOeval (iouType 'boundary': match on min(mask IoU, Boundary IoU), dilation ratio 0.02 of the
 * image diagonal), with the same parameters, matching, accumulation and summary:
 * IoU thresholds .50:.05:.95, 101 recall points, area ranges all/small/medium/large by the GT's
 * `area` field (0–1e10, 0–32², 32²–96², 96²–1e10, both ends inclusive), maxDets 1/10/100, crowd
 * ground truths that absorb any number of detections (IoU = intersection / detection area) whose
 * detections are then ignored, per-category precision with −1 for categories without ground truth,
 * and the mean over the valid entries.
 *
 * Differences from pycocotools (documented, deliberate):
 * - The GT `ignore` flag is honoured (ignored if ignore || iscrowd), as boundary-iou-api does;
 *   pycocotools overwrites it with iscrowd. COCO and LVIS files carry no `ignore`, so they agree.
 * - Matches are tracked as flags, not by id, so a ground truth with id 0 is matched correctly
 *   (pycocotools treats a match to id 0 as no match).
 * - Only useCats = 1 (per-category evaluation) is implemented.
 * - An empty results list is allowed (every category with GT gets AP 0); pycocotools raises.
 * Everything else (stable score sort, greedy matching order, ε in the precision denominator,
 * np.searchsorted, numpy's pairwise mean) follows the reference, so values agree to the last bit.
 *
 * Boundary masks are computed per instance on its bounding box (see boundaryRle), which equals the
 * reference's full-image mask_to_boundary.
 */
import { DEFAULT_DILATION_RATIO } from './boundary_iou';
import { accumulate, categoryAp, CocoAccumulation, summarizeOne } from './coco_accumulate';
import {
  boundaryRle, CocoDtInstance, CocoGtInstance, CocoIouType, computeIouMatrix, evaluateImage, ImageEval, sortByScore,
} from './coco_match';
import type { Rle } from '../util/coco_rle';

export type { CocoDtInstance, CocoGtInstance, CocoIouType, ImageEval } from './coco_match';
export type { CocoAccumulation } from './coco_accumulate';

export interface CocoEvalParams {
  iouType: CocoIouType;
  /** np.linspace(.5, .95, 10): computed as numpy does (i·step + start) so .75 is exact. */
  iouThrs: number[];
  /** np.linspace(0, 1, 101). */
  recThrs: number[];
  /** Increasing; the last one is the per-image cap used for matching. */
  maxDets: number[];
  areaRng: [number, number][];
  areaRngLbl: string[];
  /** Boundary width as a fraction of the image diagonal ('boundary' only). */
  dilationRatio: number;
}

function linspace(start: number, stop: number, num: number): number[] {
  const step = (stop - start) / (num - 1);
  return Array.from({ length: num }, (_, i) => (i === num - 1 ? stop : i * step + start));
}

export const DEFAULT_COCO_EVAL_PARAMS: CocoEvalParams = {
  iouType: 'segm',
  iouThrs: linspace(0.5, 0.95, 10),
  recThrs: linspace(0, 1, 101),
  maxDets: [1, 10, 100],
  areaRng: [[0, 1e10], [0, 32 ** 2], [32 ** 2, 96 ** 2], [96 ** 2, 1e10]],
  areaRngLbl: ['all', 'small', 'medium', 'large'],
  dilationRatio: DEFAULT_DILATION_RATIO,
};

export function resolveCocoEvalParams(p: Partial<CocoEvalParams> = {}): CocoEvalParams {
  const c = { ...DEFAULT_COCO_EVAL_PARAMS, ...p };
  if (c.iouType !== 'segm' && c.iouType !== 'boundary') {
    throw new Error(`resolveCocoEvalParams: unknown iouType '${c.iouType}'; expected one of 'segm', 'boundary'.`);
  }
  if (c.areaRng.length !== c.areaRngLbl.length) {
    throw new Error(`resolveCocoEvalParams: areaRng and areaRngLbl must have the same length, but got ${c.areaRng.length} and ${c.areaRngLbl.length}.`);
  }
  if (c.maxDets.length === 0 || c.maxDets.some((m, i) => !Number.isInteger(m) || m < 1 || (i > 0 && m <= c.maxDets[i - 1]))) {
    throw new Error(`resolveCocoEvalParams: maxDets must be increasing positive integers, but got [${c.maxDets}].`);
  }
  return c;
}

/** What the evaluation needs from a ground-truth file and a results file (see src/data/coco_json.ts). */
export interface CocoEvalInput {
  images: { id: number; height: number; width: number }[];
  categories: { id: number }[];
  annotations: CocoGtInstance[];
  detections: CocoDtInstance[];
}

/** pycocotools' stats vector, named. −1 where undefined (no ground truth). */
export interface CocoSummary {
  AP: number; AP50: number; AP75: number; APs: number; APm: number; APl: number;
  AR1: number; AR10: number; AR100: number; ARs: number; ARm: number; ARl: number;
}

export interface CocoEvalResult {
  params: CocoEvalParams;
  summary: CocoSummary;
  /** AP per category (all areas, last maxDets), −1 for categories without ground truth. */
  perCategory: { categoryId: number; ap: number }[];
  accumulation: CocoAccumulation;
}

function groupByImageCategory<T extends { imageId: number; categoryId: number }>(items: T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = `${item.imageId}:${item.categoryId}`;
    const list = groups.get(key);
    if (list) list.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}

/** Memoised boundary RLEs (each instance's boundary is computed once for all its pairs). */
function boundaryCache(dilationRatio: number): (rle: Rle) => Rle {
  const cache = new WeakMap<Rle, Rle>();
  return (rle) => {
    let b = cache.get(rle);
    if (!b) {
      b = boundaryRle(rle, dilationRatio);
      cache.set(rle, b);
    }
    return b;
  };
}

/** evaluate(): evalImgs[k][a] = non-null ImageEval of category k, area range a, by increasing image id. */
function evaluateImages(input: CocoEvalInput, p: CocoEvalParams, catIds: number[], imgIds: number[]): ImageEval[][][] {
  const gtGroups = groupByImageCategory(input.annotations), dtGroups = groupByImageCategory(input.detections);
  const boundaryOf = boundaryCache(p.dilationRatio);
  const maxDet = p.maxDets[p.maxDets.length - 1];
  return catIds.map((catId) => {
    const perArea: ImageEval[][] = p.areaRng.map(() => []);
    for (const imgId of imgIds) {
      const gts = gtGroups.get(`${imgId}:${catId}`) ?? [];
      const dts = sortByScore(dtGroups.get(`${imgId}:${catId}`) ?? []).slice(0, maxDet);
      if (gts.length === 0 && dts.length === 0) continue;
      const ious = computeIouMatrix(dts, gts, p.iouType, boundaryOf);
      p.areaRng.forEach((areaRange, a) => {
        const e = evaluateImage(gts, dts, ious, { iouThrs: p.iouThrs, areaRange, maxDet });
        if (e) perArea[a].push(e);
      });
    }
    return perArea;
  });
}

function summarize(acc: CocoAccumulation, p: CocoEvalParams): CocoSummary {
  const area = (label: string) => p.areaRngLbl.indexOf(label);
  const dets = (n: number) => p.maxDets.indexOf(n);
  const thr = (v: number) => p.iouThrs.indexOf(v);
  const last = p.maxDets.length - 1;
  const s = (ap: boolean, t: number | null, a: number, m: number) => (a < 0 || m < 0 || t === -1 ? -1 : summarizeOne(acc, ap, t, a, m));
  return {
    AP: s(true, null, area('all'), dets(100)),
    AP50: s(true, thr(0.5), area('all'), last),
    AP75: s(true, thr(0.75), area('all'), last),
    APs: s(true, null, area('small'), last),
    APm: s(true, null, area('medium'), last),
    APl: s(true, null, area('large'), last),
    AR1: s(false, null, area('all'), 0),
    AR10: s(false, null, area('all'), Math.min(1, last)),
    AR100: s(false, null, area('all'), last),
    ARs: s(false, null, area('small'), last),
    ARm: s(false, null, area('medium'), last),
    ARl: s(false, null, area('large'), last),
  };
}

/**
 * Runs evaluate, accumulate and summarize. Images are those of the ground truth (sorted ids) and
 * categories those it lists (sorted ids); detections of other categories are not evaluated.
 */
export function evaluateCoco(input: CocoEvalInput, params: Partial<CocoEvalParams> = {}): CocoEvalResult {
  const p = resolveCocoEvalParams(params);
  const imgIds = [...new Set(input.images.map((im) => im.id))].sort((a, b) => a - b);
  const catIds = [...new Set(input.categories.map((c) => c.id))].sort((a, b) => a - b);
  const evalImgs = evaluateImages(input, p, catIds, imgIds);
  const acc = accumulate(evalImgs, { iouThrs: p.iouThrs, recThrs: p.recThrs, maxDets: p.maxDets, areaCount: p.areaRng.length, categoryCount: catIds.length });
  const allArea = Math.max(0, p.areaRngLbl.indexOf('all'));
  return {
    params: p,
    summary: summarize(acc, p),
    perCategory: catIds.map((categoryId, k) => ({ categoryId, ap: categoryAp(acc, k, allArea, p.maxDets.length - 1) })),
    accumulation: acc,
  };
}
