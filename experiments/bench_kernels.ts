/**
 * Kernel and training-step benchmark for the active backend (`npm run bench:kernels`).
 *  1. Per conv shape: forward Conv2D, Conv2DBackpropInput and Conv2DBackpropFilter (ours on wasm,
 *     and the built-in input-gradient kernel we replaced), median ms, and gradient/forward ratios.
 *  2. One training step (forward + BCE + backward + Adam) of the probe U-Net (2.7 M params,
 *     B=4, 64×64×4) on the active backend, and a smaller step compared across every backend
 *     that installs here (the cpu backend is ~260× slower, so it gets the small size only).
 * Flags: --quick (fewer shapes/reps, for CI), --json <file>, --no-cpu.
 */
import * as tf from '@tensorflow/tfjs';
import { activeBackend, BENCH_PROBE_UNET, createProbeUNetParams, createRng, initBackend, ProbeUNetConfig, probeUNetLoss, randomNormalArray, REPLACED_KERNELS, runOnBackend, writeFileAtomic} from '../src';

interface ConvShape {
  label: string;
  x: [number, number, number, number];
  k: number;
  cout: number;
  stride: number;
  pad: 'same' | tf.backend_util.ExplicitPadding;
}

const TORCH_PAD: tf.backend_util.ExplicitPadding = [[0, 0], [1, 1], [1, 1], [0, 0]];
const SHAPES: ConvShape[] = [
  { label: 'x 4×64×64×32 → 32, 3×3 s1', x: [4, 64, 64, 32], k: 3, cout: 32, stride: 1, pad: 'same' },
  { label: 'x 4×64×64×32 → 32, 3×3 s2', x: [4, 64, 64, 32], k: 3, cout: 32, stride: 2, pad: 'same' },
  { label: 'x 4×64×64×64 → 64, 3×3 s2 (PyTorch pad 1)', x: [4, 64, 64, 64], k: 3, cout: 64, stride: 2, pad: TORCH_PAD },
  { label: 'x 4×16×16×128 → 128, 3×3 s1', x: [4, 16, 16, 128], k: 3, cout: 128, stride: 1, pad: 'same' },
  { label: 'x 4×32×32×128 → 64, 1×1 s1', x: [4, 32, 32, 128], k: 1, cout: 64, stride: 1, pad: 'same' },
  { label: 'x 1×256×256×128 → 128, 3×3 s1', x: [1, 256, 256, 128], k: 3, cout: 128, stride: 1, pad: 'same' },
];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Median wall time of `reps` runs (after one warm-up), reading the result back each time. */
async function timeMs(reps: number, run: () => tf.Tensor | tf.Tensor[]): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i <= reps; i++) {
    const t0 = performance.now();
    const out = run();
    const outs = Array.isArray(out) ? out : [out];
    await Promise.all(outs.map((o) => o.data()));
    if (i > 0) times.push(performance.now() - t0);
    tf.dispose(outs);
  }
  return median(times);
}

function randomTensor(shape: number[], rng = createRng(shape.reduce((a, b) => a + b, 0))): tf.Tensor {
  return tf.tensor(randomNormalArray(rng, shape.reduce((a, b) => a * b, 1)), shape);
}

/** Runs a registered kernel directly, or a replaced built-in one when `builtin` is given. */
function runKernel(name: string, inputs: tf.NamedTensorMap, attrs: object, builtin?: tf.KernelConfig): tf.Tensor {
  if (!builtin) return tf.engine().runKernel(name, inputs, attrs as tf.NamedAttrMap) as tf.Tensor;
  const out = builtin.kernelFunc({ inputs, attrs: attrs as tf.NamedAttrMap, backend: tf.backend() }) as tf.TensorInfo;
  return tf.engine().makeTensorFromTensorInfo(out);
}

interface ConvRow { shape: string; forwardMs: number; inputGradMs: number; filterGradMs: number; builtinInputGradMs: number | null }

