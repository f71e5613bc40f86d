/**
 * The fused AdamW update as one kernel (backend/native_kernels registers it when the addon is built;
 * train/adamw.ts uses it then, else its tf ops): inputs {param, grad, m, v} → [param′, m′, v′], the
 * same float32 operations in the same order as the tf-op version, so both give the same numbers.
 * It lives here because the optimizer (train/) and the kernel (backend/) sit on different floors.
 */
export const ADAMW_KERNEL = 'SegrefinerAdamW';

/** One step's constants, computed once per step in double and rounded to float32 by the kernel, as tf's scalars are. */
export interface AdamWKernelAttrs {
  beta1: number;
  beta2: number;
  eps: number;
  /** 1 − lr·weightDecay (1: no decay). */
  decay: number;
  /** lr / (1 − β1ᵗ). */
  stepSize: number;
  /** √(1 − β2ᵗ). */
  bias2Sqrt: number;
}
