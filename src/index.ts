/** segrefiner-ts public API: re-exports only. */
export { activeBackend, BACKEND_NAMES, initBackend, parseBackendName } from './backend/select_backend';
export type { BackendInfo, BackendName, BackendOptions } from './backend/select_backend';
export type { SkippedBackend } from './backend/native';
export { runOnBackend } from './backend/run_on_backend';
export { KERNEL_CHECK_TOLERANCE, runKernelChecks } from './backend/kernel_checks';
export type { KernelCheckResult } from './backend/kernel_checks';
export { KERNEL_CHECK_CASES } from './backend/kernel_check_cases';
export type { KernelCheckCase } from './backend/kernel_check_cases';
export { registerWasmTrainingKernels, WASM_TRAINING_KERNELS } from './backend/wasm_kernels/register_training_kernels';
export { REPLACED_KERNELS } from './backend/wasm_kernels/kernel_registry';
export { BENCH_PROBE_UNET, CHECK_PROBE_UNET } from './backend/probe_unet';
export { createRng, randomNormalArray } from './util/rng';
export type { Rng } from './util/rng';
export { plotlyHtml, plotlyLibrarySource, plotlyMimeJson } from './vis/plotly_html';
export type { PlotlyFigure } from './vis/plotly_html';
export { grayToPng } from './vis/to_png';
