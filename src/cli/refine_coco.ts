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
 * With `--shard K/N`: only shard K's images (by image id, cluster/shard.ts); `--out` is then the
 * shard's folder (manifest + one record per image, a rerun skips those) and `segrefiner merge`
 * writes the JSON, byte for byte what one run writes.
 */
import * as fs from 'fs';
import * as path from 'path';
import { initBackend } from '../backend/select_backend';
import { fileSha256, modelSha256 } from '../cluster/fingerprint';
import { CocoImageRecord } from '../cluster/merge';
import { ShardSpec } from '../cluster/shard';
import { cocoDetectionList, cocoImageIds, readCocoGroundTruth, readJsonFile, segmentationToRle } from '../data/coco_json';
import { IMAGE_EXTENSIONS, readImage } from '../data/image_io';
import { RefineOptionsInput } from '../refine/options';
import { SegRefiner } from '../refine/refiner';
import { writeFileAtomic } from '../util/atomic_write';
import { decodeRle, encodeMask, rleToString } from '../util/coco_rle';
import { assertInputsExist, assertOutputIsNotInput, prepareOutputFile, prepareOutputFolder } from './output_paths';
import { FlagSpecs, formatUsage, parseFlags } from './parse_flags';
import { loadRefinerFromFlag, MODEL_FLAGS, modelPathOf, refineOptionsFromFlags } from './refine';
import { argsOf, openShard, SHARD_FLAGS, shardFromFlags, shardSummary } from './shard_flag';
import { UsageError } from './usage_error';

export const REFINE_COCO_FLAGS: FlagSpecs = {
  images: { type: 'string', description: 'folder of the images (required)' },
  results: { type: 'string', description: 'COCO results JSON (list) or dataset-style JSON with annotations (required)' },
  out: { type: 'string', description: 'output JSON (required)' },
  annotations: { type: 'string', description: 'COCO ground-truth JSON giving file names and sizes for a results list' },
  ...MODEL_FLAGS,
  ...SHARD_FLAGS,
};

type Json = Record<string, unknown>;

/** Where the image of one id is, and its size when the JSON says it. */
interface ImageRef { file: string | null; tried: string[]; height?: number; width?: number }

/** Summary of a refine-coco run. */
export interface RefineCocoSummary { images: number; detections: number; refined: number; passedThrough: number; empty: number }

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

/** The parsed input of a refine-coco run: the JSON (mutated in place), its detections, image ids in order, image files. */
interface CocoInput { json: unknown; detections: Record<string, unknown>[]; ids: number[]; refs: Map<number, ImageRef> }

async function readCocoInput(opts: { images: string; results: string; annotations?: string }): Promise<CocoInput> {
  const json = readJsonFile(opts.results, 'refine-coco');
  const detections = cocoDetectionList(json, opts.results, 'refine-coco');
  const ids = cocoImageIds(detections);
  const refs = await imageRefs(json, opts.images, ids, opts.annotations);
  assertAllExist(refs, opts.results, opts.images);
  return { json, detections, ids, refs };
}

/** Refines the masks of one image (empty ones kept, re-encoded); returns the new segmentations. */
async function refineCocoImage(refiner: SegRefiner, input: CocoInput, id: number, options: RefineOptionsInput, resultsFile: string): Promise<CocoImageRecord> {
  const ref = input.refs.get(id) as ImageRef;
  const image = await readImage(ref.file as string);
  if (ref.height !== undefined && (ref.height !== image.height || ref.width !== image.width)) {
    throw new Error(`refine-coco: ${ref.file} must have the size its JSON gives (${ref.height}×${ref.width}), but is ${image.height}×${image.width}.`);
  }
  const mine = input.detections.filter((d) => d.image_id === id);
  const masks = mine.map((d) => decodeRle(segmentationToRle(d.segmentation, image.height, image.width, `refine-coco: ${resultsFile}: detection on image_id ${id}`)));
  const nonEmpty = masks.map((_, i) => i).filter((i) => masks[i].data.some((v) => v === 1));
  refiner.setImage(image);
  const results = nonEmpty.length ? await refiner.refineBatch(nonEmpty.map((i) => masks[i]), { mode: 'instance', ...options }) : [];
  refiner.reset();
  nonEmpty.forEach((i, j) => { masks[i] = results[j].mask; });
  const passed = results.filter((r) => r.passedThrough).length;
  return {
    segmentations: masks.map((m) => ({ size: [image.height, image.width], counts: rleToString(encodeMask(m)) })),
    refined: results.length - passed, passedThrough: passed, empty: masks.length - nonEmpty.length,
  };
}

const progress = (k: number, n: number, id: number, r: CocoImageRecord) => `[${k + 1}/${n}] image_id ${id}: ${r.refined} refined, ${r.passedThrough} passed through, ${r.empty} empty`;

