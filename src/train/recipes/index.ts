/** The named training recipes (`segrefiner train --config <name>`); each is a partial TrainConfig over the paper defaults. */
import { CPU_REAL_RECIPE } from './cpu_real';
import { CPU_REAL_128_RECIPE } from './cpu_real_128';
import { CPU_REAL_CHAIN_RECIPE } from './cpu_real_chain';
import { CPU_SYNTHETIC_RECIPE } from './cpu_synthetic';
import { PAPER_HR_RECIPE } from './paper_hr';
import { PAPER_LR_RECIPE } from './paper_lr';

export const TRAIN_RECIPES: Record<string, Record<string, unknown>> = {
  'cpu-real': CPU_REAL_RECIPE,
  'cpu-real-128': CPU_REAL_128_RECIPE,
  'cpu-real-chain': CPU_REAL_CHAIN_RECIPE,
  'cpu-synthetic': CPU_SYNTHETIC_RECIPE,
  'paper-lr': PAPER_LR_RECIPE,
  'paper-hr': PAPER_HR_RECIPE,
};

export function trainRecipe(name: string): Record<string, unknown> {
  const recipe = TRAIN_RECIPES[name];
  if (!recipe) throw new Error(`trainRecipe: unknown recipe '${name}'; expected one of ${Object.keys(TRAIN_RECIPES).join(', ')}.`);
  return structuredClone(recipe);
}
