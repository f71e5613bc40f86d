/**
 * Options and records of the refinement API (style B7: interfaces, defaults, a resolver). The
 * defaults are upstream's test_cfg values (configs/segrefiner/segrefiner_{coco,big,dis}.py,
 * method.md §4) unless a comment says why not.
 */
import { assertIndices, defaultIndices } from '../diffusion/discrete_diffusion';
import type { Schedule } from '../diffusion/schedule';
import type { LoopEngine, StepMapSet } from '../diffusion/host_loop';

export type { StepMapSet };
import type { BinaryMask } from '../types';
import { MAX_SEED } from '../util/rng';

/** 'instance': crop around the mask, resize to the model size (§4.1). 'hr': global pass + full-resolution patches (§4.2). */
export type RefineMode = 'auto' | 'instance' | 'hr';

/** What the refinement runs on (the loop driver's engine): the network, the schedule and the model size. */
export type RefineEngine = LoopEngine;

export interface InstanceOptions {
  /** Masks with fewer foreground pixels are returned unchanged (upstream area_thr: 512). */
  areaThreshold: number;
  /** Pixels added around the mask's box on each side before cropping (upstream pad_width: 20). */
  padWidth: number;
  /**
   * Residual paste-back (an extension, off by default; upstream pastes σ(logits)): paste the network's
   * change to the coarse crop, σ(logits) − coarse at the model size, bilinearly onto the full-resolution
   * coarse mask. Where the network agrees with the coarse mask, its full-resolution boundary is kept
   * instead of being replaced by an upsampled model-size one; where it disagrees, the change is applied.
   */
  residual: boolean;
}

export interface HighResolutionOptions {
  /** Grid points with s < fineProbRatio·max(s) seed a patch (upstream fine_prob_thr: 0.9). */
  fineProbRatio: number;
  /** NMS IoU threshold between candidate patches (upstream iou_thr in segrefiner_{big,dis}.py: 0.3). */
  iouThreshold: number;
  /**
   * Upstream returns an all-zero mask when the coarse mask has ≤ 128 foreground pixels. Off by
   * default: then such a mask is returned unchanged, which never turns a small object into nothing.
   */
  emptyBelow128: boolean;
}

/** Per-step maps at the input resolution [height, width], pasted back like the final output (zero outside an instance crop). */
export interface RefineStep extends StepMapSet {
  /** Index of the mask in the refineBatch call (0 for refine). */
  maskIndex: number;
  /** 'instance' loop, or the high-resolution 'global' pass and its one 'local' step (merged over patches). */
  stage: 'instance' | 'global' | 'local';
  /** 0-based position in this stage's loop. */
  step: number;
  /** Code index t of the step. */
  t: number;
  height: number;
  width: number;
}

export interface RefineOptions {
  /** Default 'auto': 'hr' when `autoHrFactor` says so (see there), else 'instance'. */
  mode: RefineMode;
  /**
   * 'auto' picks 'hr' for a mask whose padded box has a side longer than autoHrFactor × the model
   * size (and the image is at least a patch on both sides); null: 'auto' always picks 'instance'.
   * Default: the model's own setting (config.json `autoHrFactor`), else null, because with the
   * shipped CPU model (trained on whole 96² scenes, never on full-resolution patches) 'hr' scored
   * lower IoU than 'instance' on synthetic scenes of every size tried (256² to 1024²). Set it for a
   * model trained for the high-resolution path, like upstream's HR model.
   */
  autoHrFactor: number | null;
  /**
   * Code indices to run, strictly descending. Instance default T−1..0; 'hr' global pass default
   * T−1..1 (its local step is always index 0). Exclusive with `steps`.
   */
  indices?: number[];
  /** Run only the first N indices of the mode's default list (upstream's `step` config). Exclusive with `indices`. */
  steps?: number;
  /** Seed of the Bernoulli draws of the loop; a refineBatch call draws from one stream (default 0). */
  seed: number;
  /** Threshold s at 0.5 instead of sampling (an extension; upstream always samples). */
  deterministic: boolean;
  /** Called after every step with maps at the input resolution (costly on large images: only when needed). */
  onStep?: (step: RefineStep) => void | Promise<void>;
  /** Do-no-harm gate (off by default): where the final confidence is below `threshold`, keep the coarse value. */
  gate: { threshold: number } | null;
  /**
   * Instances / patches per forward pass. Upstream's batch_max is 32 on a GPU; the default is 4
   * because on CPU backends batching does not speed things up while tfjs keeps every intermediate of
   * a forward pass alive until it returns (~160 MB per 96² sample for the CPU preset).
   */
  batchSize: number;
  instance: InstanceOptions;
  hr: HighResolutionOptions;
}

/** Options as a caller gives them: everything optional, nested groups partial. */
export type RefineOptionsInput = Partial<Omit<RefineOptions, 'instance' | 'hr'>> & {
  instance?: Partial<InstanceOptions>;
  hr?: Partial<HighResolutionOptions>;
};

export const DEFAULT_INSTANCE_OPTIONS: Readonly<InstanceOptions> = Object.freeze({ areaThreshold: 512, padWidth: 20, residual: false });
export const DEFAULT_HIGH_RESOLUTION_OPTIONS: Readonly<HighResolutionOptions> = Object.freeze({
  fineProbRatio: 0.9, iouThreshold: 0.3, emptyBelow128: false,
});
/** Upstream's batch_max. */
export const MAX_BATCH_SIZE = 32;

