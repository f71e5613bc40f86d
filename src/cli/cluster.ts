/**
 * `segrefiner cluster`: runs a sharded job on SLURM (src/cluster/slurm.ts).
 *
 *   segrefiner cluster submit <job> --shards N --run <dir> [--partition p] [--gres gpu:1] [--time t]
 *       [--cpus-per-task c] [--mem m] [--account a] [--sbatch-arg --qos=x] [--dry-run] -- <job flags>
 *   segrefiner cluster status --run <dir>
 *   segrefiner cluster resubmit --run <dir>
 *
 * <job> is refine (folders), refine-coco, eval (folders) or ablate; its flags come after `--`, with
 * --out naming the merged output (what one run would write) and no --shard. submit writes the array
 * script, the merge script and cluster.json into the run folder and submits them (the merge with
 * --dependency=afterok); --dry-run writes them only. status lists each shard (complete, partial,
 * empty) with SLURM's state; resubmit sends the failed tasks again and replaces the merge job.
 */
import * as path from 'path';
import { ShardJob, SHARD_JOBS } from '../cluster/shard_store';
import { readRun, resubmitFailed, runStatus, RunStatus, shellQuote, submitRun, writeRun } from '../cluster/slurm';
import { ABLATE_FLAGS } from './ablate';
import { EVAL_FLAGS } from './eval';
import { FlagSpecs, formatUsage, ParsedFlags, parseFlags } from './parse_flags';
import { REFINE_FLAGS } from './refine';
import { REFINE_COCO_FLAGS } from './refine_coco';
import { UsageError } from './usage_error';

export const CLUSTER_FLAGS: FlagSpecs = {
  shards: { type: 'string', description: 'submit: N, the number of shards = array tasks (one per GPU)' },
  run: { type: 'string', description: 'the run folder: scripts, shard folders, logs, cluster.json' },
  partition: { type: 'string', description: 'submit: sbatch --partition' },
  gres: { type: 'string', description: 'submit: sbatch --gres for each shard task, e.g. gpu:1' },
  time: { type: 'string', description: 'submit: sbatch --time, e.g. 04:00:00' },
  'cpus-per-task': { type: 'string', description: 'submit: sbatch --cpus-per-task for each shard task (also its thread count)' },
  mem: { type: 'string', description: 'submit: sbatch --mem, e.g. 16G' },
  account: { type: 'string', description: 'submit: sbatch --account' },
  'sbatch-arg': { type: 'string', multiple: true, description: 'submit: another #SBATCH line, e.g. --qos=normal (repeatable)' },
  launcher: { type: 'string', description: 'submit: the command that runs segrefiner on the nodes (default: this node and main.js, by absolute path)' },
  'dry-run': { type: 'boolean', description: 'submit: write the scripts but do not submit them' },
};

const JOB_FLAGS: Record<ShardJob, FlagSpecs> = { refine: REFINE_FLAGS, 'refine-coco': REFINE_COCO_FLAGS, eval: EVAL_FLAGS, ablate: ABLATE_FLAGS };

const USAGE_HEAD = 'usage: segrefiner cluster submit <refine|refine-coco|eval|ablate> --shards N --run <dir> [sbatch flags] -- <job flags>\n'
  + '       segrefiner cluster status --run <dir>\n       segrefiner cluster resubmit --run <dir>';

/** How this process runs segrefiner, for the scripts: node and main.js (or main.ts through tsx). */
function defaultLauncher(): string[] {
  const main = path.join(__dirname, path.basename(__filename).replace(/cluster\.(ts|js)$/, 'main.$1'));
  return main.endsWith('.ts') ? [process.execPath, '-r', require.resolve('tsx/cjs'), main] : [process.execPath, main];
}

/** Checks the job's flags as the job itself would, and splits off its --out. */
function jobArgs(job: ShardJob, words: string[], usage: string): { args: string[]; out: string } {
  const flags = parseFlags(job, words, JOB_FLAGS[job]);
  if (flags.shard !== undefined) throw new UsageError(`segrefiner cluster submit: the job's flags must not set --shard (each array task sets its own), but got --shard ${String(flags.shard)}.`, usage);
  if (flags.out === undefined) throw new UsageError('segrefiner cluster submit: the job\'s flags must give --out, where the merge writes the result.', usage);
  if (job === 'refine' && flags.images === undefined) throw new UsageError('segrefiner cluster submit: refine runs on folders (--images, --masks).', usage);
  if (job === 'eval' && flags.pred === undefined) throw new UsageError('segrefiner cluster submit: eval runs on folders (--pred, --gt).', usage);
  const args: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const [name] = words[i].replace(/^--/, '').split('=');
    const takesValue = JOB_FLAGS[job][name]?.type === 'string' && !words[i].includes('=');
    if (name !== 'out') args.push(words[i], ...(takesValue ? [words[i + 1]] : []));
    if (takesValue) i++;
  }
  return { args, out: String(flags.out) };
}

function positive(flags: ParsedFlags, name: string, usage: string): number | undefined {
  if (flags[name] === undefined) return undefined;
  const v = Number(flags[name]);
  if (!Number.isInteger(v) || v < 1) throw new UsageError(`segrefiner cluster: --${name} must be a positive integer, but got '${String(flags[name])}'.`, usage);
  return v;
}

