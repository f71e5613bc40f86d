/**
 * The coarse-vs-refined table of `segrefiner refine --gt` (and of `segrefiner merge` for sharded
 * refine runs): per image IoU counts, mBA and Boundary IoU; over the set cumulative IoU from summed
 * intersections and unions, and means of the per-image values, summed in the order given.
 */
import { computeBoundaryAccuracy } from '../metrics/boundary_accuracy';
import { computeBoundaryIou } from '../metrics/boundary_iou';
import { computeIou, IouCounts } from '../metrics/iou';
import type { BinaryMask } from '../types';

/** Per-image scores of a mask against its ground truth. */
export interface PairScores { iou: IouCounts; mBA: number | null; boundaryIou: number | null }

/** One row of the table: the coarse and the refined mask of one image, scored against its GT. */
export interface RefineRow { coarse: PairScores; refined: PairScores }

export function scorePair(gt: BinaryMask, mask: BinaryMask): PairScores {
  return { iou: computeIou(gt, mask), mBA: computeBoundaryAccuracy(gt, mask).boundaryAccuracy, boundaryIou: computeBoundaryIou(gt, mask).boundaryIou };
}

const mean = (v: (number | null)[]) => {
  const x = v.filter((a): a is number => a !== null);
  return x.length ? x.reduce((s, a) => s + a, 0) / x.length : null;
};

/** The coarse-vs-refined table: cumulative and mean IoU, mBA, mean Boundary IoU. */
export function formatMetricsTable(rows: RefineRow[]): string {
  const cum = (k: 'coarse' | 'refined') => {
    const i = rows.reduce((s, r) => s + r[k].iou.intersection, 0), u = rows.reduce((s, r) => s + r[k].iou.union, 0);
    return u ? i / u : null;
  };
  const lines: [string, (k: 'coarse' | 'refined') => number | null][] = [
    ['IoU (cumulative ΣI/ΣU)', cum],
    ['IoU (mean per image)', (k) => mean(rows.map((r) => r[k].iou.iou))],
    ['mBA', (k) => mean(rows.map((r) => r[k].mBA))],
    ['Boundary IoU (mean)', (k) => mean(rows.map((r) => r[k].boundaryIou))],
  ];
  const f = (v: number | null) => (v === null ? 'n/a' : v.toFixed(4)).padStart(8);
  const out = [`${rows.length} image${rows.length === 1 ? '' : 's'} with ground truth`, `${'metric'.padEnd(24)} ${'coarse'.padStart(8)} ${'refined'.padStart(8)} ${'Δ'.padStart(8)}`];
  for (const [label, pick] of lines) {
    const c = pick('coarse'), r = pick('refined');
    const d = c === null || r === null ? 'n/a' : `${r >= c ? '+' : ''}${(r - c).toFixed(4)}`;
    out.push(`${label.padEnd(24)} ${f(c)} ${f(r)} ${d.padStart(8)}`);
  }
  return out.join('\n');
}