/** One refined mask, all at the input resolution. */
export interface RefineResult {
  /** probs ≥ 0.5 (and the gate, when set). */
  mask: BinaryMask;
  /** Foreground probability per pixel, row-major [height, width]; the coarse mask itself when passed through. */
  probs: Float32Array;
  /** 2·|probs − 0.5|; 1 where the mask was passed through. */
  confidence: Float32Array;
  /** The path taken. */
  mode: 'instance' | 'hr';
  /** Why the mask was returned without running the network, or null when it was refined. */
  passedThrough: null | 'small-area' | 'few-foreground';
  /** 'hr': number of full-resolution patches refined; 0 otherwise. */
  patches: number;
}

const KEYS: Record<string, readonly string[]> = {
  top: ['mode', 'autoHrFactor', 'indices', 'steps', 'seed', 'deterministic', 'onStep', 'gate', 'batchSize', 'instance', 'hr'],
  instance: Object.keys(DEFAULT_INSTANCE_OPTIONS),
  hr: Object.keys(DEFAULT_HIGH_RESOLUTION_OPTIONS),
};

function rejectUnknownKeys(obj: object, group: string, where: string): void {
  for (const key of Object.keys(obj)) {
    if (!KEYS[group].includes(key)) throw new Error(`${where}: unknown option '${group === 'top' ? '' : `${group}.`}${key}'; expected one of ${KEYS[group].join(', ')}.`);
  }
}

function checkRange(v: number, lo: number, hi: number, name: string, where: string, integer = false): void {
  if (typeof v !== 'number' || !(v >= lo && v <= hi) || (integer && !Number.isInteger(v))) {
    throw new Error(`${where}: ${name} must be ${integer ? 'an integer' : 'a number'} in [${lo}, ${hi}], but got ${String(v)}.`);
  }
}

/** Fills defaults and validates; unknown keys are errors (a typo must not fall back to a default silently). */
export function resolveRefineOptions(input: RefineOptionsInput = {}, where = 'resolveRefineOptions'): RefineOptions {
  // an explicit `key: undefined` means "not given", as with a missing key
  input = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) as RefineOptionsInput;
  rejectUnknownKeys(input, 'top', where);
  rejectUnknownKeys(input.instance ?? {}, 'instance', where);
  rejectUnknownKeys(input.hr ?? {}, 'hr', where);
  const o: RefineOptions = {
    mode: 'auto', autoHrFactor: null, seed: 0, deterministic: false, gate: null, batchSize: 4,
    ...input,
    instance: { ...DEFAULT_INSTANCE_OPTIONS, ...input.instance },
    hr: { ...DEFAULT_HIGH_RESOLUTION_OPTIONS, ...input.hr },
  };
  if (!['auto', 'instance', 'hr'].includes(o.mode)) throw new Error(`${where}: mode must be one of 'auto', 'instance', 'hr', but got '${String(o.mode)}'.`);
  if (o.indices !== undefined && o.steps !== undefined) throw new Error(`${where}: give indices or steps, not both, but got indices [${o.indices.join(',')}] and steps ${o.steps}.`);
  if (o.autoHrFactor !== null) checkRange(o.autoHrFactor, 0, Number.MAX_VALUE, 'autoHrFactor', where);
  if (!Number.isInteger(o.seed) || o.seed < 0 || o.seed > MAX_SEED) throw new Error(`${where}: seed must be an integer in [0, ${MAX_SEED}], but got ${String(o.seed)}.`);
  checkRange(o.batchSize, 1, MAX_BATCH_SIZE, 'batchSize', where, true);
  if (o.gate !== null) checkRange(o.gate.threshold, 0, 1, 'gate.threshold', where);
  checkRange(o.instance.areaThreshold, 0, Number.MAX_SAFE_INTEGER, 'instance.areaThreshold', where, true);
  checkRange(o.instance.padWidth, 0, Number.MAX_SAFE_INTEGER, 'instance.padWidth', where, true);
  if (typeof o.instance.residual !== 'boolean') throw new Error(`${where}: instance.residual must be true or false, but got ${String(o.instance.residual)}.`);
  checkRange(o.hr.fineProbRatio, 0, 1, 'hr.fineProbRatio', where);
  checkRange(o.hr.iouThreshold, 0, 1, 'hr.iouThreshold', where);
  return o;
}

/**
 * The code indices a stage runs: the explicit list, else the first `steps` of the stage's default
 * (instance: T−1..0; hr global: T−1..1, upstream's indices[:-1]).
 */
export function stageIndices(o: RefineOptions, schedule: Schedule, stage: 'instance' | 'global', where: string): number[] {
  if (o.indices) {
    assertIndices(schedule, o.indices, where);
    return [...o.indices];
  }
  const all = defaultIndices(schedule);
  const list = stage === 'instance' ? all : all.slice(0, -1);
  if (o.steps === undefined) return list;
  checkRange(o.steps, 1, list.length, `steps (${stage === 'instance' ? 'instance loop' : 'hr global pass'})`, where, true);
  return list.slice(0, o.steps);
}
