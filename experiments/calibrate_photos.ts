/**
 * Calibrates a model's inference on real photos (issue 14) and writes what it chose into the model
 * folder's config.json `refineDefaults`:
 *   npx tsx experiments/calibrate_photos.ts --model models/cpu-real [--dev ../shared/data/dev] [--write]
 *     [--paths instance,hr,auto]   (which refinement paths the grid tries; hr and auto are the slow ones)
 * 1. The step-count ablation on the dev photos (crops at the model size, coarse = modify_boundary as
 *    `segrefiner coarsen --seed 0`, 3 sampling seeds): does the chain of steps help, and how much?
 * 2. A small grid of refine options through SegRefiner at full resolution (candidates() lists them:
 *    instance plain or with the residual paste-back, hr, auto; do-no-harm gates; the ablation's best
 *    step count), one sampling seed,
 *    on coarse masks drawn with another seed (1) than the evaluation's (0), so the evaluation does not
 *    score the very masks the choice was made on.
 * The choice: the best mean over sources of ΔIoU + ΔmBA on modify_boundary masks, among the options
 * that keep gentle masks' IoU within 0.5 point of the coarse input (the do-no-harm rule); if none
 * does, the one that harms gentle masks least. Writes calibration.json next to config.json.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import {
  coarseOfKind, createRng, createSchedule, defaultStepVariants, fileSeed, folderValidationSets, initBackend, loadModelDir,
  RefineOptionsInput, runStepAblation, SegRefiner, writeFileAtomic,
} from '../src';
import { evaluatePhotoSets, formatPhotoRows, loadPhotoSets, PhotoRow, PhotoSet } from './evaluate_photos';

interface Candidate { label: string; options: RefineOptionsInput }

/**
 * The options tried: the instance path plain and with the residual paste-back under do-no-harm gates,
 * at all steps and at the ablation's best step count; the high-resolution path; and 'auto' taking the
 * high-resolution path for objects more than twice the model size (large DAVIS objects).
 */
function candidates(bestSteps: number, numTimesteps: number, paths: string[]): Candidate[] {
  const gate = (t: number | null) => (t === null ? null : { threshold: t });
  const label = (residual: boolean, steps: number, g: number | null) => `instance${residual ? ' residual' : ''}, ${steps} steps, gate ${g ?? 'off'}`;
  const instance = (residual: boolean, steps: number, g: number | null): Candidate => ({
    label: label(residual, steps, g), options: { mode: 'instance', ...(steps < numTimesteps ? { steps } : {}), gate: gate(g), instance: { residual } },
  });
  const out: Candidate[] = [instance(false, numTimesteps, null), instance(true, numTimesteps, null), instance(true, numTimesteps, 0.2),
    instance(true, numTimesteps, 0.5), instance(false, numTimesteps, 0.5)];
  if (bestSteps < numTimesteps) out.push(instance(true, bestSteps, null), instance(true, bestSteps, 0.2), instance(true, bestSteps, 0.5), instance(false, bestSteps, 0.5));
  if (paths.includes('hr')) out.push({ label: 'hr, gate off', options: { mode: 'hr', gate: null } });
  if (paths.includes('auto')) out.push({ label: 'auto (hr above 2× the model size), instance residual, gate off', options: { mode: 'auto', autoHrFactor: 2, gate: null, instance: { residual: true } } });
  return out;
}

/** Mean over sources of refined − coarse for one kind and metric. */
function meanDelta(rows: PhotoRow[], kind: string, metric: 'meanIou' | 'mba'): number {
  const r = rows.filter((x) => x.kind === kind);
  return r.reduce((a, x) => a + x.refined[metric].mean - x.coarse[metric], 0) / r.length;
}

/** Minimum over sources of the gentle masks' IoU change. */
function worstGentleIou(rows: PhotoRow[]): number {
  return Math.min(...rows.filter((x) => x.kind === 'gentle').map((x) => x.refined.meanIou.mean - x.coarse.meanIou));
}

/** The photo sets with coarse masks drawn with `seed` (as `segrefiner coarsen --seed <seed>`). */
async function setsWithSeed(dev: string, kinds: string[], seed: number): Promise<PhotoSet[]> {
  const sets = await loadPhotoSets(dev, kinds);
  for (const set of sets) {
    for (const item of set.items) for (const k of kinds) item.coarse[k] = coarseOfKind(item.gt, createRng(fileSeed(seed, item.name)), k);
  }
  return sets;
}

