/**
 * The discrete diffusion's configuration (style B7): interface, default, resolver. Upstream:
 * `diffusion_cfg.betas = {type: 'linear', start: 0.8, stop: 0, num_timesteps: 6}` (configs/segrefiner).
 */

/** Schedules of the cumulative keep-probability β̄_t. Only the paper's linear one exists so far. */
export const SCHEDULE_NAMES = ['linear'] as const;
export type ScheduleName = (typeof SCHEDULE_NAMES)[number];

export interface DiffusionConfig {
  /** T, the number of steps; the network's time-embedding table has this many rows. */
  numTimesteps: number;
  /** How β̄_t runs from `start` (t = 0) to `stop` (t = T−1). */
  schedule: ScheduleName;
  /** β̄_0: 0.8 upstream, so even the least coarse input keeps 20 % coarse pixels. Must be < 1 (p_c2f divides by 1 − p·β̄_t). */
  start: number;
  /** β̄_{T−1}: 0 upstream, so the last index is the coarse mask itself. */
  stop: number;
}

export const DEFAULT_DIFFUSION_CONFIG: Readonly<DiffusionConfig> = Object.freeze({
  numTimesteps: 6,
  schedule: 'linear',
  start: 0.8,
  stop: 0,
});

/** Fills defaults and validates; unknown keys are an error (a typo must not silently fall back to a default). */
export function resolveDiffusionConfig(partial: Partial<DiffusionConfig> = {}): DiffusionConfig {
  const where = 'resolveDiffusionConfig';
  for (const key of Object.keys(partial)) {
    if (!(key in DEFAULT_DIFFUSION_CONFIG)) {
      throw new Error(`${where}: unknown key '${key}'; expected one of ${Object.keys(DEFAULT_DIFFUSION_CONFIG).join(', ')}.`);
    }
  }
  const c: DiffusionConfig = { ...DEFAULT_DIFFUSION_CONFIG, ...partial };
  if (!Number.isInteger(c.numTimesteps) || c.numTimesteps < 2) {
    throw new Error(`${where}: numTimesteps must be an integer ≥ 2, but got ${c.numTimesteps}.`);
  }
  if (!(SCHEDULE_NAMES as readonly string[]).includes(c.schedule)) {
    throw new Error(`${where}: unknown schedule '${c.schedule}'; expected one of ${SCHEDULE_NAMES.map((n) => `'${n}'`).join(', ')}.`);
  }
  if (!(c.stop >= 0 && c.stop <= c.start && c.start < 1)) {
    throw new Error(`${where}: start and stop must satisfy 0 ≤ stop ≤ start < 1, but got start ${c.start}, stop ${c.stop}.`);
  }
  return c;
}
