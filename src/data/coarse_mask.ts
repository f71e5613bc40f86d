/**
 * Coarse-mask synthesis, method.md §3.2: SegRefiner's `modify_boundary` (mmdet/datasets/pipelines/
 * loading.py, adapted from CascadePSP util/boundary_modification.py) followed by CascadePSP's
 * `perturb_seg` (util/de_transform.py), and the HR "expand" variant of gen_coarse_masks_hr.py.
 *
 * modify_boundary, per contour of cv2.findContours(RETR_LIST, CHAIN_APPROX_NONE) with ≥ 10 points:
 *   n_rm = int(0.1·N); d_i = |c_i − c_{i+n_rm}|² for i in [0, N − n_rm) (not cyclic, as upstream);
 *   a random start among the ceil(10%) smallest d_i (stable sort); delete c[start : start + n_rm];
 *   keep a sorted random int(0.1·N') of the rest. The polygons are drawn with drawContours(−1), whose
 *   even-odd fill keeps RETR_LIST holes open (see polygon_fill.ts); with no polygon the input is used.
 * perturb_seg then runs ≤ 250 rounds of 4 random rectangle dilations/erosions and stops once
 * IoU(seg, polygon mask) < 0.8. Every draw comes from the caller's Rng, in upstream's order.
 *
 * Deliberate differences from upstream: an empty mask is returned unchanged (upstream's perturb_seg
 * would grow random blobs from nothing); masks are 0/1 in and out (upstream: 0/255 in, 0/1 out).
 */
import type { BinaryMask, BoxXyxy } from '../types';
import type { Rng } from '../util/rng';
import { morphologyInPlace } from './binary_morphology';
import { findContours } from './contours';
import { type StructuringElement, structuringElement } from './kernels';
import { fillPolygons } from './polygon_fill';

export interface CoarseMaskOptions {
  /** HR variant (gen_coarse_masks_hr.py `coarse_expand`): fill the mask's holes before modify_boundary. */
  expand: boolean;
  /** Fraction of each contour's vertices cut away in one consecutive run (upstream regional_sample_rate). */
  regionalSampleRate: number;
  /** Fraction of the remaining vertices kept as polygon vertices (upstream sample_rate). */
  sampleRate: number;
  /** perturb_seg stops once IoU with the polygon mask falls below this (upstream iou_target). */
  iouTarget: number;
  /** perturb_seg's round limit (upstream: 250). */
  maxRounds: number;
}

export const DEFAULT_COARSE_MASK_OPTIONS: CoarseMaskOptions = {
  expand: false, regionalSampleRate: 0.1, sampleRate: 0.1, iouTarget: 0.8, maxRounds: 250,
};

/** Contours shorter than this are skipped by modify_boundary. */
const MIN_CONTOUR_POINTS = 10;

function checkMask(mask: BinaryMask, where: string): void {
  const { height, width, data } = mask;
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 1 || width < 1 || data.length !== height * width) {
    throw new Error(`${where}: mask must be a non-empty ${height}×${width} mask with ${height * width} values, but got ${data.length}.`);
  }
}

/** A 0/1 copy (a plain loop: Uint8Array.from with a map function is ~50× slower on large masks). */
function binary(mask: BinaryMask): BinaryMask {
  const data = new Uint8Array(mask.data.length);
  for (let i = 0; i < data.length; i++) data[i] = mask.data[i] ? 1 : 0;
  return { data, height: mask.height, width: mask.width };
}

/**
 * Fills the holes of a mask: background not 4-connected to the outside becomes foreground. Equal to
 * drawing the RETR_EXTERNAL contours filled, as gen_coarse_masks_hr.py does (foreground is
 * 8-connected in OpenCV's contours, so background is 4-connected).
 */
