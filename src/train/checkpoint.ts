/**
 * Training checkpoints: one safetensors file holding the network (upstream keys, PyTorch layout), the
 * AdamW moments (`optimizer.m.<key>`, `optimizer.v.<key>`, tfjs layout) and, in its metadata, the
 * step, the RNG state and the collapse-guard state. One file written atomically (temp + rename), so
 * a killed process leaves either the previous checkpoint or the new one, never a broken one. A file
 * broken some other way (truncated by a copy, a full disk) fails readTrainCheckpoint as a whole, before
 * it touches the network; run_checkpoints.ts then falls back to the run's previous checkpoint.
 */
import * as fs from 'fs';
import { saveModelDir } from '../model/checkpoint/model_dir';
import { readSafetensors, writeSafetensors } from '../model/checkpoint/safetensors';
import type { UNetConfig } from '../model/config';
import { TorchTensor } from '../model/checkpoint/torch_pth';
import { DenoiseUNet } from '../model/unet';
import { AdamW } from './adamw';

export interface TrainState {
  /** Optimizer steps done. */
  step: number;
  /** State of the run's generator after `step` steps. */
  rngState: number;
  /** Multiplier on the scheduled lr (lowered by collapse rollbacks). */
  lrScale: number;
  rollbacks: number;
}

/**
 * Thrown when a checkpoint holds NaN or ±Inf: the run had diverged. Resuming it would only replay the
 * divergence (the resume is exact), so it is not retried like a collapse.
 */
export class NonFiniteCheckpointError extends Error {}

/** A checkpoint read and checked, before it touches any network. */
export interface TrainCheckpointContents {
  /** The network, upstream keys, PyTorch layout. */
  model: Map<string, TorchTensor>;
  /** AdamW first and second moments by parameter key, tfjs layout. */
  m: Map<string, Float32Array>;
  v: Map<string, Float32Array>;
  state: TrainState;
  optimizerStep: number;
}

const FORMAT = 'segrefiner-ts/train-checkpoint@1';

/**
 * Writes the checkpoint atomically. Refuses (NonFiniteCheckpointError, nothing written) when a value is
 * not finite, so a diverged network never replaces the last good checkpoint.
 */
export async function saveTrainCheckpoint(file: string, unet: DenoiseUNet, optimizer: AdamW, state: TrainState): Promise<void> {
  writeTrainCheckpoint(file, await collectTrainCheckpoint(unet, optimizer, state));
}

/** A checkpoint's tensors and metadata, ready to write. */
export interface CollectedCheckpoint {
  tensors: Map<string, TorchTensor>;
  metadata: Record<string, string>;
}

/** Reads the network and optimizer into a checkpoint; NonFiniteCheckpointError when a value is not finite. */
export async function collectTrainCheckpoint(unet: DenoiseUNet, optimizer: AdamW, state: TrainState): Promise<CollectedCheckpoint> {
  const tensors = new Map<string, TorchTensor>(await unet.toTorchStateDict());
  const opt = await optimizer.getState();
  for (const [slot, values] of [['m', opt.m], ['v', opt.v]] as const) {
    for (const [key, data] of values) tensors.set(`optimizer.${slot}.${key}`, { shape: [...(unet.params.get(key)?.shape ?? [data.length])], data });
  }
  const bad = firstNonFinite(tensors);
  if (bad) throw new NonFiniteCheckpointError(`saveTrainCheckpoint: every value must be finite, but ${bad} after step ${state.step}; no checkpoint was written.`);
  return { tensors, metadata: { format: FORMAT, state: JSON.stringify({ ...state, optimizerStep: opt.step }) } };
}

export function writeTrainCheckpoint(file: string, c: CollectedCheckpoint): void {
  writeSafetensors(file, c.tensors, c.metadata);
}

/** Restores network weights and optimizer state in place; returns the saved TrainState. */
export function loadTrainCheckpoint(file: string, unet: DenoiseUNet, optimizer: AdamW): TrainState {
  return applyTrainCheckpoint(readTrainCheckpoint(file), unet, optimizer, file);
}

/**
 * Reads a training checkpoint and checks it whole: readable (not truncated), our format, a valid
 * state, every value finite (else NonFiniteCheckpointError naming the tensor). Touches no network.
 */
