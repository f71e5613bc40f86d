/**
 * GPU benchmark on the webgpu backend, one command (`npm run bench:gpu -- [flags]`; on an offline GPU
 * machine the self-contained bundle: `node scripts/pack_gpu_bench.js` here, `bash gpu_bench/run.sh` there).
 * With the paper network (118.6 M parameters, random weights: only the time matters) it measures
 *   1. forward and train step (forward + backward + AdamW) at 256², batch 1 and 8 (medians);
 *   2. instance refinements/s: 32 instances of a synthetic scene, 6 steps, batched 1 and 32 at a time;
 *   3. one high-resolution refinement of a 2048² synthetic scene (global pass + patches);
 *   4. peak GPU memory: tfjs-backend-webgpu's buffer pool, which only grows, so its size is the peak.
 * Flags:
 *   --small        sizes a software adapter finishes in minutes: the CPU preset network (2.7 M
 *                  parameters) at 64², batch 1 and 2, 4 instances batched 1 and 4, a 256² HR scene,
 *                  one timed repetition
 *   --net paper|cpu  the network (default paper; --small: cpu)
 *   --reps N       timed repetitions after one warm-up (default 3; --small 1)
 *   --skip LIST    comma-separated parts to leave out: network, instances, hr
 *   --out FILE     also write the JSON report there
 * The backend is webgpu, forced: a software adapter is accepted (and reported as such).
 */
import * as fs from 'fs';
import * as tf from '@tensorflow/tfjs';
import { parseArgs } from 'util';
import {
  AdamW, BackendInfo, coarsenMask, CPU_UNET_CONFIG, createRng, createSchedule, DEFAULT_ADAMW_CONFIG, DenoiseUNet, generateScene, initBackend,
  PAPER_UNET_CONFIG, randomNormalArray, releaseBackend, resizeMaskNearest, SegRefiner, trainStep,
} from '../src';

interface Sizes { net: 'paper' | 'cpu'; input: number; batches: number[]; instances: number; instanceBatches: number[]; hrScene: number; reps: number }

const FULL: Sizes = { net: 'paper', input: 256, batches: [1, 8], instances: 32, instanceBatches: [1, 32], hrScene: 2048, reps: 3 };
const SMALL: Sizes = { net: 'cpu', input: 64, batches: [1, 2], instances: 4, instanceBatches: [1, 4], hrScene: 256, reps: 1 };
const NETS = { paper: PAPER_UNET_CONFIG, cpu: CPU_UNET_CONFIG };

let peakPoolBytes = 0;
/** Samples the GPU buffer pool (bytes allocated by tfjs-backend-webgpu, in use or pooled). */
function samplePeak(): void {
  const m = tf.memory() as tf.MemoryInfo & { numBytesAllocatedInGPU?: number; numBytesInGPU?: number };
  peakPoolBytes = Math.max(peakPoolBytes, m.numBytesAllocatedInGPU ?? m.numBytesInGPU ?? 0);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Median ms of `reps` runs after one warm-up (shader compilation, optimizer slots). */
async function timeIt(reps: number, work: () => Promise<void>): Promise<{ ms: number; warmUpMs: number }> {
  let t0 = performance.now();
  await work();
  const warmUpMs = performance.now() - t0;
  samplePeak();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    t0 = performance.now();
    await work();
    times.push(performance.now() - t0);
    samplePeak();
  }
  return { ms: median(times), warmUpMs };
}

const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

/** Forward and train step of the network at `size`², batch `batch`. */
async function benchNetwork(unet: DenoiseUNet, size: number, batch: number, reps: number) {
  const rng = createRng(1);
  const image = tf.tensor4d(randomNormalArray(rng, batch * size * size * 3), [batch, size, size, 3]);
  const [gt, coarse] = [2, 3].map((seed) => tf.tidy(() => tf.cast(tf.greater(tf.randomUniform([batch, size, size, 1], 0, 1, 'float32', seed), 0.5), 'float32')) as tf.Tensor4D);
  const t = tf.fill([batch], 3, 'int32') as tf.Tensor1D;
  const x = tf.concat([image, gt], 3) as tf.Tensor4D;
  try {
    const forward = await timeIt(reps, async () => {
      const y = unet.apply(x, t);
      await y.data();
      y.dispose();
    });
    const optimizer = new AdamW({ ...DEFAULT_ADAMW_CONFIG });
    const schedule = createSchedule();
    const step = await timeIt(reps, async () => {
      await trainStep(unet, schedule, optimizer, { image, gt, coarse }, rng, { lr: 1e-4, clipGradNorm: 0 });
    });
    optimizer.dispose();
    return { size, batch, forwardMs: round(forward.ms), forwardWarmUpMs: round(forward.warmUpMs), trainStepMs: round(step.ms),
      trainStepWarmUpMs: round(step.warmUpMs), trainExamplesPerSec: round(batch / (step.ms / 1000), 2) };
  } finally {
    tf.dispose([image, gt, coarse, t, x]);
  }
}

