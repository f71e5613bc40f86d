/** Building a DenoiseUNet from an official PyTorch checkpoint (.pth), checking every key and shape. */
import { UNetConfig } from '../config';
import { DenoiseUNet } from '../unet';
import { readTorchCheckpoint } from './torch_pth';

export interface ImportedUNet {
  unet: DenoiseUNet;
  /** Entries of the file that are not part of the network (e.g. optimizer state, other modules). */
  ignored: string[];
  /** The key prefix that was stripped, e.g. 'denoise_model.'. */
  prefix: string;
}

/**
 * @param file   a torch.save archive: a bare DenoiseUNet state dict or an mmdet SegRefiner checkpoint
 * @param config the architecture it was trained with (the paper's by default)
 */
export function importTorchUNet(file: string, config: Partial<UNetConfig> = {}): ImportedUNet {
  const { tensors, ignored, prefix } = readTorchCheckpoint(file);
  const unet = DenoiseUNet.fromTorchStateDict(config, tensors, `importTorchUNet(${file})`);
  return { unet, ignored, prefix };
}
