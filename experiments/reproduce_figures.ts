/**
 * The paper-style figures (Figures 1–4: coarse vs refined comparisons, and the per-step figure of the
 * reverse process) for held-out synthetic scenes or your own data:
 *   npx tsx experiments/reproduce_figures.ts [--model models/cpu-synthetic] [--size 256] [--n 6] [--out runs/figures]
 *   npx tsx experiments/reproduce_figures.ts --data <folder with images/ and masks/ (GT)> [--coarse <folder>]
 * The model defaults to the one for the data: models/cpu-real for your photographs (--data),
 * models/cpu-synthetic for the synthetic scenes.
 * Without --coarse, coarse masks are made from the ground truth by modify_boundary (seeded per file).
 * Writes comparison.png (image | coarse | refined | GT with IoU notes) and steps_<k>.png (the
 * instance loop of the first scenes, maps pasted back at the input resolution).
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { BinaryMask, coarsenMask, comparisonGridPng, computeIou, createRng, DEFAULT_MODEL_DIR, fileSeed, generateScene, initBackend, loadPairedFolder, readBinaryMask, readImage, RefineStep, RgbImage, sceneSeeds, SegRefiner, stepFigurePng, SYNTHETIC_MODEL_DIR, writeFileAtomic} from '../src';

interface Item { name: string; image: RgbImage; gt: BinaryMask; coarse: BinaryMask }

async function folderItems(root: string, coarseDir: string | undefined, n: number): Promise<Item[]> {
  const items: Item[] = [];
  for (const it of loadPairedFolder(root).items.slice(0, n)) {
    const gt = await readBinaryMask(it.maskPath);
    const coarseFile = coarseDir ? path.join(coarseDir, path.basename(it.maskPath)) : null;
    const coarse = coarseFile ? await readBinaryMask(coarseFile) : coarsenMask(gt, createRng(fileSeed(0, path.basename(it.maskPath))));
    items.push({ name: it.stem, image: await readImage(it.imagePath), gt, coarse });
  }
  return items;
}

function syntheticItems(size: number, n: number): Item[] {
  const rng = createRng(4242);
  return sceneSeeds('val', n).map((seed) => {
    const s = generateScene({ seed, height: size, width: size });
    return { name: `scene ${seed}`, image: s.image, gt: s.mask, coarse: coarsenMask(s.mask, rng) };
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: {
    model: { type: 'string' }, data: { type: 'string' }, coarse: { type: 'string' },
    size: { type: 'string', default: '256' }, n: { type: 'string', default: '6' }, steps: { type: 'string', default: '2' }, out: { type: 'string', default: path.join('runs', 'figures') },
  } });
  await initBackend();
  const n = Number(values.n);
  const items = values.data ? await folderItems(values.data, values.coarse, n) : syntheticItems(Number(values.size), n);
  const refiner = await SegRefiner.load(values.model ?? (values.data ? DEFAULT_MODEL_DIR : SYNTHETIC_MODEL_DIR));
  fs.mkdirSync(values.out as string, { recursive: true });
  const rows = [];
  for (let k = 0; k < items.length; k++) {
    const it = items[k];
    const steps: RefineStep[] = [];
    refiner.setImage(it.image);
    const r = await refiner.refine(it.coarse, { mode: 'instance', seed: 0, onStep: k < Number(values.steps) ? (s) => { steps.push(s); } : undefined });
    const iou = (m: BinaryMask) => (computeIou(it.gt, m).iou ?? 1).toFixed(3);
    rows.push({ image: it.image, coarse: it.coarse, refined: r.mask, gt: it.gt, label: it.name, coarseNote: `IoU ${iou(it.coarse)}`, refinedNote: `IoU ${iou(r.mask)}` });
    if (steps.length) {
      const { png } = await stepFigurePng(steps, { height: it.gt.height, width: it.gt.width, initial: it.coarse.data });
      writeFileAtomic(path.join(values.out as string, `steps_${k}.png`), png);
    }
  }
  refiner.dispose();
  writeFileAtomic(path.join(values.out as string, 'comparison.png'), (await comparisonGridPng(rows)).png);
  console.log(`wrote ${path.resolve(values.out as string)}: comparison.png and ${Math.min(items.length, Number(values.steps))} step figures`);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
