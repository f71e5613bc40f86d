/**
 * Speed goal of issue 3: our DenoiseUNet on the wasm backend against PyTorch on the CPU, side by side
 * in one run, for the same configs (docs/speed.md holds the measured table and the analysis).
 *
 *   npx tsx experiments/compare_torch.ts [--cases parity_a,cpu,paper128,paper32] [--python /usr/bin/python3] [--timeout-s 600]
 *   npx tsx experiments/compare_torch.ts --profile [--preset cpu --size 96 --batch 2 --top 20 --forward-only]
 *
 * Table mode runs, per case, experiments/bench_unet.ts (ours, a subprocess) with the native oneDNN
 * kernels (when built) and again on the wasm kernels alone (SEGREFINER_NATIVE=0), then
 * experiments/bench_torch.py (PyTorch, 2 threads) with the config ours printed, so all build the
 * same network, and prints a markdown table with the ratios ours/torch (< 1: we are faster). A run
 * of ours that aborts (e.g. the 4 GiB wasm heap) is reported and re-run forward-only; a bench that
 * runs past --timeout-s is stopped and reported. `paper256` is not in the default list: near the
 * heap limit our forward pass either traps or runs for many minutes (docs/speed.md).
 *
 * Profile mode times every tfjs kernel of one forward pass and one training step of the CPU preset
 * with tf.profile, on the wasm backend, in this process. Our replacement kernels are composites
 * (Conv2DBackpropFilter runs Transpose + Conv2D + …), so kernels nest; every wasm kernel is wrapped
 * to record its nesting, giving each kernel's inclusive time at the top level and each
 * primitive's self time. Also prints PyTorch's op profile of the same step for comparison.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import * as tf from '@tensorflow/tfjs';
import { AdamW, createRng, createSchedule, DEFAULT_ADAMW_CONFIG, DenoiseUNet, initBackend, randomNormalArray, trainStep, UNET_PRESETS, UNetConfig } from '../src';

const ROOT = path.resolve(__dirname, '..');
const PARITY_CONFIG = path.resolve(ROOT, '../shared/fixtures/parity_a/config.json');

interface Case {
  id: string;
  /** bench_unet.ts flags selecting the network (--preset or --config). */
  net: () => string[];
  size: number;
  batch: number;
  reps: number;
  /** Time the forward pass only. */
  forwardOnly?: boolean;
}

const CASES: Case[] = [
  { id: 'parity_a', net: () => ['--config', JSON.stringify(JSON.parse(fs.readFileSync(PARITY_CONFIG, 'utf8')).constructor_kwargs)], size: 32, batch: 2, reps: 5 },
  { id: 'cpu', net: () => ['--preset', 'cpu'], size: 96, batch: 2, reps: 3 },
  // issue 13's first acceptance case: the CPU preset's config at batch 4, 64²
  { id: 'cpu64', net: () => ['--preset', 'cpu'], size: 64, batch: 4, reps: 3 },
  // the paper's train step does not fit the 4 GiB wasm heap beyond small inputs, nor its forward at 256² (docs/speed.md)
  { id: 'paper256', net: () => ['--preset', 'paper'], size: 256, batch: 1, reps: 1, forwardOnly: true },
  { id: 'paper128', net: () => ['--preset', 'paper'], size: 128, batch: 1, reps: 1, forwardOnly: true },
  { id: 'paper32', net: () => ['--preset', 'paper'], size: 32, batch: 1, reps: 1 },
];

/** One JSON line from either bench. */
interface BenchResult {
  params: number;
  /** ours: whether the native kernels were active */
  native?: boolean;
  forwardMs: number;
  trainStepMs: number | null;
  threads: number | null;
  config: Record<string, unknown>;
}

interface RunOutcome { result: BenchResult | null; error: string | null; wallS: number }

/** Runs a bench command, returning its last JSON line or the tail of its error output. */
/** Per bench run (--timeout-s). */
let timeoutMs = 600_000;

function runBench(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): RunOutcome {
  const t0 = performance.now();
  // GNU timeout kills the whole process group (npx → tsx → node), which spawnSync's own timeout would not
  const r = spawnSync('timeout', ['-s', 'KILL', `${timeoutMs / 1000}`, cmd, ...args], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20, env });
  const wallS = Math.round((performance.now() - t0) / 100) / 10;
  const line = (r.stdout ?? '').trim().split('\n').filter((l) => l.startsWith('{')).pop();
  if (r.status === 0 && line) return { result: JSON.parse(line) as BenchResult, error: null, wallS };
  const tail = `${r.stderr ?? ''}${r.error ? String(r.error) : ''}`.trim().split('\n').slice(-3).join(' | ');
  const status = r.status === 137 || r.signal === 'SIGKILL' ? `killed after --timeout-s ${timeoutMs / 1000}` : `exit ${r.status ?? r.signal}`;
  return { result: null, error: `${status}: ${tail}`, wallS };
}