export function fillHoles(mask: BinaryMask): BinaryMask {
  checkMask(mask, 'fillHoles');
  const { width: w, height: h } = mask;
  const outside = new Uint8Array(w * h);
  const stack: number[] = [];
  const seed = (i: number) => {
    if (!mask.data[i] && !outside[i]) {
      outside[i] = 1;
      stack.push(i);
    }
  };
  for (let x = 0; x < w; x++) { seed(x); seed((h - 1) * w + x); }
  for (let y = 0; y < h; y++) { seed(y * w); seed(y * w + w - 1); }
  while (stack.length) {
    const i = stack.pop() as number, x = i % w;
    if (x > 0) seed(i - 1);
    if (x < w - 1) seed(i + 1);
    if (i >= w) seed(i - w);
    if (i < (h - 1) * w) seed(i + w);
  }
  for (let i = 0; i < outside.length; i++) outside[i] ^= 1;
  return { data: outside, height: h, width: w };
}

/** `random.sample(range(n), k)` then sorted: k distinct indices (Floyd's algorithm), ascending. */
function sampleSorted(rng: Rng, n: number, k: number): number[] {
  const taken = new Uint8Array(n);
  for (let j = n - k; j < n; j++) {
    const t = rng.int(j + 1);
    taken[taken[t] ? j : t] = 1;
  }
  const out: number[] = [];
  for (let i = 0; i < n; i++) if (taken[i]) out.push(i);
  return out;
}

/** Region removal then vertex sampling of one contour (N ≥ 10 points), as modify_boundary. */
function coarsenContour(points: Int32Array, rng: Rng, o: CoarseMaskOptions): Int32Array {
  const n = points.length >> 1;
  const nRm = Math.trunc(n * o.regionalSampleRate);
  const candidates = n - nRm;
  // Sort (d_i, i) ascending; d_i·candidates + i keeps Python's stable order and stays exact (< 2^53).
  const keys = new Float64Array(candidates);
  for (let i = 0; i < candidates; i++) {
    const dx = points[2 * i] - points[2 * (i + nRm)], dy = points[2 * i + 1] - points[2 * (i + nRm) + 1];
    keys[i] = (dx * dx + dy * dy) * candidates + i;
  }
  keys.sort();
  const start = keys[rng.int(Math.ceil(0.1 * candidates))] % candidates;
  const kept = new Int32Array(2 * (n - nRm));
  kept.set(points.subarray(0, 2 * start), 0);
  kept.set(points.subarray(2 * (start + nRm)), 2 * start);
  const m = n - nRm;
  const indices = sampleSorted(rng, m, Math.trunc(m * o.sampleRate));
  const out = new Int32Array(2 * indices.length);
  indices.forEach((idx, j) => { out[2 * j] = kept[2 * idx]; out[2 * j + 1] = kept[2 * idx + 1]; });
  return out;
}

/**
 * Steps 1–4 of method.md §3.2: the polygon mask of modify_boundary before perturb_seg (the reference
 * that perturb_seg's IoU is measured against). With no polygon left, a copy of the input.
 */
export function polygonMask(mask: BinaryMask, rng: Rng, options: Partial<CoarseMaskOptions> = {}): BinaryMask {
  checkMask(mask, 'polygonMask');
  const o = { ...DEFAULT_COARSE_MASK_OPTIONS, ...options };
  const polygons: Int32Array[] = [];
  for (const contour of findContours(mask)) {
    if (contour.points.length / 2 < MIN_CONTOUR_POINTS) continue;
    const poly = coarsenContour(contour.points, rng, o);
    if (poly.length > 0) polygons.push(poly);
  }
  if (polygons.length === 0) return binary(mask);
  const out = { data: new Uint8Array(mask.width * mask.height), height: mask.height, width: mask.width };
  fillPolygons(out.data, out.width, out.height, polygons);
  return out;
}

let kernelCache: StructuringElement[][] | null = null;

/** CascadePSP's get_random_structure(s): RECT (s,s), ELLIPSE (s,s), (s, s//2), (s//2, s) as OpenCV (w, h). */
function randomStructure(size: number, choice: number): StructuringElement {
  kernelCache ??= Array.from({ length: 10 }, (_, s) => (s < 3 ? [] : [
    structuringElement('rect', s, s), structuringElement('ellipse', s, s),
    structuringElement('ellipse', s, s >> 1), structuringElement('ellipse', s >> 1, s),
  ]));
  return kernelCache[size][choice - 1];
}

