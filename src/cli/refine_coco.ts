/**
 * `segrefiner refine-coco --images dir --results in.json --out out.json [--annotations gt.json]`:
 * refines every instance mask of a COCO results file, COCO JSON in, COCO JSON out (method.md §4.1).
 *
 * Input: a results list `[{image_id, category_id, segmentation, score, bbox, ...}]`, or a
 * dataset-style object `{images, annotations, ...}` whose annotations carry the masks. Image files:
 * from `file_name` (dataset form, or `--annotations gt.json` for a list), else `<images>/<id>.<ext>`
 * with the id zero-padded to 12 digits as COCO names its files, or unpadded. Every image must exist
 * before any work starts. Output: the same JSON with each `segmentation` replaced by a compressed RLE
 * `{size: [h, w], counts: "..."}`; every other field (bbox, score, category_id, labels, ...) is kept
 * as it was. Empty masks are kept as they were (re-encoded); masks below the area threshold pass
 * through (upstream). Mode 'instance' unless --mode says otherwise.
 */
import * as fs from 'fs';
import * as path from 'path';
import { initBackend } from '../backend/select_backend';
import { readCocoGroundTruth, segmentationToRle } from '../data/coco_json';
import { IMAGE_EXTENSIONS, readImage } from '../data/image_io';
import { RefineOptionsInput } from '../refine/options';
import { SegRefiner } from '../refine/refiner';
import { writeFileAtomic } from '../util/atomic_write';
import { decodeRle, encodeMask, rleToString } from '../util/coco_rle';
import { assertInputsExist, assertOutputIsNotInput, prepareOutputFile } from './output_paths';
import { FlagSpecs, formatUsage, parseFlags } from './parse_flags';
import { loadRefinerFromFlag, MODEL_FLAGS, refineOptionsFromFlags } from './refine';
import { UsageError } from './usage_error';

export const REFINE_COCO_FLAGS: FlagSpecs = {
  images: { type: 'string', description: 'folder of the images (required)' },
  results: { type: 'string', description: 'COCO results JSON (list) or dataset-style JSON with annotations (required)' },
  out: { type: 'string', description: 'output JSON (required)' },
  annotations: { type: 'string', description: 'COCO ground-truth JSON giving file names and sizes for a results list' },
  ...MODEL_FLAGS,
};

type Json = Record<string, unknown>;

/** Where the image of one id is, and its size when the JSON says it. */
interface ImageRef { file: string | null; tried: string[]; height?: number; width?: number }

/** Summary of a refine-coco run. */
export interface RefineCocoSummary { images: number; detections: number; refined: number; passedThrough: number; empty: number }

function readJson(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`refine-coco: ${file} must be a readable file, but reading failed: ${(error as Error).message}`, { cause: error });
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`refine-coco: ${file} must be valid JSON, but parsing failed: ${(error as Error).message}`, { cause: error });
  }
}

/** The detections (objects carrying a segmentation) of either input form. */
function detectionsOf(json: unknown, file: string): Json[] {
  const list = Array.isArray(json) ? json : (json as Json | null)?.annotations;
  if (!Array.isArray(list)) throw new Error(`refine-coco: ${file} must be a COCO results list or an object with 'annotations', but got ${Array.isArray(json) ? 'a list' : typeof json}.`);
  list.forEach((d, i) => {
    if (typeof d !== 'object' || d === null || typeof (d as Json).image_id !== 'number') throw new Error(`refine-coco: ${file}: detection #${i} must be an object with a numeric image_id, but got ${JSON.stringify(d)?.slice(0, 80)}.`);
  });
  return list as Json[];
}

/** Candidate file names for an image id without a file_name: COCO's 12-digit form, then the bare id. */
function filesForId(dir: string, id: number): string[] {
  return [String(id).padStart(12, '0'), String(id)].flatMap((stem) => IMAGE_EXTENSIONS.map((ext) => path.join(dir, `${stem}${ext}`)));
}

async function imageRefs(json: unknown, dir: string, ids: number[], annotations?: string): Promise<Map<number, ImageRef>> {
  const named = new Map<number, { fileName?: string; height: number; width: number }>();
  if (annotations) (await readCocoGroundTruth(annotations)).images.forEach((im) => named.set(im.id, im));
  else if (!Array.isArray(json) && Array.isArray((json as Json).images)) {
    for (const im of (json as Json).images as Json[]) {
      if (typeof im.id === 'number') named.set(im.id, { fileName: typeof im.file_name === 'string' ? im.file_name : undefined, height: Number(im.height), width: Number(im.width) });
    }
  }
  const refs = new Map<number, ImageRef>();
  for (const id of ids) {
    const info = named.get(id);
    const tried = info?.fileName ? [path.join(dir, info.fileName)] : filesForId(dir, id);
    refs.set(id, { file: tried.find((f) => fs.existsSync(f)) ?? null, tried, height: info?.height, width: info?.width });
  }
  return refs;
}

