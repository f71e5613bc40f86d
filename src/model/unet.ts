/**
 * DenoiseUNet: SegRefiner's improved-DDPM U-Net (method.md §2), NHWC. Built from a UNetConfig; the
 * parameters are tf.Variables keyed by the upstream state_dict names, held in tfjs layout.
 *
 *   x [B,H,W,4] → stem conv → encoder (ResBlocks [+Attention], stride-2 convs; every block output
 *   pushed on the skip stack) → middle (Res, Attention, Res) → decoder (concat [h, skip], ResBlocks
 *   [+Attention], nearest×2+conv) → GN → SiLU → conv → logits [B,H,W,1].
 */
import * as tf from '@tensorflow/tfjs';
import type { DenoiserInput, MaskLogits, Timesteps } from '../types';
import { assertShape } from '../util/assert';
import { createRng } from '../util/rng';
import { BlockPlan, LayerPlan, planUNet, UNetPlan } from './architecture';
import { resolveUNetConfig, sizeMultiple, UNetConfig } from './config';
import { initialTorchParams } from './init';
import { attention, conv, downsample, groupNormThenSilu, Params, resBlock, timeEmbedding, upsample } from './layers';
import { numElements, ParamSpec, unetParamSpecs } from './param_specs';
import { tfShape, tfToTorch, torchToTf } from './torch_layout';

export interface ApplyOptions {
  /** Enables dropout (when the config has any). */
  training?: boolean;
}

/**
 * One NaN or Inf weight makes every output NaN, which thresholds to an empty mask without any error:
 * refuse such weights at load, naming the tensor and the element.
 */
function assertFiniteWeights(data: Float32Array, key: string, where: string): void {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) throw new Error(`${where}: weights must be finite, but '${key}' holds ${data[i]} at element ${i} of ${data.length} (a diverged or corrupt checkpoint).`);
  }
}

export class DenoiseUNet {
  readonly config: UNetConfig;
  readonly plan: UNetPlan;
  readonly specs: ParamSpec[];
  /** Trainable parameters by state_dict key, tfjs layout. */
  readonly params: Map<string, tf.Variable>;
  private disposed = false;

  private constructor(config: UNetConfig, torchData: Map<string, Float32Array>) {
    this.config = config;
    this.plan = planUNet(config);
    this.specs = unetParamSpecs(config);
    this.params = new Map();
    for (const spec of this.specs) {
      const data = torchData.get(spec.key) as Float32Array;
      this.params.set(spec.key, tf.tidy(() => tf.variable(tf.tensor(torchToTf(spec, data), tfShape(spec)), true)));
    }
  }

  /** A freshly initialised network (PyTorch default init, seeded). */
  static create(config: Partial<UNetConfig> = {}, seed = 0): DenoiseUNet {
    const c = resolveUNetConfig(config, 'DenoiseUNet.create');
    return new DenoiseUNet(c, initialTorchParams(unetParamSpecs(c), createRng(seed)));
  }

  /**
   * A network from PyTorch-layout weights keyed by state_dict names (a converted checkpoint). A
   * missing key, an extra key or a shape mismatch is an error naming the key.
   */
  static fromTorchStateDict(config: Partial<UNetConfig>, tensors: Map<string, { shape: number[]; data: Float32Array }>,
    where = 'DenoiseUNet.fromTorchStateDict'): DenoiseUNet {
    const c = resolveUNetConfig(config, where);
    const specs = unetParamSpecs(c);
    const expected = new Set(specs.map((s) => s.key));
    const extra = [...tensors.keys()].filter((k) => !expected.has(k));
    if (extra.length > 0) throw new Error(`${where}: the checkpoint has keys this architecture does not: ${extra.slice(0, 5).join(', ')}${extra.length > 5 ? ` and ${extra.length - 5} more` : ''}.`);
    const data = new Map<string, Float32Array>();
    for (const spec of specs) {
      const t = tensors.get(spec.key);
      if (!t) throw new Error(`${where}: the checkpoint must have key '${spec.key}' (shape [${spec.torchShape}]), but it is missing.`);
      if (t.shape.join(',') !== spec.torchShape.join(',')) {
        throw new Error(`${where}: '${spec.key}' must have shape [${spec.torchShape}], but the checkpoint has [${t.shape}].`);
      }
      assertFiniteWeights(t.data, spec.key, where);
      data.set(spec.key, t.data);
    }
    return new DenoiseUNet(c, data);
  }

