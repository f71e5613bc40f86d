/**
 * A mix of coarse-mask degradations (degradations.ts): which kinds, how often, how severe. A training
 * recipe names its mix (part of the recipe, JSON in the run's config.json); `segrefiner coarsen --kind`
 * uses the named mixes below as well as the single kinds.
 */
import type { BinaryMask } from '../types';
import type { Rng } from '../util/rng';
import { coarsenMask } from './coarse_mask';
import { DEGRADATION_KINDS, DegradationKind, degradeMask } from './degradations';

export interface CoarseMix {
  /** Relative weight of each kind (kinds left out or at 0 are never drawn). */
  kinds: Partial<Record<DegradationKind, number>>;
  /** Severity drawn uniformly in [min, max] ⊆ [0, 1], once per degradation. */
  severity: [number, number];
  /** Probability of a second degradation (another draw from `kinds`) on top of the first: compound errors. */
  secondProb: number;
}

/** One degradation as it was applied. */
export interface AppliedDegradation {
  kind: DegradationKind;
  severity: number;
}

/**
 * The training mix of the real-photo recipe: upstream's modify_boundary keeps the largest share (the
 * paper's training distribution and the form of the dev benchmark), the other kinds cover the errors of
 * real segmenters, and severities span gentle to heavy so the model also learns to leave a good mask
 * alone. A second degradation a quarter of the time gives compound errors.
 */
export const TRAIN_COARSE_MIX: CoarseMix = {
  kinds: { 'modify-boundary': 3, 'low-res': 2, band: 2, blur: 1, 'thin-parts': 1, blobs: 1, shift: 1, simplify: 1 },
  severity: [0, 1],
  secondProb: 0.25,
};

/**
 * Gentle coarse masks (issue 14's "gentle" benchmark): one light error of a real segmenter per mask,
 * severity ≤ 0.5 — mean IoU with the ground truth ≈ 0.9 on ../shared/data/dev (measured in the model card).
 */
export const GENTLE_COARSE_MIX: CoarseMix = {
  kinds: { 'low-res': 1, band: 1, blur: 1, 'thin-parts': 1, shift: 1, simplify: 1 },
  severity: [0, 0.5],
  secondProb: 0,
};

export const NAMED_COARSE_MIXES: Readonly<Record<string, CoarseMix>> = Object.freeze({ train: TRAIN_COARSE_MIX, gentle: GENTLE_COARSE_MIX });

/** Checks a mix (kinds known, weights ≥ 0 with a positive sum, severity range inside [0, 1], secondProb in [0, 1]). */
export function checkCoarseMix(mix: CoarseMix, where: string): void {
  const entries = Object.entries(mix.kinds ?? {});
  for (const [kind, weight] of entries) {
    if (!DEGRADATION_KINDS.includes(kind as DegradationKind)) throw new Error(`${where}: kinds must name degradations (${DEGRADATION_KINDS.join(', ')}), but got '${kind}'.`);
    if (!(typeof weight === 'number' && weight >= 0)) throw new Error(`${where}: the weight of '${kind}' must be a number ≥ 0, but got ${JSON.stringify(weight)}.`);
  }
  if (!(entries.reduce((a, [, w]) => a + (w as number), 0) > 0)) throw new Error(`${where}: kinds must have a positive total weight, but got ${JSON.stringify(mix.kinds)}.`);
  const [lo, hi] = mix.severity ?? [];
  if (!(mix.severity?.length === 2 && lo >= 0 && lo <= hi && hi <= 1)) throw new Error(`${where}: severity must be [min, max] with 0 ≤ min ≤ max ≤ 1, but got ${JSON.stringify(mix.severity)}.`);
  if (!(mix.secondProb >= 0 && mix.secondProb <= 1)) throw new Error(`${where}: secondProb must be in [0, 1], but got ${mix.secondProb}.`);
}

function drawKind(mix: CoarseMix, rng: Rng): DegradationKind {
  const entries = Object.entries(mix.kinds) as [DegradationKind, number][];
  let u = rng.uniform() * entries.reduce((a, [, w]) => a + w, 0);
  for (const [kind, w] of entries) {
    if (u < w) return kind;
    u -= w;
  }
  return entries.filter(([, w]) => w > 0).pop()![0];
}

/**
 * A coarse mask drawn from `mix`: one degradation, and with probability secondProb a second on top.
 * @param gt ground truth, [H, W] 0/1
 * @returns the coarse mask [H, W] 0/1 and the degradations applied, in order
 */
export function drawCoarseMask(gt: BinaryMask, rng: Rng, mix: CoarseMix): { mask: BinaryMask; applied: AppliedDegradation[] } {
  const applied: AppliedDegradation[] = [];
  let mask = gt;
  const rounds = rng.uniform() < mix.secondProb ? 2 : 1;
  for (let r = 0; r < rounds; r++) {
    const kind = drawKind(mix, rng);
    const severity = mix.severity[0] + (mix.severity[1] - mix.severity[0]) * rng.uniform();
    mask = degradeMask(mask, rng, kind, severity);
    applied.push({ kind, severity });
  }
  return { mask, applied };
}

/**
 * One coarse mask of a named kind, as `segrefiner coarsen --kind` makes it: upstream's modify_boundary
 * exactly for 'modify-boundary' without a severity (`expand` fills holes first), a single degradation at
 * `severity` (default 0.5), or a draw from a named mix ('gentle', 'train').
 */
export function coarseOfKind(mask: BinaryMask, rng: Rng, kind: string, o: { severity?: number; expand?: boolean } = {}): BinaryMask {
  if (kind in NAMED_COARSE_MIXES) return drawCoarseMask(mask, rng, NAMED_COARSE_MIXES[kind]).mask;
  if (kind === 'modify-boundary' && o.severity === undefined) return coarsenMask(mask, rng, { expand: o.expand ?? false });
  return degradeMask(mask, rng, kind as DegradationKind, o.severity ?? 0.5);
}
