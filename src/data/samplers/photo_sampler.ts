/**
 * The real-photo training sampler (issue 14): paired folders of photographs and hand-drawn masks
 * (`<root>/images/<stem>.*` + `<root>/masks/<stem>.*`, several roots at once, each with a weight). The
 * whole mask of an item is the object (salient-object and video-object masks hold one object, maybe in
 * several parts). One draw:
 *   1. a root with probability ∝ its weight, then an item of it uniformly;
 *   2. a coarse mask drawn from the recipe's CoarseMix (degradations.ts) on the full-resolution mask;
 *   3. with probability patchProb a full-resolution patch (hrPatchCrop: a size² window with foreground
 *      and background, as the HR sampler draws it; the coarse mask is the window of step 2's), so the
 *      model sees real edges at the scale it refines them; else the LR object crop (lrObjectCrop: box +
 *      padSize + jitter) around the union of the GT and coarse boxes, as the instance path crops around
 *      the coarse mask at inference;
 *   4. resize to size² (image bilinear, masks nearest), flip with flipProb, normalise.
 * It reads only the folders it is given. As in lr_sampler.ts, draw k is a pure function of
 * (seed, stream, k) and the files, and problems met while drawing go to `issues` / `onIssue`.
 */
import * as path from 'path';
import { CoarseMix, checkCoarseMix, drawCoarseMask } from '../coarse_mix';
import { DatasetItem, loadPairedFolder, SkippedFile } from '../folder_loaders';
import { readImage } from '../image_io';
import { readBinaryMask } from '../mask_io';
import type { BinaryMask, RgbImage } from '../../types';
import { Rng } from '../../util/rng';
import { BoxXyxy, cropMask, cropToSample, drawRng, IssueLog, maskBbox, SampleDraw, SamplerIssue, patchToSample, cropImage } from './crop_sample';
import { hrPatchCrop, hrPatchSize } from './hr_sampler';
import { lrObjectCrop } from './lr_sampler';

export interface PhotoSamplerOptions {
  /** Paired folders (images/ + masks/). */
  roots: string[];
  /** Relative weight of each root (default: all 1). */
  weights?: number[];
  /** Model input side: samples are size×size; patches are size² windows at full resolution. */
  size: number;
  seed: number;
  /** How coarse masks are made. */
  coarse: CoarseMix;
  /** Probability of a full-resolution boundary patch instead of an object crop. */
  patchProb?: number;
  /** Horizontal flip probability (upstream 0.5). */
  flipProb?: number;
  /** Context added to the box on each axis, with jitter (upstream LoadObjectData pad_size 40). */
  padSize?: number;
  /** Items tried by one draw before it fails. */
  maxAttempts?: number;
  onIssue?: (issue: SamplerIssue) => void;
}

/** One root's items. */
interface PhotoRoot {
  root: string;
  weight: number;
  items: DatasetItem[];
}

export class PhotoFolderSampler {
  readonly samplesPerDraw = 1;
  private readonly log: IssueLog;
  private readonly o: Required<Omit<PhotoSamplerOptions, 'onIssue' | 'weights'>>;
  private readonly totalWeight: number;

  private constructor(options: PhotoSamplerOptions, readonly sources: readonly PhotoRoot[], readonly skipped: SkippedFile[]) {
    this.o = { patchProb: 0.25, flipProb: 0.5, padSize: 40, maxAttempts: 10, ...options };
    this.totalWeight = sources.reduce((a, s) => a + s.weight, 0);
    this.log = new IssueLog(options.onIssue);
  }

  /** Lists every root (loadPairedFolder) and checks the options; errors name the option or the folder. */
  static open(options: PhotoSamplerOptions): PhotoFolderSampler {
    const where = 'PhotoFolderSampler.open';
    const { roots, weights } = options;
    if (!Array.isArray(roots) || roots.length === 0 || !roots.every((r) => typeof r === 'string' && r)) {
      throw new Error(`${where}: roots must list at least one folder, but got ${JSON.stringify(roots)}.`);
    }
    if (weights && weights.length > 0 && (weights.length !== roots.length || !weights.every((w) => typeof w === 'number' && w >= 0) || !weights.some((w) => w > 0))) {
      throw new Error(`${where}: weights must give one number ≥ 0 per root (${roots.length}), not all 0, but got ${JSON.stringify(weights)}.`);
    }
    if (!Number.isInteger(options.size) || options.size < 2) throw new Error(`${where}: size must be an integer ≥ 2, but got ${options.size}.`);
    if (!Number.isInteger(options.seed)) throw new Error(`${where}: seed must be an integer, but got ${options.seed}.`);
    for (const k of ['patchProb', 'flipProb'] as const) {
      const v = options[k];
      if (v !== undefined && !(v >= 0 && v <= 1)) throw new Error(`${where}: ${k} must be in [0, 1], but got ${v}.`);
    }
    checkCoarseMix(options.coarse, `${where}: coarse`);
    const skipped: SkippedFile[] = [];
    const sources = roots.map((root, i) => {
      const ds = loadPairedFolder(root, {}, where);
      skipped.push(...ds.skipped);
      return { root, weight: weights && weights.length ? weights[i] : 1, items: ds.items };
    });
    return new PhotoFolderSampler(options, sources, skipped);
  }

