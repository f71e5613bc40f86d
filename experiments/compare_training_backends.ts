/**
 * Trains the same recipe for N steps on two backends with the same seed and compares the losses step
 * by step (issue 16: the CPU preset on webgpu against wasm within 1e-3 relative):
 *   npx tsx experiments/compare_training_backends.ts [--config cpu-synthetic] [--steps 20] [--size 64]
 *     [--backends webgpu,wasm] [--out DIR]
 * Each run is `segrefiner train` in its own process (a process picks its backend once), logging every
 * step; the losses come from the runs' metrics.jsonl. Exit 1 when a step differs by more than 1e-3.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';

const TOLERANCE = 1e-3;

const { values: flags } = parseArgs({
  options: {
    config: { type: 'string', default: 'cpu-synthetic' },
    steps: { type: 'string', default: '20' },
    size: { type: 'string', default: '64' },
    backends: { type: 'string', default: 'webgpu,wasm' },
    out: { type: 'string' },
  },
});

/** Runs `segrefiner train` on `backend` and returns its train losses by step, and the wall time. */
function trainOn(backend: string, outDir: string): { losses: Map<number, number>; seconds: number } {
  const cli = path.join(__dirname, '..', 'src', 'cli', 'main.ts');
  const sets = [`outDir=${outDir}`, `name=${backend}`, `steps=${flags.steps}`, `imageSize=${flags.size}`, 'logEvery=1',
    `checkpointEvery=${flags.steps}`, 'sampleEvery=1000000', 'validation.every=1000000'];
  const start = Date.now();
  const r = spawnSync(process.execPath, ['-r', 'tsx/cjs', cli, 'train', '--config', flags.config as string, ...sets.flatMap((s) => ['--set', s])],
    { env: { ...process.env, SEGREFINER_BACKEND: backend }, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error(`compare_training_backends: training on ${backend} failed with exit ${r.status}.`);
  const losses = new Map<number, number>();
  for (const line of fs.readFileSync(path.join(outDir, backend, 'metrics.jsonl'), 'utf8').split('\n')) {
    if (!line) continue;
    const rec = JSON.parse(line) as { type: string; step: number; loss: number };
    if (rec.type === 'train') losses.set(rec.step, rec.loss);
  }
  return { losses, seconds: (Date.now() - start) / 1000 };
}

function main(): number {
  const [a, b] = (flags.backends as string).split(',');
  const outDir = flags.out ?? fs.mkdtempSync(path.join(os.tmpdir(), 'segrefiner-backends-'));
  const runA = trainOn(a, outDir), runB = trainOn(b, outDir);
  console.log(`\n${flags.config}, ${flags.steps} steps at ${flags.size}², same seed: ${a} ${runA.seconds.toFixed(0)} s, ${b} ${runB.seconds.toFixed(0)} s`);
  console.log(`| step | ${a} loss | ${b} loss | relative difference |\n|---|---|---|---|`);
  let worst = 0;
  for (const [step, lossB] of runB.losses) {
    const lossA = runA.losses.get(step);
    if (lossA === undefined) throw new Error(`compare_training_backends: step ${step} is missing from the ${a} run.`);
    const rel = Math.abs(lossA - lossB) / Math.abs(lossB);
    worst = Math.max(worst, rel);
    console.log(`| ${step} | ${lossA.toFixed(6)} | ${lossB.toFixed(6)} | ${rel.toExponential(2)} |`);
  }
  console.log(`largest relative difference ${worst.toExponential(2)} (tolerance ${TOLERANCE}); runs in ${outDir}`);
  return worst <= TOLERANCE ? 0 : 1;
}

process.exitCode = main();
