/**
 * `cpu-real`: the CPU preset trained on real photographs with hand-drawn masks (issue 14), the recipe of
 * the default model (models/cpu-real). The data is the user's, given as folders:
 *   npx segrefiner train --config cpu-real \
 *     --set data.roots=../shared/data/train/ecssd,../shared/data/train/davis2016 --set data.rootWeights=0.6,0.4 \
 *     --set validation.roots=../shared/data/dev/ecssd,../shared/data/dev/davis2016
 * Only the values that differ from the paper's recipe are set, each with its reason; the model card
 * shows the measured comparison behind the choices.
 */
import { CPU_UNET_CONFIG } from '../../model/config';

export const CPU_REAL_RECIPE = {
  name: 'cpu-real',
  // the CPU preset at 96², as cpu-synthetic: a 96² step costs ~1/7 of a 256² one, and the instance path
  // at 96² keeps IoU ≈ 0.97 when the ground truth itself is pushed through it (issue 14), so the input
  // size is not what limits a refiner at this scale
  model: { ...CPU_UNET_CONFIG },
  imageSize: 96,
  // fine-tuned from the synthetic model: it already knows the task (coarse → fine at boundaries); the
  // model card compares it with a run from scratch at equal steps
  initFrom: 'models/cpu-synthetic',
  data: {
    kind: 'photo-folders',
    // a quarter of the samples are full-resolution boundary patches (HR sampler semantics), so the model
    // also sees real edges at 1:1 scale; the rest are whole-object crops as the instance path makes them
    patchProb: 0.25,
  },
  // batch 4: one step of 4 costs about two steps of 2 on the CPU, with half the gradient noise
  batchSize: 4,
  // runs for as long as dev keeps improving (resume with --resume); ×0.5 late, as upstream does
  steps: 20000,
  // 2e-4 with warm-up and clipping: fine-tuning needs a smaller step than cpu-synthetic's 3e-4, and
  // the first real batches differ from everything the synthetic model saw
  optimizer: { lr: 2e-4 },
  lrSchedule: { milestones: [14000, 18000], gamma: 0.5, warmupSteps: 100 },
  clipGradNorm: 1,
  // dev validation (validation.roots) costs ~1–2 min on 2 cores: every 300 steps keeps it under 10 %
  validation: { every: 300, numScenes: 16 },
  // a kill loses at most 100 steps (~3–4 min)
  checkpointEvery: 100,
  sampleEvery: 300,
  logEvery: 20,
  collapse: { action: 'rollback' },
};
