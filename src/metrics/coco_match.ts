/**
 * Per image and category: the IoU matrix and the greedy matching of pycocotools' COCOeval
 * (computeIoU, boundary-iou-api's computeBoundaryIoU, evaluateImg), on decoded COCO RLEs.
 */
import { boundaryWidth, maskBoundary } from './boundary_iou';
import { decodeRleCrop, encodeCrop, Rle, rleArea, rleIou, rleToBbox } from '../util/coco_rle';
import type { CocoInstance } from '../types';

/** A ground-truth instance (as loaded from a COCO/LVIS JSON): the shared CocoInstance record. */
export type CocoGtInstance = CocoInstance;

/** A detection (one entry of a COCO results JSON). */
export interface CocoDtInstance {
  id: number;
  imageId: number;
  categoryId: number;
  /** pycocotools loadRes: bbox w·h when the results carry boxes, else the mask area. */
  area: number;
  score: number;
  segmentation: Rle;
}

export type CocoIouType = 'segm' | 'boundary';

/** The result of matching one image and category at one area range (pycocotools' evalImgs entry). */
export interface ImageEval {
  imageId: number;
  categoryId: number;
  /** Detections by decreasing score (stable), at most maxDet of them. */
  dtIds: number[];
  dtScores: number[];
  /** Ground truths with the ignored ones last (stable). */
  gtIds: number[];
  /** [G]: 1 if the ground truth is ignored (crowd, ignore flag, or area outside the range). */
  gtIgnore: Uint8Array;
  /** [T × D] row-major: 1 if the detection matched a ground truth at threshold t. */
  dtMatched: Uint8Array;
  /** [T × D]: the id of the matched ground truth (meaningful where dtMatched is 1). */
  dtMatchIds: Float64Array;
  /** [T × D]: 1 if the detection is ignored (matched an ignored GT, or unmatched and outside the area range). */
  dtIgnore: Uint8Array;
}

/** Detections sorted by decreasing score, ties in input order (numpy mergesort on −score). */
export function sortByScore<T extends { score: number }>(dts: T[]): T[] {
  return dts.map((d, i) => ({ d, i })).sort((a, b) => b.d.score - a.d.score || a.i - b.i).map((x) => x.d);
}

/**
 * The boundary of a mask as an RLE: boundary-iou-api's mask_to_boundary (inner band of width
 * d = max(1, round(ratio·image diagonal))), computed on the mask's bounding box only: outside the
 * box the mask is 0, which is exactly the zero padding the reference applies at the image border.
 */
export function boundaryRle(rle: Rle, dilationRatio: number): Rle {
  const { height: h, width: w } = rle;
  const box = rleToBbox(rle);
  if (rleArea(rle) === 0) return { height: h, width: w, counts: Uint32Array.of(h * w) };
  const crop = decodeRleCrop(rle, box);
  const band = maskBoundary(crop, boundaryWidth(h, w, dilationRatio));
  return encodeCrop({ data: band, height: crop.height, width: crop.width }, box[0], box[1], h, w);
}

/**
 * IoU of the (score-sorted, truncated) detections with the ground truths, [D × G] row-major in
 * the ground truths' input order. 'boundary' takes min(mask IoU, boundary IoU) for non-crowd ground
 * truths and the plain (crowd-rule) mask IoU for crowd ones, as boundary-iou-api does.
 */
export function computeIouMatrix(
  dts: CocoDtInstance[], gts: CocoGtInstance[], iouType: CocoIouType, boundaryOf: (rle: Rle) => Rle,
): Float64Array {
  const iscrowd = gts.map((g) => g.iscrowd);
  const maskIous = rleIou(dts.map((d) => d.segmentation), gts.map((g) => g.segmentation), iscrowd);
  if (iouType === 'segm') return maskIous;
  const boundaryIous = rleIou(dts.map((d) => boundaryOf(d.segmentation)), gts.map((g) => boundaryOf(g.segmentation)), iscrowd);
  const G = gts.length;
  for (let i = 0; i < maskIous.length; i++) {
    if (!iscrowd[i % G]) maskIous[i] = Math.min(maskIous[i], boundaryIous[i]);
  }
  return maskIous;
}

export interface MatchOptions {
  iouThrs: number[];
  areaRange: [number, number];
  maxDet: number;
}

/**
 * pycocotools evaluateImg. `dts` must already be sorted by score (sortByScore) and `ious` be their
 * [D × G] matrix against `gts` in input order. Returns null when there is neither a GT nor a detection.
 */
export function evaluateImage(gts: CocoGtInstance[], dts: CocoDtInstance[], ious: Float64Array, opts: MatchOptions): ImageEval | null {
  if (gts.length === 0 && dts.length === 0) return null;
  const [lo, hi] = opts.areaRange;
  const outside = (area: number) => area < lo || area > hi;
  const ignoreOf = gts.map((g) => (g.ignore || g.iscrowd || outside(g.area) ? 1 : 0));
  const gtOrder = gts.map((_, i) => i).sort((a, b) => ignoreOf[a] - ignoreOf[b] || a - b); // ignored last, stable
  const gt = gtOrder.map((i) => gts[i]);
  const gtIgnore = Uint8Array.from(gtOrder, (i) => ignoreOf[i]);
  const dt = dts.slice(0, opts.maxDet);
  const T = opts.iouThrs.length, D = dt.length, G = gt.length, G0 = gts.length;
  const dtMatched = new Uint8Array(T * D), dtIgnore = new Uint8Array(T * D), dtMatchIds = new Float64Array(T * D);
  if (D > 0 && G > 0) {
    for (let t = 0; t < T; t++) {
      const gtTaken = new Uint8Array(G);
      for (let d = 0; d < D; d++) {
        let best = Math.min(opts.iouThrs[t], 1 - 1e-10), m = -1;
        for (let g = 0; g < G; g++) {
          if (gtTaken[g] && !gt[g].iscrowd) continue; // a crowd can absorb many detections
          if (m > -1 && gtIgnore[m] === 0 && gtIgnore[g] === 1) break; // already on a regular GT: stop at the ignored ones
          const iou = ious[d * G0 + gtOrder[g]];
          if (iou < best) continue;
          best = iou;
          m = g;
        }
        if (m === -1) continue;
        dtIgnore[t * D + d] = gtIgnore[m];
        dtMatched[t * D + d] = 1;
        dtMatchIds[t * D + d] = gt[m].id;
        gtTaken[m] = 1;
      }
    }
  }
  for (let d = 0; d < D; d++) {
    if (!outside(dt[d].area)) continue;
    for (let t = 0; t < T; t++) if (!dtMatched[t * D + d]) dtIgnore[t * D + d] = 1;
  }
  return {
    imageId: (gts[0] ?? dts[0]).imageId, categoryId: (gts[0] ?? dts[0]).categoryId,
    dtIds: dt.map((d) => d.id), dtScores: dt.map((d) => d.score), gtIds: gt.map((g) => g.id),
    gtIgnore, dtMatched, dtMatchIds, dtIgnore,
  };
}
