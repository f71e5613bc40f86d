/**
 * The noise schedule as plain float64 arrays (like improved-diffusion's numpy schedules): no tensors,
 * nothing to dispose. Upstream segrefiner_base.py defines the cumulative product directly:
 * `betas_cumprod = linspace(start, stop, T)`, `betas_cumprod_prev = [1, betas_cumprod[:-1]]`,
 * `betas = betas_cumprod / betas_cumprod_prev` (method.md §1.3).
 */
import { DiffusionConfig, resolveDiffusionConfig } from './config';

export interface Schedule {
  numTimesteps: number;
  /** β̄_t = P(a pixel still shows the fine mask at index t), [T]. */
  betasCumprod: Float64Array;
  /** β̄_{t−1}, with β̄_{−1} = 1, [T]. */
  betasCumprodPrev: Float64Array;
  /** β_t = β̄_t / β̄_{t−1}, the one-step keep probability of Q_t, [T]. */
  betas: Float64Array;
}

/** numpy.linspace(start, stop, n): `i·step + start`, the last element set to `stop` exactly. */
export function linspace(start: number, stop: number, n: number): Float64Array {
  const out = new Float64Array(n);
  const step = (stop - start) / (n - 1);
  for (let i = 0; i < n; i++) out[i] = i * step + start;
  out[n - 1] = stop;
  return out;
}

export function createSchedule(partial: Partial<DiffusionConfig> = {}): Schedule {
  const c = resolveDiffusionConfig(partial);
  const betasCumprod = linspace(c.start, c.stop, c.numTimesteps); // the only schedule: 'linear'
  const betasCumprodPrev = new Float64Array(c.numTimesteps);
  betasCumprodPrev[0] = 1;
  betasCumprodPrev.set(betasCumprod.subarray(0, c.numTimesteps - 1), 1);
  const betas = betasCumprod.map((b, t) => b / betasCumprodPrev[t]);
  return { numTimesteps: c.numTimesteps, betasCumprod, betasCumprodPrev, betas };
}

/**
 * The 2×2 one-step and cumulative transition matrices at index t, rows = from [fine, coarse]
 * (method.md §1.2): Q_t = [[β_t, 1−β_t], [0, 1]], Q̄_t = [[β̄_t, 1−β̄_t], [0, 1]]. For plots and tests.
 */
export function transitionMatrices(s: Schedule, t: number): { qt: number[][]; qBar: number[][] } {
  const b = s.betas[t], bBar = s.betasCumprod[t];
  return { qt: [[b, 1 - b], [0, 1]], qBar: [[bBar, 1 - bBar], [0, 1]] };
}

/**
 * The reverse coarse→fine probability for a pixel of confidence p at index t:
 * p·(β̄_{t−1} − β̄_t) / (1 − p·β̄_t) (method.md §1.2). Scalar twin of the tensor op in p_sample.
 */
export function coarseToFineProb(s: Schedule, t: number, p: number): number {
  return (p * (s.betasCumprodPrev[t] - s.betasCumprod[t])) / (1 - p * s.betasCumprod[t]);
}
