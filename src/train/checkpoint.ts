/**
 * Training checkpoints: one safetensors file holding the network (upstream keys, PyTorch layout), the
 * AdamW moments (`optimizer.m.<key>`, `optimizer.v.<key>`, tfjs layout) and, in its metadata, the
 * step, the RNG state and the collapse-guard state. One file written atomically (temp + rename), so
 * a killed process leaves either the previous checkpoint or the new one, never a broken one.
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

export async function saveTrainCheckpoint(file: string, unet: DenoiseUNet, optimizer: AdamW, state: TrainState): Promise<void> {
  const tensors = new Map<string, TorchTensor>(await unet.toTorchStateDict());
  const opt = await optimizer.getState();
  for (const [slot, values] of [['m', opt.m], ['v', opt.v]] as const) {
    for (const [key, data] of values) tensors.set(`optimizer.${slot}.${key}`, { shape: [...(unet.params.get(key)?.shape ?? [data.length])], data });
  }
  writeSafetensors(file, tensors, { format: 'segrefiner-ts/train-checkpoint@1', state: JSON.stringify({ ...state, optimizerStep: opt.step }) });
}

/** Restores network weights and optimizer state in place; returns the saved TrainState. */
export function loadTrainCheckpoint(file: string, unet: DenoiseUNet, optimizer: AdamW): TrainState {
  if (!fs.existsSync(file)) throw new Error(`loadTrainCheckpoint: ${file} must exist, but it does not.`);
  const { tensors, metadata } = readSafetensors(file);
  if (metadata.format !== 'segrefiner-ts/train-checkpoint@1') {
    throw new Error(`loadTrainCheckpoint: ${file} must be a training checkpoint, but its format is '${metadata.format}'.`);
  }
  const model = new Map<string, TorchTensor>();
  const m = new Map<string, Float32Array>(), v = new Map<string, Float32Array>();
  for (const [key, t] of tensors) {
    if (key.startsWith('optimizer.m.')) m.set(key.slice(12), t.data);
    else if (key.startsWith('optimizer.v.')) v.set(key.slice(12), t.data);
    else model.set(key, t);
  }
  const restored = DenoiseUNet.fromTorchStateDict(unet.config, model, `loadTrainCheckpoint(${file})`);
  try {
    for (const [key, variable] of unet.params) variable.assign(restored.params.get(key) as never);
  } finally {
    restored.dispose();
  }
  const state = JSON.parse(metadata.state) as TrainState & { optimizerStep: number };
  optimizer.setState({ step: state.optimizerStep, m, v }, unet.params);
  return { step: state.step, rngState: state.rngState, lrScale: state.lrScale, rollbacks: state.rollbacks };
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
