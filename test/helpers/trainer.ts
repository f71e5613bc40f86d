/**
 * Trainer processes for the run-folder tests: `segrefiner train` through tsx (no build), on the tiny
 * run the in-process train tests use (32², batch 1, CPU preset), optionally with the crash hooks
 * preloaded. Waiting has generous limits that only turn a hang into a failure; no test asserts a time.
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.join(__dirname, '..', '..');
const CRASH_HOOKS = path.join(__dirname, 'crash_hooks.ts');

/** `--set` flags of a tiny run: validation only at the end, on one scene. */
export function tinyRunFlags(outDir: string, name: string, steps: number): string[] {
  return [
    `outDir=${outDir}`, `name=${name}`, `steps=${steps}`, 'imageSize=32', 'batchSize=1', 'checkpointEvery=2', 'logEvery=1',
    'lrSchedule.warmupSteps=0', 'validation.every=100000', 'validation.numScenes=1', 'sampleEvery=100000',
  ].flatMap((s) => ['--set', s]);
}

export interface TrainerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface Trainer {
  child: ChildProcess;
  /** Resolves when the process has exited and its output is complete. */
  exited: Promise<TrainerExit>;
}

export interface TrainerOptions {
  /** SEGREFINER_TEST_CRASH for the crash hooks (test/helpers/crash_hooks.ts). */
  crash?: string;
  env?: Record<string, string>;
}

/** Starts `segrefiner train <args>`. */
export function startTrainer(args: string[], opts: TrainerOptions = {}): Trainer {
  const hooks = opts.crash ? ['-r', CRASH_HOOKS] : [];
  const child = spawn(process.execPath, ['-r', 'tsx/cjs', ...hooks, path.join(ROOT, 'src', 'cli', 'main.ts'), 'train', ...args], {
    cwd: ROOT, env: { ...process.env, ...opts.env, ...(opts.crash ? { SEGREFINER_TEST_CRASH: opts.crash } : {}) }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  return { child, exited: collectExit(child) };
}

/** Runs `segrefiner train <args>` to its end. */
export function runTrainer(args: string[], opts: TrainerOptions = {}): Promise<TrainerExit> {
  return startTrainer(args, opts).exited;
}

/** The exit of a child whose stdout/stderr are pipes (output of its own children included). */
export function collectExit(child: ChildProcess): Promise<TrainerExit> {
  let stdout = '', stderr = '';
  child.stdout?.on('data', (d) => { stdout += d; });
  child.stderr?.on('data', (d) => { stderr += d; });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Polls until `ready()` returns a value other than undefined; fails after `limitMs` naming `what`. */
export async function waitFor<T>(what: string, ready: () => T | undefined, limitMs = 180_000): Promise<T> {
  for (let waited = 0; waited < limitMs; waited += 100) {
    const value = ready();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`waitFor: ${what} must happen within ${limitMs / 1000} s, but it did not.`);
}

/** metrics.jsonl records that parse (a torn last line is skipped). */
export function readMetrics(runDir: string): Record<string, unknown>[] {
  const file = path.join(runDir, 'metrics.jsonl');
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, 'utf8').split('\n').flatMap((line) => {
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}

/** The steps of the train records, in file order. */
export function trainSteps(runDir: string): number[] {
  return readMetrics(runDir).filter((r) => r.type === 'train').map((r) => r.step as number);
}

/** Every file under dir, relative to it, sorted. */
export function listFiles(dir: string, prefix = ''): string[] {
  return fs.readdirSync(path.join(dir, prefix), { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(prefix, e.name);
    return e.isDirectory() ? listFiles(dir, rel) : [rel];
  }).sort();
}
