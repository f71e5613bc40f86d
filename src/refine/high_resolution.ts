/**
 * High-resolution refinement (method.md §4.2; upstream segrefiner_semantic.py):
 *   1. global: image and mask resized to S×S with PyTorch 'nearest', the loop over T−1..1;
 *   2. its σ(logits) and cumulative fine probability s upsampled ('nearest') to H×W; M_g = σ ≥ 0.5;
 *   3. an S×S box (full-resolution pixels) around every low-confidence grid point (s < 0.9·max s),
 *      NMS at IoU 0.3, keeping boxes whose crop of M_g holds both classes;
 *   4. local: one step at index 0 per patch (image, M_g and s cropped, no resize), in batches;
 *   5. merge: patch probabilities averaged over overlaps; uncovered pixels keep the global result.
 * Patches are cut and refined batch by batch, so memory stays bounded by the full-size maps plus
 * one batch (a 4096² image never holds all its patches).
 */
import { nearestIndices } from '../data/resize';
import type { BinaryMask, RgbImage } from '../types';
import type { Rng } from '../util/rng';
import { BoxXyxy, nms } from './nms';
import type { HighResolutionOptions, RefineEngine, RefineStep } from './options';
import { boxHasBothClasses, cropNormalizedImage, cropValues, patchCandidates, pickNormalizedImage } from './patches';
import { runLoop, SampleStepMaps } from '../diffusion/host_loop';

const f32 = Math.fround;

export interface HighResolutionSettings {
  options: HighResolutionOptions;
  /** Indices of the global pass (default T−1..1). */
  globalIndices: readonly number[];
  batchSize: number;
  rng: Rng;
  deterministic: boolean;
  /** Passed through to onStep records. */
  maskIndex: number;
  onStep?: (step: RefineStep) => void | Promise<void>;
}

export interface HighResolutionOutput {
  /** Foreground probability at full resolution, [H, W]: merged patches where covered, else the global pass. */
  probs: Float32Array;
  /** The patches refined, in the order run (descending score). */
  boxes: BoxXyxy[];
}

/**
 * A map resized with PyTorch 'nearest': output (y, x) = map[rows[y], cols[x]] with the index maps of
 * nearestIndices, computed once per size pair. @param srcWidth the width of `map`
 */
function pickGrid(map: ArrayLike<number>, srcWidth: number, rows: Int32Array, cols: Int32Array): Float32Array {
  const out = new Float32Array(rows.length * cols.length);
  for (let y = 0; y < rows.length; y++) {
    const src = rows[y] * srcWidth, dst = y * cols.length;
    for (let x = 0; x < cols.length; x++) out[dst + x] = map[src + cols[x]];
  }
  return out;
}

/** Crop of the upsampled S×S map inside `box`, computed from the small map (the H×W upsample is never built). */
function cropUpsampled(map: Float32Array, s: number, rows: Int32Array, cols: Int32Array, box: BoxXyxy): Float32Array {
  const [x1, y1, x2, y2] = box, w = x2 - x1;
  const out = new Float32Array((y2 - y1) * w);
  for (let y = y1; y < y2; y++) {
    for (let x = x1; x < x2; x++) out[(y - y1) * w + x - x1] = map[rows[y] * s + cols[x]];
  }
  return out;
}

type StepMaps = Omit<RefineStep, 'maskIndex' | 'stage' | 'step' | 't' | 'height' | 'width'>;

/** Full-resolution sums of the local step's maps over patches (only kept when onStep is set). */
class LocalStepSums {
  readonly confidence: Float32Array;
  readonly transitionProbs: Float32Array;
  readonly fineProbs: Float32Array;
  constructor(size: number) {
    this.confidence = new Float32Array(size);
    this.transitionProbs = new Float32Array(size);
    this.fineProbs = new Float32Array(size);
  }
}

/** Adds a patch's values into a full-size sum over its box. */
function addPatch(sum: Float32Array, width: number, box: BoxXyxy, patch: Float32Array): void {
  const w = box[2] - box[0];
  for (let y = box[1]; y < box[3]; y++) {
    const src = (y - box[1]) * w, dst = y * width + box[0];
    for (let x = 0; x < w; x++) sum[dst + x] = f32(sum[dst + x] + patch[src + x]);
  }
}

/** The candidate patches after NMS and the both-classes filter (steps 3 of the recipe). */
export function selectPatches(fineProbs: Float32Array, globalMask: Uint8Array, s: number, height: number, width: number,
  options: HighResolutionOptions): BoxXyxy[] {
  const candidates = patchCandidates(fineProbs, s, height, width, s, options.fineProbRatio);
  const kept = nms(candidates.boxes, candidates.scores, options.iouThreshold);
  return kept.map((i) => candidates.boxes[i]).filter((box) => boxHasBothClasses(globalMask, width, box));
}

