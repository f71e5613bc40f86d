/**
 * A trace of the high-resolution path (method.md §4.2) for figures: the global pass, the
 * low-confidence grid points, the candidate patches, the boxes NMS keeps, the patches refined and
 * the merged result, from ONE ordinary `SegRefiner.refine(…, {mode: 'hr'})` call. The refiner is
 * used as it is: its per-step records (onStep) give the global pass's maps at full resolution, from
 * which the S×S grid is read back exactly (they are nearest upsamplings of it); the patch selection
 * is then recomputed with the refiner's own functions (patchCandidates, nms, boxHasBothClasses), so
 * `patches.length` equals the result's `patches` count.
 */
import { nearestIndices } from '../data/resize';
import type { BinaryMask } from '../types';
import { nms, type BoxXyxy } from '../refine/nms';
import type { RefineOptionsInput, RefineResult, RefineStep } from '../refine/options';
import { resolveRefineOptions } from '../refine/options';
import { boxHasBothClasses, patchCandidates } from '../refine/patches';
import type { SegRefiner } from '../refine/refiner';

const f32 = Math.fround;

/** A low-confidence grid point of the global pass, in full-resolution pixels. */
export interface TracePoint {
  /** Patch centre (column, row) in the full image: (int(x·W/S), int(y·H/S)). */
  x: number;
  y: number;
  /** 1 − s at the grid point: the NMS score. */
  score: number;
}

export interface HighResolutionTrace {
  /** The refiner's result (mode 'hr'). */
  result: RefineResult;
  /** Side S of the global grid (the model size). */
  gridSize: number;
  /** Last global step, nearest-upsampled to H×W: σ(logits) and the cumulative fine probability s. */
  globalProbs: Float32Array;
  globalFineProbs: Float32Array;
  /** M_g = globalProbs ≥ 0.5, what the patches start from and what uncovered pixels keep. */
  globalMask: BinaryMask;
  /** s on the S×S grid, row-major, as the point selection sees it. */
  gridFineProbs: Float32Array;
  /** Grid points with s < fineProbRatio·max(s), raster order. */
  points: TracePoint[];
  /** One box per point (shifted inside the image), same order. */
  candidates: BoxXyxy[];
  /** Boxes kept by NMS, descending score. */
  afterNms: BoxXyxy[];
  /** Boxes of afterNms whose crop of M_g holds both classes: the patches refined. */
  patches: BoxXyxy[];
  /** The merged local step as the refiner reported it (full resolution), or null when the mask was passed through. */
  local: RefineStep | null;
}

/**
 * Rows (or columns) y of the H-long upsampled axis with upRows[y] = g, one per grid index g: reading
 * the upsampled map there gives back the grid exactly. nearestIndices(S, H) with H ≥ S hits every g.
 */
function firstSourceOf(gridSize: number, size: number): Int32Array {
  const up = nearestIndices(gridSize, size), first = new Int32Array(gridSize).fill(-1);
  for (let y = size - 1; y >= 0; y--) first[up[y]] = y;
  const missing = first.indexOf(-1);
  if (missing >= 0) throw new Error(`traceHighResolution: grid index ${missing} must be reached by the ${size}-pixel axis, but it is not (the image must be at least ${gridSize} pixels).`);
  return first;
}

/** The S×S grid a full-resolution map was nearest-upsampled from. @param map row-major [height, width] */
export function gridFromUpsampled(map: ArrayLike<number>, height: number, width: number, gridSize: number): Float32Array {
  if (map.length !== height * width) throw new Error(`gridFromUpsampled: map must have height·width = ${height * width} entries, but got ${map.length}.`);
  const rows = firstSourceOf(gridSize, height), cols = firstSourceOf(gridSize, width);
  const grid = new Float32Array(gridSize * gridSize);
  for (let gy = 0; gy < gridSize; gy++) for (let gx = 0; gx < gridSize; gx++) grid[gy * gridSize + gx] = map[rows[gy] * width + cols[gx]];
  return grid;
}

