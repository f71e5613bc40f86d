/**
 * Our model format as a folder on disk: `model.safetensors` and `config.json` (the format itself is
 * in model_files.ts, which needs no file system). Writing is atomic per file.
 */
import * as fs from 'fs';
import * as path from 'path';
import { writeFileAtomic } from '../../util/atomic_write';
import { DenoiseUNet } from '../unet';
import { MODEL_CONFIG_FILE, MODEL_FORMAT, MODEL_WEIGHTS_FILE, ModelDirConfig, ModelFiles, parseModelConfig, unetFromModelFiles } from './model_files';
import { writeSafetensors } from './safetensors';

export { MODEL_CONFIG_FILE, MODEL_FORMAT, MODEL_WEIGHTS_FILE };
export type { ModelDirConfig };

/** Writes the folder (each file atomically). `extra` goes into config.json next to the network config. */
export async function saveModelDir(dir: string, unet: DenoiseUNet, extra: Record<string, unknown> = {}): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  writeSafetensors(path.join(dir, MODEL_WEIGHTS_FILE), await unet.toTorchStateDict(), { format: 'pt' });
  const config: ModelDirConfig = { format: MODEL_FORMAT, unet: unet.config, ...extra };
  writeFileAtomic(path.join(dir, MODEL_CONFIG_FILE), `${JSON.stringify(config, null, 2)}\n`);
}

/** config.json's text, with a clear error when the folder lacks it. */
function readConfigText(dir: string): { where: string; file: string; text: string } {
  const where = `loadModelDir(${dir})`;
  const file = path.join(dir, MODEL_CONFIG_FILE);
  if (!fs.existsSync(file)) throw new Error(`${where}: the model folder must contain ${MODEL_CONFIG_FILE}, but ${file} does not exist.`);
  return { where, file, text: fs.readFileSync(file, 'utf8') };
}

/** Reads config.json only (cheap), with clear errors. */
export function readModelDirConfig(dir: string): ModelDirConfig {
  const { where, file, text } = readConfigText(dir);
  return parseModelConfig(text, where, file);
}

/** Both files of a folder, read into memory (config.json checked first, so a wrong folder fails fast). */
export function readModelFiles(dir: string): ModelFiles {
  const { where, file, text } = readConfigText(dir);
  parseModelConfig(text, where, file);
  const weightsName = path.join(dir, MODEL_WEIGHTS_FILE);
  let weights: Buffer;
  try {
    weights = fs.readFileSync(weightsName);
  } catch (error) {
    throw new Error(`readSafetensors(${weightsName}): the file must be readable, but reading failed: ${(error as Error).message}`, { cause: error });
  }
  return { configText: text, weights, where, configName: file, weightsName };
}

export function loadModelDir(dir: string): { unet: DenoiseUNet; config: ModelDirConfig } {
  return unetFromModelFiles(readModelFiles(dir));
}
