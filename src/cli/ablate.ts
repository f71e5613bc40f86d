/**
 * `segrefiner ablate [--model dir] [--scenes 12] [--seeds 5] --out results.json`: the step-count
 * ablation table (src/evaluate/step_ablation.ts) on held-out synthetic scenes at the model's size,
 * every default variant × seed, written as JSON (AblationResults). `npm run ablate` adds the figures
 * and the HTML report around the same numbers.
 *
 * With `--shard K/N`, only shard K's (variant, seed) units run (keys v<variant>-s<seed>); `--out` is
 * then the shard's folder and `segrefiner merge` writes the results a single run writes: mean ± std
 * over the merged seeds. Wall times (msPerRefinement) are measured in whichever process ran a unit.
 */
import { initBackend } from '../backend/select_backend';
import { modelSha256 } from '../cluster/fingerprint';
import { createSchedule } from '../diffusion/schedule';
import {
  ablationResults, ablationUnits, defaultStepVariants, runAblationUnit, runStepAblation, syntheticAblationSet, unitKey, VariantResult,
} from '../evaluate/step_ablation';
import { loadModelDir } from '../model/checkpoint/model_dir';
import { SYNTHETIC_MODEL_DIR } from '../refine/shipped_models';
import { writeFileAtomic } from '../util/atomic_write';
import { FlagSpecs, formatUsage, parseFlags } from './parse_flags';
import { argsOf, openShard, SHARD_FLAGS, shardFromFlags, shardSummary } from './shard_flag';
import { UsageError } from './usage_error';

export const ABLATE_FLAGS: FlagSpecs = {
  model: { type: 'string', description: 'model folder (default: the shipped models/cpu-synthetic, trained on the synthetic scenes)' },
  scenes: { type: 'string', description: 'held-out synthetic scenes (default 12)' },
  seeds: { type: 'string', description: 'sampling seeds 0 … N−1 per variant (default 5; deterministic variants use seed 0)' },
  out: { type: 'string', description: 'results JSON (required); with --shard the shard\'s folder' },
  ...SHARD_FLAGS,
};

const pct = (x: number) => (100 * x).toFixed(2);

/** One printed row: label, IoU, mBA and Boundary IoU as mean ± std in percent, ms per refinement. */
export function formatVariantRow(r: VariantResult): string {
  const ms = (s: { mean: number; std: number }) => `${pct(s.mean)} ± ${pct(s.std)}`;
  return `  ${r.label.padEnd(34)} IoU ${ms(r.iou)}  mBA ${ms(r.mba)}  BIoU ${ms(r.boundaryIou)}  ${r.msPerRefinement.toFixed(0)} ms`;
}

function positiveInt(raw: unknown, fallback: number, name: string, usage: string): number {
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < 1) throw new UsageError(`segrefiner ablate: --${name} must be a positive integer, but got '${String(raw)}'.`, usage);
  return v;
}

export async function runAblate(argv: string[]): Promise<number> {
  const flags = parseFlags('ablate', argv, ABLATE_FLAGS);
  const usage = formatUsage('ablate', ABLATE_FLAGS);
  if (flags.out === undefined) throw new UsageError('segrefiner ablate: --out is required.', usage);
  const nScenes = positiveInt(flags.scenes, 12, 'scenes', usage), nSeeds = positiveInt(flags.seeds, 5, 'seeds', usage);
  const shard = shardFromFlags(flags, 'ablate', usage);
  const model = flags.model === undefined ? SYNTHETIC_MODEL_DIR : String(flags.model);
  await initBackend();
  const { unet, config } = loadModelDir(model);
  try {
    const size = config.imageSize as number;
    const schedule = createSchedule(config.diffusion ?? {});
    const { samples } = syntheticAblationSet(nScenes, size);
    const seeds = Array.from({ length: nSeeds }, (_, i) => i);
    const variants = defaultStepVariants(schedule.numTimesteps);
    console.log(`step ablation: model ${model} (${size}²), ${nScenes} held-out scenes × ${nSeeds} seeds`);
    if (shard) {
      const units = ablationUnits(variants, seeds);
      const store = openShard('ablate', shard, String(flags.out), units.map(unitKey), {
        args: argsOf(flags, ['model', 'scenes', 'seeds']), model: modelSha256(model), files: {}, options: { numTimesteps: schedule.numTimesteps },
      }, (line) => console.log(line));
      const pending = new Set(store.pending());
      for (const u of units.filter((x) => pending.has(unitKey(x)))) {
        store.write(unitKey(u), await runAblationUnit(unet.denoiser, schedule, samples, variants[u.variant], u.seed));
        console.log(`  ${unitKey(u)}: ${variants[u.variant].label}, seed ${u.seed}`);
      }
      console.log(shardSummary(store, shard));
      return store.finish().complete ? 0 : 1;
    }
    const result = await runStepAblation(unet.denoiser, schedule, samples, variants, seeds, (r) => console.log(formatVariantRow(r)));
    const out = ablationResults((flags.model as string | undefined) ?? null, nScenes, size, seeds, result.coarse, result.variants);
    writeFileAtomic(String(flags.out), `${JSON.stringify(out, null, 2)}\n`);
    console.log(`wrote ${flags.out}`);
    return 0;
  } finally {
    unet.dispose();
  }
}