/**
 * The low-confidence points as patchCandidates selects them (same threshold, order and centre
 * formula), with their centres, which patchCandidates does not return.
 */
export function lowConfidencePoints(gridFineProbs: ArrayLike<number>, gridSize: number, height: number, width: number, ratio: number): TracePoint[] {
  let max = -Infinity;
  for (let i = 0; i < gridFineProbs.length; i++) max = Math.max(max, gridFineProbs[i]);
  const threshold = f32(max * ratio), scaleY = f32(height / gridSize), scaleX = f32(width / gridSize);
  const points: TracePoint[] = [];
  for (let gy = 0; gy < gridSize; gy++) {
    for (let gx = 0; gx < gridSize; gx++) {
      const s = gridFineProbs[gy * gridSize + gx];
      if (s < threshold) points.push({ x: Math.trunc(f32(gx * scaleX)), y: Math.trunc(f32(gy * scaleY)), score: f32(1 - s) });
    }
  }
  return points;
}

/**
 * Refines `coarse` (of the refiner's current image) on the high-resolution path and traces it.
 * @param options refine options; `mode` is forced to 'hr'; an `onStep` given here is still called
 */
export async function traceHighResolution(refiner: SegRefiner, coarse: BinaryMask, options: RefineOptionsInput = {}): Promise<HighResolutionTrace> {
  const o = resolveRefineOptions({ ...options, mode: 'hr' }, 'traceHighResolution');
  let lastGlobal: RefineStep | null = null, local: RefineStep | null = null;
  const result = await refiner.refine(coarse, {
    ...options, mode: 'hr',
    onStep: async (step) => {
      if (step.stage === 'global') lastGlobal = step;
      if (step.stage === 'local') local = step;
      await options.onStep?.(step);
    },
  });
  const { height, width } = coarse, s = refiner.modelSize;
  const global = lastGlobal as RefineStep | null;
  if (!global) {
    const empty = new Float32Array(0);
    return { result, gridSize: s, globalProbs: empty, globalFineProbs: empty, globalMask: { data: new Uint8Array(0), height: 0, width: 0 },
      gridFineProbs: empty, points: [], candidates: [], afterNms: [], patches: [], local: null };
  }
  const globalMask = { data: Uint8Array.from(global.maskProbs, (v) => (v >= 0.5 ? 1 : 0)), height, width };
  const gridFineProbs = gridFromUpsampled(global.fineProbs, height, width, s);
  const points = lowConfidencePoints(gridFineProbs, s, height, width, o.hr.fineProbRatio);
  const candidates = patchCandidates(gridFineProbs, s, height, width, s, o.hr.fineProbRatio);
  const afterNms = nms(candidates.boxes, candidates.scores, o.hr.iouThreshold).map((i) => candidates.boxes[i]);
  const patches = afterNms.filter((box) => boxHasBothClasses(globalMask.data, width, box));
  return {
    result, gridSize: s, globalProbs: global.maskProbs, globalFineProbs: global.fineProbs, globalMask, gridFineProbs,
    points, candidates: candidates.boxes, afterNms, patches, local,
  };
}

/** Pixels inside `box` where the merged result differs from the global mask M_g. */
export function changedInPatch(trace: HighResolutionTrace, box: BoxXyxy): number {
  const { width } = trace.globalMask, a = trace.globalMask.data, b = trace.result.mask.data;
  let n = 0;
  for (let y = box[1]; y < box[3]; y++) for (let x = box[0]; x < box[2]; x++) n += a[y * width + x] !== b[y * width + x] ? 1 : 0;
  return n;
}

/** The refined patch where the local step changed the most pixels of M_g (the first such in run order), for zoomed figures; null when none was refined. */
export function mostChangedPatch(trace: HighResolutionTrace): BoxXyxy | null {
  let best: BoxXyxy | null = null, most = -1;
  for (const box of trace.patches) {
    const n = changedInPatch(trace, box);
    if (n > most) [best, most] = [box, n];
  }
  return best;
}
