/**
 * The LR-SegRefiner training sampler (method.md §3.3; upstream LVISRefine + LoadCoarseMasks +
 * LoadObjectData + Resize + RandomFlip + Normalize) over a COCO / LVIS instances JSON and its image
 * folder. One draw:
 *   1. an image uniformly among those with a usable instance, then one of its usable instances
 *      uniformly (usable: not `ignore`, bbox inside the image, area > 512, bbox w and h ≥ 1, a
 *      category of the file, not crowd — LVISRefine._parse_ann_info's filters, on the JSON fields);
 *   2. the instance mask at full image size, and its coarse mask made online by modify_boundary
 *      (coarsenMask) on that full mask;
 *   3. the crop of lrObjectCrop around the mask's bounding box;
 *   4. resize to size² (image bilinear, masks nearest), flip with flipProb, normalise.
 * The JSON is streamed element by element (json_stream.ts: LVIS v1 train is longer than Node's
 * longest string) and each usable instance keeps its segmentation as text until it is drawn.
 * Every random choice comes from drawRng(seed, stream, index), so draw k is the same whenever it is
 * made: the sampler has no hidden state, and the pipeline's position (prefetch.ts) is all a resume
 * needs. Nothing is dropped silently: annotations and images that cannot give a sample are in
 * `skipped` with the reason, and problems met while drawing (an unreadable file, a size mismatch)
 * go to `issues` (and `onIssue`) before another instance is drawn.
 */
import * as fs from 'fs';
import * as path from 'path';
import { coarsenMask } from '../coarse_mask';
import { segmentationToRle } from '../coco_json';
import { SkippedFile } from '../folder_loaders';
import { readImage } from '../image_io';
import type { BinaryMask, RgbImage } from '../../types';
import { decodeRle } from '../../util/coco_rle';
import { Rng } from '../../util/rng';
import { BoxXyxy, CropBox, cropToSample, drawRng, IssueLog, maskBbox, SampleDraw, SamplerIssue } from './crop_sample';
import { streamJsonArrays } from './json_stream';

export interface LrSamplerOptions {
  /** Image folder; each image's path is `root/<file_name>` (or the path of its LVIS `coco_url`). */
  root: string;
  /** The instances JSON (COCO or LVIS v1 layout). */
  annotations: string;
  /** Model input side: samples are size×size. */
  size: number;
  seed: number;
  /** Horizontal flip probability (upstream RandomFlip flip_ratio 0.5). */
  flipProb?: number;
  /** Context added to the bbox on each axis (upstream LoadObjectData pad_size 40). */
  padSize?: number;
  /** Instances need a JSON area above this (upstream 512). */
  minArea?: number;
  /** Instances tried by one draw before it fails. */
  maxAttempts?: number;
  onIssue?: (issue: SamplerIssue) => void;
}

interface LrInstance {
  id: number;
  /** The segmentation as JSON text, parsed when drawn (compact: LVIS has over a million). */
  segmentation: string;
}