  get numItems(): number {
    return this.sources.reduce((n, s) => n + s.items.length, 0);
  }

  /** Every distinct problem met while drawing, with its count. */
  get issues(): (SamplerIssue & { count: number })[] {
    return this.log.list();
  }

  /** Draw `index` of stream `stream`: one sample, a pure function of (seed, stream, index) and the files. */
  async draw(index: number, stream = 0): Promise<SampleDraw> {
    const rng = drawRng(this.o.seed, stream, index);
    const failures: string[] = [];
    for (let attempt = 0; attempt < this.o.maxAttempts; attempt++) {
      const item = this.pickItem(rng);
      const loaded = await loadPair(item);
      if (typeof loaded !== 'string') return this.sample(item, loaded.image, loaded.gt, rng);
      this.log.add({ path: item.imagePath, reason: loaded, action: 'skipped' });
      failures.push(`${path.basename(item.imagePath)}: ${loaded}`);
    }
    throw new Error(`PhotoFolderSampler.draw: draw ${index} must find a usable item in ${this.o.maxAttempts} attempts, but all failed: ${failures.slice(0, 3).join('; ')}.`);
  }

  private pickItem(rng: Rng): DatasetItem {
    let u = rng.uniform() * this.totalWeight;
    let source = this.sources[this.sources.length - 1];
    for (const s of this.sources) {
      if (u < s.weight) { source = s; break; }
      u -= s.weight;
    }
    return source.items[rng.int(source.items.length)];
  }

  private sample(item: DatasetItem, image: RgbImage, gt: BinaryMask, rng: Rng): SampleDraw {
    const { mask: coarse, applied } = drawCoarseMask(gt, rng, this.o.coarse);
    const size = this.o.size;
    const gtBox = maskBbox(gt) as BoxXyxy;
    const patch = rng.uniform() < this.o.patchProb ? hrPatchCrop(gt, hrPatchSize(gt.height, gt.width, size), rng) : null;
    const flip = rng.uniform() < this.o.flipProb;
    const coarseLabel = applied.map((a) => `${a.kind}@${a.severity.toFixed(2)}`).join('+');
    if (patch) {
      if (patch.fallback) this.log.add({ path: item.imagePath, reason: 'no drawn patch window had foreground and background; a window on the boundary was used', action: 'fallback' });
      return {
        samples: [patchToSample(cropImage(image, patch.box), cropMask(gt, patch.box), cropMask(coarse, patch.box), size, flip)],
        records: [{ source: item.imagePath, kind: 'patch', bbox: gtBox, crop: patch.box, flip, coarse: 'online', degradations: coarseLabel, tries: patch.tries, fallback: patch.fallback }],
      };
    }
    const box = unionBox(gtBox, maskBbox(coarse));
    const crop = lrObjectCrop(box, gt.height, gt.width, rng, this.o.padSize);
    return {
      samples: [cropToSample(image, gt, coarse, crop, size, flip)],
      records: [{ source: item.imagePath, kind: 'object', bbox: gtBox, crop, flip, coarse: 'online', degradations: coarseLabel }],
    };
  }
}

function unionBox(a: BoxXyxy, b: BoxXyxy | null): BoxXyxy {
  return b ? [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[2], b[2]), Math.max(a[3], b[3])] : a;
}

/** The item's image and mask, or why they cannot be used (unreadable, sizes differ, mask without both values). */
async function loadPair(item: DatasetItem): Promise<{ image: RgbImage; gt: BinaryMask } | string> {
  let image: RgbImage, gt: BinaryMask;
  try {
    [image, gt] = await Promise.all([readImage(item.imagePath), readBinaryMask(item.maskPath)]);
  } catch (error) {
    return (error as Error).message;
  }
  if (image.height !== gt.height || image.width !== gt.width) return `image ${image.height}×${image.width} and mask ${gt.height}×${gt.width} differ in size`;
  const box = maskBbox(gt);
  if (!box) return 'its mask is empty';
  if (box[2] - box[0] === gt.width && box[3] - box[1] === gt.height && gt.data.every((v) => v)) return 'its mask is all foreground';
  if (Math.min(gt.height, gt.width) < 4) return `the image is ${gt.height}×${gt.width}, too small (min side must be ≥ 4)`;
  return { image, gt };
}
