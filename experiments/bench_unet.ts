/**
 * DenoiseUNet benchmark on the active backend (`npm run bench -- …`):
 *   --preset cpu|paper           a built-in config (default cpu), or
 *   --config '<json>'            upstream-style constructor kwargs (model_channels, channel_mult, …)
 *   --size S --batch B           input side and batch (default 128 for cpu, 256 for paper; batch 1)
 *   --reps N                     timed repetitions after one warm-up (default 3)
 *   --json                       print one JSON line only
 * Prints the medians forwardMs and trainStepMs (forward + backward + AdamW) and training examples/s.
 */
import * as tf from '@tensorflow/tfjs';
import { parseArgs } from 'util';
import { AdamW, createRng, createSchedule, DEFAULT_ADAMW_CONFIG, DenoiseUNet, initBackend, randomNormalArray, trainStep, UNET_PRESETS, unetConfigFromUpstream, UNetConfig } from '../src';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function timeIt(reps: number, work: () => Promise<void>): Promise<number> {
  await work(); // warm-up: kernel setup, optimizer slots
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await work();
    times.push(performance.now() - t0);
  }
  return median(times);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: {
    preset: { type: 'string', default: 'cpu' }, config: { type: 'string' }, size: { type: 'string' },
    batch: { type: 'string', default: '1' }, reps: { type: 'string', default: '3' }, json: { type: 'boolean', default: false },
    'no-train': { type: 'boolean', default: false },
  } });
  let config: UNetConfig;
  if (values.config) config = unetConfigFromUpstream(JSON.parse(values.config), 'bench --config');
  else {
    const preset = UNET_PRESETS[values.preset as keyof typeof UNET_PRESETS];
    if (!preset) throw new Error(`bench: --preset must be one of ${Object.keys(UNET_PRESETS).join(', ')}, but got '${values.preset}'.`);
    config = { ...preset };
  }
  const size = Number(values.size ?? (values.preset === 'paper' ? 256 : 128));
  const batch = Number(values.batch), reps = Number(values.reps);
  const backend = await initBackend();
  const unet = DenoiseUNet.create(config, 0);
  const rng = createRng(1);
  const image = tf.tensor4d(randomNormalArray(rng, batch * size * size * 3), [batch, size, size, 3]);
  const gt = tf.tidy(() => tf.cast(tf.greater(tf.randomUniform([batch, size, size, 1], 0, 1, 'float32', 2), 0.5), 'float32')) as tf.Tensor4D;
  const coarse = tf.tidy(() => tf.cast(tf.greater(tf.randomUniform([batch, size, size, 1], 0, 1, 'float32', 3), 0.5), 'float32')) as tf.Tensor4D;
  const t = tf.fill([batch], 3, 'int32') as tf.Tensor1D;
  const x = tf.concat([image, gt], 3) as tf.Tensor4D;
  const forwardMs = await timeIt(reps, async () => { const y = unet.apply(x, t); await y.data(); y.dispose(); });
  let trainStepMs: number | null = null;
  if (!values['no-train']) {
    const optimizer = new AdamW({ ...DEFAULT_ADAMW_CONFIG });
    const schedule = createSchedule();
    trainStepMs = await timeIt(reps, async () => { await trainStep(unet, schedule, optimizer, { image, gt, coarse }, rng, { lr: 1e-4, clipGradNorm: 0 }); });
    optimizer.dispose();
  }
  tf.dispose([image, gt, coarse, t, x]);
  const result = {
    backend: backend.name, threads: backend.threads ?? null, native: backend.nativeKernels?.active ?? false, params: unet.numParams(), size, batch, reps,
    forwardMs: Math.round(forwardMs * 10) / 10,
    trainStepMs: trainStepMs === null ? null : Math.round(trainStepMs * 10) / 10,
    trainExamplesPerSec: trainStepMs === null ? null : Math.round((batch / (trainStepMs / 1000)) * 100) / 100,
    config,
  };
  unet.dispose();
  if (values.json) console.log(JSON.stringify(result));
  else {
    console.log(`DenoiseUNet ${result.params.toLocaleString('en')} parameters, input ${batch}×${size}×${size}×4, backend ${result.backend} (${result.threads ?? '?'} threads${result.native ? ', native oneDNN kernels' : ''})`);
    console.log(`forward     ${result.forwardMs} ms (median of ${reps})`);
    if (trainStepMs !== null) console.log(`train step  ${result.trainStepMs} ms  → ${result.trainExamplesPerSec} examples/s`);
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
