/**
 * COCO / LVIS instance-segmentation JSON: a ground-truth file (images, categories, annotations) and
 * a results file (a list of detections), with every segmentation turned into a COCO RLE the way
 * pycocotools' COCO.annToRLE and loadRes do:
 * - polygons [[x0, y0, x1, y1, …], …] are rasterised with frPoly at the image's size and merged;
 * - uncompressed RLE {size: [h, w], counts: [n0, n1, …]} is taken as is;
 * - compressed RLE {size, counts: "…"} is decoded from pycocotools' string form.
 *
 * Differences from pycocotools, all turning silent misbehaviour into errors that name the
 * annotation id (or the result's index): an odd number of polygon coordinates (pycocotools drops the
 * last one), a polygon whose first part has fewer than 6 coordinates (pycocotools raises a TypeError
 * for 4, reads garbage below), an RLE whose size differs from its image or whose counts do not cover
 * it, and results on images absent from the ground truth (pycocotools asserts).
 * Defaults where pycocotools would raise a KeyError: `iscrowd` 0 (LVIS files have none), `area`
 * = the mask area. LVIS's federated fields (neg_category_ids, not_exhaustive_category_ids) are
 * read by no one here: evaluation follows COCOeval, not LVISEval.
 */
import * as fsSync from 'fs';
import { Rle, rleArea, rleFromPolygon, rleFromString, rleMerge, assertRleSize } from '../util/coco_rle';
import type { CocoInstance } from '../types';

export interface CocoImage { id: number; height: number; width: number; fileName?: string }
export interface CocoCategory { id: number; name: string }

/** A loaded annotation (the shared CocoInstance record). */
export type CocoAnnotation = CocoInstance;

export interface CocoGroundTruth {
  images: CocoImage[];
  categories: CocoCategory[];
  annotations: CocoAnnotation[];
}

export interface CocoDetection {
  /** 1-based position in the results file, as pycocotools loadRes numbers them. */
  id: number;
  imageId: number;
  categoryId: number;
  score: number;
  /** bbox w·h when the first result has a bbox (pycocotools loadRes takes that branch), else the mask area. */
  area: number;
  segmentation: Rle;
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function numberField(o: Json, key: string, where: string): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${where}: '${key}' must be a finite number, but got ${JSON.stringify(v)}.`);
  return v;
}

function sizeOf(seg: Json, where: string): [number, number] {
  const size = seg.size;
  if (!Array.isArray(size) || size.length !== 2 || !size.every((v) => Number.isInteger(v) && v > 0)) {
    throw new Error(`${where}: RLE 'size' must be [height, width] of positive integers, but got ${JSON.stringify(size)}.`);
  }
  return [size[0], size[1]];
}

/**
 * Polygon vertices must lie within the image grown by its own size on every side. pycocotools'
 * rasteriser walks every edge in fifth-pixel steps, so a vertex at 1e7 allocates gigabytes (1e6 took
 * 1.6 GB; 1e7 crashed V8) while only the part inside the image matters. Clipping would change which
 * pixels the upstream rasteriser sets near the border; a vertex this far out is a unit or parsing
 * error anyway, so it is refused, named, instead.
 */
function assertNearImage(poly: number[], height: number, width: number, where: string): void {
  for (let j = 0; j < poly.length; j += 2) {
    const x = poly[j], y = poly[j + 1];
    if (x < -width || x > 2 * width || y < -height || y > 2 * height) {
      throw new Error(`${where}: vertices must lie within [${-width}, ${2 * width}]×[${-height}, ${2 * height}] (the ${width}×${height} image grown by its size), but vertex ${j / 2} is (${x}, ${y}).`);
    }
  }
}

function polygonsToRle(polygons: unknown[], height: number, width: number, where: string): Rle {
  polygons.forEach((poly, i) => {
    if (!Array.isArray(poly) || !poly.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      throw new Error(`${where}: polygon #${i} must be a list of numbers, but got ${JSON.stringify(poly).slice(0, 80)}.`);
    }
    if (poly.length % 2 !== 0) throw new Error(`${where}: polygon #${i} must have an even number of coordinates, but got ${poly.length}.`);
    const min = i === 0 ? 6 : 2; // pycocotools takes a 4-number first polygon for a box and fails
    if (poly.length < min) throw new Error(`${where}: polygon #${i} must have at least ${min} coordinates, but got ${poly.length}.`);
  });
  if (polygons.length === 0) throw new Error(`${where}: a polygon segmentation must have at least one polygon, but got [].`);
  (polygons as number[][]).forEach((poly, i) => assertNearImage(poly, height, width, `${where}: polygon #${i}`));
  return rleMerge((polygons as number[][]).map((p) => rleFromPolygon(p, height, width)));
}