async function benchConv(s: ConvShape, reps: number): Promise<ConvRow> {
  const filterShape: [number, number, number, number] = [s.k, s.k, s.x[3], s.cout];
  const info = tf.backend_util.computeConv2DInfo(s.x, filterShape, s.stride, 1, s.pad);
  const [x, w, dy] = [randomTensor(s.x), randomTensor(filterShape), randomTensor(info.outShape)];
  const common = { strides: s.stride, pad: s.pad, dataFormat: 'NHWC' };
  const inputAttrs = { ...common, inputShape: s.x };
  const builtin = REPLACED_KERNELS.get(`${tf.getBackend()}:Conv2DBackpropInput`);
  const row: ConvRow = {
    shape: s.label,
    forwardMs: await timeMs(reps, () => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, s.stride, s.pad)),
    inputGradMs: await timeMs(reps, () => runKernel('Conv2DBackpropInput', { dy, filter: w }, inputAttrs)),
    filterGradMs: await timeMs(reps, () => runKernel('Conv2DBackpropFilter', { x, dy }, { ...common, filterShape })),
    builtinInputGradMs: builtin ? await timeMs(Math.min(reps, 2), () => runKernel('Conv2DBackpropInput', { dy, filter: w }, inputAttrs, builtin)) : null,
  };
  tf.dispose([x, w, dy]);
  return row;
}

/** One training step (forward, BCE, backward, Adam) of the probe U-Net; returns median ms over `reps`. */
async function benchTrainStep(cfg: ProbeUNetConfig, batch: number, size: number, reps: number): Promise<number> {
  const rng = createRng(3);
  const params = createProbeUNetParams(cfg, 5);
  const vars = new Map([...params].map(([k, v]) => [k, tf.variable(v, true, `probe/${k}`)]));
  tf.dispose([...params.values()]);
  const x = tf.tensor(randomNormalArray(rng, batch * size * size * cfg.inChannels), [batch, size, size, cfg.inChannels]) as tf.Tensor4D;
  const t = tf.tensor1d(Array.from({ length: batch }, () => rng.int(cfg.numTimesteps)), 'int32');
  const target = tf.tensor(Float32Array.from({ length: batch * size * size }, () => rng.int(2)), [batch, size, size, 1]) as tf.Tensor4D;
  const optimizer = tf.train.adam(4e-4);
  const ms = await timeMs(reps, () => optimizer.minimize(() => probeUNetLoss(cfg, vars, x, t, target), true) as tf.Scalar);
  optimizer.dispose();
  tf.dispose([x, t, target, ...vars.values()]);
  return ms;
}

function fmt(ms: number | null): string {
  return ms === null ? '—' : ms < 100 ? ms.toFixed(1) : ms.toFixed(0);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const jsonAt = args.indexOf('--json');
  const backend = await initBackend();
  console.log(`backend ${backend.name}` + (backend.threads ? `, ${backend.threads} threads, SIMD ${backend.simd}` : ''));
  const reps = quick ? 3 : 5;
  const convRows: ConvRow[] = [];
  console.log('\n| conv shape | forward ms | input grad ms (×fwd) | filter grad ms (×fwd) | built-in input grad ms |');
  console.log('|---|---|---|---|---|');
  for (const s of quick ? SHAPES.slice(0, 4) : SHAPES) {
    const r = await benchConv(s, reps);
    convRows.push(r);
    console.log(`| ${r.shape} | ${fmt(r.forwardMs)} | ${fmt(r.inputGradMs)} (${(r.inputGradMs / r.forwardMs).toFixed(2)}×) | ` +
      `${fmt(r.filterGradMs)} (${(r.filterGradMs / r.forwardMs).toFixed(2)}×) | ${fmt(r.builtinInputGradMs)} |`);
  }
  const steps: { backend: string; batch: number; size: number; ms: number }[] = [];
  if (!quick) {
    const ms = await benchTrainStep(BENCH_PROBE_UNET, 4, 64, 3);
    steps.push({ backend: backend.name, batch: 4, size: 64, ms });
  }
  const small = { batch: 1, size: 16 };
  const names = [backend.name, ...(args.includes('--no-cpu') || backend.name === 'cpu' ? [] : ['cpu'])];
  for (const name of names) {
    const ms = await runOnBackend(name, () => benchTrainStep(BENCH_PROBE_UNET, small.batch, small.size, name === 'cpu' ? 1 : 3));
    steps.push({ backend: name, ...small, ms });
  }
  console.log('\n| probe U-Net train step (2.7 M params, Adam) | backend | median ms |');
  console.log('|---|---|---|');
  for (const s of steps) console.log(`| B=${s.batch}, ${s.size}×${s.size}×4 | ${s.backend} | ${fmt(s.ms)} |`);
  if (jsonAt >= 0) {
    writeFileAtomic(args[jsonAt + 1], JSON.stringify({ backend: activeBackend(), convRows, steps }, null, 2));
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
