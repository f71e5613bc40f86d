/**
 * segrefiner-ts public API: re-exports only. What a notebook, an experiment or a user script needs,
 * by floor (README "Layout"); everything else is internal and imported by its path (tests do).
 */

// backend
export { initBackend, activeBackend, releaseBackend } from './backend/select_backend';
export type { BackendInfo, BackendOptions, BackendName } from './backend/select_backend';
export { runOnBackend } from './backend/run_on_backend';
export { runKernelChecks } from './backend/kernel_checks';
export { NATIVE_ROUTING, runWithoutNativeKernels } from './backend/native_kernels/register_native_kernels';
export type { KernelCheckResult } from './backend/kernel_checks';
export type { WebGpuAdapterReport } from './backend/webgpu_adapter';
export { REPLACED_KERNELS } from './backend/wasm_kernels/kernel_registry';
export { BENCH_PROBE_UNET, createProbeUNetParams, probeUNetLoss } from './backend/probe_unet';
export type { ProbeUNetConfig } from './backend/probe_unet';

// types and util
export type { BinaryMask, BoxXyxy, CropBox, RgbImage } from './types';
export { createRng, fileSeed, randomNormalArray } from './util/rng';
export type { Rng } from './util/rng';
export { writeFileAtomic } from './util/atomic_write';
export { cropImage, cropMask, cropBoxOf } from './util/crop';
export { dilateEllipse } from './util/ellipse_morphology';

// data
export { readImage } from './data/image_io';
export { normalizeImage } from './data/normalize_image';
export { readBinaryMask, writeMaskPng, writeProbabilityPng } from './data/mask_io';
export { resizeMaskBilinear, resizeMaskNearest } from './data/resize';
export { loadPairedFolder } from './data/folder_loaders';
export type { FolderDataset, DatasetItem } from './data/folder_loaders';
export { generateScene, sceneSeeds } from './data/synthetic_scene';
export type { SyntheticScene } from './data/synthetic_scene';
export { coarsenMask } from './data/coarse_mask';
export { coarseOfKind, drawCoarseMask, GENTLE_COARSE_MIX, TRAIN_COARSE_MIX, NAMED_COARSE_MIXES } from './data/coarse_mix';
export { degradeMask, DEGRADATION_KINDS } from './data/degradations';
export type { DegradationKind } from './data/degradations';
export type { CoarseMix } from './data/coarse_mix';
export { PhotoFolderSampler } from './data/samplers/photo_sampler';
export type { HostSample } from './data/samplers/synthetic_sampler';

// diffusion
export { createSchedule, transitionMatrices } from './diffusion/schedule';
export type { Schedule } from './diffusion/schedule';
export { qSample, pSampleLoop, defaultIndices } from './diffusion/discrete_diffusion';
export type { Denoiser } from './diffusion/discrete_diffusion';
export { runLoop } from './diffusion/host_loop';

// model
export { DenoiseUNet } from './model/unet';
export type { UNetConfig } from './model/config';
export { PAPER_UNET_CONFIG, CPU_UNET_CONFIG, UNET_PRESETS, unetConfigFromUpstream } from './model/config';
export { countUNetParams } from './model/param_specs';
export { loadModelDir, saveModelDir } from './model/checkpoint/model_dir';
export { importTorchUNet } from './model/checkpoint/import_pth';

// metrics
export { computeIou } from './metrics/iou';
export { computeBoundaryAccuracy } from './metrics/boundary_accuracy';
export { computeBoundaryIou } from './metrics/boundary_iou';
export { scoreMasks } from './metrics/mask_set';
export type { MaskScores } from './metrics/mask_set';
export { paperTables } from './metrics/paper_results';

// train
export { TrainLoop } from './train/train_loop';
export type { TrainConfig } from './train/config';
export { trainRecipe } from './train/recipes';
export { resolveTrainConfig, applyOverrides } from './train/config';
export { AdamW, DEFAULT_ADAMW_CONFIG } from './train/adamw';
export { trainStep } from './train/train_step';
export { validationSamples, refineSamples, folderValidationSets } from './train/validation';
export { saveModelFromCheckpoint } from './train/checkpoint';

// refine
export { SegRefiner } from './refine/refiner';
export { instanceBox, pasteInstance } from './refine/instance';
export type { RefineOptions, RefineOptionsInput, RefineResult, RefineStep } from './refine/options';
export { DEFAULT_MODEL_DIR, SYNTHETIC_MODEL_DIR } from './refine/shipped_models';

// evaluate
export { evaluateFolders } from './evaluate/folder_eval';
export { evaluateCocoFiles } from './evaluate/coco_files';
export { runStepAblation, defaultStepVariants, refineVariant, recordSteps, syntheticAblationSet } from './evaluate/step_ablation';
export type { VariantResult, StepVariant, AblationSample } from './evaluate/step_ablation';
export { traceHighResolution, mostChangedPatch } from './evaluate/hr_trace';
export { evalSetTable, cocoRefinementTable, evaluateCocoRefinement, evaluateEvalSets, syntheticBenchmark } from './evaluate/paper_eval';

// vis
export { showPng, showPlotly } from './vis/display';
export { showTable, fineFraction, groupColors, flipHistory, drawBoxes, drawPoints, fitPng } from './vis/notebook_helpers';
export { lineChart, barChart, heatmapFigure, lossCurves, parseMetricsJsonl } from './vis/charts';
export type { LineSeries } from './vis/charts';
export { figureToPng } from './vis/static_plot';
export { plotlyHtml } from './vis/plotly_html';
export { htmlReport } from './vis/report';
export type { ReportBlock } from './vis/report';
export { imageGridPng, comparisonGridPng } from './vis/image_grid';
export { overlayMasks, OVERLAY_COLORS } from './vis/overlay';
export { grayToPng, rgbToPng } from './vis/to_png';
export { stepFigurePng, flipCounts, flipMapRgb } from './vis/step_figures';
export type { StepMaps } from './vis/step_figures';
