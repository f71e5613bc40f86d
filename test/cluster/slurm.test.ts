/**
 * The SLURM glue without a cluster: the generated scripts (readable, valid bash, runnable by hand),
 * what submit, status and resubmit ask sbatch/squeue/sacct/scontrol/scancel (a fake Exec records
 * it), and the `segrefiner cluster` usage errors. scripts/test_cluster.sh runs the real thing.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { keysDigest, shardKeys } from '../../src/cluster/shard';
import { ShardStore } from '../../src/cluster/shard_store';
import { Exec, formatTaskList, mergeScript, readRun, resubmitFailed, RunSpec, runStatus, shardScript, submitRun, writeRun } from '../../src/cluster/slurm';
import { cliInProcess } from '../helpers/cli_in_process';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'segrefiner-slurm-unit-'));

const spec = (runDir: string): RunSpec => ({
  job: 'refine', shards: 4, runDir, cwd: "/data/it's here", launcher: ['/usr/bin/node', '/opt/segrefiner/dist/cli/main.js'],
  args: ['--images', 'images', '--masks', 'coarse masks', '--steps', '3', '--deterministic'], out: 'refined',
  sbatch: { partition: 'gpu', gres: 'gpu:1', time: '01:00:00', cpusPerTask: 4, extra: ['--qos=normal'] },
});

test('the array script: one task per shard, its own log, sbatch options, the job\'s flags quoted', () => {
  const s = shardScript(spec('/runs/r1'), 'T');
  for (const line of ['#SBATCH --array=0-3', '#SBATCH --output=/runs/r1/logs/shard-%a.%A.log', '#SBATCH --partition=gpu', '#SBATCH --gres=gpu:1',
    '#SBATCH --time=01:00:00', '#SBATCH --cpus-per-task=4', '#SBATCH --qos=normal', "cd '/data/it'\\''s here'", '  --masks \'coarse masks\' \\',
    '  --deterministic \\', '  --shard "$K/4" \\', '  --out /runs/r1/shards"/shard-$K-of-4"']) {
    assert.ok(s.split('\n').includes(line), `missing line: ${line}\n${s}`);
  }
  assert.match(s, /^exec \/usr\/bin\/node \/opt\/segrefiner\/dist\/cli\/main\.js refine \\$/m);
  const m = mergeScript(spec('/runs/r1'), 'T');
  assert.ok(!m.includes('--gres') && !m.includes('--cpus-per-task') && m.includes('#SBATCH --partition=gpu'), m);
  assert.match(m, /main\.js merge \\\n {2}--in \/runs\/r1\/shards \\\n {2}--out refined\n/);
  assert.is(formatTaskList([8, 0, 1, 2, 5, 7, 2]), '0-2,5,7-8');
});

test('the scripts are valid bash and run by hand: task K gets --shard K/N and its own folder', () => {
  const run = writeRun({ ...spec(path.join(tmp, 'by-hand')), cwd: tmp, launcher: ['echo'] });
  for (const file of [run.shardScript, run.mergeScript]) assert.is(spawnSync('bash', ['-n', file]).status, 0, file);
  const r = spawnSync('bash', [run.shardScript], { encoding: 'utf8', env: { ...process.env, SLURM_ARRAY_TASK_ID: '2', SLURM_CPUS_PER_TASK: '4', SEGREFINER_THREADS: '' } });
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /^refine --images images --masks coarse masks --steps 3 --deterministic --shard 2\/4 --out .*by-hand\/shards\/shard-2-of-4$/m);
  assert.is(spawnSync('bash', [run.shardScript], { encoding: 'utf8' }).status, 1); // no SLURM_ARRAY_TASK_ID: refuses
  assert.throws(() => writeRun(spec(path.join(tmp, 'by-hand'))), /must be a new run folder, but it holds a run already/);
});

/** A fake SLURM: answers from tables, records every call. */
function fakeSlurm(answers: Record<string, { code?: number; stdout?: string; stderr?: string }>): { exec: Exec; calls: string[] } {
  const calls: string[] = [];
  let nextId = 100;
  const exec: Exec = (command, args) => {
    const call = `${command} ${args.join(' ')}`;
    calls.push(call);
    if (command === 'sbatch') return { code: 0, stdout: `${nextId++}\n`, stderr: '' };
    const hit = Object.entries(answers).find(([prefix]) => call.startsWith(prefix))?.[1];
    return { code: hit?.code ?? 1, stdout: hit?.stdout ?? '', stderr: hit?.stderr ?? 'slurm_load_jobs error: Invalid job id specified' };
  };
  return { exec, calls };
}

/** Shard folders of a 4-shard run over keys k0 … k7: `done[k]` records written for shard k (-1: no folder). */
function writeShards(runDir: string, done: number[]): void {
  const keys = Array.from({ length: 8 }, (_, i) => `k${i}`);
  done.forEach((n, k) => {
    if (n < 0) return;
    const mine = shardKeys(keys, { index: k, count: 4 });
    const s = ShardStore.open(path.join(runDir, 'shards', `shard-${k}-of-4`), { index: k, count: 4 }, {
      job: 'refine', count: 4, args: {}, cwd: tmp, keys: keysDigest(keys), model: null, files: {}, options: null,
    }, mine);
    mine.slice(0, n).forEach((key) => s.write(key, {}));
    s.finish();
  });
}

