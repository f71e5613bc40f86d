/**
 * The HR-SegRefiner training sampler (method.md §3.4; upstream HRCollectionDataset + LoadPatchData +
 * Resize + RandomFlip + Normalize) over a folder of images with ground truth, e.g. DIS5K DIS-TR or
 * ThinObject-5K. Layout: `<root>/im/` + `<root>/gt/` (DIS5K) or `<root>/images/` + `<root>/masks/`,
 * paired by stem, with optional offline coarse masks `<root>/coarse/<stem>.*` and
 * `<root>/coarse_expand/<stem>.*` (upstream gen_coarse_masks_hr.py; `segrefiner coarsen` writes them).
 * One draw gives two samples that share one flip:
 *   1. an item uniformly; `coarse_expand` with probability expandProb, else `coarse` — read from its
 *      file, or made online by coarsenMask on the full GT (with `expand`) when the file is absent;
 *   2. object sample: the crop of hrObjectCrop (a random crop holding the whole GT bbox);
 *   3. patch sample: hrPatchCrop's window (size² at full resolution, ⌊min(H, W)/2⌋² for a smaller
 *      image) whose GT has foreground and background; its coarse mask is, with probability
 *      patchFileProb, the window of the step-1 coarse mask, else coarsenMask on the GT window;
 *   4. both resized to size² (image bilinear, masks nearest), flipped together with flipProb, normalised.
 * As in lr_sampler.ts, draw k depends only on (seed, stream, k) and the files; problems met while
 * drawing go to `issues` / `onIssue` (an unusable item is replaced by another draw, a patch found by
 * the fallback is kept and reported).
 */
import * as fs from 'fs';
import * as path from 'path';
import { coarsenMask } from '../coarse_mask';
import { DatasetItem, FolderDataset, listImages, loadPairedFolder, SkippedFile } from '../folder_loaders';
import { readImage } from '../image_io';
import { readBinaryMask } from '../mask_io';
import type { BinaryMask, RgbImage } from '../../types';
import { Rng } from '../../util/rng';
import { BoxXyxy, CropBox, cropImage, cropMask, drawRng, IssueLog, maskBbox, maskValues, patchToSample, SampleDraw, SampleRecord, SamplerIssue } from './crop_sample';

export interface HrSamplerOptions {
  /** Dataset folder (layout in the file comment). */
  root: string;
  /** Model input side: samples are size×size; patches are size² crops at full resolution. */
  size: number;
  seed: number;
  /** Horizontal flip probability, one flip for both samples of a draw (upstream 0.5). */
  flipProb?: number;
  /** Probability of `coarse_expand` over `coarse` (upstream expand_prob 0.5). */
  expandProb?: number;
  /** Probability that the patch's coarse mask is cut from the item's coarse mask (upstream 0.5). */
  patchFileProb?: number;
  /** Patch windows drawn before the boundary fallback (upstream redraws forever). */
  maxPatchTries?: number;
  /** Items tried by one draw before it fails. */
  maxAttempts?: number;
  onIssue?: (issue: SamplerIssue) => void;
}

export interface HrItem extends DatasetItem {
  /** Offline `coarse` mask file, if there is one. */
  coarseFile?: string;
  /** Offline `coarse_expand` mask file, if there is one. */
  expandFile?: string;
}

/** A listed HR folder: items with their offline coarse masks, and the files that give no item. */
export interface HrDataset extends Omit<FolderDataset, 'items'> {
  items: HrItem[];
}

/**
 * LoadPatchData's object crop: x1' ~ U{0..x1−1} (0 if x1 = 0), x2' ~ U{x2..W−1} (W if x2 = W), then
 * the same for y: a random crop that holds the whole bbox.
 * @param bbox exclusive-end box of the object in a height×width image
 */