export function readTrainCheckpoint(file: string): TrainCheckpointContents {
  if (!fs.existsSync(file)) throw new Error(`loadTrainCheckpoint: ${file} must exist, but it does not.`);
  const { tensors, metadata } = readSafetensors(file);
  if (metadata.format !== FORMAT) {
    throw new Error(`loadTrainCheckpoint: ${file} must be a training checkpoint, but its format is '${metadata.format}'.`);
  }
  const saved = parseState(metadata.state, file);
  const bad = firstNonFinite(tensors);
  if (bad) throw new NonFiniteCheckpointError(`loadTrainCheckpoint: every value in ${file} must be finite, but ${bad}: the run had diverged by step ${saved.step}.`);
  const model = new Map<string, TorchTensor>();
  const m = new Map<string, Float32Array>(), v = new Map<string, Float32Array>();
  for (const [key, t] of tensors) {
    if (key.startsWith('optimizer.m.')) m.set(key.slice(12), t.data);
    else if (key.startsWith('optimizer.v.')) v.set(key.slice(12), t.data);
    else model.set(key, t);
  }
  const { optimizerStep, ...state } = saved;
  return { model, m, v, state, optimizerStep };
}

/** Puts checkpoint contents into a network and its optimizer; returns the saved TrainState. */
export function applyTrainCheckpoint(c: TrainCheckpointContents, unet: DenoiseUNet, optimizer: AdamW, file: string): TrainState {
  const restored = DenoiseUNet.fromTorchStateDict(unet.config, c.model, `loadTrainCheckpoint(${file})`);
  try {
    for (const [key, variable] of unet.params) variable.assign(restored.params.get(key) as never);
  } finally {
    restored.dispose();
  }
  optimizer.setState({ step: c.optimizerStep, m: c.m, v: c.v }, unet.params);
  return { ...c.state };
}

function parseState(text: string | undefined, file: string): TrainState & { optimizerStep: number } {
  let s: Record<string, unknown>;
  try {
    s = JSON.parse(text ?? '') as Record<string, unknown>;
  } catch {
    throw new Error(`loadTrainCheckpoint: ${file} must hold its training state as JSON metadata, but got ${JSON.stringify(String(text).slice(0, 80))}.`);
  }
  for (const key of ['step', 'rngState', 'lrScale', 'rollbacks', 'optimizerStep']) {
    if (typeof s[key] !== 'number') throw new Error(`loadTrainCheckpoint: the state in ${file} must have a number '${key}', but got ${JSON.stringify(s[key])}.`);
  }
  const n = s as unknown as TrainState & { optimizerStep: number };
  return { step: n.step, rngState: n.rngState, lrScale: n.lrScale, rollbacks: n.rollbacks, optimizerStep: n.optimizerStep };
}

/** "tensor 'k' has a NaN and b ±Inf of n values" for the first tensor with a non-finite value, else null. */
export function firstNonFinite(tensors: Map<string, { data: Float32Array }>): string | null {
  for (const [key, { data }] of tensors) {
    let nan = 0, inf = 0;
    for (let i = 0; i < data.length; i++) {
      if (Number.isNaN(data[i])) nan++;
      else if (!Number.isFinite(data[i])) inf++;
    }
    if (nan + inf > 0) return `tensor '${key}' has ${nan} NaN and ${inf} ±Inf of ${data.length} values`;
  }
  return null;
}

/**
 * Writes the network of a run's latest checkpoint as a model folder (saveModelDir), for a run still in
 * progress; `extra` goes into config.json. Returns the checkpoint's step.
 */
export async function saveModelFromCheckpoint(file: string, config: Partial<UNetConfig>, outDir: string, extra: Record<string, unknown>): Promise<number> {
  const unet = DenoiseUNet.create(config, 0), optimizer = new AdamW({ lr: 1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 });
  try {
    const state = loadTrainCheckpoint(file, unet, optimizer);
    await saveModelDir(outDir, unet, { ...extra, trainedWith: { ...(extra.trainedWith as object), steps: state.step } });
    return state.step;
  } finally {
    unet.dispose();
    optimizer.dispose();
  }
}