/** Ours with the native kernels (when built), or with `wasmOnly` on the wasm kernels alone. */
function runOurs(c: Case, noTrain: boolean, wasmOnly = false): RunOutcome {
  const args = ['tsx', 'experiments/bench_unet.ts', ...c.net(), '--size', String(c.size), '--batch', String(c.batch),
    '--reps', String(c.reps), '--json', ...(noTrain ? ['--no-train'] : [])];
  return runBench('npx', args, wasmOnly ? { ...process.env, SEGREFINER_NATIVE: '0' } : process.env);
}

function runTorch(python: string, config: Record<string, unknown>, c: Case): RunOutcome {
  return runBench(python, ['experiments/bench_torch.py', '--config', JSON.stringify(config), '--size', String(c.size),
    '--batch', String(c.batch), '--reps', String(c.reps), '--threads', '2', '--json', ...(c.forwardOnly ? ['--no-train'] : [])]);
}

const fmt = (ms: number | null | undefined): string => (ms === null || ms === undefined ? '—' : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);
const ratio = (a: number | null | undefined, b: number | null | undefined): string => (a && b ? `${(a / b).toFixed(2)}×` : '—');

/** The config a case selects, for torch when ours printed none: a preset's UNetConfig or the upstream kwargs. */
function caseConfig(c: Case): Record<string, unknown> {
  const [flag, value] = c.net();
  return flag === '--preset' ? { ...UNET_PRESETS[value as keyof typeof UNET_PRESETS] } : JSON.parse(value);
}

function compareCase(c: Case, python: string): string {
  let ours = runOurs(c, c.forwardOnly ?? false);
  let note = '';
  if (!ours.result && !c.forwardOnly) {
    note = `ours train step failed (${ours.error}); forward re-run without training`;
    ours = runOurs(c, true);
  }
  if (!ours.result) {
    const torchOnly = runTorch(python, caseConfig(c), c);
    const t = torchOnly.result;
    return `| ${c.id} | ${t ? t.params.toLocaleString('en') : '—'} | ${c.batch}×${c.size}² | failed | — | ${fmt(t?.forwardMs)} | — | — | — | ` +
      `${fmt(t?.trainStepMs)} | — | ours: ${ours.error}${t ? '' : `; torch: ${torchOnly.error}`}`;
  }
  const o = ours.result;
  const wasm = o.native ? runOurs(c, o.trainStepMs === null, true).result : o;
  const torch = runTorch(python, o.config, c);
  if (!torch.result) return `| ${c.id} | ${o.params.toLocaleString('en')} | ${c.batch}×${c.size}² | torch failed: ${torch.error}${note ? `; ${note}` : ''} |||||||`;
  const t = torch.result;
  if (o.params !== t.params) note += ` PARAMETER COUNTS DIFFER: ours ${o.params}, torch ${t.params}`;
  if (!o.native) note += ' native kernels not active: both "ours" columns are wasm';
  return `| ${c.id} | ${o.params.toLocaleString('en')} | ${c.batch}×${c.size}² | ${fmt(o.forwardMs)} | ${fmt(wasm?.forwardMs)} | ${fmt(t.forwardMs)} | ` +
    `${ratio(o.forwardMs, t.forwardMs)} | ${fmt(o.trainStepMs)} | ${fmt(wasm?.trainStepMs)} | ${fmt(t.trainStepMs)} | ${ratio(o.trainStepMs, t.trainStepMs)} |${note ? ` ${note.trim()}` : ''}`;
}

// ---------------------------------------------------------------- profile mode

interface KernelRow { calls: number; ms: number }

interface KernelCall { name: string; depth: number; ms: number; selfMs: number }

/**
 * Re-registers every wasm kernel with a wrapper that times each call and logs its name, nesting
 * depth, inclusive and self time (inclusive minus the kernels run inside it). tf.profile times the
 * same kernelFunc calls, but its list is in engine order (a tape clone is listed before the kernel
 * that made it), which loses the nesting; it serves as the cross-check.
 */