/** Instance refinements/s: `count` coarse masks of one scene, `steps` steps, `batchSize` instances per pass. */
async function benchInstances(refiner: SegRefiner, count: number, batchSize: number, reps: number) {
  const scene = generateScene({ seed: 1, height: 512, width: 512 });
  const rng = createRng(5);
  const masks = Array.from({ length: count }, () => coarsenMask(scene.mask, rng));
  refiner.setImage(scene.image);
  const run = async () => {
    await refiner.refineBatch(masks, { mode: 'instance', batchSize, instance: { areaThreshold: 0 } });
  };
  const { ms, warmUpMs } = await timeIt(reps, run);
  return { instances: count, batchSize, steps: 6, seconds: round(ms / 1000, 2), refinementsPerSec: round(count / (ms / 1000), 2), warmUpSeconds: round(warmUpMs / 1000, 1) };
}

/** One HR refinement of a synthetic scene whose coarse mask is the ground truth at 1/32 resolution. */
async function benchHighResolution(refiner: SegRefiner, size: number) {
  const scene = generateScene({ seed: 3, height: size, width: size });
  const coarse = resizeMaskNearest(resizeMaskNearest(scene.mask, size / 32, size / 32), size, size);
  refiner.setImage(scene.image);
  const t0 = performance.now();
  const r = await refiner.refine(coarse, { mode: 'hr' });
  samplePeak();
  return { size, seconds: round((performance.now() - t0) / 1000, 2), patches: r.patches };
}

function describe(b: BackendInfo): string {
  const a = b.adapter;
  if (!a) return b.name;
  return `${b.name}: ${[a.device, a.description].filter((s) => s).join(', ')} (Dawn ${a.route}${a.software ? ', SOFTWARE adapter' : ''}, ` +
    `max buffer ${(a.limits.maxBufferSize / 2 ** 30).toFixed(1)} GiB)`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: {
    small: { type: 'boolean', default: false }, net: { type: 'string' }, reps: { type: 'string' }, skip: { type: 'string', default: '' }, out: { type: 'string' },
  } });
  const sizes = { ...(values.small ? SMALL : FULL) };
  if (values.reps !== undefined) sizes.reps = Number(values.reps);
  if (values.net !== undefined) {
    if (!(values.net in NETS)) throw new Error(`bench_gpu: --net must be paper or cpu, but got '${values.net}'.`);
    sizes.net = values.net as Sizes['net'];
  }
  const skip = new Set((values.skip as string).split(',').filter((s) => s !== ''));
  for (const s of skip) if (!['network', 'instances', 'hr'].includes(s)) throw new Error(`bench_gpu: --skip must list network, instances or hr, but got '${s}'.`);
  const backend = await initBackend({ backend: 'webgpu' });
  console.log(`backend ${describe(backend)}`);
  const report: Record<string, unknown> = { backend: backend.name, adapter: backend.adapter, small: values.small, sizes, node: process.version };
  const started = performance.now();
  const unet = DenoiseUNet.create({ ...NETS[sizes.net] }, 0);
  console.log(`${sizes.net} network: ${unet.numParams().toLocaleString('en')} parameters`);
  samplePeak();
  try {
    if (!skip.has('network')) {
      report.network = [];
      for (const batch of sizes.batches) {
        const r = await benchNetwork(unet, sizes.input, batch, sizes.reps);
        (report.network as unknown[]).push(r);
        console.log(`network ${batch}×${r.size}²: forward ${r.forwardMs} ms, train step ${r.trainStepMs} ms (${r.trainExamplesPerSec} examples/s); ` +
          `first runs ${r.forwardWarmUpMs} / ${r.trainStepWarmUpMs} ms`);
      }
    }
    const refiner = SegRefiner.fromUNet(unet, { imageSize: sizes.input });
    if (!skip.has('instances')) {
      report.instances = [];
      for (const batchSize of sizes.instanceBatches) {
        const r = await benchInstances(refiner, sizes.instances, batchSize, sizes.reps);
        (report.instances as unknown[]).push(r);
        console.log(`instances: ${r.instances} × ${r.steps} steps, ${batchSize} per pass: ${r.seconds} s → ${r.refinementsPerSec} refinements/s`);
      }
    }
    if (!skip.has('hr')) {
      const r = await benchHighResolution(refiner, sizes.hrScene);
      report.hr = r;
      console.log(`hr ${r.size}² scene: ${r.seconds} s, ${r.patches} patches`);
    }
    refiner.dispose(); // disposes the network too
  } finally {
    report.peakGpuPoolMiB = round(peakPoolBytes / 2 ** 20, 0);
    report.peakRssMiB = round(process.resourceUsage().maxRSS / 1024, 0);
    report.totalSeconds = round((performance.now() - started) / 1000, 1);
    console.log(`peak GPU memory (tfjs buffer pool) ${report.peakGpuPoolMiB} MiB, peak RSS ${report.peakRssMiB} MiB, total ${report.totalSeconds} s`);
    if (values.out) fs.writeFileSync(values.out as string, `${JSON.stringify(report, null, 2)}\n`);
    releaseBackend();
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