test('submit, status and resubmit: only the failed task goes again; the merge job is replaced and waits for active tasks', () => {
  const { exec, calls } = fakeSlurm({
    'squeue -h -r -j 100': { code: 0, stdout: '100_3|PENDING\n' },
    'sacct': { code: 1, stderr: 'Slurm accounting storage is disabled' },
    'scontrol show job -o 100': { code: 0, stdout: 'JobId=104 ArrayJobId=100 ArrayTaskId=0 JobState=COMPLETED Reason=None\nJobId=105 ArrayJobId=100 ArrayTaskId=1 JobState=CANCELLED Reason=None\nJobId=106 ArrayJobId=100 ArrayTaskId=2 JobState=FAILED Reason=NonZeroExitCode\n' },
    'squeue -h -j 101': { code: 0, stdout: 'PENDING\n' },
    'scancel 101': { code: 0 },
  });
  const run = writeRun(spec(path.join(tmp, 'r2')));
  const s = submitRun(run, exec);
  assert.equal(calls.slice(0, 2), [`sbatch --parsable --array=0-3 ${run.shardScript}`, `sbatch --parsable --dependency=afterok:100 ${run.mergeScript}`]);
  assert.equal({ arrayJob: s.arrayJob, mergeJob: s.mergeJob, tasks: s.tasks }, { arrayJob: '100', mergeJob: '101', tasks: [0, 1, 2, 3] });
  writeShards(run.runDir, [2, 1, 2, -1]); // shard 2 is complete although SLURM says FAILED (e.g. it failed after its last record)
  const status = runStatus(readRun(run.runDir), exec);
  assert.equal(status.tasks.map((t) => [t.verdict, t.shard, t.slurm]), [['done', 'complete', 'COMPLETED'], ['failed', 'partial', 'CANCELLED'], ['done', 'complete', 'FAILED'], ['active', 'empty', 'PENDING']]);
  assert.equal([status.mergeJob, status.merge], ['101', 'PENDING']);
  calls.length = 0;
  const r = resubmitFailed(readRun(run.runDir), exec);
  assert.equal(r.tasks, [1]);
  assert.is(r.cancelledMerge, '101');
  assert.ok(calls.includes(`sbatch --parsable --array=1 ${run.shardScript}`), calls.join('\n'));
  assert.ok(calls.includes('scancel 101'));
  assert.ok(calls.includes(`sbatch --parsable --dependency=afterok:102:100_3 ${run.mergeScript}`), calls.join('\n'));
  assert.equal(readRun(run.runDir).submissions.map((x) => x.tasks), [[0, 1, 2, 3], [1]]);
});

const cli = cliInProcess;

test('segrefiner cluster: usage errors, and --dry-run writes the scripts without submitting', async () => {
  const run = path.join(tmp, 'cli');
  const cases: [string[], RegExp][] = [
    [['cluster', 'launch'], /the action must be one of submit, status, resubmit, but got 'launch'/],
    [['cluster', 'submit', 'train', '--shards', '2', '--run', run, '--', '--out', 'x'], /the job must be one of refine, refine-coco, eval, ablate, but got 'train'/],
    [['cluster', 'submit', 'refine', '--shards', '2', '--run', run], /the job's flags must follow --/],
    [['cluster', 'submit', 'refine', '--run', run, '--', '--images', 'a', '--masks', 'b', '--out', 'c'], /--shards is required/],
    [['cluster', 'submit', 'refine', '--shards', '2', '--run', run, '--', '--images', 'a', '--masks', 'b'], /the job's flags must give --out/],
    [['cluster', 'submit', 'refine', '--shards', '2', '--run', run, '--', '--images', 'a', '--masks', 'b', '--out', 'c', '--shard', '0/2'], /must not set --shard/],
    [['cluster', 'submit', 'eval', '--shards', '2', '--run', run, '--', '--pred', 'a', '--gt', 'b', '--out', 'c', '--bogus'], /segrefiner eval: Unknown option '--bogus'/],
    [['cluster', 'status', '--run', path.join(tmp, 'nowhere')], /cluster\.json must be the record of a submitted run/],
  ];
  for (const [args, re] of cases) {
    const r = await cli(args);
    assert.ok(r.code === 2 || r.code === 1, `${args.join(' ')} → ${r.code}`);
    assert.match(r.out, re);
  }
  const r = await cli(['cluster', 'submit', 'eval', '--shards', '3', '--run', run, '--gres', 'gpu:1', '--dry-run', '--', '--pred', 'p', '--gt', 'g', '--dis', '--out=report.json']);
  assert.is(r.code, 0, r.out);
  assert.match(r.out, /not submitted \(--dry-run\); by hand: id=\$\(sbatch --parsable .*shards\.sbatch\) && sbatch --dependency=afterok:\$id .*merge\.sbatch/);
  const script = fs.readFileSync(path.join(run, 'shards.sbatch'), 'utf8');
  assert.match(script, /main\.(js|ts) eval \\\n {2}--pred p \\\n {2}--gt g \\\n {2}--dis \\\n {2}--shard "\$K\/3"/);
  assert.match(fs.readFileSync(path.join(run, 'merge.sbatch'), 'utf8'), /--out report\.json\n/);
  assert.equal(readRun(run).submissions, []);
});

test.run();
