/**
 * Real-photo evaluation (issue 14): a model on paired photo folders (`<root>/<source>/images|masks`, e.g.
 * ../shared/data/dev), per source and coarse kind, refined through SegRefiner for several sampling seeds.
 * Coarse masks are exactly `segrefiner coarsen --kind K --seed 0`'s. Reports IoU, mBA and Boundary IoU of
 * the coarse and the refined masks, refined as mean ± std over the seeds.
 *   npx tsx experiments/evaluate_photos.ts --model models/cpu-real [--dev ../shared/data/dev]
 *     [--kinds modify-boundary,gentle] [--seeds 3] [--mode instance|hr|auto] [--steps N] [--gate t]
 *     [--options '<RefineOptions JSON>'] [--out evaluation_photos.json]
 * Options not given are the model's own defaults (config.json refineDefaults), then the library's.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import {
  BinaryMask, coarseOfKind, createRng, fileSeed, initBackend, loadPairedFolder, MaskScores, readBinaryMask, readImage,
  RefineOptionsInput, RgbImage, scoreMasks, SegRefiner, writeFileAtomic,
} from '../src';

/** One photo with its ground truth and one coarse mask per kind. */
export interface PhotoItem { name: string; image: RgbImage; gt: BinaryMask; coarse: Record<string, BinaryMask> }
export interface PhotoSet { source: string; items: PhotoItem[] }
export interface Stat { mean: number; std: number; perSeed: number[] }
export interface PhotoRow {
  source: string;
  kind: string;
  images: number;
  coarse: MaskScores;
  refined: { meanIou: Stat; mba: Stat; boundaryIou: Stat; cumulativeIou: Stat };
  /** Wall seconds per refinement (mean over seeds). */
  secondsPerImage: number;
}

/** Reads every source folder under `root` and makes the coarse masks of each kind (seeded per file name). */
export async function loadPhotoSets(root: string, kinds: string[]): Promise<PhotoSet[]> {
  const sets: PhotoSet[] = [];
  for (const source of fs.readdirSync(root).filter((d) => fs.statSync(path.join(root, d)).isDirectory()).sort()) {
    const items: PhotoItem[] = [];
    for (const item of loadPairedFolder(path.join(root, source)).items) {
      const [image, gt] = await Promise.all([readImage(item.imagePath), readBinaryMask(item.maskPath)]);
      const name = path.basename(item.maskPath);
      const coarse = Object.fromEntries(kinds.map((k) => [k, coarseOfKind(gt, createRng(fileSeed(0, name)), k)]));
      items.push({ name, image, gt, coarse });
    }
    sets.push({ source, items });
  }
  return sets;
}

function stat(values: number[]): Stat {
  const mean = values.reduce((a, v) => a + v, 0) / values.length;
  const std = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length);
  return { mean, std, perSeed: values };
}

/** Refines every (source, kind) set for each seed with `options`; one row per (source, kind). */
export async function evaluatePhotoSets(refiner: SegRefiner, sets: PhotoSet[], kinds: string[], seeds: number[], options: RefineOptionsInput): Promise<PhotoRow[]> {
  const rows: PhotoRow[] = [];
  for (const set of sets) {
    for (const kind of kinds) {
      const gts = set.items.map((i) => i.gt), coarse = set.items.map((i) => i.coarse[kind]);
      const perSeed: MaskScores[] = [];
      const t0 = Date.now();
      for (const seed of seeds) {
        const refined: BinaryMask[] = [];
        for (const item of set.items) {
          refiner.setImage(item.image);
          refined.push((await refiner.refine(item.coarse[kind], { ...options, seed })).mask);
        }
        perSeed.push(scoreMasks(gts, refined));
      }
      const pick = (f: (m: MaskScores) => number) => stat(perSeed.map(f));
      rows.push({
        source: set.source, kind, images: set.items.length, coarse: scoreMasks(gts, coarse),
        refined: { meanIou: pick((m) => m.meanIou), mba: pick((m) => m.mba), boundaryIou: pick((m) => m.boundaryIou), cumulativeIou: pick((m) => m.cumulativeIou) },
        secondsPerImage: (Date.now() - t0) / 1000 / (seeds.length * set.items.length),
      });
    }
  }
  return rows;
}

const pct = (x: number) => (100 * x).toFixed(2);
const pm = (s: Stat) => `${pct(s.mean)} ± ${pct(s.std)}`;

export function formatPhotoRows(rows: PhotoRow[]): string {
  const lines = ['| source | coarse kind | images | IoU coarse → refined | mBA coarse → refined | Boundary IoU coarse → refined | s / image |', '|---|---|---|---|---|---|---|'];
  for (const r of rows) {
    lines.push(`| ${r.source} | ${r.kind} | ${r.images} | ${pct(r.coarse.meanIou)} → ${pm(r.refined.meanIou)} | ${pct(r.coarse.mba)} → ${pm(r.refined.mba)} | ${pct(r.coarse.boundaryIou)} → ${pm(r.refined.boundaryIou)} | ${r.secondsPerImage.toFixed(2)} |`);
  }
  return lines.join('\n');
}

/** RefineOptions from the flags (only those given). */
function optionsFromFlags(v: Record<string, string | undefined>): RefineOptionsInput {
  const o: RefineOptionsInput = v.options ? JSON.parse(v.options) : {};
  if (v.mode) o.mode = v.mode as RefineOptionsInput['mode'];
  if (v.steps) o.steps = Number(v.steps);
  if (v.gate) o.gate = Number(v.gate) > 0 ? { threshold: Number(v.gate) } : null;
  return o;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: {
    model: { type: 'string', default: 'models/cpu-real' }, dev: { type: 'string', default: '../shared/data/dev' },
    kinds: { type: 'string', default: 'modify-boundary,gentle' }, seeds: { type: 'string', default: '3' },
    mode: { type: 'string' }, steps: { type: 'string' }, gate: { type: 'string' }, options: { type: 'string' }, out: { type: 'string' },
  } });
  const backend = await initBackend();
  const kinds = (values.kinds as string).split(',');
  const seeds = Array.from({ length: Number(values.seeds) }, (_, i) => i);
  const options = optionsFromFlags(values as Record<string, string | undefined>);
  const t0 = Date.now();
  const sets = await loadPhotoSets(values.dev as string, kinds);
  const refiner = await SegRefiner.load(values.model as string);
  const rows = await evaluatePhotoSets(refiner, sets, kinds, seeds, options);
  const result = { model: values.model, dev: values.dev, backend: backend.name, options: { ...refiner.refineDefaults, ...options }, seeds, seconds: (Date.now() - t0) / 1000, rows };
  refiner.dispose();
  console.log(formatPhotoRows(rows));
  if (values.out) writeFileAtomic(values.out, `${JSON.stringify(result, null, 2)}\n`);
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e instanceof Error ? e.stack : e);
    process.exit(1);
  });
}
