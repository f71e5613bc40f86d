/**
 * Our model format without a file system: a model folder's two files, `config.json` ({format, unet,
 * ...extra}) and `model.safetensors` (DenoiseUNet weights under the upstream state_dict keys, PyTorch
 * layout, float32), given as text and bytes. model_dir.ts reads them from a folder in Node; the web
 * page fetches them. The extra fields (diffusion config, model input size, training provenance)
 * belong to the callers; this file only guarantees the network part.
 */
import { checkImageSize, UNetConfig } from '../config';
import { DenoiseUNet } from '../unet';
import { decodeSafetensors } from './safetensors_decode';

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

/** A model folder's files in memory, with the names errors use for them. */
export interface ModelFiles {
  /** config.json as text. */
  configText: string;
  /** model.safetensors as bytes. */
  weights: Uint8Array;
  /** Names the folder in errors, e.g. `loadModelDir(models/cpu-real)`. */
  where: string;
  /** The two files' names (paths or URLs) for errors. */
  configName: string;
  weightsName: string;
}

/** Parses and checks config.json: JSON, our format, an imageSize that fits the network. */
export function parseModelConfig(text: string, where: string, file: string): ModelDirConfig {
  let config: ModelDirConfig;
  try {
    config = JSON.parse(text);
  } catch (error) {
    throw new Error(`${where}: ${file} must be JSON, but parsing failed: ${(error as Error).message}`, { cause: error });
  }
  if (typeof config !== 'object' || config === null) throw new Error(`${where}: ${file} must hold a JSON object, but holds ${JSON.stringify(config)}.`);
  if (config.format !== MODEL_FORMAT) throw new Error(`${where}: ${file} must have format '${MODEL_FORMAT}', but has '${String(config.format)}'.`);
  if (config.imageSize !== undefined) checkImageSize(config.unet, config.imageSize, `${where}: ${file}`);
  return config;
}

/** Builds the network from a model folder's files; the caller owns (and disposes) it. */
export function unetFromModelFiles(files: ModelFiles): { unet: DenoiseUNet; config: ModelDirConfig } {
  const config = parseModelConfig(files.configText, files.where, files.configName);
  const { tensors } = decodeSafetensors(files.weights, `readSafetensors(${files.weightsName})`);
  return { unet: DenoiseUNet.fromTorchStateDict(config.unet, tensors, files.where), config };
}