interface LrImage {
  id: number;
  file: string;
  height: number;
  width: number;
  instances: LrInstance[];
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * LoadObjectData's crop: size = min(bbox + pad, image) per axis; the start is drawn uniformly among the
 * starts that keep the bbox inside the crop and the crop inside the image. With an uncapped size the
 * crop centre is the bbox centre + an integer jitter in [−pad/2, pad/2], restricted to in-image crops
 * (upstream draws the centre uniformly in that range: no pile-up at the borders, as clipping would
 * give). x is drawn before y, as upstream. Unlike upstream's int() of half-sizes, odd sizes still
 * contain the whole bbox.
 * @param bbox exclusive-end box of the object in an height×width image
 */
export function lrObjectCrop(bbox: BoxXyxy, height: number, width: number, rng: Rng, padSize = 40): CropBox {
  const axis = (a1: number, a2: number, n: number): [number, number] => {
    const size = Math.min(a2 - a1 + padSize, n);
    const lo = Math.max(0, a2 - size), hi = Math.min(a1, n - size);
    return [lo + rng.int(hi - lo + 1), size];
  };
  const [x0, w] = axis(bbox[0], bbox[2], width);
  const [y0, h] = axis(bbox[1], bbox[3], height);
  return { x0, y0, width: w, height: h };
}

/** The image path in the JSON: file_name, else the path part of an LVIS coco_url. */
function imageFile(o: Json): string | null {
  if (typeof o.file_name === 'string' && o.file_name) return o.file_name;
  if (typeof o.coco_url === 'string') return o.coco_url.replace(/^[a-z]+:\/\/[^/]+\//i, '');
  return null;
}

/** Why an annotation cannot give a sample (upstream's filters, in its order), or null. */
function annotationProblem(a: Json, image: LrImage | undefined, categories: Set<unknown>, minArea: number): [string, string] | null {
  if (!image) return ['unknown image', `its image_id ${JSON.stringify(a.image_id)} names no image of the file`];
  if (a.ignore) return ['ignore', 'it has ignore set'];
  const bb = a.bbox;
  if (!Array.isArray(bb) || bb.length !== 4 || !bb.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    return ['bad bbox', `its bbox must be [x, y, w, h] numbers, but is ${JSON.stringify(bb)}`];
  }
  const [x, y, w, h] = bb as number[];
  const interW = Math.max(0, Math.min(x + w, image.width) - Math.max(x, 0)), interH = Math.max(0, Math.min(y + h, image.height) - Math.max(y, 0));
  if (interW * interH === 0) return ['bbox outside the image', `its bbox ${JSON.stringify(bb)} does not overlap the ${image.height}×${image.width} image`];
  if (typeof a.area !== 'number') return ['no area', `it has no numeric area (got ${JSON.stringify(a.area)})`];
  if (a.area <= minArea) return [`area ≤ ${minArea}`, `its area ${a.area} is ≤ ${minArea}`];
  if (w < 1 || h < 1) return ['bbox under 1 px', `its bbox is ${w}×${h}, under 1 px`];
  if (!categories.has(a.category_id)) return ['unknown category', `its category_id ${JSON.stringify(a.category_id)} is not among the file's categories`];
  if (a.iscrowd) return ['crowd', 'it is a crowd annotation'];
  if (a.segmentation === undefined) return ['no segmentation', 'it has no segmentation'];
  return null;
}

/** The fields the filters read; the segmentation text is kept only where the image-independent filters pass. */
interface SlimAnnotation extends Json {
  segmentation?: string;
}

/** Filters that need no image: an annotation failing one keeps no segmentation text. */
function failsEarly(a: Json, minArea: number): boolean {
  const bb = a.bbox;
  const box = Array.isArray(bb) && bb.length === 4 && bb.every((v) => typeof v === 'number' && Number.isFinite(v)) ? (bb as number[]) : null;
  return Boolean(a.ignore) || !box || typeof a.area !== 'number' || a.area <= minArea || box[2] < 1 || box[3] < 1 || Boolean(a.iscrowd) || a.segmentation === undefined;
}

/** Reads images, categories and (slimmed) annotations element by element (json_stream.ts). */
async function readInstancesJson(file: string, minArea: number): Promise<{ images: unknown[]; categories: unknown[]; annotations: unknown[] }> {
  const out = { images: [] as unknown[], categories: [] as unknown[], annotations: [] as unknown[] };
  const seen = await streamJsonArrays(file, {
    images: (v) => out.images.push(v),
    categories: (v) => out.categories.push(v),
    annotations: (v) => {
      if (!isObject(v)) return out.annotations.push(v);
      const slim: SlimAnnotation = { id: v.id, image_id: v.image_id, category_id: v.category_id, ignore: v.ignore, iscrowd: v.iscrowd, area: v.area, bbox: v.bbox };
      if (!failsEarly(v, minArea)) slim.segmentation = JSON.stringify(v.segmentation);
      out.annotations.push(slim);
    },
  }, 'LrObjectSampler.open');
  const missing = ['images', 'annotations', 'categories'].filter((k) => !seen.has(k));
  if (missing.length) throw new Error(`LrObjectSampler.open: ${file} must be a COCO/LVIS instances JSON with images, annotations and categories lists, but it has no ${missing.join(', ')} list.`);
  return out;
}

function requirePositiveInt(where: string, name: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new Error(`${where}: ${name} must be a positive integer, but got ${v}.`);
}

export class LrObjectSampler {
  /** One sample per draw. */
  readonly samplesPerDraw = 1;
  /** Annotations and images that can give no sample, with the reason (found when the JSON was read). */
  readonly skipped: SkippedFile[];
  /** How many annotations or images were skipped for each kind of reason. */
  readonly skipCounts: Record<string, number>;
  private readonly log: IssueLog;
  private readonly flipProb: number;
  private readonly padSize: number;
  private readonly maxAttempts: number;

  private constructor(readonly options: LrSamplerOptions, readonly images: readonly LrImage[], skipped: SkippedFile[], skipCounts: Record<string, number>) {
    this.skipped = skipped;
    this.skipCounts = skipCounts;
    this.log = new IssueLog(options.onIssue);
    this.flipProb = options.flipProb ?? 0.5;
    this.padSize = options.padSize ?? 40;
    this.maxAttempts = options.maxAttempts ?? 10;
  }

  /** Reads the JSON, keeps the usable instances and checks that their image files exist. */
  static async open(options: LrSamplerOptions): Promise<LrObjectSampler> {
    const where = 'LrObjectSampler.open';
    requirePositiveInt(where, 'size', options.size);
    if (!Number.isInteger(options.seed)) throw new Error(`${where}: seed must be an integer, but got ${options.seed}.`);
    const flip = options.flipProb ?? 0.5;
    if (!(flip >= 0 && flip <= 1)) throw new Error(`${where}: flipProb must be in [0, 1], but got ${flip}.`);
    if (!fs.existsSync(options.root) || !fs.statSync(options.root).isDirectory()) throw new Error(`${where}: ${options.root} must be the image folder, but it does not exist.`);
    const json = await readInstancesJson(options.annotations, options.minArea ?? 512);
    const { images, skipped, counts } = indexInstances(json, options);
    if (images.length === 0) {
      const top = Object.entries(counts).map(([k, n]) => `${n} ${k}`).join(', ');
      throw new Error(`${where}: ${options.annotations} must have at least one usable instance with its image in ${options.root}, but has none (skipped: ${top || 'nothing to skip'}).`);
    }
    return new LrObjectSampler(options, images, skipped, counts);
  }

  /** Usable instances over all images. */
  get numInstances(): number {
    return this.images.reduce((n, im) => n + im.instances.length, 0);
  }

  /** Every distinct problem met while drawing, with its count. */
  get issues(): (SamplerIssue & { count: number })[] {
    return this.log.list();
  }

  /**
   * Draw `index` of stream `stream`: one object sample. A pure function of (seed, stream, index) and
   * the files, so it may be made ahead of time and in any order.
   */
  async draw(index: number, stream = 0): Promise<SampleDraw> {
    const rng = drawRng(this.options.seed, stream, index);
    const failures: string[] = [];
    for (let attempt = 0; attempt < this.maxAttempts; attempt++) {
      const image = this.images[rng.int(this.images.length)];
      const instance = image.instances[rng.int(image.instances.length)];
      const file = path.join(this.options.root, image.file);
      const loaded = await this.load(file, image, instance);
      if (typeof loaded === 'string') {
        this.log.add({ path: `${file} (annotation id ${instance.id})`, reason: loaded, action: 'skipped' });
        failures.push(`annotation id ${instance.id}: ${loaded}`);
        continue;
      }
      return this.sample(file, loaded.image, loaded.mask, rng);
    }
    throw new Error(`LrObjectSampler.draw: draw ${index} must find a usable instance in ${this.maxAttempts} attempts, but all failed: ${failures.slice(0, 3).join('; ')}.`);
  }

  /** The image and the instance's full-size mask, or why they cannot be used. */
  private async load(file: string, image: LrImage, instance: LrInstance): Promise<{ image: RgbImage; mask: BinaryMask } | string> {
    let rgb: RgbImage, mask: BinaryMask;
    try {
      mask = decodeRle(segmentationToRle(JSON.parse(instance.segmentation), image.height, image.width, `${this.options.annotations}: annotation id ${instance.id}`));
      rgb = await readImage(file);
    } catch (error) {
      return (error as Error).message;
    }
    if (rgb.height !== image.height || rgb.width !== image.width) {
      return `the image is ${rgb.height}×${rgb.width} but the JSON says ${image.height}×${image.width}`;
    }
    if (!maskBbox(mask)) return 'its segmentation has no foreground pixel';
    return { image: rgb, mask };
  }

  private sample(file: string, image: RgbImage, mask: BinaryMask, rng: Rng): SampleDraw {
    const coarse = coarsenMask(mask, rng);
    const bbox = maskBbox(mask) as BoxXyxy;
    const crop = lrObjectCrop(bbox, image.height, image.width, rng, this.padSize);
    const flip = rng.uniform() < this.flipProb;
    return {
      samples: [cropToSample(image, mask, coarse, crop, this.options.size, flip)],
      records: [{ source: file, kind: 'object', bbox, crop, flip, coarse: 'online' }],
    };
  }
}

/** Groups the usable instances by image; everything else goes to `skipped` with its reason. */
function indexInstances(json: { images: unknown[]; categories: unknown[]; annotations: unknown[] }, o: LrSamplerOptions): { images: LrImage[]; skipped: SkippedFile[]; counts: Record<string, number> } {
  const skipped: SkippedFile[] = [], counts: Record<string, number> = {};
  const skip = (what: string, kind: string, reason: string) => {
    skipped.push({ path: what, reason });
    counts[kind] = (counts[kind] ?? 0) + 1;
  };
  const byId = new Map<unknown, LrImage>();
  json.images.forEach((im, i) => {
    const file = isObject(im) ? imageFile(im) : null;
    const ok = isObject(im) && Number.isInteger(im.height) && Number.isInteger(im.width) && (im.height as number) > 0 && (im.width as number) > 0;
    if (!ok || file === null) skip(`${o.annotations}: images[${i}]`, 'bad image entry', 'it must have id, positive integer height and width, and file_name or coco_url');
    else byId.set(im.id, { id: im.id as number, file, height: im.height as number, width: im.width as number, instances: [] });
  });
  const categories = new Set(json.categories.map((c) => (isObject(c) ? c.id : undefined)));
  json.annotations.forEach((a, i) => {
    if (!isObject(a)) return skip(`${o.annotations}: annotations[${i}]`, 'bad annotation entry', 'it must be an object');
    const image = byId.get(a.image_id);
    const problem = annotationProblem(a, image, categories, o.minArea ?? 512);
    if (problem) skip(`${o.annotations}: annotation id ${JSON.stringify(a.id)}`, problem[0], problem[1]);
    else (image as LrImage).instances.push({ id: a.id as number, segmentation: a.segmentation as string });
  });
  const images: LrImage[] = [];
  for (const im of byId.values()) {
    const file = path.join(o.root, im.file);
    if (im.instances.length === 0) skip(file, 'image without a usable instance', 'none of its annotations passes the filters');
    else if (!fs.existsSync(file)) skip(file, 'image file missing', `the file does not exist (${im.instances.length} usable instances lost)`);
    else images.push(im);
  }
  return { images, skipped, counts };
}
