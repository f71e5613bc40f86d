/**
 * `segrefiner merge`: joins the shards of one run into exactly what a single run of the job writes.
 * The items are put back in the single run's order, and every set-level number is recomputed from
 * the per-item records in that order, never averaged from shard averages:
 * - refine: the mask files, copied byte for byte; the coarse-vs-refined table from the per-image
 *   IoU counts (cumulative IoU = ΣI/ΣU over all images), mBA and Boundary IoU.
 * - refine-coco: the input JSON with each detection's segmentation replaced, serialised as one run does.
 * - eval: the report JSON, its aggregates (means, ΣI/ΣU, mBA, DIS curves) rebuilt from every image.
 * - ablate: the results JSON, mean ± std over the merged seeds of each variant.
 */
import * as fs from 'fs';
import * as path from 'path';
import { cocoDetectionList, cocoImageIds, readJsonFile } from '../data/coco_json';
import { buildFolderReport, FolderEvalReport, pairMaskFiles, ScoredImage } from '../evaluate/folder_eval';
import { RefineRow } from '../evaluate/refine_table';
import {
  AblationResults, ablationResults, ablationUnits, datasetScores, defaultStepVariants, summarizeVariant, syntheticAblationSet, UnitScores, unitKey,
} from '../evaluate/step_ablation';
import { SYNTHETIC_MODEL_DIR } from '../refine/shipped_models';
import { writeFileAtomic } from '../util/atomic_write';
import { fileSha256 } from './fingerprint';
import { keysDigest, sortedKeys } from './shard';
import { ShardIdentity } from './shard_store';
import { loadShardSet, recordOf, ShardSet } from './shard_set';

/** The per-image record of a refine shard (cli/refine.ts writes it): the progress note, the scores with --gt. */
export interface RefineRecord { result: string; scores: RefineRow | null }
/** The per-image record of a refine-coco shard (cli/refine_coco.ts writes it): the new segmentations in file order, counts. */
export interface CocoImageRecord { segmentations: { size: [number, number]; counts: string }[]; refined: number; passedThrough: number; empty: number }

/** The shard folder of a refine run keeps its masks here. */
export const SHARD_MASKS_DIR = 'masks';

/** What each job's merge wrote (and the summary its single run prints). */
export type JobMerge =
  | { job: 'refine'; shards: number; out: string; masks: number; rows: RefineRow[] | null }
  | { job: 'refine-coco'; shards: number; out: string; summary: { images: number; detections: number; refined: number; passedThrough: number; empty: number } }
  | { job: 'eval'; shards: number; out: string; report: FolderEvalReport }
  | { job: 'ablate'; shards: number; out: string; results: AblationResults };

/** A merge, with the tfjs backends its shards ran on (one, unless mixed). */
export type MergeResult = JobMerge & { backends: string[] };

/** A path argument of the run, resolved against the folder the shards ran in. */
const argPath = (id: ShardIdentity, name: string): string => path.resolve(id.cwd, String(id.args[name]));

/** Checks that the inputs still give the item set the shards saw. */
function assertSameKeys(id: ShardIdentity, keys: string[], what: string): void {
  const now = keysDigest(keys, 'merge');
  if (now.sha256 !== id.keys.sha256) {
    throw new Error(`merge: ${what} must give the items the shards ran on, but gives ${now.count} items (the shards saw ${id.keys.count}, another set); the inputs changed since the shards ran.`);
  }
}

function mergeRefine(set: ShardSet, out: string): JobMerge {
  const keys = sortedKeys([...set.owner.keys()], 'merge'); // = the single run's order (loadPairedFolder sorts by stem)
  const rows: RefineRow[] = [];
  fs.mkdirSync(out, { recursive: true });
  for (const stem of keys) {
    const record = recordOf<RefineRecord>(set, stem);
    writeFileAtomic(path.join(out, `${stem}.png`), fs.readFileSync(path.join(set.owner.get(stem) as string, SHARD_MASKS_DIR, `${stem}.png`)));
    if (record.scores) rows.push(record.scores);
  }
  return { job: 'refine', shards: set.shards.length, out, masks: keys.length, rows: set.identity.args.gt === null ? null : rows };
}

