/**
 * `segrefiner train --config <recipe> [--set key.path=value ...] [--resume runs/<name>]`: resolves a
 * recipe (src/train/recipes) with overrides, then runs the training loop on the active backend.
 */
import * as fs from 'fs';
import * as path from 'path';
import { initBackend } from '../backend/select_backend';
import { applyOverrides, resolveTrainConfig, TrainConfig } from '../train/config';
import { trainRecipe, TRAIN_RECIPES } from '../train/recipes';
import { TrainLoop } from '../train/train_loop';
import { FlagSpecs, formatUsage, parseFlags } from './parse_flags';
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
  const backend = await initBackend();
  console.log(`training '${config.name}' on ${backend.name}${backend.threads ? ` (${backend.threads} threads)` : ''}: ${config.steps} steps of ${config.batchSize}×${config.imageSize}²`);
  const loop = new TrainLoop(config, { resume: Boolean(flags.resume), maxStepsThisRun: maxSteps });
  try {
    const summary = await loop.run();
    console.log(`\nstopped at step ${summary.step}/${config.steps} after ${summary.wallSeconds.toFixed(0)} s; run folder ${summary.runDir}`);
  } finally {
    loop.dispose();
  }
  return 0;
}