/**
 * Refines the masks of `resultsFile` and writes `outFile` (see the file comment).
 * @param log progress lines (one per image)
 */
export async function refineCocoFile(refiner: SegRefiner, opts: { images: string; results: string; out: string; annotations?: string },
  options: RefineOptionsInput, log: (line: string) => void = () => undefined): Promise<RefineCocoSummary> {
  const input = await readCocoInput(opts);
  const summary: RefineCocoSummary = { images: input.ids.length, detections: input.detections.length, refined: 0, passedThrough: 0, empty: 0 };
  for (const [k, id] of input.ids.entries()) {
    const r = await refineCocoImage(refiner, input, id, options, opts.results);
    input.detections.filter((d) => d.image_id === id).forEach((d, i) => { d.segmentation = r.segmentations[i]; });
    summary.refined += r.refined;
    summary.passedThrough += r.passedThrough;
    summary.empty += r.empty;
    log(progress(k, input.ids.length, id, r));
  }
  refiner.reset();
  writeFileAtomic(opts.out, JSON.stringify(input.json));
  return summary;
}

/**
 * Shard `shard` of a refine-coco run: refines the images of the shard not done yet, keeping one
 * record per image in the shard folder `opts.out`; `segrefiner merge` writes the JSON.
 * @returns whether the shard is complete
 */
export async function refineCocoShard(refiner: SegRefiner, opts: { images: string; results: string; out: string; annotations?: string },
  options: RefineOptionsInput, shard: ShardSpec, args: Record<string, string | boolean | null>, modelSha: string, log: (line: string) => void = () => undefined): Promise<boolean> {
  const input = await readCocoInput(opts);
  const files: Record<string, string> = { results: fileSha256(opts.results, 'refine-coco') };
  if (opts.annotations) files.annotations = fileSha256(opts.annotations, 'refine-coco');
  const store = openShard('refine-coco', shard, opts.out, input.ids.map(String), { args, model: modelSha, files, options: JSON.parse(JSON.stringify(options)) }, log);
  const pending = store.pending();
  for (const [k, key] of pending.entries()) {
    const r = await refineCocoImage(refiner, input, Number(key), options, opts.results);
    store.write(key, r);
    log(progress(k, pending.length, Number(key), r));
  }
  log(shardSummary(store, shard));
  return store.finish().complete;
}

export async function runRefineCoco(argv: string[]): Promise<number> {
  const flags = parseFlags('refine-coco', argv, REFINE_COCO_FLAGS);
  const usage = formatUsage('refine-coco', REFINE_COCO_FLAGS);
  for (const name of ['images', 'results', 'out']) {
    if (flags[name] === undefined) throw new UsageError(`segrefiner refine-coco: --${name} is required.`, usage);
  }
  const shard = shardFromFlags(flags, 'refine-coco', usage);
  const options = refineOptionsFromFlags(flags, 'refine-coco', usage);
  const out = { flag: 'out', path: String(flags.out) };
  assertInputsExist('refine-coco', [{ flag: 'results', path: String(flags.results) }, ...(flags.annotations === undefined ? [] : [{ flag: 'annotations', path: String(flags.annotations) }])], 'file');
  assertInputsExist('refine-coco', [{ flag: 'images', path: String(flags.images) }], 'folder');
  assertOutputIsNotInput('refine-coco', out, ['images', 'results', 'annotations'].filter((n) => flags[n] !== undefined).map((n) => ({ flag: n, path: String(flags[n]) })), usage);
  if (shard) prepareOutputFolder('refine-coco', out); // a shard's --out is its folder; merge writes the JSON
  else prepareOutputFile('refine-coco', out, ['.json']);
  await initBackend();
  const refiner = await loadRefinerFromFlag(flags.model as string | undefined, 'refine-coco');
  const opts = { images: String(flags.images), results: String(flags.results), out: String(flags.out), annotations: flags.annotations as string | undefined };
  try {
    const start = Date.now();
    if (shard) {
      const args = argsOf(flags, ['images', 'results', 'annotations', 'model']);
      return (await refineCocoShard(refiner, opts, options, shard, args, modelSha256(modelPathOf(flags)), (line) => console.log(line))) ? 0 : 1;
    }
    const s = await refineCocoFile(refiner, opts, options, (line) => console.log(line));
    console.log(`${s.detections} masks on ${s.images} images: ${s.refined} refined, ${s.passedThrough} passed through (area below the threshold), ${s.empty} empty; ${((Date.now() - start) / 1000).toFixed(1)} s → ${flags.out}`);
  } finally {
    refiner.dispose();
  }
  return 0;
}