export function hrObjectCrop(bbox: BoxXyxy, height: number, width: number, rng: Rng): CropBox {
  const axis = (a1: number, a2: number, n: number): [number, number] => {
    const lo = a1 === 0 ? 0 : rng.int(a1);
    const hi = a2 === n ? n : a2 + rng.int(n - a2);
    return [lo, hi];
  };
  const [x1, x2] = axis(bbox[0], bbox[2], width);
  const [y1, y2] = axis(bbox[1], bbox[3], height);
  return { x0: x1, y0: y1, width: x2 - x1, height: y2 - y1 };
}

/** The patch side for a height×width image: `size`, or ⌊min(H, W)/2⌋ when either side is smaller (upstream). */
export function hrPatchSize(height: number, width: number, size: number): number {
  return height < size || width < size ? Math.floor(Math.min(height, width) / 2) : size;
}

function windowValues(gt: BinaryMask, box: CropBox): 'both' | 'empty' | 'full' {
  let ones = 0, zeros = 0;
  for (let y = box.y0; y < box.y0 + box.height; y++) {
    const row = y * gt.width;
    for (let x = box.x0; x < box.x0 + box.width; x++) {
      if (gt.data[row + x]) ones++;
      else zeros++;
      if (ones && zeros) return 'both';
    }
  }
  return ones ? 'full' : 'empty';
}

/**
 * A window of `p`² around a random pair of 4-adjacent pixels whose GT values differ, so it holds both
 * values (p ≥ 2). Null when the GT has no such pair (all foreground or all background).
 */
function boundaryWindow(gt: BinaryMask, p: number, rng: Rng): CropBox | null {
  const { data, height: h, width: w } = gt;
  const visit = (onPair: (x: number, y: number, horizontal: boolean) => boolean): void => {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const v = data[y * w + x];
        if (x + 1 < w && data[y * w + x + 1] !== v && onPair(x, y, true)) return;
        if (y + 1 < h && data[(y + 1) * w + x] !== v && onPair(x, y, false)) return;
      }
    }
  };
  let count = 0;
  visit(() => (count++, false));
  if (count === 0) return null;
  let k = rng.int(count), box: CropBox | null = null;
  // the window start per axis keeps [a, a + d] inside it: a − ⌊(p − 1 − d)/2⌋, clamped into the image
  const start = (a: number, d: number, n: number) => Math.min(Math.max(a - Math.floor((p - 1 - d) / 2), 0), n - p);
  visit((x, y, horizontal) => {
    if (k-- > 0) return false;
    box = { x0: start(x, horizontal ? 1 : 0, w), y0: start(y, horizontal ? 0 : 1, h), width: p, height: p };
    return true;
  });
  return box;
}

/**
 * LoadPatchData's patch: windows of p² drawn uniformly (row offset, then column offset, as upstream)
 * until the GT window has foreground and background; after maxTries, a window on the boundary
 * (`fallback`; upstream would loop on). Null when the GT has no boundary at all.
 */
export function hrPatchCrop(gt: BinaryMask, p: number, rng: Rng, maxTries = 50): { box: CropBox; tries: number; fallback: boolean } | null {
  const { height: h, width: w } = gt;
  if (!Number.isInteger(p) || p < 2 || p > h || p > w) throw new Error(`hrPatchCrop: p must be an integer in [2, min(H, W) = ${Math.min(h, w)}], but got ${p}.`);
  for (let tries = 1; tries <= maxTries; tries++) {
    const y0 = rng.int(h - p + 1), x0 = rng.int(w - p + 1);
    const box = { x0, y0, width: p, height: p };
    if (windowValues(gt, box) === 'both') return { box, tries, fallback: false };
  }
  const box = boundaryWindow(gt, p, rng);
  return box ? { box, tries: maxTries, fallback: true } : null;
}