/** The status table: one line per shard, then the merge job. */
export function formatStatus(s: RunStatus): string {
  const lines = [`run ${s.run.runDir}: segrefiner ${s.run.job}, ${s.run.shards} shards → ${s.run.out}`];
  for (const t of s.tasks) {
    const progress = t.assigned === null ? 'not started' : `${t.done}/${t.assigned} items`;
    lines.push(`  shard ${t.index}/${s.run.shards}  ${t.verdict.padEnd(6)}  ${progress.padEnd(14)}  slurm ${t.arrayJob ? `${t.arrayJob}_${t.index}` : '-'} ${t.slurm ?? '(unknown to SLURM now)'}`);
  }
  lines.push(`  merge        ${s.mergeJob ?? '-'} ${s.merge ?? '(unknown to SLURM now)'}`);
  const failed = s.tasks.filter((t) => t.verdict === 'failed').length;
  lines.push(failed > 0 ? `${failed} failed: segrefiner cluster resubmit --run ${shellQuote(s.run.runDir)}` : s.tasks.every((t) => t.verdict === 'done') ? 'all shards complete' : 'running');
  return lines.join('\n');
}

async function submit(words: string[], usage: string): Promise<number> {
  const dash = words.indexOf('--');
  const [job, ...own] = dash < 0 ? words : words.slice(0, dash);
  if (!SHARD_JOBS.includes(job as ShardJob)) throw new UsageError(`segrefiner cluster submit: the job must be one of ${SHARD_JOBS.join(', ')}, but got '${job ?? ''}'.`, usage);
  if (dash < 0) throw new UsageError('segrefiner cluster submit: the job\'s flags must follow --.', usage);
  const flags = parseFlags('cluster submit', own, CLUSTER_FLAGS);
  const shards = positive(flags, 'shards', usage);
  if (shards === undefined) throw new UsageError('segrefiner cluster submit: --shards is required.', usage);
  if (flags.run === undefined) throw new UsageError('segrefiner cluster submit: --run is required.', usage);
  const { args, out } = jobArgs(job as ShardJob, words.slice(dash + 1), usage);
  const run = writeRun({
    job: job as ShardJob, shards, runDir: path.resolve(String(flags.run)), cwd: process.cwd(), args, out,
    launcher: flags.launcher === undefined ? defaultLauncher() : String(flags.launcher).split(' ').filter(Boolean),
    sbatch: {
      partition: flags.partition as string | undefined, gres: flags.gres as string | undefined, time: flags.time as string | undefined,
      cpusPerTask: positive(flags, 'cpus-per-task', usage), mem: flags.mem as string | undefined, account: flags.account as string | undefined,
      extra: (flags['sbatch-arg'] as string[] | undefined) ?? [],
    },
  });
  console.log(`wrote ${run.shardScript} (array 0-${shards - 1}) and ${run.mergeScript}`);
  if (flags['dry-run']) {
    console.log(`not submitted (--dry-run); by hand: id=$(sbatch --parsable ${shellQuote(run.shardScript)}) && sbatch --dependency=afterok:$id ${shellQuote(run.mergeScript)}`);
    return 0;
  }
  const s = submitRun(run);
  console.log(`submitted array job ${s.arrayJob} (tasks ${s.tasks[0]}-${s.tasks.at(-1)}) and merge job ${s.mergeJob} (afterok:${s.arrayJob}); logs in ${path.join(run.runDir, 'logs')}`);
  return 0;
}

export async function runCluster(argv: string[]): Promise<number> {
  const usage = `${USAGE_HEAD}\n${formatUsage('cluster', CLUSTER_FLAGS).split('\n').slice(1).join('\n')}`;
  const [action, ...rest] = argv;
  if (action === 'submit') return submit(rest, usage);
  if (action !== 'status' && action !== 'resubmit') throw new UsageError(`segrefiner cluster: the action must be one of submit, status, resubmit, but got '${action ?? ''}'.`, usage);
  const flags = parseFlags(`cluster ${action}`, rest, CLUSTER_FLAGS);
  if (flags.run === undefined) throw new UsageError(`segrefiner cluster ${action}: --run is required.`, usage);
  const run = readRun(path.resolve(String(flags.run)), `segrefiner cluster ${action}`);
  if (action === 'status') {
    const s = runStatus(run);
    console.log(formatStatus(s));
    return s.tasks.some((t) => t.verdict === 'failed') ? 1 : 0;
  }
  const r = resubmitFailed(run);
  if (r.submission === null) console.log('nothing to resubmit: no shard has failed, and the merge job is pending, running or done');
  else if (r.tasks.length === 0) console.log(`every shard is complete; submitted the merge job again: ${r.submission.mergeJob}`);
  else console.log(`resubmitted shard task${r.tasks.length === 1 ? '' : 's'} ${r.tasks.join(', ')} as array job ${r.submission.arrayJob}; merge job ${r.submission.mergeJob}${r.cancelledMerge ? ` (replaces ${r.cancelledMerge}, cancelled)` : ''}`);
  return 0;
}