function mergeRefineCoco(set: ShardSet, out: string): JobMerge {
  const id = set.identity, file = argPath(id, 'results');
  if (fileSha256(file, 'merge') !== id.files.results) throw new Error(`merge: ${file} must be the results file the shards refined, but its SHA-256 differs; it changed since the shards ran.`);
  const json = readJsonFile(file, 'merge');
  const detections = cocoDetectionList(json, file, 'merge');
  const ids = cocoImageIds(detections);
  assertSameKeys(id, ids.map(String), file);
  const summary = { images: ids.length, detections: detections.length, refined: 0, passedThrough: 0, empty: 0 };
  for (const imageId of ids) {
    const r = recordOf<CocoImageRecord>(set, String(imageId));
    const mine = detections.filter((d) => d.image_id === imageId);
    if (r.segmentations.length !== mine.length) throw new Error(`merge: the record of image_id ${imageId} must hold ${mine.length} segmentations, but holds ${r.segmentations.length}.`);
    mine.forEach((d, i) => { d.segmentation = r.segmentations[i]; });
    summary.refined += r.refined;
    summary.passedThrough += r.passedThrough;
    summary.empty += r.empty;
  }
  writeFileAtomic(out, JSON.stringify(json));
  return { job: 'refine-coco', shards: set.shards.length, out, summary };
}

async function mergeEval(set: ShardSet, out: string): Promise<JobMerge> {
  const id = set.identity;
  const coarse = id.args.coarse === null ? undefined : argPath(id, 'coarse');
  const triples = await pairMaskFiles(argPath(id, 'pred'), argPath(id, 'gt'), coarse); // the single run's order
  assertSameKeys(id, triples.map((t) => t.stem), `the folders ${id.args.pred} and ${id.args.gt}`);
  const scored = triples.map((t) => recordOf<ScoredImage>(set, t.stem));
  const report = buildFolderReport({ pred: String(id.args.pred), gt: String(id.args.gt), coarse: id.args.coarse === null ? undefined : String(id.args.coarse) }, scored);
  writeFileAtomic(out, `${JSON.stringify(report, null, 2)}\n`);
  return { job: 'eval', shards: set.shards.length, out, report };
}

function mergeAblation(set: ShardSet, out: string): JobMerge {
  const id = set.identity;
  const model = id.args.model === null ? null : String(id.args.model);
  const numTimesteps = (id.options as { numTimesteps: number }).numTimesteps;
  const scenes = Number(id.args.scenes ?? 12), seeds = Array.from({ length: Number(id.args.seeds ?? 5) }, (_, i) => i);
  const variants = defaultStepVariants(numTimesteps);
  const units = ablationUnits(variants, seeds);
  assertSameKeys(id, units.map(unitKey), 'the variants × seeds');
  const variantResults = variants.map((v, i) => summarizeVariant(v, units.filter((u) => u.variant === i).map((u) => recordOf<UnitScores>(set, unitKey(u)))));
  const size = (JSON.parse(fs.readFileSync(path.join(model === null ? SYNTHETIC_MODEL_DIR : path.resolve(id.cwd, model), 'config.json'), 'utf8')) as { imageSize: number }).imageSize;
  const { samples } = syntheticAblationSet(scenes, size);
  const results = ablationResults(model, scenes, size, seeds, datasetScores(samples, samples.map((s) => s.coarse)), variantResults);
  writeFileAtomic(out, `${JSON.stringify(results, null, 2)}\n`);
  return { job: 'ablate', shards: set.shards.length, out, results };
}

/**
 * Checks the shards under `paths` (shard_set.ts) and writes the merged output to `out`: a folder
 * for refine, a JSON file for the others.
 */
export async function mergeShards(paths: string[], out: string): Promise<MergeResult> {
  const set = loadShardSet(paths);
  const backends = [...new Set(set.shards.map((s) => s.manifest.backend ?? 'unknown'))].sort();
  const merge = { refine: mergeRefine, 'refine-coco': mergeRefineCoco, eval: mergeEval, ablate: mergeAblation }[set.identity.job];
  if (!merge) throw new Error(`merge: the shards' job must be one of refine, refine-coco, eval, ablate, but is '${String(set.identity.job)}'.`);
  return { ...(await merge(set, out)), backends };
}
