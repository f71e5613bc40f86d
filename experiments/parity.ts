/**
 * Network parity against the upstream PyTorch DenoiseUNet:
 *   npm run parity -- ../shared/fixtures/parity_a
 * Reads the fixture folder's config.json (constructor kwargs), io.json (input NHWC, timesteps,
 * upstream output) and weights.pth (through our .pth importer), runs our forward pass and ends with
 * `max abs error: <x>`. Exit 1 when x > 1e-4. Works for any folder of that format.
 */
import * as tf from '@tensorflow/tfjs';
import * as fs from 'fs';
import * as path from 'path';
import { importTorchUNet, initBackend, unetConfigFromUpstream } from '../src';

export const PARITY_TOLERANCE = 1e-4;

interface IoJson {
  input: { shape_nhwc: number[]; data_nhwc: number[] };
  timesteps: number[];
  output: { shape_nhwc: number[]; data_nhwc: number[] };
}

export interface ParityResult {
  maxAbsError: number;
  meanAbsError: number;
  paramCount: number;
  outputShape: number[];
}

export async function checkParity(dir: string): Promise<ParityResult> {
  const read = (name: string): unknown => {
    const file = path.join(dir, name);
    if (!fs.existsSync(file)) throw new Error(`parity: ${file} must exist, but it does not.`);
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  };
  const config = read('config.json') as { constructor_kwargs: Record<string, unknown>; param_count?: number };
  const io = read('io.json') as IoJson;
  const { unet } = importTorchUNet(path.join(dir, 'weights.pth'), unetConfigFromUpstream(config.constructor_kwargs, 'parity'));
  try {
    if (config.param_count !== undefined && config.param_count !== unet.numParams()) {
      throw new Error(`parity: the network must have ${config.param_count} parameters (config.json), but ours has ${unet.numParams()}.`);
    }
    const out = tf.tidy(() => unet.apply(tf.tensor4d(io.input.data_nhwc, io.input.shape_nhwc as [number, number, number, number]),
      tf.tensor1d(io.timesteps, 'int32')));
    const ours = await out.data();
    const outputShape = out.shape;
    out.dispose();
    if (outputShape.join() !== io.output.shape_nhwc.join()) {
      throw new Error(`parity: the output must have shape [${io.output.shape_nhwc}], but ours is [${outputShape}].`);
    }
    const ref = Float32Array.from(io.output.data_nhwc);
    let max = 0, sum = 0;
    for (let i = 0; i < ref.length; i++) {
      const e = Math.abs(ours[i] - ref[i]);
      max = Math.max(max, e);
      sum += e;
    }
    return { maxAbsError: max, meanAbsError: sum / ref.length, paramCount: unet.numParams(), outputShape };
  } finally {
    unet.dispose();
  }
}

async function main(): Promise<void> {
  const dir = process.argv[2];
  if (!dir) throw new Error('parity: a fixture folder must be given, e.g. npm run parity -- ../shared/fixtures/parity_a');
  const backend = await initBackend();
  const r = await checkParity(dir);
  console.log(`backend: ${backend.name}, parameters: ${r.paramCount}, output [${r.outputShape}]`);
  console.log(`mean abs error: ${r.meanAbsError}`);
  console.log(`max abs error: ${r.maxAbsError}`);
  process.exitCode = r.maxAbsError <= PARITY_TOLERANCE ? 0 : 1;
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