async function stepAblation(model: string, dev: string) {
  const { unet, config } = loadModelDir(model);
  const schedule = createSchedule(config.diffusion ?? {});
  const roots = fs.readdirSync(dev).filter((d) => fs.statSync(path.join(dev, d)).isDirectory()).sort().map((d) => path.join(dev, d));
  const sets = (await folderValidationSets(roots, config.imageSize as number)).filter((s) => s.name.endsWith('/modify-boundary'));
  const samples = sets.flatMap((s) => s.samples);
  const result = await runStepAblation(unet.denoiser, schedule, samples, defaultStepVariants(schedule.numTimesteps), [0, 1, 2],
    (r) => console.log(`  ${r.label}: IoU ${(100 * r.iou.mean).toFixed(2)} ± ${(100 * r.iou.std).toFixed(2)}, mBA ${(100 * r.mba.mean).toFixed(2)}`));
  unet.dispose();
  return { samples: samples.length, numTimesteps: schedule.numTimesteps, ...result };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: {
    model: { type: 'string', default: 'models/cpu-real' }, dev: { type: 'string', default: '../shared/data/dev' }, write: { type: 'boolean', default: false },
    paths: { type: 'string', default: 'instance,hr,auto' },
  } });
  const paths = (values.paths as string).split(',');
  const unknown = paths.filter((p) => !['instance', 'hr', 'auto'].includes(p));
  if (unknown.length || !paths.includes('instance')) throw new Error(`calibrate_photos: --paths must list instance and optionally hr, auto, but got '${values.paths}'.`);
  const model = values.model as string, dev = values.dev as string;
  const backend = await initBackend();
  const t0 = Date.now();
  console.log('step-count ablation (dev crops at the model size, 3 seeds):');
  const ablation = await stepAblation(model, dev);
  const firstN = ablation.variants.filter((v) => v.label.startsWith('first') && !v.deterministic);
  const best = firstN.reduce((a, v) => (v.iou.mean + v.mba.mean > a.iou.mean + a.mba.mean ? v : a));
  const kinds = ['modify-boundary', 'gentle'];
  const sets = await setsWithSeed(dev, kinds, 1);
  // without the model's current refineDefaults, so that every candidate runs exactly as written
  const { unet, config } = loadModelDir(model);
  const refiner = SegRefiner.fromUNet(unet, { imageSize: config.imageSize as number, diffusion: config.diffusion ?? {} });
  const grid: { label: string; options: RefineOptionsInput; rows: PhotoRow[]; score: number; gentleWorst: number }[] = [];
  for (const c of candidates(best.steps, ablation.numTimesteps, paths)) {
    const rows = await evaluatePhotoSets(refiner, sets, kinds, [0], c.options);
    const score = meanDelta(rows, 'modify-boundary', 'meanIou') + meanDelta(rows, 'modify-boundary', 'mba');
    grid.push({ label: c.label, options: c.options, rows, score, gentleWorst: worstGentleIou(rows) });
    console.log(`\n${c.label}: score ${(100 * score).toFixed(2)}, worst gentle ΔIoU ${(100 * worstGentleIou(rows)).toFixed(2)}\n${formatPhotoRows(rows)}`);
  }
  refiner.dispose();
  const safe = grid.filter((g) => g.gentleWorst >= -0.005);
  const chosen = safe.length ? safe.reduce((a, g) => (g.score > a.score ? g : a)) : grid.reduce((a, g) => (g.gentleWorst > a.gentleWorst ? g : a));
  console.log(`\nchosen: ${chosen.label}${safe.length ? '' : ' (no option kept gentle masks within 0.5 point; this one harms them least)'}`);
  const out = { model, dev, backend: backend.name, seconds: (Date.now() - t0) / 1000, paths, ablation, grid, chosen: { label: chosen.label, options: chosen.options, doNoHarmMet: safe.length > 0 } };
  writeFileAtomic(path.join(model, 'calibration.json'), `${JSON.stringify(out, null, 1)}\n`);
  if (values.write) {
    const file = path.join(model, 'config.json');
    const config = JSON.parse(fs.readFileSync(file, 'utf8'));
    // autoHrFactor is a model-level setting of its own (config.json `autoHrFactor`), the rest are refine defaults
    const { autoHrFactor, ...refineDefaults } = chosen.options;
    writeFileAtomic(file, `${JSON.stringify({ ...config, refineDefaults, autoHrFactor: autoHrFactor ?? null }, null, 2)}\n`);
    console.log(`wrote refineDefaults ${JSON.stringify(refineDefaults)} and autoHrFactor ${autoHrFactor ?? null} into ${file}`);
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.stack : e);
  process.exit(1);
});
