/**
 * SegRefiner: the one-call refinement API, shaped like SAM's predictor (style B9). Load a model once,
 * `setImage` once per image, then `refine` / `refineBatch` coarse masks of that image:
 *
 *   const refiner = await SegRefiner.load();           // the shipped model for real photos (models/cpu-real)
 *   refiner.setImage(image);                          // RgbImage, HWC bytes
 *   const { mask, probs, confidence } = await refiner.refine(coarse, { steps: 6, seed: 1 });
 *   refiner.dispose();
 *
 * Everything but `load` is SegRefinerCore (refiner_core.ts), which imports no Node module so that a
 * browser bundle shares it; this file adds reading a model folder or a `.pth` file from disk.
 */
import * as fs from 'fs';
import { importTorchUNet } from '../model/checkpoint/import_pth';
import { readModelDirConfig, readModelFiles } from '../model/checkpoint/model_dir';
import type { DenoiseUNet } from '../model/unet';
import { PAPER_MODEL_SIZE, refinerSettingsOf, SegRefinerCore } from './refiner_core';
import { DEFAULT_MODEL_DIR } from './shipped_models';

export { chooseMode, PAPER_MODEL_SIZE, SegRefinerCore, withModelDefaults } from './refiner_core';
export type { SegRefinerSettings } from './refiner_core';

export class SegRefiner extends SegRefinerCore {
  /**
   * Loads a model: our folder format (config.json + model.safetensors, written by training; the
   * config must give `imageSize` and may give `autoHrFactor` and `refineDefaults`) or an official `.pth` checkpoint
   * (paper network, 256², paper diffusion). Without an argument: the shipped default model for real
   * photographs (models/cpu-real).
   */
  static async load(modelPath: string = DEFAULT_MODEL_DIR): Promise<SegRefiner> {
    const where = `SegRefiner.load(${modelPath})`;
    if (typeof modelPath !== 'string' || modelPath === '') throw new Error(`${where}: modelPath must be a model folder or .pth path (a non-empty string), but got ${JSON.stringify(modelPath)}.`);
    if (!fs.existsSync(modelPath)) throw new Error(`${where}: the model must be a model folder or a .pth checkpoint, but ${modelPath} does not exist.`);
    if (fs.statSync(modelPath).isFile()) {
      if (!/\.pth?$/.test(modelPath)) throw new Error(`${where}: a model file must be a PyTorch checkpoint (.pth), but got ${modelPath}; our format is a folder.`);
      let unet: DenoiseUNet;
      try {
        unet = importTorchUNet(modelPath).unet;
      } catch (error) {
        throw new Error(`${where}: a .pth checkpoint must hold the paper's network (convert others with segrefiner convert --config), but: ${(error as Error).message}`, { cause: error });
      }
      return SegRefiner.fromUNet(unet, { imageSize: PAPER_MODEL_SIZE });
    }
    refinerSettingsOf(readModelDirConfig(modelPath), where); // config errors before the weights are read
    return SegRefinerCore.fromModelFiles(readModelFiles(modelPath), where);
  }
}