/** `<dir>/<stem>.*` files by stem (listImages); files of no item and ambiguous stems go to `skipped`. */
function listByStem(dir: string, stems: Set<string>, skipped: SkippedFile[]): Map<string, string> {
  const out = new Map<string, string>();
  if (!fs.existsSync(dir)) return out;
  const listing = listImages('loadHrFolder', dir);
  skipped.push(...listing.skipped.map((s) => ({ path: s.path, reason: 'not a mask image file' })));
  for (const [stem, files] of listing.byStem) {
    if (!stems.has(stem)) skipped.push(...files.map((f) => ({ path: f, reason: `no sample with the stem '${stem}'` })));
    else if (files.length === 1) out.set(stem, files[0]);
    else for (const f of files) skipped.push({ path: f, reason: `ambiguous: ${files.length} files share the stem '${stem}' (the offline coarse mask is made online instead)` });
  }
  return out;
}

/** Lists the items of `root` with their offline coarse masks. */
export function loadHrFolder(root: string): HrDataset {
  const where = 'loadHrFolder';
  const has = (d: string) => fs.existsSync(path.join(root, d));
  if (!fs.existsSync(root)) throw new Error(`${where}: ${root} must be a dataset folder, but it does not exist.`);
  const dirs = has('im') && has('gt') ? { imagesDir: 'im', masksDir: 'gt' } : has('images') && has('masks') ? {} : null;
  if (!dirs) throw new Error(`${where}: ${root} must hold im/ + gt/ (DIS5K) or images/ + masks/, but has neither pair.`);
  const ds = loadPairedFolder(root, dirs, where);
  const stems = new Set(ds.items.map((i) => i.stem));
  const coarse = listByStem(path.join(root, 'coarse'), stems, ds.skipped), expand = listByStem(path.join(root, 'coarse_expand'), stems, ds.skipped);
  const items: HrItem[] = ds.items.map((item) => ({ ...item, coarseFile: coarse.get(item.stem), expandFile: expand.get(item.stem) }));
  return { ...ds, items };
}

interface LoadedItem {
  image: RgbImage;
  gt: BinaryMask;
  /** The chosen offline coarse mask, when its file exists. */
  coarse: BinaryMask | null;
}

export class HrPatchSampler {
  /** An object sample and a patch sample per draw. */
  readonly samplesPerDraw = 2;
  private readonly log: IssueLog;
  private readonly o: Required<Omit<HrSamplerOptions, 'onIssue'>>;

  constructor(options: HrSamplerOptions, readonly dataset: HrDataset) {
    const where = 'HrPatchSampler';
    if (!Number.isInteger(options.size) || options.size < 2) throw new Error(`${where}: size must be an integer ≥ 2, but got ${options.size}.`);
    if (!Number.isInteger(options.seed)) throw new Error(`${where}: seed must be an integer, but got ${options.seed}.`);
    this.o = { flipProb: 0.5, expandProb: 0.5, patchFileProb: 0.5, maxPatchTries: 50, maxAttempts: 10, ...options };
    for (const k of ['flipProb', 'expandProb', 'patchFileProb'] as const) {
      if (!(this.o[k] >= 0 && this.o[k] <= 1)) throw new Error(`${where}: ${k} must be in [0, 1], but got ${this.o[k]}.`);
    }
    this.log = new IssueLog(options.onIssue);
  }

  /** Lists `options.root` (loadHrFolder) and makes the sampler. */
  static open(options: HrSamplerOptions): HrPatchSampler {
    return new HrPatchSampler(options, loadHrFolder(options.root));
  }

  /** Files of the folder that give no item, with the reason. */
  get skipped(): SkippedFile[] {
    return this.dataset.skipped;
  }

  /** Every distinct problem met while drawing, with its count. */
  get issues(): (SamplerIssue & { count: number })[] {
    return this.log.list();
  }

