/**
 * Running a sharded job on SLURM: one array task per shard, plus a merge job that waits for them
 * (`--dependency=afterok`). The engine is SLURM's; this file only writes readable batch scripts,
 * calls sbatch/squeue/scontrol/sacct/scancel and keeps a small record of what it submitted.
 *
 * A run folder holds:
 *   shards.sbatch   the array script: task K runs `segrefiner <job> … --shard K/N --out shards/shard-K-of-N`
 *   merge.sbatch    `segrefiner merge --in shards --out <the job's --out>`
 *   shards/         the shard folders (manifest + records + outputs; a rerun of a task resumes it)
 *   logs/           shard-<K>.<array job id>.log per task, merge.<job id>.log
 *   cluster.json    the job, N, and every submission (array job id, its tasks, merge job id)
 *
 * Status comes from two places: the shard folders say which shards are complete (the truth for
 * merging), SLURM says which tasks are still pending or running. A task that is neither complete
 * nor pending/running has failed (FAILED, CANCELLED, TIMEOUT, OUT_OF_MEMORY, NODE_FAIL, PREEMPTED,
 * or its record already aged out of SLURM); `resubmit` sends exactly those again and replaces the
 * merge job, whose afterok dependency can no longer be met.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { writeFileAtomic } from '../util/atomic_write';
import { shardDirName } from './shard';
import { MANIFEST_FILE, readManifest, ShardJob } from './shard_store';
import { pendingKeys } from './shard_set';

export const CLUSTER_FORMAT = 'segrefiner-cluster@1';
export const CLUSTER_FILE = 'cluster.json';

/** sbatch options every job of the run gets (the merge job: all but gres and cpus). */
export interface SbatchOptions {
  partition?: string;
  /** e.g. gpu:1 (one GPU per shard). */
  gres?: string;
  /** Wall-clock limit, SLURM's forms (e.g. 04:00:00). */
  time?: string;
  cpusPerTask?: number;
  mem?: string;
  account?: string;
  /** Further `#SBATCH` lines, as given (e.g. --qos=normal). */
  extra: string[];
}

export interface RunSpec {
  job: ShardJob;
  shards: number;
  /** The run folder (absolute). */
  runDir: string;
  /** Where the job runs (the scripts cd here; relative paths in args are relative to it). */
  cwd: string;
  /** The command that runs segrefiner, e.g. [node, .../dist/cli/main.js]. */
  launcher: string[];
  /** The job's flags, without --shard and --out. */
  args: string[];
  /** The job's --out: where the merge writes. */
  out: string;
  sbatch: SbatchOptions;
}

export interface Submission { arrayJob: string; tasks: number[]; mergeJob: string; at: string }

/** cluster.json. */
export interface ClusterRun extends RunSpec {
  format: typeof CLUSTER_FORMAT;
  shardScript: string;
  mergeScript: string;
  submissions: Submission[];
}

/** Runs a command; tests pass a fake. */
export type Exec = (command: string, args: string[]) => { code: number; stdout: string; stderr: string };