function trackKernels(): KernelCall[] {
  const log: KernelCall[] = [];
  const childMs: number[] = [0]; // per open call: time spent in its inner kernels
  for (const k of tf.getKernelsForBackend('wasm')) {
    const inner = k.kernelFunc;
    tf.unregisterKernel(k.kernelName, 'wasm');
    tf.registerKernel({ ...k, kernelFunc: (args) => {
      const depth = childMs.length - 1, t0 = performance.now();
      childMs.push(0);
      try {
        return inner(args);
      } finally {
        const ms = performance.now() - t0, inside = childMs.pop() as number;
        childMs[depth] += ms;
        log.push({ name: k.kernelName, depth, ms, selfMs: ms - inside });
      }
    } });
  }
  return log;
}

/** Per kernel name: top-level calls with inclusive time, and all calls with self time. */
async function profileKernels(log: KernelCall[], work: () => Promise<void>):
  Promise<{ wallMs: number; top: Map<string, KernelRow>; self: Map<string, KernelRow> }> {
  log.length = 0;
  const t0 = performance.now(), cpu0 = process.cpuUsage();
  const info = await tf.profile(work);
  const wallMs = performance.now() - t0, cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const count = (names: string[]) => names.reduce((m, n) => m.set(n, (m.get(n) ?? 0) + 1), new Map<string, number>());
  // tf.profile also lists custom-gradient ops (our GroupNorm) as entries that are not kernels: skip those.
  const kernelNames = new Set(tf.getKernelsForBackend('wasm').map((k) => k.kernelName));
  const ours = count(log.map((l) => l.name)), theirs = count(info.kernels.map((k) => k.name).filter((n) => kernelNames.has(n)));
  const differ = [...new Set([...ours.keys(), ...theirs.keys()])].filter((n) => ours.get(n) !== theirs.get(n));
  if (differ.length) throw new Error(`compare_torch --profile: the wrapper's kernel counts must match tf.profile's, but ${differ.join(', ')} differ.`);
  const top = new Map<string, KernelRow>(), self = new Map<string, KernelRow>();
  const add = (m: Map<string, KernelRow>, name: string, ms: number) => {
    const row = m.get(name) ?? { calls: 0, ms: 0 };
    row.calls++; row.ms += ms; m.set(name, row);
  };
  for (const call of log) {
    add(self, call.name, call.selfMs);
    if (call.depth === 0) add(top, call.name, call.ms);
  }
  const profiledMs = info.kernels.reduce((s, k) => s + (k.kernelTimeMs as number), 0);
  console.log(`\n(tf.profile: ${info.kernels.length} kernel calls, ${profiledMs.toFixed(0)} ms summed over all depths; ` +
    `process CPU ${cpuMs.toFixed(0)} ms in ${wallMs.toFixed(0)} ms wall = ${(cpuMs / wallMs).toFixed(2)} cores busy)`);
  return { wallMs, top, self };
}

function printRows(title: string, rows: Map<string, KernelRow>, wallMs: number, topN: number): void {
  const sorted = [...rows.entries()].sort((a, b) => b[1].ms - a[1].ms);
  const sum = sorted.reduce((s, [, r]) => s + r.ms, 0);
  console.log(`\n${title} (sum ${sum.toFixed(0)} ms of ${wallMs.toFixed(0)} ms wall; share of wall)`);
  console.log('| kernel | calls | ms | share |\n|---|---|---|---|');
  for (const [name, r] of sorted.slice(0, topN)) console.log(`| ${name} | ${r.calls} | ${r.ms.toFixed(1)} | ${(100 * r.ms / wallMs).toFixed(1)}% |`);
}

