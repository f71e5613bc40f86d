/**
 * `paper-lr`: LR-SegRefiner as configs/segrefiner/segrefiner_lr.py trains it (method.md §3.3): the
 * paper network at 256², AdamW lr 4e-4 (betas 0.9/0.999, wd 0), 120k iterations, ×0.5 at 80k and
 * 100k, batch 8 (1 per GPU × 8 GPUs), no warm-up, no clipping. A GPU job (the webgpu backend).
 * The defaults of TrainConfig are this recipe; only bookkeeping differs.
 */
export const PAPER_LR_RECIPE = {
  name: 'paper-lr',
  // LVIS v1 train instances on COCO 2017 images, sampled by LrObjectSampler; the user gives the
  // paths: --set data.root=<coco>/ --set data.annotations=<lvis>/lvis_v1_train.json
  data: { kind: 'coco-instances' },
  // upstream checkpoints every 5k iterations; validation is ours (upstream has none during training)
  checkpointEvery: 5000,
  validation: { every: 5000, numScenes: 64 },
  // stop on collapse rather than silently changing the paper's recipe
  collapse: { action: 'stop' },
};