function assertAllExist(refs: Map<number, ImageRef>, resultsFile: string, dir: string): void {
  const missing = [...refs.entries()].filter(([, r]) => r.file === null);
  if (missing.length === 0) return;
  const shown = missing.slice(0, 5).map(([id, r]) => `image_id ${id} (looked for ${r.tried.length > 2 ? `${path.basename(r.tried[0])}, ${path.basename(r.tried[1])}, …` : r.tried.map((t) => path.basename(t)).join(', ')})`);
  throw new Error(`refine-coco: every image named in ${resultsFile} must exist in ${dir}, but ${missing.length} do not: ${shown.join('; ')}${missing.length > 5 ? '; …' : ''}.`);
}

/**
 * Refines the masks of `resultsFile` and writes `outFile` (see the file comment).
 * @param log progress lines (one per image)
 */
export async function refineCocoFile(refiner: SegRefiner, opts: { images: string; results: string; out: string; annotations?: string },
  options: RefineOptionsInput, log: (line: string) => void = () => undefined): Promise<RefineCocoSummary> {
  const json = readJson(opts.results);
  const detections = detectionsOf(json, opts.results);
  const ids = [...new Set(detections.map((d) => d.image_id as number))];
  const refs = await imageRefs(json, opts.images, ids, opts.annotations);
  assertAllExist(refs, opts.results, opts.images);
  const summary: RefineCocoSummary = { images: ids.length, detections: detections.length, refined: 0, passedThrough: 0, empty: 0 };
  for (const [k, id] of ids.entries()) {
    const ref = refs.get(id) as ImageRef;
    const image = await readImage(ref.file as string);
    if (ref.height !== undefined && (ref.height !== image.height || ref.width !== image.width)) {
      throw new Error(`refine-coco: ${ref.file} must have the size its JSON gives (${ref.height}×${ref.width}), but is ${image.height}×${image.width}.`);
    }
    const mine = detections.filter((d) => d.image_id === id);
    const masks = mine.map((d) => decodeRle(segmentationToRle(d.segmentation, image.height, image.width, `refine-coco: ${opts.results}: detection on image_id ${id}`)));
    const nonEmpty = masks.map((_, i) => i).filter((i) => masks[i].data.some((v) => v === 1));
    refiner.setImage(image);
    const results = nonEmpty.length ? await refiner.refineBatch(nonEmpty.map((i) => masks[i]), { mode: 'instance', ...options }) : [];
    nonEmpty.forEach((i, j) => { masks[i] = results[j].mask; });
    mine.forEach((d, i) => { d.segmentation = { size: [image.height, image.width], counts: rleToString(encodeMask(masks[i])) }; });
    const passed = results.filter((r) => r.passedThrough).length;
    summary.refined += results.length - passed;
    summary.passedThrough += passed;
    summary.empty += masks.length - nonEmpty.length;
    log(`[${k + 1}/${ids.length}] image_id ${id}: ${results.length - passed} refined, ${passed} passed through, ${masks.length - nonEmpty.length} empty`);
  }
  refiner.reset();
  writeFileAtomic(opts.out, JSON.stringify(json));
  return summary;
}

export async function runRefineCoco(argv: string[]): Promise<number> {
  const flags = parseFlags('refine-coco', argv, REFINE_COCO_FLAGS);
  const usage = formatUsage('refine-coco', REFINE_COCO_FLAGS);
  for (const name of ['images', 'results', 'out']) {
    if (flags[name] === undefined) throw new UsageError(`segrefiner refine-coco: --${name} is required.`, usage);
  }
  const options = refineOptionsFromFlags(flags, 'refine-coco', usage);
  const out = { flag: 'out', path: String(flags.out) };
  assertInputsExist('refine-coco', [{ flag: 'results', path: String(flags.results) }, ...(flags.annotations === undefined ? [] : [{ flag: 'annotations', path: String(flags.annotations) }])], 'file');
  assertInputsExist('refine-coco', [{ flag: 'images', path: String(flags.images) }], 'folder');
  assertOutputIsNotInput('refine-coco', out, ['images', 'results', 'annotations'].filter((n) => flags[n] !== undefined).map((n) => ({ flag: n, path: String(flags[n]) })), usage);
  prepareOutputFile('refine-coco', out, ['.json']);
  await initBackend();
  const refiner = await loadRefinerFromFlag(flags.model as string | undefined, 'refine-coco');
  try {
    const start = Date.now();
    const s = await refineCocoFile(refiner, {
      images: String(flags.images), results: String(flags.results), out: String(flags.out), annotations: flags.annotations as string | undefined,
    }, options, (line) => console.log(line));
    console.log(`${s.detections} masks on ${s.images} images: ${s.refined} refined, ${s.passedThrough} passed through (area below the threshold), ${s.empty} empty; ${((Date.now() - start) / 1000).toFixed(1)} s → ${flags.out}`);
  } finally {
    refiner.dispose();
  }
  return 0;
}
