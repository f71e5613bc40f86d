/**
 * pycocotools COCOeval.accumulate and summarize: precision at 101 recall points per IoU threshold,
 * category, area range and detection limit, then the 12 summary numbers (AP, AP50, AP75, APs/m/l,
 * AR1/10/100, ARs/m/l). Means use numpy's pairwise summation so they equal numpy's to the last bit.
 */
import type { ImageEval } from './coco_match';
import { numpySum } from './numpy_sum';

/** numpy's machine epsilon np.spacing(1), added to the precision denominator as pycocotools does. */
const NP_EPS = Number.EPSILON;

/**
 * Accumulated curves. precision is [T, R, K, A, M] and recall [T, K, A, M], row-major, −1 where a
 * setting has no (non-ignored) ground truth.
 */
export interface CocoAccumulation {
  T: number; R: number; K: number; A: number; M: number;
  precision: Float64Array;
  recall: Float64Array;
}

export interface AccumulateParams {
  iouThrs: number[];
  recThrs: number[];
  maxDets: number[];
  /** Number of area ranges. */
  areaCount: number;
  categoryCount: number;
}

/** First index i with sorted[i] >= v (np.searchsorted side='left'). */
function searchLeft(sorted: Float64Array, v: number): number {
  let lo = 0, hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The precision row (R values) and final recall of one IoU threshold, from cumulative TP/FP. */
function precisionAtRecalls(tp: Float64Array, fp: Float64Array, npig: number, recThrs: number[]): { q: Float64Array; recall: number } {
  const nd = tp.length;
  const rc = new Float64Array(nd), pr = new Float64Array(nd);
  for (let i = 0; i < nd; i++) {
    rc[i] = tp[i] / npig;
    pr[i] = tp[i] / (fp[i] + tp[i] + NP_EPS);
  }
  for (let i = nd - 1; i > 0; i--) if (pr[i] > pr[i - 1]) pr[i - 1] = pr[i]; // precision envelope
  const q = new Float64Array(recThrs.length);
  recThrs.forEach((r, ri) => {
    const pi = searchLeft(rc, r);
    q[ri] = pi < nd ? pr[pi] : 0;
  });
  return { q, recall: nd ? rc[nd - 1] : 0 };
}

/**
 * pycocotools accumulate. `evalImgs[k][a]` lists the non-null ImageEval of category k and area
 * range a in increasing image-id order (the order matters for ties in score).
 */
export function accumulate(evalImgs: ImageEval[][][], p: AccumulateParams): CocoAccumulation {
  const T = p.iouThrs.length, R = p.recThrs.length, K = p.categoryCount, A = p.areaCount, M = p.maxDets.length;
  const precision = new Float64Array(T * R * K * A * M).fill(-1);
  const recall = new Float64Array(T * K * A * M).fill(-1);
  for (let k = 0; k < K; k++) {
    for (let a = 0; a < A; a++) {
      const E = evalImgs[k]?.[a] ?? [];
      if (E.length === 0) continue;
      let npig = 0;
      for (const e of E) for (const ig of e.gtIgnore) if (ig === 0) npig++;
      if (npig === 0) continue;
      p.maxDets.forEach((maxDet, m) => {
        const { tps, fps } = cumulativeTpFp(E, maxDet, T);
        for (let t = 0; t < T; t++) {
          const { q, recall: rc } = precisionAtRecalls(tps[t], fps[t], npig, p.recThrs);
          recall[((t * K + k) * A + a) * M + m] = rc;
          for (let r = 0; r < R; r++) precision[(((t * R + r) * K + k) * A + a) * M + m] = q[r];
        }
      });
    }
  }
  return { T, R, K, A, M, precision, recall };
}

/** Cumulative true/false positives per threshold over all images' top-maxDet detections by score. */
function cumulativeTpFp(E: ImageEval[], maxDet: number, T: number): { tps: Float64Array[]; fps: Float64Array[] } {
  const entries: { score: number; e: ImageEval; d: number }[] = [];
  for (const e of E) {
    const D = Math.min(maxDet, e.dtScores.length);
    for (let d = 0; d < D; d++) entries.push({ score: e.dtScores[d], e, d });
  }
  // Stable sort by decreasing score, as numpy's mergesort on −score.
  const order = entries.map((_, i) => i).sort((i, j) => entries[j].score - entries[i].score || i - j);
  const tps: Float64Array[] = [], fps: Float64Array[] = [];
  for (let t = 0; t < T; t++) {
    const tp = new Float64Array(order.length), fp = new Float64Array(order.length);
    let tpSum = 0, fpSum = 0;
    order.forEach((i, n) => {
      const { e, d } = entries[i];
      const D = e.dtScores.length;
      if (!e.dtIgnore[t * D + d]) {
        if (e.dtMatched[t * D + d]) tpSum++;
        else fpSum++;
      }
      tp[n] = tpSum;
      fp[n] = fpSum;
    });
    tps.push(tp);
    fps.push(fp);
  }
  return { tps, fps };
}

/** Mean of the values > −1 (numpy order and summation), or −1 if there are none. */
function meanValid(values: number[]): number {
  const valid = values.filter((v) => v > -1);
  return valid.length === 0 ? -1 : numpySum(valid) / valid.length;
}

/**
 * pycocotools _summarize: AP (ap = true) or AR at one IoU threshold index (or all when null), one
 * area index, one maxDets index. Values are gathered in numpy's C order of the sliced array.
 */
export function summarizeOne(acc: CocoAccumulation, ap: boolean, t: number | null, a: number, m: number): number {
  const { T, R, K, A, M } = acc;
  const ts = t === null ? [...Array(T).keys()] : [t];
  const values: number[] = [];
  for (const ti of ts) {
    if (ap) {
      for (let r = 0; r < R; r++) for (let k = 0; k < K; k++) values.push(acc.precision[(((ti * R + r) * K + k) * A + a) * M + m]);
    } else {
      for (let k = 0; k < K; k++) values.push(acc.recall[((ti * K + k) * A + a) * M + m]);
    }
  }
  return meanValid(values);
}

/** AP of one category over all IoU thresholds (area index a, maxDets index m); −1 if it has no GT. */
export function categoryAp(acc: CocoAccumulation, k: number, a: number, m: number): number {
  const { T, R, K, A, M } = acc;
  const values: number[] = [];
  for (let t = 0; t < T; t++) for (let r = 0; r < R; r++) values.push(acc.precision[(((t * R + r) * K + k) * A + a) * M + m]);
  return meanValid(values);
}
