/**
 * Our model format: a folder with `model.safetensors` (DenoiseUNet weights under the upstream
 * state_dict keys, PyTorch layout, float32) and `config.json` ({format, unet, ...extra}). The extra
 * fields (diffusion config, model input size, training provenance) belong to the callers; this file
 * only guarantees the network part.
 */
import * as fs from 'fs';
import * as path from 'path';
import { writeFileAtomic } from '../../util/atomic_write';
import { checkImageSize, UNetConfig } from '../config';
import { DenoiseUNet } from '../unet';
import { readSafetensors, writeSafetensors } from './safetensors';

export const MODEL_FORMAT = 'segrefiner-ts/model@1';
export const MODEL_WEIGHTS_FILE = 'model.safetensors';
export const MODEL_CONFIG_FILE = 'config.json';

export interface ModelDirConfig {
  format: string;
  unet: UNetConfig;
  /** The input side the network was trained at (checked: a multiple of 2^(levels−1)); written by training. */
  imageSize?: number;
  [extra: string]: unknown;
}

/** Writes the folder (each file atomically). `extra` goes into config.json next to the network config. */
export async function saveModelDir(dir: string, unet: DenoiseUNet, extra: Record<string, unknown> = {}): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  writeSafetensors(path.join(dir, MODEL_WEIGHTS_FILE), await unet.toTorchStateDict(), { format: 'pt' });
  const config: ModelDirConfig = { format: MODEL_FORMAT, unet: unet.config, ...extra };
  writeFileAtomic(path.join(dir, MODEL_CONFIG_FILE), `${JSON.stringify(config, null, 2)}\n`);
}

/** Reads config.json only (cheap), with clear errors. */
export function readModelDirConfig(dir: string): ModelDirConfig {
  const where = `loadModelDir(${dir})`;
  const file = path.join(dir, MODEL_CONFIG_FILE);
  if (!fs.existsSync(file)) throw new Error(`${where}: the model folder must contain ${MODEL_CONFIG_FILE}, but ${file} does not exist.`);
  let config: ModelDirConfig;
  try {
    config = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`${where}: ${file} must be JSON, but parsing failed: ${(error as Error).message}`, { cause: error });
  }
  if (config.format !== MODEL_FORMAT) throw new Error(`${where}: ${file} must have format '${MODEL_FORMAT}', but has '${String(config.format)}'.`);
  if (config.imageSize !== undefined) checkImageSize(config.unet, config.imageSize, `${where}: ${file}`);
  return config;
}

export function loadModelDir(dir: string): { unet: DenoiseUNet; config: ModelDirConfig } {
  const config = readModelDirConfig(dir);
  const { tensors } = readSafetensors(path.join(dir, MODEL_WEIGHTS_FILE));
  return { unet: DenoiseUNet.fromTorchStateDict(config.unet, tensors, `loadModelDir(${dir})`), config };
}