async function profileMode(config: UNetConfig, size: number, batch: number, topN: number, python: string, forwardOnly: boolean): Promise<void> {
  const backend = await initBackend();
  const log = trackKernels();
  const unet = DenoiseUNet.create(config, 0);
  const rng = createRng(1);
  const image = tf.tensor4d(randomNormalArray(rng, batch * size * size * 3), [batch, size, size, 3]);
  const mask = () => tf.tidy(() => tf.cast(tf.greater(tf.randomUniform([batch, size, size, 1], 0, 1, 'float32', rng.int(1e9)), 0.5), 'float32')) as tf.Tensor4D;
  const gt = mask(), coarse = mask();
  const x = tf.concat([image, gt], 3) as tf.Tensor4D, t = tf.fill([batch], 3, 'int32') as tf.Tensor1D;
  const optimizer = new AdamW({ ...DEFAULT_ADAMW_CONFIG });
  const schedule = createSchedule();
  const forward = async () => { const y = unet.apply(x, t); await y.data(); y.dispose(); };
  const step = async () => { await trainStep(unet, schedule, optimizer, { image, gt, coarse }, rng, { lr: 1e-4, clipGradNorm: 0 }); };
  await forward(); // warm-up: XNNPACK operators, packed weights
  if (!forwardOnly) await step(); // and the optimizer slots
  console.log(`wasm (${backend.threads ?? '?'} threads), ${unet.numParams().toLocaleString('en')} parameters, input ${batch}×${size}×${size}×4`);
  const fwd = await profileKernels(log, forward);
  printRows('Forward, top-level kernels (inclusive)', fwd.top, fwd.wallMs, topN);
  if (forwardOnly) { unet.dispose(); optimizer.dispose(); tf.dispose([image, gt, coarse, x, t]); return; }
  const train = await profileKernels(log, step);
  printRows('Train step, top-level kernels (inclusive: composites include their inner kernels)', train.top, train.wallMs, topN);
  printRows('Train step, self time by kernel (composites minus their inner kernels)', train.self, train.wallMs, topN);
  // the optimizer alone (part of the step above): one update of every parameter, with zero gradients
  const zeros = new Map([...unet.params].map(([k, v]) => [k, tf.zerosLike(v)] as const));
  const adam = await profileKernels(log, async () => { optimizer.apply(unet.params, zeros, 1e-4); await unet.params.values().next().value?.data(); });
  const adamCalls = [...adam.top.values()].reduce((s, r) => s + r.calls, 0);
  console.log(`AdamW.apply alone: ${adam.wallMs.toFixed(0)} ms wall, ${adamCalls} kernel calls for ${unet.params.size} parameter tensors`);
  tf.dispose([...zeros.values()]);
  optimizer.dispose(); unet.dispose(); tf.dispose([image, gt, coarse, x, t]);
  const torch = runBench(python, ['experiments/bench_torch.py', '--config', JSON.stringify(config), '--size', String(size),
    '--batch', String(batch), '--reps', '1', '--json', '--profile', String(topN)]);
  if (!torch.result) { console.log(`\ntorch profile failed: ${torch.error}`); return; }
  const r = torch.result as BenchResult & { trainStepMs: number; profile: { op: string; calls: number; selfMs: number; share: number }[] };
  console.log(`\nPyTorch train step ${fmt(r.trainStepMs)} (median, unprofiled); autograd profiler self time by op (share of profiled CPU self time)`);
  console.log('| op | calls | ms | share |\n|---|---|---|---|');
  for (const p of r.profile) console.log(`| ${p.op} | ${p.calls} | ${p.selfMs} | ${(100 * p.share).toFixed(1)}% |`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: {
    cases: { type: 'string', default: 'parity_a,cpu,paper128,paper32' }, python: { type: 'string', default: '/usr/bin/python3' },
    'timeout-s': { type: 'string', default: '600' },
    profile: { type: 'boolean', default: false }, size: { type: 'string', default: '96' }, batch: { type: 'string', default: '2' },
    top: { type: 'string', default: '20' }, preset: { type: 'string', default: 'cpu' }, 'forward-only': { type: 'boolean', default: false },
  } });
  timeoutMs = 1000 * Number(values['timeout-s']);
  if (values.profile) {
    const preset = UNET_PRESETS[values.preset as keyof typeof UNET_PRESETS];
    if (!preset) throw new Error(`compare_torch: --preset must be one of ${Object.keys(UNET_PRESETS).join(', ')}, but got '${values.preset}'.`);
    await profileMode({ ...preset }, Number(values.size), Number(values.batch), Number(values.top), values.python as string, values['forward-only'] as boolean);
    return;
  }
  const ids = (values.cases as string).split(',');
  const unknown = ids.filter((id) => !CASES.some((c) => c.id === id));
  if (unknown.length) throw new Error(`compare_torch: --cases must name cases among ${CASES.map((c) => c.id).join(', ')}, but got ${unknown.join(', ')}.`);
  console.log('| case | params | B×size² | fwd native | fwd wasm | fwd torch | fwd native/torch | train native | train wasm | train torch | train native/torch | notes |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const id of ids) console.log(compareCase(CASES.find((c) => c.id === id) as Case, values.python as string));
}

main().then(() => process.exit(0), (e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
