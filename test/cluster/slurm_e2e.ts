/**
 * The SLURM scenario of issue 18, against a running cluster (scripts/test_cluster.sh starts one and
 * sets SLURM_CONF):
 *   node -r tsx/cjs test/cluster/slurm_e2e.ts <work dir>
 * 1. A synthetic set (SEGREFINER_CLUSTER_N scenes, default 12, 96², models/cpu-synthetic).
 * 2. Single-process runs: refine (folders, --gt), eval (--coarse --dis), refine-coco.
 * 3. The same as 4-task array jobs through `segrefiner cluster submit`, merged by the dependent job:
 *    refine-coco and eval run clean (and timed); refine has one task cancelled with scancel once it
 *    has finished an image, `cluster status` must call it failed, `cluster resubmit` sends it again
 *    and it must resume (skip what it had done).
 * 4. Merged outputs must equal the single runs byte for byte: every mask file, the COCO JSON, the
 *    eval report JSON (all metrics, full precision) and the refine metrics table.
 * Prints one `ok - …` line per check and a wall-time table; exit 1 at the first failure. With
 * SEGREFINER_CLUSTER_TIMING=1, refine is also timed as a clean array job, between single runs with 1
 * thread and with every core (the load of a shared machine drifts; the runs bracket it).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { arrayTaskStates, jobState, readRun, spawnExec } from '../../src/cluster/slurm';
import { writeSyntheticSet } from './synthetic_set';

const ROOT = path.join(__dirname, '..', '..');
const MAIN = path.join(ROOT, 'dist', 'cli', 'main.js');
const MODEL = path.join(ROOT, 'models', 'cpu-synthetic');
const SHARDS = 4;

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(what);
  console.log(`ok - ${what}`);
}

/** Runs `segrefiner …` in `cwd`; returns stdout; throws with the output when the exit code is not `expect`. */
function segrefiner(args: string[], cwd: string, expect = 0): string {
  const r = spawnSync(process.execPath, [MAIN, ...args], { cwd, encoding: 'utf8', env: process.env });
  if (r.status !== expect) throw new Error(`segrefiner ${args.join(' ')} exited ${r.status} (expected ${expect}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until SLURM reports `job` finished; returns its final state. */
async function waitForJob(job: string, limitS = 600): Promise<string> {
  const until = Date.now() + limitS * 1000;
  while (Date.now() < until) {
    const state = jobState(spawnExec, job);
    if (state !== null && !['PENDING', 'RUNNING', 'CONFIGURING', 'COMPLETING'].includes(state)) return state;
    await sleep(250);
  }
  throw new Error(`job ${job} did not finish within ${limitS} s`);
}

/** Submits `job` over 4 shards in a fresh run folder; returns the run folder and its first submission. */
function submit(work: string, name: string, job: string, jobArgs: string[]) {
  const run = path.join(work, 'runs', name);
  segrefiner(['cluster', 'submit', job, '--shards', String(SHARDS), '--run', run, '--partition', 'test', '--cpus-per-task', '1', '--', ...jobArgs], work);
  return { run, submission: readRun(run).submissions[0] };
}

function sameFiles(a: string, b: string): string[] {
  const names = fs.readdirSync(a).sort();
  const other = fs.readdirSync(b).sort();
  if (names.join('/') !== other.join('/')) return [`file lists differ: ${names.length} vs ${other.length}`];
  return names.filter((n) => !fs.readFileSync(path.join(a, n)).equals(fs.readFileSync(path.join(b, n))));
}

const sameBytes = (a: string, b: string) => fs.readFileSync(a).equals(fs.readFileSync(b));

/** The metrics table at the end of a refine (or merge) output, from "N images with ground truth" on. */
const tableOf = (text: string) => /\d+ images? with ground truth\n(?:.*\n?){5}/.exec(text)?.[0].trim() ?? '(no table)';

function timed<T>(f: () => T): [T, number] {
  const t0 = Date.now();
  const r = f();
  return [r, (Date.now() - t0) / 1000];
}

async function timedAsync<T>(f: () => Promise<T>): Promise<[T, number]> {
  const t0 = Date.now();
  const r = await f();
  return [r, (Date.now() - t0) / 1000];
}

/** Cancels the first task seen running with at least one finished image (and more to do); returns its number. */
async function cancelMidRun(run: string, arrayJob: string): Promise<number> {
  const until = Date.now() + 300_000;
  while (Date.now() < until) {
    for (const [task, state] of arrayTaskStates(spawnExec, arrayJob)) {
      if (state !== 'RUNNING') continue;
      const records = path.join(run, 'shards', `shard-${task}-of-${SHARDS}`, 'records');
      const done = fs.existsSync(records) ? fs.readdirSync(records).filter((f) => f.endsWith('.json')).length : 0;
      const manifest = path.join(run, 'shards', `shard-${task}-of-${SHARDS}`, 'manifest.json');
      const assigned = fs.existsSync(manifest) ? (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { assigned: string[] }).assigned.length : 0;
      if (done >= 1 && done < assigned) {
        spawnSync('scancel', [`${arrayJob}_${task}`]);
        console.log(`  cancelled task ${arrayJob}_${task} after ${done} of ${assigned} images`);
        return task;
      }
    }
    await sleep(100);
  }
  throw new Error('no array task could be caught mid-run (running, with some but not all images done) within 300 s');
}

async function main(): Promise<void> {
  const work = path.resolve(process.argv[2] ?? 'cluster-e2e');
  fs.mkdirSync(work, { recursive: true });
  const n = Number(process.env.SEGREFINER_CLUSTER_N ?? 12);
  const set = await writeSyntheticSet(path.join(work, 'set'), n, 96);
  console.log(`synthetic set: ${n} scenes of 96² in ${set.dir}; model ${MODEL}; ${SHARDS} shards`);
  const model = ['--model', MODEL];
  const refineArgs = ['--images', set.images, '--masks', set.coarse, '--gt', set.gt, ...model];
  const cocoArgs = ['--images', set.images, '--results', set.cocoResults, '--annotations', set.cocoGt, ...model];
  const single = path.join(work, 'single'), merged = path.join(work, 'merged');

  // 2. single-process runs
  const [refineOut, tRefine1] = timed(() => segrefiner(['refine', ...refineArgs, '--out', path.join(single, 'masks')], work));
  const evalArgs = ['--pred', path.join(single, 'masks'), '--gt', set.gt, '--coarse', set.coarse, '--dis'];
  const [, tEval1] = timed(() => segrefiner(['eval', ...evalArgs, '--out', path.join(single, 'eval.json')], work));
  const [, tCoco1] = timed(() => segrefiner(['refine-coco', ...cocoArgs, '--out', path.join(single, 'coco.json')], work));
  console.log(`single runs: refine ${tRefine1.toFixed(1)} s, eval ${tEval1.toFixed(1)} s, refine-coco ${tCoco1.toFixed(1)} s`);

  // 3a. refine-coco and eval as array jobs, clean
  const [coco, tCoco4] = await timedAsync(async () => {
    const s = submit(work, 'coco', 'refine-coco', [...cocoArgs, '--out', path.join(merged, 'coco.json')]);
    return { ...s, state: await waitForJob(s.submission.mergeJob) };
  });
  check(coco.state === 'COMPLETED', `refine-coco: 4 array tasks and the merge job completed (merge ${coco.state})`);
  check(sameBytes(path.join(single, 'coco.json'), path.join(merged, 'coco.json')), 'refine-coco: the merged COCO JSON equals the single run\'s byte for byte');
  const [ev, tEval4] = await timedAsync(async () => {
    const s = submit(work, 'eval', 'eval', [...evalArgs, '--out', path.join(merged, 'eval.json')]);
    return { ...s, state: await waitForJob(s.submission.mergeJob) };
  });
  check(ev.state === 'COMPLETED', `eval: 4 array tasks and the merge job completed (merge ${ev.state})`);
  check(sameBytes(path.join(single, 'eval.json'), path.join(merged, 'eval.json')), 'eval: the merged report JSON (per image and aggregates: IoU, ΣI/ΣU, mBA, Boundary IoU/F, DIS) equals the single run\'s byte for byte');
  for (let k = 0; k < SHARDS; k++) check(fs.readdirSync(path.join(ev.run, 'logs')).some((f) => f === `shard-${k}.${ev.submission.arrayJob}.log`), `eval: task ${k} wrote its own log`);

  // 3b. refine as an array job with one task cancelled mid-run, then resubmitted
  const [, tRefine4] = await timedAsync(async () => {
    const { run, submission } = submit(work, 'refine', 'refine', [...refineArgs, '--out', path.join(merged, 'masks')]);
    const cancelled = await cancelMidRun(run, submission.arrayJob);
    const until = Date.now() + 600_000;
    while ([...arrayTaskStates(spawnExec, submission.arrayJob).values()].some((s) => ['PENDING', 'RUNNING', 'CONFIGURING', 'COMPLETING'].includes(s))) {
      if (Date.now() > until) throw new Error('the refine array tasks did not finish within 600 s');
      await sleep(250);
    }
    const status = segrefiner(['cluster', 'status', '--run', run], work, 1);
    console.log(status.replace(/^/gm, '  | '));
    check(new RegExp(`shard ${cancelled}/${SHARDS}\\s+failed\\s+\\d+/\\d+ items\\s+slurm ${submission.arrayJob}_${cancelled} CANCELLED`).test(status), `cluster status: task ${cancelled} failed (CANCELLED, part done)`);
    check(status.split('\n').filter((l) => /\bdone\b/.test(l)).length === SHARDS - 1, 'cluster status: the other 3 shards are done');
    check(/DependencyNeverSatisfied|PENDING|CANCELLED/.test(jobState(spawnExec, submission.mergeJob) ?? ''), 'the first merge job did not run (its afterok can no longer be met)');
    const resubmitted = segrefiner(['cluster', 'resubmit', '--run', run], work);
    console.log(`  ${resubmitted.trim()}`);
    check(new RegExp(`resubmitted shard task ${cancelled} as array job \\d+`).test(resubmitted), `cluster resubmit: only task ${cancelled} was sent again`);
    const second = readRun(run).submissions[1];
    check(second.tasks.length === 1 && second.tasks[0] === cancelled, `cluster.json records the resubmission of task ${cancelled} alone`);
    const state = await waitForJob(second.mergeJob);
    check(state === 'COMPLETED', `refine: the resubmitted task and the new merge job completed (merge ${state})`);
    const log = fs.readFileSync(path.join(run, 'logs', `shard-${cancelled}.${second.arrayJob}.log`), 'utf8');
    check(/\d+ done before \(skipped\)/.test(log), 'refine: the resubmitted task resumed its shard (skipped the images done before the cancel)');
    const mergeLog = fs.readFileSync(path.join(run, 'logs', `merge.${second.mergeJob}.log`), 'utf8');
    check(tableOf(mergeLog) === tableOf(refineOut), 'refine: the merge job printed the single run\'s metrics table digit for digit');
  });
  const differing = sameFiles(path.join(single, 'masks'), path.join(merged, 'masks'));
  check(differing.length === 0, `refine: all ${n} merged mask files equal the single run's byte for byte${differing.length ? ` (differ: ${differing.join(', ')})` : ''}`);
  // SEGREFINER_CLUSTER_TIMING=1: refine timed clean, bracketed by single runs (the machine's load drifts)
  const timing: string[] = [];
  if (process.env.SEGREFINER_CLUSTER_TIMING === '1') {
    const threads = os.cpus().length, load = () => os.loadavg()[0].toFixed(1);
    const one = (t: number, name: string) => timed(() => spawnSync(process.execPath, [MAIN, 'refine', ...refineArgs, '--out', path.join(work, name)], { cwd: work, env: { ...process.env, SEGREFINER_THREADS: String(t) } }))[1];
    const row = (what: string, seconds: number, l: string) => timing.push(`  ${what.padEnd(44)} ${seconds.toFixed(1).padStart(7)} s   (1-min load average before: ${l})`);
    let l = load();
    row('refine, 1 process, 1 thread', one(1, 'time-a'), l);
    l = load();
    const [, t4] = await timedAsync(async () => {
      const s = submit(work, 'refine-clean', 'refine', [...refineArgs, '--out', path.join(merged, 'masks-clean')]);
      check(await waitForJob(s.submission.mergeJob) === 'COMPLETED', 'refine (clean run for the timing): the merge job completed');
    });
    row(`refine, ${SHARDS} array tasks × 1 CPU + merge job`, t4, l);
    check(sameFiles(path.join(single, 'masks'), path.join(merged, 'masks-clean')).length === 0, 'refine (clean run): the merged masks equal the single run\'s');
    l = load();
    row(`refine, 1 process, ${threads} threads`, one(threads, 'time-b'), l);
    l = load();
    row('refine, 1 process, 1 thread (again)', one(1, 'time-c'), l);
  }

  console.log(`\nwall time, same work, ${n} scenes of 96², SEGREFINER_THREADS=1 unless said:`);
  console.log(`  job          1 process   ${SHARDS} array tasks + merge`);
  console.log(`  refine-coco  ${tCoco1.toFixed(1).padStart(7)} s   ${tCoco4.toFixed(1).padStart(7)} s`);
  console.log(`  eval --dis   ${tEval1.toFixed(1).padStart(7)} s   ${tEval4.toFixed(1).padStart(7)} s`);
  console.log(`  refine       ${tRefine1.toFixed(1).padStart(7)} s   ${tRefine4.toFixed(1).padStart(7)} s  (with one task cancelled and resubmitted)`);
  if (timing.length > 0) console.log(`timing runs, in this order:\n${timing.join('\n')}`);
}

main().catch((error) => {
  console.error(`not ok - ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
