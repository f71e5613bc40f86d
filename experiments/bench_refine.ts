/**
 * Refinement benchmark on the active backend (`tsx experiments/bench_refine.ts [flags]`):
 *   1. refinements/s for one instance in a 256² image, 6 steps, with the shipped model
 *      (models/cpu-synthetic; a randomly initialised CPU preset at 96² if it is missing) and with the
 *      paper preset (random weights: only the time matters);
 *   2. the time of one high-resolution refinement of a synthetic scene (2048² by default) with the
 *      shipped model, its patch count, IoU/mBA before and after, and the process's peak RSS.
 * Flags:
 *   --model dir          the CPU model (default models/cpu-synthetic)
 *   --reps N             timed instance refinements after one warm-up (default 3)
 *   --paper full|one|skip  paper preset: all 6 steps (default; ~75 s on 2 CPU cores with wasm, peak
 *                        RSS ~3 GB), one step scaled ×6, or not at all
 *   --hr-size S          side of the HR scene (default 2048; 0 skips the HR part)
 *   --only-hr            skip the instance part
 *   --json               one JSON line at the end
 * The HR coarse mask is the ground truth at 1/32 resolution upsampled with 'nearest', like a
 * low-resolution segmenter's output: cheap to make at 4096² and wrong along the whole boundary.
 */
import { initBackend, generateScene, coarsenMask, resizeMaskNearest, computeBoundaryAccuracy, computeIou, CPU_UNET_CONFIG, PAPER_UNET_CONFIG, DenoiseUNet, SegRefiner, createRng } from '../src';
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';

const DEFAULT_MODEL = path.join(__dirname, '..', 'models', 'cpu-synthetic');
const CPU_RANDOM_SIZE = 96; // the cpu-synthetic recipe's imageSize

const rssMb = () => process.resourceUsage().maxRSS / 1024;

async function cpuRefiner(model: string): Promise<{ refiner: SegRefiner; label: string }> {
  if (fs.existsSync(path.join(model, 'config.json'))) return { refiner: await SegRefiner.load(model), label: `${path.relative(process.cwd(), model)}` };
  const unet = DenoiseUNet.create({ ...CPU_UNET_CONFIG }, 0);
  return { refiner: SegRefiner.fromUNet(unet, { imageSize: CPU_RANDOM_SIZE }), label: `cpu preset, random weights (${model} missing)` };
}

/** Median seconds of `reps` instance refinements (after a warm-up unless told not to) of one 256² scene. */
async function timeInstance(refiner: SegRefiner, steps: number, reps: number, warmUp = true): Promise<number> {
  const scene = generateScene({ seed: 1, height: 256, width: 256 });
  const coarse = coarsenMask(scene.mask, createRng(1));
  refiner.setImage(scene.image);
  const run = () => refiner.refine(coarse, { mode: 'instance', steps, instance: { areaThreshold: 0 } });
  if (warmUp) await run();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await run();
    times.push((performance.now() - t0) / 1000);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

async function timeHighResolution(refiner: SegRefiner, size: number) {
  const t0 = performance.now();
  const scene = generateScene({ seed: 3, height: size, width: size });
  const coarse = resizeMaskNearest(resizeMaskNearest(scene.mask, size / 32, size / 32), size, size);
  const sceneSeconds = (performance.now() - t0) / 1000;
  refiner.setImage(scene.image);
  const t1 = performance.now();
  const r = await refiner.refine(coarse, { mode: 'hr' });
  const seconds = (performance.now() - t1) / 1000;
  const score = (m: typeof coarse) => ({ iou: computeIou(scene.mask, m).iou, mBA: computeBoundaryAccuracy(scene.mask, m).boundaryAccuracy });
  return { size, seconds, sceneSeconds, patches: r.patches, coarse: score(coarse), refined: score(r.mask), peakRssMb: rssMb() };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: {
    model: { type: 'string', default: DEFAULT_MODEL }, reps: { type: 'string', default: '3' }, paper: { type: 'string', default: 'full' },
    'hr-size': { type: 'string', default: '2048' }, 'only-hr': { type: 'boolean', default: false }, json: { type: 'boolean', default: false },
  } });
  if (!['one', 'full', 'skip'].includes(values.paper as string)) throw new Error(`bench_refine: --paper must be one, full or skip, but got '${values.paper}'.`);
  const hrSize = Number(values['hr-size']), reps = Number(values.reps);
  const backend = await initBackend();
  console.log(`backend ${backend.name}${backend.threads ? ` (${backend.threads} threads)` : ''}`);
  const report: Record<string, unknown> = { backend: backend.name, threads: backend.threads };
  const { refiner, label } = await cpuRefiner(values.model as string);
  console.log(`CPU model: ${label}, input ${refiner.modelSize}²`);
  if (!values['only-hr']) {
    const s = await timeInstance(refiner, 6, reps);
    report.cpu = { model: label, modelSize: refiner.modelSize, secondsPerRefinement: s, refinementsPerSecond: 1 / s };
    console.log(`instance 256² image, 6 steps, ${label}: ${s.toFixed(3)} s → ${(1 / s).toFixed(2)} refinements/s`);
    if (values.paper !== 'skip') {
      const paper = SegRefiner.fromUNet(DenoiseUNet.create({ ...PAPER_UNET_CONFIG }, 0), { imageSize: 256 });
      const steps = values.paper === 'full' ? 6 : 1;
      // no warm-up: a step of the paper network takes ~12 s on 2 cores, and wasm has no shaders to compile
      const sp = await timeInstance(paper, steps, 1, false) * (6 / steps);
      paper.dispose();
      report.paper = { secondsPerRefinement: sp, refinementsPerSecond: 1 / sp, measuredSteps: steps };
      console.log(`instance 256² image, 6 steps, paper preset: ${sp.toFixed(1)} s → ${(1 / sp).toFixed(4)} refinements/s${steps === 1 ? ' (one step timed, ×6)' : ''}`);
    }
  }
  if (hrSize > 0) {
    const hr = await timeHighResolution(refiner, hrSize);
    report.hr = hr;
    console.log(`hr ${hrSize}²: ${hr.seconds.toFixed(1)} s, ${hr.patches} patches (scene generated in ${hr.sceneSeconds.toFixed(1)} s); IoU ${hr.coarse.iou?.toFixed(4)} → ${hr.refined.iou?.toFixed(4)}, mBA ${hr.coarse.mBA?.toFixed(4)} → ${hr.refined.mBA?.toFixed(4)}; peak RSS ${hr.peakRssMb.toFixed(0)} MB`);
  }
  refiner.dispose();
  report.peakRssMb = rssMb();
  if (values.json) console.log(JSON.stringify(report));
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