/**
 * One segmentation (polygons, uncompressed or compressed RLE) as an RLE of an image of
 * height×width. `where` names the annotation in errors.
 */
export function segmentationToRle(seg: unknown, height: number, width: number, where: string): Rle {
  if (Array.isArray(seg)) return polygonsToRle(seg, height, width, where);
  if (!isObject(seg)) throw new Error(`${where}: 'segmentation' must be polygons or an RLE object, but got ${JSON.stringify(seg)?.slice(0, 80)}.`);
  const [h, w] = sizeOf(seg, where);
  if (h !== height || w !== width) throw new Error(`${where}: RLE size must be the image size ${height}×${width}, but got ${h}×${w}.`);
  const { counts } = seg;
  let rle: Rle;
  if (typeof counts === 'string') {
    try {
      rle = rleFromString(counts, h, w);
    } catch (error) {
      throw new Error(`${where}: ${(error as Error).message}`, { cause: error });
    }
  } else if (Array.isArray(counts) && counts.every((c) => Number.isInteger(c) && c >= 0)) {
    rle = { height: h, width: w, counts: Uint32Array.from(counts as number[]) };
  } else {
    throw new Error(`${where}: RLE 'counts' must be a string or a list of non-negative integers, but got ${JSON.stringify(counts)?.slice(0, 80)}.`);
  }
  try {
    assertRleSize(rle, 'segmentationToRle');
  } catch (error) {
    throw new Error(`${where}: ${(error as Error).message}`, { cause: error });
  }
  return rle;
}

function parseImage(o: unknown, i: number, source: string): CocoImage {
  const where = `${source}: images[${i}]`;
  if (!isObject(o)) throw new Error(`${where} must be an object, but got ${JSON.stringify(o)}.`);
  const image: CocoImage = { id: numberField(o, 'id', where), height: numberField(o, 'height', where), width: numberField(o, 'width', where) };
  if (!Number.isInteger(image.height) || !Number.isInteger(image.width) || image.height < 1 || image.width < 1) {
    throw new Error(`${where}: height and width must be positive integers, but got ${image.height}×${image.width}.`);
  }
  if (typeof o.file_name === 'string') image.fileName = o.file_name;
  return image;
}

function parseCategory(o: unknown, i: number, source: string): CocoCategory {
  const where = `${source}: categories[${i}]`;
  if (!isObject(o)) throw new Error(`${where} must be an object, but got ${JSON.stringify(o)}.`);
  return { id: numberField(o, 'id', where), name: typeof o.name === 'string' ? o.name : String(o.id) };
}

function parseAnnotation(o: unknown, i: number, images: Map<number, CocoImage>, source: string): CocoAnnotation {
  if (!isObject(o)) throw new Error(`${source}: annotations[${i}] must be an object, but got ${JSON.stringify(o)}.`);
  const id = numberField(o, 'id', `${source}: annotations[${i}]`);
  const where = `${source}: annotation id ${id}`;
  const imageId = numberField(o, 'image_id', where);
  const image = images.get(imageId);
  if (!image) throw new Error(`${where}: image_id must name an image of the file, but got ${imageId}.`);
  const segmentation = segmentationToRle(o.segmentation, image.height, image.width, where);
  return {
    id, imageId, categoryId: numberField(o, 'category_id', where),
    area: o.area === undefined ? rleArea(segmentation) : numberField(o, 'area', where),
    iscrowd: Boolean(o.iscrowd), ignore: Boolean(o.ignore), segmentation,
  };
}

