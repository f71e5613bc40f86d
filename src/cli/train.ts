/**
 * `segrefiner train --config <recipe> [--set key.path=value ...] [--resume runs/<name>]`: resolves a
 * recipe (src/train/recipes) with overrides, then runs the training loop on the active backend.
 * SIGINT/SIGTERM (or its npm launcher dying) end the run after the current step: the last checkpoint
 * stays, the run folder's lock is released, and the exit code is 130/143 (1 for the launcher).
 */
import * as fs from 'fs';
import * as path from 'path';
import { initBackend } from '../backend/select_backend';
import { applyOverrides, resolveTrainConfig, TrainConfig } from '../train/config';
import { trainRecipe, TRAIN_RECIPES } from '../train/recipes';
import { assertRunFolderFree } from '../train/run_folder';
import { TrainLoop, TrainSummary } from '../train/train_loop';
import { FlagSpecs, formatUsage, parseFlags } from './parse_flags';
import { StopRequest, watchStopRequests } from './stop_requests';
import { UsageError } from './usage_error';

export const TRAIN_FLAGS: FlagSpecs = {
  config: { type: 'string', description: `recipe name: ${Object.keys(TRAIN_RECIPES).join(' | ')} (default cpu-synthetic)` },
  set: { type: 'string', multiple: true, description: 'override a config value, e.g. --set steps=100 --set optimizer.lr=2e-4 (repeatable)' },
  resume: { type: 'string', description: 'continue the run in this folder from its checkpoint (its config.json is used)' },
  'max-steps': { type: 'string', description: 'stop after this many steps in this process (the run can be resumed)' },
};

/** The config of a run: from its folder when resuming, else recipe + overrides. */
export function trainConfigFromFlags(flags: { config?: string; set?: string[]; resume?: string }): TrainConfig {
  if (flags.resume) {
    const file = path.join(flags.resume, 'config.json');
    if (!fs.existsSync(file)) throw new Error(`segrefiner train --resume: ${file} must exist, but it does not.`);
    let saved: TrainConfig;
    try {
      saved = JSON.parse(fs.readFileSync(file, 'utf8')) as TrainConfig;
    } catch (error) {
      throw new Error(`segrefiner train --resume: ${file} must be the run's JSON config, but reading it failed: ${(error as Error).message}`, { cause: error });
    }
    if (typeof saved !== 'object' || saved === null || Array.isArray(saved)) throw new Error(`segrefiner train --resume: ${file} must hold a JSON object (the run's config), but holds ${JSON.stringify(saved)?.slice(0, 40)}.`);
    const withRunDir = { ...saved, outDir: path.dirname(flags.resume), name: path.basename(flags.resume) };
    return resolveTrainConfig(applyOverrides(withRunDir as unknown as Record<string, unknown>, flags.set ?? []));
  }
  return resolveTrainConfig(applyOverrides(trainRecipe(flags.config ?? 'cpu-synthetic'), flags.set ?? []));
}

export async function runTrain(argv: string[]): Promise<number> {
  const flags = parseFlags('train', argv, TRAIN_FLAGS);
  const maxSteps = flags['max-steps'] === undefined ? undefined : Number(flags['max-steps']);
  if (maxSteps !== undefined && !(Number.isInteger(maxSteps) && maxSteps > 0)) {
    throw new UsageError(`segrefiner train: --max-steps must be a positive integer, but got '${flags['max-steps']}'.`, formatUsage('train', TRAIN_FLAGS));
  }
  const config = trainConfigFromFlags({ config: flags.config as string | undefined, set: flags.set as string[] | undefined, resume: flags.resume as string | undefined });
  assertRunFolderFree(path.join(config.outDir, config.name)); // before the slow start-up; TrainLoop.run takes the lock
  const backend = await initBackend();
  console.log(`training '${config.name}' on ${backend.name}${backend.threads ? ` (${backend.threads} threads)` : ''}: ${config.steps} steps of ${config.batchSize}×${config.imageSize}²`);
  const loop = new TrainLoop(config, { resume: Boolean(flags.resume), maxStepsThisRun: maxSteps });
  const stop: { request: StopRequest | null } = { request: null };
  const unwatch = watchStopRequests((r) => {
    stop.request = r;
    loop.requestStop(r.reason);
  });
  let summary: TrainSummary;
  try {
    summary = await loop.run();
  } finally {
    unwatch();
    loop.dispose();
  }
  if (summary.stopped !== null && stop.request !== null) {
    console.error(`\n${stoppedMessage(summary)}`);
    return stop.request.exitCode;
  }
  console.log(`\nstopped at step ${summary.step}/${config.steps} after ${summary.wallSeconds.toFixed(0)} s; run folder ${summary.runDir}`);
  return 0;
}

function stoppedMessage(s: TrainSummary): string {
  const kept = s.checkpointStep === null
    ? 'it has no checkpoint yet, so a new run starts from step 0'
    : `its last checkpoint (step ${s.checkpointStep}) is kept: continue with --resume ${s.runDir}`;
  return `segrefiner train: ${s.stopped}; stopped at step ${s.step} in ${s.runDir}; ${kept}.`;
}