/**
 * Refines one mask of `image` (same H×W, both ≥ S = engine.modelSize). The caller handles the
 * ≤ 128-foreground-pixel rule and the final threshold.
 */
export async function refineHighResolution(engine: RefineEngine, image: RgbImage, mask: BinaryMask,
  settings: HighResolutionSettings): Promise<HighResolutionOutput> {
  const { height, width } = image, s = engine.modelSize;
  const { rng, deterministic, onStep, maskIndex } = settings;
  const downRows = nearestIndices(height, s), downCols = nearestIndices(width, s);
  const upRows = nearestIndices(s, height), upCols = nearestIndices(s, width);
  const up = (m: Float32Array) => pickGrid(m, s, upRows, upCols);
  const globalMask = pickGrid(mask.data, mask.width, downRows, downCols);
  const seen: { lastGlobal: StepMaps | null } = { lastGlobal: null };
  const global = await runLoop(engine, { images: [pickNormalizedImage(image, downRows, downCols)], masks: [globalMask] }, {
    indices: settings.globalIndices, rng, deterministic,
    onStep: onStep ? async (step, t, [m]) => {
      seen.lastGlobal = upsampleStep(m, up);
      await onStep({ maskIndex, stage: 'global', step, t, height, width, ...seen.lastGlobal });
    } : undefined,
  });
  const probs = up(global.maskProbs[0]);
  const globalBinary = Uint8Array.from(probs, (v) => (v >= 0.5 ? 1 : 0));
  const boxes = selectPatches(global.fineProbs[0], globalBinary, s, height, width, settings.options);
  const sum = new Float32Array(height * width), count = new Uint16Array(height * width);
  const sums = onStep ? new LocalStepSums(height * width) : null;
  for (let start = 0; start < boxes.length; start += settings.batchSize) {
    const batch = boxes.slice(start, start + settings.batchSize);
    const out = await runLoop(engine, {
      images: batch.map((b) => cropNormalizedImage(image, b)),
      masks: batch.map((b) => cropValues(globalBinary, width, b)),
      fineProbs: batch.map((b) => cropUpsampled(global.fineProbs[0], s, upRows, upCols, b)),
    }, {
      indices: [0], rng, deterministic,
      onStep: sums ? (_step, _t, maps) => maps.forEach((m, i) => addLocalSums(sums, width, batch[i], m)) : undefined,
    });
    batch.forEach((b, i) => {
      addPatch(sum, width, b, out.maskProbs[i]);
      for (let y = b[1]; y < b[3]; y++) for (let x = b[0]; x < b[2]; x++) count[y * width + x]++;
    });
  }
  for (let i = 0; i < probs.length; i++) if (count[i] > 0) probs[i] = f32(sum[i] / count[i]);
  if (onStep && sums && seen.lastGlobal) {
    await onStep({ maskIndex, stage: 'local', step: 0, t: 0, height, width, ...mergeLocalStep(probs, count, sums, seen.lastGlobal) });
  }
  return { probs, boxes };
}

function upsampleStep(m: SampleStepMaps, up: (m: Float32Array) => Float32Array): StepMaps {
  return {
    x: up(m.x), maskProbs: up(m.maskProbs), confidence: up(m.confidence), transitionProbs: up(m.transitionProbs),
    fineProbs: up(m.fineProbs), fineMap: m.fineMap ? up(m.fineMap) : null,
  };
}

function addLocalSums(sums: LocalStepSums, width: number, box: BoxXyxy, m: SampleStepMaps): void {
  addPatch(sums.confidence, width, box, m.confidence);
  addPatch(sums.transitionProbs, width, box, m.transitionProbs);
  addPatch(sums.fineProbs, width, box, m.fineProbs);
}

/** The local step's maps: patch averages where covered, the global pass's last step elsewhere. */
function mergeLocalStep(probs: Float32Array, count: Uint16Array, sums: LocalStepSums, global: StepMaps): StepMaps {
  const merge = (sum: Float32Array, fallback: Float32Array) => sum.map((v, i) => (count[i] > 0 ? v / count[i] : fallback[i]));
  return {
    x: probs.slice(), maskProbs: probs.slice(), confidence: merge(sums.confidence, global.confidence),
    transitionProbs: merge(sums.transitionProbs, global.transitionProbs), fineProbs: merge(sums.fineProbs, global.fineProbs),
    fineMap: null,
  };
}