  /** Parameters as PyTorch-layout arrays, in state_dict order (for saving). */
  async toTorchStateDict(): Promise<Map<string, { shape: number[]; data: Float32Array }>> {
    const out = new Map<string, { shape: number[]; data: Float32Array }>();
    for (const spec of this.specs) {
      const data = (await this.param(spec.key).data()) as Float32Array;
      out.set(spec.key, { shape: spec.torchShape, data: tfToTorch(spec, data) });
    }
    return out;
  }

  numParams(): number {
    return this.specs.reduce((n, s) => n + numElements(s.torchShape), 0);
  }

  /** All trainable variables, in state_dict order. */
  variables(): tf.Variable[] {
    return this.specs.map((s) => this.param(s.key));
  }

  /**
   * The forward pass. @param x image ⊕ mask, [B, H, W, inChannels] with H, W divisible by
   * 2^(levels−1); @param t code indices, [B] int32 in [0, numTimesteps). Returns logits [B, H, W, outChannels].
   */
  apply(x: DenoiserInput, t: Timesteps, opts: ApplyOptions = {}): MaskLogits {
    this.checkInputs(x, t);
    const p: Params = (key) => this.param(key);
    const dropout = opts.training ? this.config.dropout : 0;
    // Inference frees every activation as soon as the next layer has consumed it (only the skip
    // stack stays alive), so the paper network at 256² fits the wasm heap. Training keeps them:
    // the gradient tape needs them, and tidy frees them at the end.
    const freeEarly = !opts.training;
    return tf.tidy(() => {
      const emb = timeEmbedding(p, t, this.config.numTimesteps); // [B, 4·C0]
      const layerOutput = (layer: LayerPlan, h: tf.Tensor4D): tf.Tensor4D => tf.tidy(() => {
        switch (layer.kind) {
          case 'conv': return conv(p, layer.prefix, h);
          case 'res': return resBlock(p, layer.prefix, h, emb, dropout);
          case 'attention': return attention(p, layer.prefix, h, layer.numHeads);
          case 'down': return downsample(p, layer.prefix, h);
          case 'up': return upsample(p, layer.prefix, h);
        }
      });
      const skips: tf.Tensor4D[] = [];
      const release = (h: tf.Tensor4D) => { if (freeEarly && h !== x && !skips.includes(h)) h.dispose(); };
      const runBlock = (block: BlockPlan, input: tf.Tensor4D): tf.Tensor4D => block.reduce((h, layer) => {
        const next = layerOutput(layer, h);
        release(h);
        return next;
      }, input);
      let h: tf.Tensor4D = x;
      for (const block of this.plan.inputBlocks) skips.push(h = runBlock(block, h));
      h = runBlock(this.plan.middleBlock, h);
      for (const block of this.plan.outputBlocks) {
        const skip = skips.pop() as tf.Tensor4D;
        const joined = tf.concat([h, skip], 3);
        release(h);
        release(skip);
        h = runBlock(block, joined);
      }
      return conv(p, 'out.2', groupNormThenSilu(p, 'out.0', h));
    });
  }

  /** This network as the diffusion's `Denoiser` (inference: no dropout). */
  get denoiser(): (z: DenoiserInput, t: Timesteps) => MaskLogits {
    return (z, t) => this.apply(z, t);
  }

  dispose(): void {
    if (this.disposed) return;
    this.params.forEach((v) => v.dispose());
    this.disposed = true;
  }

  private param(key: string): tf.Variable {
    const v = this.params.get(key);
    if (!v) throw new Error(`DenoiseUNet: parameter '${key}' must exist, but this network has no such key.`);
    if (this.disposed) throw new Error('DenoiseUNet: the network must not be used after dispose().');
    return v;
  }

  private checkInputs(x: tf.Tensor, t: tf.Tensor): void {
    const where = 'DenoiseUNet.apply';
    if (this.disposed) throw new Error(`${where}: the network must not be used after dispose().`);
    assertShape(x, [null, null, null, this.config.inChannels], 'x', where);
    const m = sizeMultiple(this.config);
    const [, height, width] = x.shape as number[];
    if (height % m !== 0 || width % m !== 0) {
      throw new Error(`${where}: x height and width must be multiples of ${m} (2^(levels−1)), but got ${height}×${width}.`);
    }
    assertShape(t, [x.shape[0]], 't', where);
    if (t.dtype !== 'int32') throw new Error(`${where}: t must be int32, but got ${t.dtype}.`);
    const values = t.dataSync();
    for (const v of values) {
      if (v < 0 || v >= this.config.numTimesteps) throw new Error(`${where}: t must be in [0, ${this.config.numTimesteps - 1}], but got ${v}.`);
    }
  }
}
