#!/usr/bin/env node
/**
 * The `segrefiner` command. Each subcommand lives in its own file and parses its own flags strictly;
 * this file only dispatches. Exit codes: 0 ok, 1 the job failed, 2 a usage error, 130/143 a job
 * stopped by SIGINT/SIGTERM (train).
 */
import { ABLATE_FLAGS, runAblate } from './ablate';
import { releaseBackend } from '../backend/select_backend';
import { CLUSTER_FLAGS, runCluster } from './cluster';
import { COARSEN_FLAGS, runCoarsen } from './coarsen';
import { CONVERT_FLAGS, runConvert } from './convert';
import { DOCTOR_FLAGS, runDoctor } from './doctor';
import { EVAL_FLAGS, runEval } from './eval';
import { MERGE_FLAGS, runMerge } from './merge';
import { FlagSpecs, formatUsage } from './parse_flags';
import { REFINE_FLAGS, runRefine } from './refine';
import { REFINE_COCO_FLAGS, runRefineCoco } from './refine_coco';
import { runTrain, TRAIN_FLAGS } from './train';
import { UsageError } from './usage_error';

interface Subcommand {
  summary: string;
  flags: FlagSpecs;
  run(argv: string[]): Promise<number>;
}

const SUBCOMMANDS: Record<string, Subcommand> = {
  doctor: { summary: 'versions, the active backend, threads/SIMD, kernel gradient checks', flags: DOCTOR_FLAGS, run: runDoctor },
  eval: { summary: 'score masks: IoU, mBA, Boundary IoU/F, DIS measures (folders) or COCO mask/boundary AP (JSON)', flags: EVAL_FLAGS, run: runEval },
  convert: { summary: 'convert an official PyTorch .pth checkpoint into a model folder', flags: CONVERT_FLAGS, run: runConvert },
  train: { summary: 'train a DenoiseUNet from a named recipe (`segrefiner train --help` lists them)', flags: TRAIN_FLAGS, run: runTrain },
  coarsen: { summary: 'write synthetic coarse masks (modify_boundary) for a folder of masks, with their mean IoU', flags: COARSEN_FLAGS, run: runCoarsen },
  refine: { summary: 'refine coarse masks: one image or a folder (instance or high-resolution mode), optional metrics vs GT', flags: REFINE_FLAGS, run: runRefine },
  'refine-coco': { summary: 'refine the instance masks of a COCO results JSON (RLE out; boxes, scores, labels kept)', flags: REFINE_COCO_FLAGS, run: runRefineCoco },
  ablate: { summary: 'the step-count ablation table (variants × seeds on held-out synthetic scenes) as JSON', flags: ABLATE_FLAGS, run: runAblate },
  merge: { summary: 'join the shards of a --shard K/N run into exactly what one run writes', flags: MERGE_FLAGS, run: runMerge },
  cluster: { summary: 'run a sharded job on SLURM: submit (array + merge job), status, resubmit the failed tasks', flags: CLUSTER_FLAGS, run: runCluster },
};

export const USAGE = `usage: segrefiner <command> [flags]   (segrefiner <command> --help for its flags)\n\ncommands:\n${Object.entries(SUBCOMMANDS)
  .map(([name, c]) => `  ${name.padEnd(11)} ${c.summary}`).join('\n')}`;

/** Runs the CLI on `argv` (without node and script); returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined) {
    console.error(USAGE);
    return 2;
  }
  if (command === '--help' || command === '-h' || command === 'help') {
    console.log(USAGE);
    return 0;
  }
  const sub = SUBCOMMANDS[command];
  try {
    if (!sub) throw new UsageError(`segrefiner: unknown command '${command}'; expected one of ${Object.keys(SUBCOMMANDS).join(', ')}.`, USAGE);
    if (rest.includes('--help') || rest.includes('-h')) {
      console.log(formatUsage(command, sub.flags));
      return 0;
    }
    return await sub.run(rest);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`${error.message}\n${error.usage}`);
      return 2;
    }
    console.error(`segrefiner ${command}: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    releaseBackend(); // a live WebGPU device may keep the process from exiting
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
}