export const spawnExec: Exec = (command, args) => {
  const r = spawnSync(command, args, { encoding: 'utf8' });
  if (r.error) return { code: 127, stdout: '', stderr: `${command}: ${r.error.message}` };
  return { code: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
};

/** Quotes a word for bash (single quotes; a word of safe characters stays bare). */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

function sbatchLines(o: SbatchOptions, forMerge: boolean): string[] {
  const lines: string[] = [];
  if (o.partition) lines.push(`--partition=${o.partition}`);
  if (o.account) lines.push(`--account=${o.account}`);
  if (o.time) lines.push(`--time=${o.time}`);
  if (o.mem) lines.push(`--mem=${o.mem}`);
  if (!forMerge && o.gres) lines.push(`--gres=${o.gres}`);
  if (!forMerge && o.cpusPerTask) lines.push(`--cpus-per-task=${o.cpusPerTask}`);
  lines.push(...o.extra);
  return lines.map((l) => `#SBATCH ${l}`);
}

/** Splits a long command into bash continuation lines, a flag with its value per line. */
function commandLines(words: string[], tail: string[]): string {
  const parts: string[] = [];
  let i = 0;
  const head: string[] = [];
  while (i < words.length && !words[i].startsWith('--')) head.push(shellQuote(words[i++]));
  parts.push(head.join(' '));
  while (i < words.length) {
    const flag = [shellQuote(words[i++])];
    while (i < words.length && !words[i].startsWith('--')) flag.push(shellQuote(words[i++]));
    parts.push(flag.join(' '));
  }
  parts.push(...tail);
  return parts.join(' \\\n  ');
}

/** The array script: task K runs shard K of N (see the file comment). */
export function shardScript(spec: RunSpec, written = new Date().toISOString()): string {
  const shards = path.join(spec.runDir, 'shards'), n = spec.shards;
  return [
    '#!/bin/bash',
    `# segrefiner ${spec.job}, split into ${n} shards: array task K runs shard K of ${n}.`,
    `# Written by \`segrefiner cluster submit\` on ${written}. Submit by hand with`,
    `#   sbatch ${shellQuote(path.join(spec.runDir, 'shards.sbatch'))}              (all tasks)`,
    `#   sbatch --array=1,3 ${shellQuote(path.join(spec.runDir, 'shards.sbatch'))}  (some again; a task resumes its shard)`,
    `# then merge.sbatch with --dependency=afterok:<this array job's id>.`,
    `#SBATCH --job-name=segrefiner-${spec.job}`,
    `#SBATCH --array=0-${n - 1}`,
    `#SBATCH --output=${path.join(spec.runDir, 'logs', 'shard-%a.%A.log')}`,
    ...sbatchLines(spec.sbatch, false),
    'set -euo pipefail',
    `cd ${shellQuote(spec.cwd)}`,
    '# one thread per allocated CPU, unless the environment says otherwise',
    'export SEGREFINER_THREADS="${SEGREFINER_THREADS:-${SLURM_CPUS_PER_TASK:-1}}"',
    'K="${SLURM_ARRAY_TASK_ID:?submit with sbatch (an array task sets SLURM_ARRAY_TASK_ID)}"',
    `echo "segrefiner ${spec.job}: shard $K/${n} on $(hostname), job \${SLURM_JOB_ID:-?}, started $(date -Is)"`,
    `exec ${commandLines([...spec.launcher, spec.job, ...spec.args], [`--shard "$K/${n}"`, `--out ${shellQuote(shards)}"/shard-$K-of-${n}"`])}`,
    '',
  ].join('\n');
}

/** The merge script: joins the shard folders into the job's --out. */
export function mergeScript(spec: RunSpec, written = new Date().toISOString()): string {
  return [
    '#!/bin/bash',
    `# segrefiner ${spec.job}: merge of the ${spec.shards} shards into ${spec.out}.`,
    `# Written by \`segrefiner cluster submit\` on ${written}. Submit by hand, after the array job, with`,
    `#   sbatch --dependency=afterok:<array job id> ${shellQuote(path.join(spec.runDir, 'merge.sbatch'))}`,
    `#SBATCH --job-name=segrefiner-${spec.job}-merge`,
    `#SBATCH --output=${path.join(spec.runDir, 'logs', 'merge.%j.log')}`,
    ...sbatchLines(spec.sbatch, true),
    'set -euo pipefail',
    `cd ${shellQuote(spec.cwd)}`,
    `echo "segrefiner ${spec.job}: merge on $(hostname), job \${SLURM_JOB_ID:-?}, started $(date -Is)"`,
    `exec ${commandLines([...spec.launcher, 'merge', '--in', path.join(spec.runDir, 'shards'), '--out', spec.out], [])}`,
    '',
  ].join('\n');
}

export function readRun(runDir: string, where = 'cluster'): ClusterRun {
  const file = path.join(runDir, CLUSTER_FILE);
  let run: ClusterRun;
  try {
    run = JSON.parse(fs.readFileSync(file, 'utf8')) as ClusterRun;
  } catch (error) {
    throw new Error(`${where}: ${file} must be the record of a submitted run, but reading failed: ${(error as Error).message}`, { cause: error });
  }
  if (run.format !== CLUSTER_FORMAT) throw new Error(`${where}: ${file} must have format '${CLUSTER_FORMAT}', but has ${JSON.stringify(run.format)}.`);
  return run;
}

const saveRun = (run: ClusterRun) => writeFileAtomic(path.join(run.runDir, CLUSTER_FILE), `${JSON.stringify(run, null, 2)}\n`);

/** Writes the scripts, the logs and shards folders and cluster.json (no submission yet). */
export function writeRun(spec: RunSpec): ClusterRun {
  if (fs.existsSync(path.join(spec.runDir, CLUSTER_FILE))) {
    throw new Error(`cluster submit: ${spec.runDir} must be a new run folder, but it holds a run already; use segrefiner cluster status/resubmit --run ${spec.runDir}, or another --run.`);
  }
  for (const sub of ['logs', 'shards']) fs.mkdirSync(path.join(spec.runDir, sub), { recursive: true });
  const run: ClusterRun = { format: CLUSTER_FORMAT, ...spec, shardScript: path.join(spec.runDir, 'shards.sbatch'), mergeScript: path.join(spec.runDir, 'merge.sbatch'), submissions: [] };
  const written = new Date().toISOString();
  writeFileAtomic(run.shardScript, shardScript(spec, written));
  writeFileAtomic(run.mergeScript, mergeScript(spec, written));
  fs.chmodSync(run.shardScript, 0o755);
  fs.chmodSync(run.mergeScript, 0o755);
  saveRun(run);
  return run;
}

/** Runs sbatch --parsable; returns the job id. */
function sbatch(exec: Exec, args: string[]): string {
  const r = exec('sbatch', ['--parsable', ...args]);
  const id = /^(\d+)/.exec(r.stdout.trim())?.[1];
  if (r.code !== 0 || !id) throw new Error(`cluster: sbatch ${args.join(' ')} must print a job id, but exited ${r.code}: ${(r.stderr || r.stdout).trim()}`);
  return id;
}

/** Compact task list for --array: 0-3,5,7-8. */
export function formatTaskList(tasks: number[]): string {
  const sorted = [...new Set(tasks)].sort((a, b) => a - b), parts: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** Submits array tasks `tasks` and a merge job depending on them (and on `alsoWaitFor`, e.g. 12_3). */
function submit(run: ClusterRun, exec: Exec, tasks: number[], alsoWaitFor: string[]): Submission {
  const arrayJob = sbatch(exec, [`--array=${formatTaskList(tasks)}`, run.shardScript]);
  const mergeJob = sbatch(exec, [`--dependency=afterok:${[arrayJob, ...alsoWaitFor].join(':')}`, run.mergeScript]);
  const s: Submission = { arrayJob, tasks: [...tasks].sort((a, b) => a - b), mergeJob, at: new Date().toISOString() };
  run.submissions.push(s);
  saveRun(run);
  return s;
}

/** Submits every task of a written run, and its merge job. */
export function submitRun(run: ClusterRun, exec: Exec = spawnExec): Submission {
  return submit(run, exec, Array.from({ length: run.shards }, (_, k) => k), []);
}

/** SLURM job states in which a task still runs or will. */
const ACTIVE_STATES = new Set(['PENDING', 'RUNNING', 'CONFIGURING', 'COMPLETING', 'REQUEUED', 'REQUEUE_HOLD', 'REQUEUE_FED', 'RESIZING', 'SUSPENDED', 'STAGE_OUT', 'SIGNALING', 'RESV_DEL_HOLD']);

/** Expands 3, 1-4, 1-7:2 and [1-3,5] into task numbers. */
function expandTasks(text: string): number[] {
  return text.replace(/^\[|\]$/g, '').replace(/%\d+$/, '').split(',').flatMap((part) => {
    const m = /^(\d+)(?:-(\d+))?(?::(\d+))?$/.exec(part);
    if (!m) return [];
    const from = Number(m[1]), to = m[2] === undefined ? from : Number(m[2]), step = Number(m[3] ?? 1);
    return Array.from({ length: Math.floor((to - from) / step) + 1 }, (_, i) => from + i * step);
  });
}

/**
 * SLURM's state of each task of an array job (task → state, e.g. RUNNING, CANCELLED), from
 * squeue (pending and running tasks), then sacct or, where accounting is off, scontrol (finished
 * ones, while SLURM still remembers them). A job SLURM has forgotten gives an empty map.
 */
export function arrayTaskStates(exec: Exec, arrayJob: string): Map<number, string> {
  const states = new Map<number, string>();
  const q = exec('squeue', ['-h', '-r', '-j', arrayJob, '-o', '%i|%T']);
  if (q.code !== 0 && !/invalid job id/i.test(q.stderr)) throw new Error(`cluster: squeue -j ${arrayJob} failed (exit ${q.code}): ${q.stderr.trim()}`);
  const add = (id: string, state: string) => {
    const m = new RegExp(`^${arrayJob}_(.+)$`).exec(id.trim());
    if (m) for (const k of expandTasks(m[1])) if (!states.has(k)) states.set(k, state.trim().split(/\s+/)[0]);
  };
  for (const line of q.code === 0 ? q.stdout.split('\n') : []) if (line.includes('|')) add(...(line.split('|') as [string, string]));
  const acct = exec('sacct', ['-n', '-P', '-X', '-j', arrayJob, '-o', 'JobID,State']);
  if (acct.code === 0 && acct.stdout.trim()) {
    for (const line of acct.stdout.split('\n')) if (line.includes('|')) add(...(line.split('|') as [string, string]));
    return states;
  }
  const sc = exec('scontrol', ['show', 'job', '-o', arrayJob]);
  for (const line of sc.code === 0 ? sc.stdout.split('\n') : []) {
    const task = /\bArrayTaskId=(\S+)/.exec(line)?.[1], state = /\bJobState=(\S+)/.exec(line)?.[1];
    if (task && state) add(`${arrayJob}_${task}`, state);
  }
  return states;
}

/** SLURM's state of a plain job, or null when SLURM no longer knows it. */
export function jobState(exec: Exec, job: string): string | null {
  const q = exec('squeue', ['-h', '-j', job, '-o', '%T']);
  if (q.code === 0 && q.stdout.trim()) return q.stdout.trim().split('\n')[0];
  const acct = exec('sacct', ['-n', '-P', '-X', '-j', job, '-o', 'State']);
  if (acct.code === 0 && acct.stdout.trim()) return acct.stdout.trim().split('\n')[0].split(/\s+/)[0];
  const sc = exec('scontrol', ['show', 'job', '-o', job]);
  return sc.code === 0 ? /\bJobState=(\S+)/.exec(sc.stdout)?.[1] ?? null : null;
}

export interface TaskStatus {
  index: number;
  /** complete; partial (some items done); empty (no shard folder or no item done yet). */
  shard: 'complete' | 'partial' | 'empty';
  done: number;
  assigned: number | null;
  /** The array job that ran it last, and SLURM's state there (null: SLURM no longer knows it). */
  arrayJob: string | null;
  slurm: string | null;
  /** done: complete; active: pending or running; failed: neither (resubmit it). */
  verdict: 'done' | 'active' | 'failed';
}

export interface RunStatus { run: ClusterRun; tasks: TaskStatus[]; mergeJob: string | null; merge: string | null }

function shardProgress(run: ClusterRun, k: number): Pick<TaskStatus, 'shard' | 'done' | 'assigned'> {
  const dir = path.join(run.runDir, 'shards', shardDirName({ index: k, count: run.shards }));
  if (!fs.existsSync(path.join(dir, MANIFEST_FILE))) return { shard: 'empty', done: 0, assigned: null };
  const manifest = readManifest(dir);
  const pending = pendingKeys({ dir, manifest }).length, assigned = manifest.assigned.length;
  return { shard: pending === 0 ? 'complete' : pending < assigned ? 'partial' : 'empty', done: assigned - pending, assigned };
}

/** Where each task stands (file comment: shard folders + SLURM), and the latest merge job. */
export function runStatus(run: ClusterRun, exec: Exec = spawnExec): RunStatus {
  const states = new Map<string, Map<number, string>>();
  const tasks = Array.from({ length: run.shards }, (_, k): TaskStatus => {
    const last = [...run.submissions].reverse().find((s) => s.tasks.includes(k));
    if (last && !states.has(last.arrayJob)) states.set(last.arrayJob, arrayTaskStates(exec, last.arrayJob));
    const slurm = last ? states.get(last.arrayJob)?.get(k) ?? null : null;
    const progress = shardProgress(run, k);
    const verdict = progress.shard === 'complete' ? 'done' : slurm !== null && ACTIVE_STATES.has(slurm) ? 'active' : 'failed';
    return { index: k, ...progress, arrayJob: last?.arrayJob ?? null, slurm, verdict };
  });
  const mergeJob = run.submissions.at(-1)?.mergeJob ?? null;
  return { run, tasks, mergeJob, merge: mergeJob === null ? null : jobState(exec, mergeJob) };
}

export interface Resubmission { tasks: number[]; submission: Submission | null; cancelledMerge: string | null }

/**
 * Resubmits the failed tasks (runStatus) as a new array job over those tasks only, cancels the
 * pending merge job and submits a new one after the new tasks and any still active. With every
 * shard complete and no merge job pending, running or completed, it submits the merge alone.
 */
export function resubmitFailed(run: ClusterRun, exec: Exec = spawnExec): Resubmission {
  const status = runStatus(run, exec);
  const failed = status.tasks.filter((t) => t.verdict === 'failed').map((t) => t.index);
  const active = status.tasks.filter((t) => t.verdict === 'active').map((t) => `${t.arrayJob}_${t.index}`);
  const mergeAlive = status.merge !== null && (ACTIVE_STATES.has(status.merge) || status.merge === 'COMPLETED');
  if (failed.length === 0) {
    if (active.length > 0 || mergeAlive) return { tasks: [], submission: null, cancelledMerge: null };
    const mergeJob = sbatch(exec, [run.mergeScript]);
    const submission: Submission = { arrayJob: status.run.submissions.at(-1)?.arrayJob ?? '', tasks: [], mergeJob, at: new Date().toISOString() };
    run.submissions.push(submission);
    saveRun(run);
    return { tasks: [], submission, cancelledMerge: null };
  }
  let cancelledMerge: string | null = null;
  if (status.mergeJob !== null && status.merge !== null && ACTIVE_STATES.has(status.merge)) {
    const r = exec('scancel', [status.mergeJob]);
    if (r.code !== 0) throw new Error(`cluster resubmit: scancel ${status.mergeJob} (the old merge job) failed (exit ${r.code}): ${r.stderr.trim()}`);
    cancelledMerge = status.mergeJob;
  }
  return { tasks: failed, submission: submit(run, exec, failed, active), cancelledMerge };
}
