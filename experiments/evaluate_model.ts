/**
 * Evaluates a model folder on (1) held-out synthetic scenes (validation seeds, never trained on) at the
 * model's own size, refined full-frame exactly as the training run's validation does, averaged over
 * several sampling seeds; (2) larger synthetic scenes through the instance path (crop, resize,
 * paste back); (3) real photographs with synthetic coarse masks (`../shared/data/dev` layout:
 * <set>/images + <set>/masks). Coarse masks come from modify_boundary with fixed seeds.
 *   npx tsx experiments/evaluate_model.ts --model models/cpu-synthetic [--scenes 100] [--seeds 3]
 *     [--large 256] [--dev ../shared/data/dev] [--out evaluation.json]
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { BinaryMask, coarsenMask, createRng, createSchedule, fileSeed, generateScene, initBackend, loadModelDir, loadPairedFolder, MaskScores, readBinaryMask, readImage, refineSamples, sceneSeeds, scoreMasks, SegRefiner, validationSamples, writeFileAtomic} from '../src';

export interface Row { set: string; images: number; coarse: MaskScores; refined: MaskScores; note: string }

async function heldOutNative(modelDir: string, scenes: number, seeds: number): Promise<Row[]> {
  const { unet, config } = loadModelDir(modelDir);
  const size = config.imageSize as number;
  const schedule = createSchedule(config.diffusion ?? {});
  const samples = validationSamples(scenes, size, 1000); // coarse-mask seed differs from the training run's validation set
  const rows: Row[] = [];
  for (let seed = 0; seed < seeds; seed++) {
    const refined = await refineSamples(unet.denoiser, schedule, samples, [5, 4, 3, 2, 1, 0], seed);
    const gts = samples.map((x) => x.gt);
    rows.push({ set: `synthetic ${size}² (native, seed ${seed})`, images: scenes, coarse: scoreMasks(gts, samples.map((x) => x.coarse)), refined: scoreMasks(gts, refined), note: 'full frame, 6 steps' });
  }
  unet.dispose();
  return rows;
}

async function refineAll(refiner: SegRefiner, items: { image: Parameters<SegRefiner['setImage']>[0]; gt: BinaryMask; coarse: BinaryMask }[]): Promise<BinaryMask[]> {
  const out: BinaryMask[] = [];
  for (const it of items) {
    refiner.setImage(it.image);
    out.push((await refiner.refine(it.coarse, { seed: 0 })).mask);
  }
  return out;
}

async function largeScenes(refiner: SegRefiner, size: number, n: number): Promise<Row> {
  const rng = createRng(4242);
  const items = sceneSeeds('val', n).map((seed) => {
    const s = generateScene({ seed, height: size, width: size });
    return { image: s.image, gt: s.mask, coarse: coarsenMask(s.mask, rng) };
  }).filter((it) => it.coarse.data.some((v) => v));
  const refined = await refineAll(refiner, items);
  return { set: `synthetic ${size}² (instance path)`, images: items.length, coarse: scoreMasks(items.map((i) => i.gt), items.map((i) => i.coarse)), refined: scoreMasks(items.map((i) => i.gt), refined), note: 'crop + resize to the model size + paste back' };
}

async function devSet(refiner: SegRefiner, root: string): Promise<Row[]> {
  const rows: Row[] = [];
  for (const name of fs.readdirSync(root).sort()) {
    const ds = loadPairedFolder(path.join(root, name));
    const items = [];
    for (const item of ds.items) {
      const gt = await readBinaryMask(item.maskPath);
      items.push({ image: await readImage(item.imagePath), gt, coarse: coarsenMask(gt, createRng(fileSeed(0, path.basename(item.maskPath)))) });
    }
    const refined = await refineAll(refiner, items);
    rows.push({ set: `dev/${name}`, images: items.length, coarse: scoreMasks(items.map((i) => i.gt), items.map((i) => i.coarse)), refined: scoreMasks(items.map((i) => i.gt), refined), note: 'real photos, coarse = modify_boundary(GT), mode auto' });
  }
  return rows;
}

export function formatRows(rows: Row[]): string {
  const pct = (x: number) => (Number.isNaN(x) ? '–' : (100 * x).toFixed(2));
  const lines = ['| set | images | IoU coarse → refined | cumulative IoU | mBA | Boundary IoU |', '|---|---|---|---|---|---|'];
  for (const r of rows) {
    lines.push(`| ${r.set} | ${r.images} | ${pct(r.coarse.meanIou)} → ${pct(r.refined.meanIou)} | ${pct(r.coarse.cumulativeIou)} → ${pct(r.refined.cumulativeIou)} | ${pct(r.coarse.mba)} → ${pct(r.refined.mba)} | ${pct(r.coarse.boundaryIou)} → ${pct(r.refined.boundaryIou)} |`);
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: {
    model: { type: 'string', default: 'models/cpu-synthetic' }, scenes: { type: 'string', default: '100' }, seeds: { type: 'string', default: '3' },
    large: { type: 'string', default: '256' }, 'large-scenes': { type: 'string', default: '30' }, dev: { type: 'string', default: '../shared/data/dev' },
    out: { type: 'string' },
  } });
  const backend = await initBackend();
  const t0 = Date.now();
  const rows = await heldOutNative(values.model as string, Number(values.scenes), Number(values.seeds));
  const refiner = await SegRefiner.load(values.model as string);
  if (Number(values.large) > 0) rows.push(await largeScenes(refiner, Number(values.large), Number(values['large-scenes'])));
  if (values.dev && fs.existsSync(values.dev)) rows.push(...await devSet(refiner, values.dev));
  refiner.dispose();
  const result = { model: values.model, backend: backend.name, seconds: (Date.now() - t0) / 1000, rows };
  console.log(formatRows(rows));
  if (values.out) writeFileAtomic(values.out, `${JSON.stringify(result, null, 2)}\n`);
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e instanceof Error ? e.stack : e);
    process.exit(1);
  });
}