/** Per-pixel IoU bookkeeping of perturb_seg's seg against its fixed reference. */
class IouTracker {
  intersection = 0;
  union = 0;
  constructor(readonly seg: Uint8Array, readonly ref: Uint8Array) {
    for (let i = 0; i < ref.length; i++) {
      this.intersection += seg[i] & ref[i];
      this.union += seg[i] | ref[i];
    }
  }
  /** Records that seg[i] becomes v (the caller writes it). */
  readonly change = (i: number, v: number): void => {
    if (this.seg[i] === v) return;
    const g = this.ref[i], d = v ? 1 : -1;
    this.intersection += d * g;
    this.union += d * (1 - g);
  };
  /** CascadePSP's compute_iou, with its 1e-6 smoothing (an empty pair counts as IoU 1). */
  iou(): number {
    return (this.intersection + 1e-6) / (this.union + 1e-6);
  }
}

/** One perturb_seg operation: a random rectangle, maybe a random centre pixel, a random dilate or erode. */
function perturbOnce(t: IouTracker, w: number, h: number, rng: Rng): void {
  const lx = rng.int(w), ly = rng.int(h);
  const rect: BoxXyxy = [lx, ly, lx + 1 + rng.int(w - lx), ly + 1 + rng.int(h - ly)];
  if (rng.uniform() < 0.25) {
    const cx = Math.trunc((rect[0] + rect[2]) / 2), cy = Math.trunc((rect[1] + rect[3]) / 2);
    const i = cy * w + cx, v = rng.int(2);
    t.change(i, v);
    t.seg[i] = v;
  }
  const op = rng.uniform() < 0.5 ? 'dilate' : 'erode';
  const size = 3 + rng.int(7), choice = 1 + rng.int(4);
  morphologyInPlace(t.seg, w, h, rect, randomStructure(size, choice), op, t.change);
}

/**
 * CascadePSP's perturb_seg: up to `maxRounds` rounds of 4 random operations, stopping after the first
 * round whose IoU with `mask` is below `iouTarget`. Masks of height or width ≤ 2 are returned as they
 * are (upstream's "GT too small"). Returns a new 0/1 mask.
 */
export function perturbSeg(mask: BinaryMask, rng: Rng, iouTarget = 0.8, maxRounds = 250): BinaryMask {
  checkMask(mask, 'perturbSeg');
  const { width: w, height: h } = mask;
  const ref = binary(mask).data;
  const seg = ref.slice();
  if (h <= 2 || w <= 2) return { data: seg, height: h, width: w };
  const tracker = new IouTracker(seg, ref);
  for (let round = 0; round < maxRounds; round++) {
    for (let k = 0; k < 4; k++) perturbOnce(tracker, w, h, rng);
    if (tracker.iou() < iouTarget) break;
  }
  return { data: seg, height: h, width: w };
}

/** modify_boundary: polygonMask (steps 1–4) then perturbSeg against it (steps 5–6). */
export function modifyBoundary(mask: BinaryMask, rng: Rng, options: Partial<CoarseMaskOptions> = {}): BinaryMask {
  const o = { ...DEFAULT_COARSE_MASK_OPTIONS, ...options };
  return perturbSeg(polygonMask(mask, rng, o), rng, o.iouTarget, o.maxRounds);
}

/**
 * A coarse training mask from a ground-truth mask (method.md §3.2): modify_boundary, after filling
 * holes when `expand` is set. An empty mask comes back unchanged (a copy). Same rng state ⇒ same result.
 * @param mask ground truth, [H, W] 0/1 (non-zero counts as 1)
 * @returns a new 0/1 mask of the same size
 */
export function coarsenMask(mask: BinaryMask, rng: Rng, options: Partial<CoarseMaskOptions> = {}): BinaryMask {
  checkMask(mask, 'coarsenMask');
  if (!mask.data.some((v) => v !== 0)) return binary(mask);
  const o = { ...DEFAULT_COARSE_MASK_OPTIONS, ...options };
  return modifyBoundary(o.expand ? fillHoles(mask) : mask, rng, o);
}