/** Validates and converts a parsed ground-truth JSON. `source` (the file) prefixes every error. */
export function parseCocoGroundTruth(json: unknown, source: string): CocoGroundTruth {
  if (!isObject(json)) throw new Error(`${source}: a COCO ground truth must be an object with images, categories and annotations, but got ${Array.isArray(json) ? 'a list' : typeof json}.`);
  for (const key of ['images', 'categories', 'annotations']) {
    if (!Array.isArray(json[key])) throw new Error(`${source}: '${key}' must be a list, but got ${JSON.stringify(json[key])?.slice(0, 40)}.`);
  }
  const images = (json.images as unknown[]).map((o, i) => parseImage(o, i, source));
  const byId = new Map(images.map((im) => [im.id, im]));
  if (byId.size !== images.length) throw new Error(`${source}: image ids must be unique, but ${images.length - byId.size} repeat.`);
  const categories = (json.categories as unknown[]).map((o, i) => parseCategory(o, i, source));
  const annotations = (json.annotations as unknown[]).map((o, i) => parseAnnotation(o, i, byId, source));
  return { images, categories, annotations };
}

function parseDetection(o: unknown, i: number, images: Map<number, CocoImage>, boxArea: boolean, source: string): CocoDetection {
  const where = `${source}: result #${i}`;
  if (!isObject(o)) throw new Error(`${where} must be an object, but got ${JSON.stringify(o)}.`);
  const imageId = numberField(o, 'image_id', where);
  const image = images.get(imageId);
  if (!image) throw new Error(`${where}: image_id must be an image of the ground truth, but got ${imageId}.`);
  if (o.segmentation === undefined) throw new Error(`${where}: 'segmentation' must be present (mask results), but it is missing.`);
  const segmentation = segmentationToRle(o.segmentation, image.height, image.width, where);
  let area = rleArea(segmentation);
  if (boxArea) {
    const bb = o.bbox;
    if (!Array.isArray(bb) || bb.length !== 4 || !bb.every((v) => typeof v === 'number')) throw new Error(`${where}: 'bbox' must be [x, y, w, h] like the first result's, but got ${JSON.stringify(bb)}.`);
    area = bb[2] * bb[3];
  }
  return { id: i + 1, imageId, categoryId: numberField(o, 'category_id', where), score: numberField(o, 'score', where), area, segmentation };
}

/** Validates and converts a parsed results JSON (a list of detections) against its ground truth. */
export function parseCocoResults(json: unknown, gt: CocoGroundTruth, source: string): CocoDetection[] {
  if (!Array.isArray(json)) throw new Error(`${source}: COCO results must be a list of detections, but got ${typeof json}.`);
  const images = new Map(gt.images.map((im) => [im.id, im]));
  const first = json[0];
  const boxArea = isObject(first) && Array.isArray(first.bbox) && first.bbox.length > 0;
  return json.map((o, i) => parseDetection(o, i, images, boxArea, source));
}

export async function readCocoGroundTruth(file: string): Promise<CocoGroundTruth> {
  return parseCocoGroundTruth(readJsonFile(file, 'readCocoGroundTruth'), file);
}

export async function readCocoResults(file: string, gt: CocoGroundTruth): Promise<CocoDetection[]> {
  return parseCocoResults(readJsonFile(file, 'readCocoResults'), gt, file);
}

/** Reads and parses a JSON file at once; errors start with `where` and name the file. */
export function readJsonFile(file: string, where: string): unknown {
  let text: string;
  try {
    text = fsSync.readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`${where}: ${file} must be a readable file, but reading failed: ${(error as Error).message}`, { cause: error });
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`${where}: ${file} must be valid JSON, but parsing failed: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * The detections of a results file as they are (objects, mutable): a results list, or the
 * `annotations` of a dataset-style object. Each must carry a numeric image_id.
 */
export function cocoDetectionList(json: unknown, file: string, where: string): Json[] {
  const list = Array.isArray(json) ? json : (json as Json | null)?.annotations;
  if (!Array.isArray(list)) throw new Error(`${where}: ${file} must be a COCO results list or an object with 'annotations', but got ${Array.isArray(json) ? 'a list' : typeof json}.`);
  list.forEach((d, i) => {
    if (typeof d !== 'object' || d === null || typeof (d as Json).image_id !== 'number') throw new Error(`${where}: ${file}: detection #${i} must be an object with a numeric image_id, but got ${JSON.stringify(d)?.slice(0, 80)}.`);
  });
  return list as Json[];
}

/** The image ids of detections, each once, in order of first appearance. */
export function cocoImageIds(detections: Json[]): number[] {
  return [...new Set(detections.map((d) => d.image_id as number))];
}
