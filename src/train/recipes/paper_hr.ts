/**
 * `paper-hr`: HR-SegRefiner as configs/segrefiner/segrefiner_hr.py trains it (method.md §3.4): same
 * network and optimizer, 40k iterations, ×0.5 at 20k and 35k, trained from scratch, 2 samples per GPU
 * (a whole-object crop and a full-resolution patch) on 8 GPUs ⇒ batch 16.
 */
export const PAPER_HR_RECIPE = {
  name: 'paper-hr',
  // DIS-TR / ThinObject-5K style folder (im/ + gt/, optional coarse/ and coarse_expand/), sampled by
  // HrPatchSampler; the user gives the path: --set data.root=<DIS5K>/DIS-TR
  data: { kind: 'hr-folder' },
  steps: 40000,
  // 2 samples per GPU (object + patch) × 8 GPUs
  batchSize: 16,
  lrSchedule: { milestones: [20000, 35000], gamma: 0.5, warmupSteps: 0 },
  checkpointEvery: 5000,
  validation: { every: 5000, numScenes: 64 },
  collapse: { action: 'stop' },
};
