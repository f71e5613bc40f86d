/**
 * `segrefiner convert --pth <file> --out <dir> [--config paper|'<upstream kwargs JSON>'] [--image-size N]`:
 * turns an official PyTorch checkpoint (bare state dict, or mmdet's with `state_dict` and the
 * `denoise_model.` prefix) into our model folder, checking every key and shape. No Python needed.
 */
import { initBackend } from '../backend/select_backend';
import { DEFAULT_DIFFUSION_CONFIG } from '../diffusion/config';
import { saveModelDir } from '../model/checkpoint/model_dir';
import { importTorchUNet } from '../model/checkpoint/import_pth';
import { checkImageSize, PAPER_UNET_CONFIG, unetConfigFromUpstream, UNetConfig } from '../model/config';
import { assertInputsExist, assertOutputIsNotInput, prepareOutputFolder } from './output_paths';
import { FlagSpecs, formatUsage, parseFlags } from './parse_flags';
import { UsageError } from './usage_error';

export const CONVERT_FLAGS: FlagSpecs = {
  pth: { type: 'string', description: 'the PyTorch checkpoint (.pth) to convert (required)' },
  out: { type: 'string', description: 'the model folder to write (required)' },
  config: { type: 'string', description: "'paper' (default: the released SegRefiner network) or upstream DenoiseUNet kwargs as JSON" },
  'image-size': { type: 'string', description: 'model input side (default 256, as the paper)' },
};

function networkConfig(spec: string | undefined): UNetConfig {
  if (spec === undefined || spec === 'paper') return { ...PAPER_UNET_CONFIG };
  let kwargs: Record<string, unknown>;
  try {
    kwargs = JSON.parse(spec);
  } catch {
    throw new UsageError(`segrefiner convert: --config must be 'paper' or a JSON object of DenoiseUNet kwargs, but got '${spec}'.`, formatUsage('convert', CONVERT_FLAGS));
  }
  return unetConfigFromUpstream(kwargs, 'segrefiner convert --config');
}

export async function runConvert(argv: string[]): Promise<number> {
  const flags = parseFlags('convert', argv, CONVERT_FLAGS);
  const usage = formatUsage('convert', CONVERT_FLAGS);
  if (!flags.pth || !flags.out) throw new UsageError('segrefiner convert: --pth and --out must both be given.', usage);
  const imageSize = Number(flags['image-size'] ?? 256);
  if (!Number.isInteger(imageSize) || imageSize < 8) throw new UsageError(`segrefiner convert: --image-size must be an integer ≥ 8, but got '${flags['image-size']}'.`, usage);
  const config = networkConfig(flags.config as string | undefined);
  try {
    checkImageSize(config, imageSize, 'segrefiner convert: --image-size');
  } catch (error) {
    throw new UsageError((error as Error).message, usage);
  }
  const out = { flag: 'out', path: String(flags.out) };
  assertInputsExist('convert', [{ flag: 'pth', path: String(flags.pth) }], 'file');
  assertOutputIsNotInput('convert', out, [{ flag: 'pth', path: String(flags.pth) }], usage);
  prepareOutputFolder('convert', out);
  await initBackend();
  const { unet, ignored, prefix } = importTorchUNet(flags.pth as string, config);
  try {
    await saveModelDir(flags.out as string, unet, {
      diffusion: { ...DEFAULT_DIFFUSION_CONFIG }, imageSize, convertedFrom: { file: flags.pth, prefix, ignoredEntries: ignored.length },
    });
    console.log(`converted ${unet.specs.length} tensors (${unet.numParams().toLocaleString('en')} parameters${prefix ? `, prefix '${prefix}' stripped` : ''}) to ${flags.out}`);
    if (ignored.length) console.log(`left out ${ignored.length} entries that are not part of the network (e.g. ${ignored.slice(0, 3).join(', ')})`);
  } finally {
    unet.dispose();
  }
  return 0;
}
