/**
 * Where the native kernels win: conv (3×3, stride 1) and matmul problems from tiny to U-Net size, timed
 * on the native kernels (routing threshold set to 0) and on the wasm ones (runWithoutNativeKernels) in one
 * process, medians of many repetitions. Where native starts to win sets NATIVE_ROUTING.minFlops (smaller
 * problems stay on wasm).
 *   npx tsx experiments/bench_native.ts [--reps 200]
 */
import * as tf from '@tensorflow/tfjs';
import { parseArgs } from 'util';
import { initBackend, NATIVE_ROUTING, runWithoutNativeKernels } from '../src';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Median µs of `op` (its result disposed) over reps, after a warm-up. */
function time(op: () => tf.Tensor, reps: number): number {
  tf.dispose(op());
  const ts: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    const y = op();
    y.dataSync();
    ts.push(performance.now() - t0);
    y.dispose();
  }
  return 1000 * median(ts);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { reps: { type: 'string', default: '200' } } });
  const reps = Number(values.reps);
  const backend = await initBackend();
  if (!backend.nativeKernels?.active) throw new Error(`bench_native: the native kernels must be active, but: ${JSON.stringify(backend.nativeKernels)}.`);
  const threshold = NATIVE_ROUTING.minFlops;
  console.log(`native vs wasm kernels, ${backend.threads} threads, median of ${reps}; routing threshold ${threshold.toExponential(1)} FLOP`);
  console.log('| problem | GFLOP | native µs | wasm µs | wasm / native |\n|---|---|---|---|---|');
  const cases: { label: string; flops: number; make: () => tf.Tensor[]; op: (t: tf.Tensor[]) => tf.Tensor }[] = [];
  for (const [s, c] of [[4, 4], [6, 8], [8, 8], [8, 16], [12, 32], [24, 32], [48, 32]]) {
    cases.push({ label: `conv 3×3 [1,${s},${s},${c}]→${c}`, flops: 2 * s * s * c * c * 9,
      make: () => [tf.randomNormal([1, s, s, c]), tf.randomNormal([3, 3, c, c])], op: ([x, w]) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same') });
  }
  for (const n of [4, 8, 16, 24, 32, 64, 128]) {
    cases.push({ label: `matMul [${n},${n}]·[${n},${n}]`, flops: 2 * n * n * n, make: () => [tf.randomNormal([n, n]), tf.randomNormal([n, n])], op: ([a, b]) => tf.matMul(a, b) });
  }
  for (const c of cases) {
    const inputs = c.make();
    NATIVE_ROUTING.minFlops = 0; // time the native kernel at every size
    const native = time(() => c.op(inputs), reps);
    NATIVE_ROUTING.minFlops = threshold;
    const wasm = runWithoutNativeKernels(() => time(() => c.op(inputs), reps));
    console.log(`| ${c.label} | ${(c.flops / 1e9).toExponential(1)} | ${native.toFixed(0)} | ${wasm.toFixed(0)} | ${(wasm / native).toFixed(2)} |`);
    tf.dispose(inputs);
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.stack : e);
  process.exit(1);
});