  /** Draw `index` of stream `stream`: [object sample, patch sample], one shared flip. */
  async draw(index: number, stream = 0): Promise<SampleDraw> {
    const rng = drawRng(this.o.seed, stream, index);
    const failures: string[] = [];
    const items = this.dataset.items;
    for (let attempt = 0; attempt < this.o.maxAttempts; attempt++) {
      const item = items[rng.int(items.length)];
      const expand = rng.uniform() < this.o.expandProb;
      const loaded = await this.load(item, expand);
      const result = typeof loaded === 'string' ? loaded : this.sample(item, loaded, expand, rng);
      if (typeof result !== 'string') return result;
      this.log.add({ path: item.imagePath, reason: result, action: 'skipped' });
      failures.push(`${path.basename(item.imagePath)}: ${result}`);
    }
    throw new Error(`HrPatchSampler.draw: draw ${index} must find a usable item in ${this.o.maxAttempts} attempts, but all failed: ${failures.slice(0, 3).join('; ')}.`);
  }

  /** The item's image, GT and chosen offline coarse mask, or why they cannot be used. */
  private async load(item: HrItem, expand: boolean): Promise<LoadedItem | string> {
    const coarseFile = expand ? item.expandFile : item.coarseFile;
    let files: [RgbImage, BinaryMask, BinaryMask | null];
    try {
      files = await Promise.all([readImage(item.imagePath), readBinaryMask(item.maskPath), coarseFile ? readBinaryMask(coarseFile) : null]);
    } catch (error) {
      return (error as Error).message;
    }
    const [image, gt, coarse] = files;
    const sizes = [image, gt, ...(coarse ? [coarse] : [])].map((m) => `${m.height}×${m.width}`);
    if (new Set(sizes).size !== 1) return `image, GT${coarse ? ' and coarse mask' : ''} sizes (height×width) differ: ${sizes.join(', ')}`;
    const values = maskValues(gt);
    if (values !== 'both') return `its GT is ${values === 'empty' ? 'empty' : 'all foreground'}, so it has no object bbox and no boundary patch`;
    if (Math.min(gt.height, gt.width) < 4) return `the image is ${gt.height}×${gt.width}, too small for a patch (min side must be ≥ 4)`;
    return { image, gt, coarse };
  }

  private sample(item: HrItem, loaded: LoadedItem, expand: boolean, rng: Rng): SampleDraw | string {
    const { image, gt } = loaded;
    const fromFile = loaded.coarse !== null;
    const coarse = loaded.coarse ?? coarsenMask(gt, rng, { expand });
    const coarseKind: SampleRecord['coarse'] = `${fromFile ? 'file' : 'online'}${expand ? '-expand' : ''}` as SampleRecord['coarse'];
    const bbox = maskBbox(gt) as BoxXyxy;
    const objectBox = hrObjectCrop(bbox, gt.height, gt.width, rng);
    const patch = hrPatchCrop(gt, hrPatchSize(gt.height, gt.width, this.o.size), rng, this.o.maxPatchTries);
    if (!patch) return 'its GT has no boundary'; // unreachable after load()'s check; kept for safety
    if (patch.fallback) {
      this.log.add({ path: item.imagePath, reason: `no ${patch.box.width}² window of ${this.o.maxPatchTries} drawn had foreground and background; a window on the object boundary was used`, action: 'fallback' });
    }
    const patchGt = cropMask(gt, patch.box);
    const patchFromItem = rng.uniform() < this.o.patchFileProb;
    const patchCoarse = patchFromItem ? cropMask(coarse, patch.box) : coarsenMask(patchGt, rng);
    const flip = rng.uniform() < this.o.flipProb;
    const size = this.o.size;
    return {
      samples: [
        patchToSample(cropImage(image, objectBox), cropMask(gt, objectBox), cropMask(coarse, objectBox), size, flip),
        patchToSample(cropImage(image, patch.box), patchGt, patchCoarse, size, flip),
      ],
      records: [
        { source: item.imagePath, kind: 'object', bbox, crop: objectBox, flip, coarse: coarseKind },
        { source: item.imagePath, kind: 'patch', bbox, crop: patch.box, flip, coarse: patchFromItem ? coarseKind : 'online', tries: patch.tries, fallback: patch.fallback },
      ],
    };
  }
}
