/**
 * A small U-Net-shaped network used to *probe a backend*: the whole-network gradient check of
 * `segrefiner doctor` and the training-step benchmark. It uses every op family of SegRefiner's
 * DenoiseUNet (3×3/1×1 convs, PyTorch-padded stride-2 convs, the model's GroupNorm op, SiLU, a one-hot
 * learned time embedding, head-major softmax attention, nearest ×2 up, skip concat, sigmoid-BCE).
 * It is not the model: src/model holds DenoiseUNet. Functional (params in a map), NHWC.
 */
import * as tf from '@tensorflow/tfjs';
import { createRng, randomNormalArray } from '../util/rng';
import { groupNormAffine } from '../util/group_norm';
import { upsampleNearest2x } from '../util/tensor_ops';

export interface ProbeUNetConfig {
  inChannels: number;
  baseChannels: number;
  /** Channel multiplier per resolution level; a stride-2 conv between levels. */
  channelMult: number[];
  /** Attention at the lowest level and in the middle block. */
  numHeads: number;
  /** GroupNorm groups (capped by the channel count). */
  groups: number;
  numTimesteps: number;
}

/** The platform study's small U-Net: 64×64×4 input, 2.7 M parameters. */
export const BENCH_PROBE_UNET: ProbeUNetConfig = {
  inChannels: 4, baseChannels: 32, channelMult: [1, 2, 4], numHeads: 4, groups: 32, numTimesteps: 6,
};
/** Small enough for the cpu backend to check gradients in a few seconds. */
export const CHECK_PROBE_UNET: ProbeUNetConfig = {
  inChannels: 4, baseChannels: 8, channelMult: [1, 2], numHeads: 2, groups: 4, numTimesteps: 6,
};

export type ProbeParams = Map<string, tf.Tensor>;
type Shapes = Map<string, number[]>;

function convShapes(shapes: Shapes, name: string, k: number, cin: number, cout: number): void {
  shapes.set(`${name}.w`, [k, k, cin, cout]).set(`${name}.b`, [cout]);
}
function normShapes(shapes: Shapes, name: string, c: number): void {
  shapes.set(`${name}.gamma`, [c]).set(`${name}.beta`, [c]);
}
function resShapes(shapes: Shapes, name: string, cin: number, cout: number, temb: number): void {
  normShapes(shapes, `${name}.norm1`, cin);
  convShapes(shapes, `${name}.conv1`, 3, cin, cout);
  shapes.set(`${name}.temb.w`, [temb, cout]).set(`${name}.temb.b`, [cout]);
  normShapes(shapes, `${name}.norm2`, cout);
  convShapes(shapes, `${name}.conv2`, 3, cout, cout);
  if (cin !== cout) convShapes(shapes, `${name}.skip`, 1, cin, cout);
}
function attnShapes(shapes: Shapes, name: string, c: number): void {
  normShapes(shapes, `${name}.norm`, c);
  convShapes(shapes, `${name}.qkv`, 1, c, 3 * c);
  convShapes(shapes, `${name}.proj`, 1, c, c);
}

/** Parameter shapes in creation order. */
export function probeUNetShapes(cfg: ProbeUNetConfig): Shapes {
  const shapes: Shapes = new Map();
  const c0 = cfg.baseChannels, temb = 4 * c0;
  const chans = cfg.channelMult.map((m) => m * c0);
  shapes.set('time.table', [cfg.numTimesteps, c0]).set('time.w', [c0, temb]).set('time.b', [temb]);
  convShapes(shapes, 'stem', 3, cfg.inChannels, c0);
  chans.forEach((c, l) => {
    resShapes(shapes, `down${l}`, l === 0 ? c0 : chans[l - 1], c, temb);
    if (l < chans.length - 1) convShapes(shapes, `down${l}.downsample`, 3, c, c);
  });
  const cMid = chans[chans.length - 1];
  resShapes(shapes, 'mid.res1', cMid, cMid, temb);
  attnShapes(shapes, 'mid.attn', cMid);
  resShapes(shapes, 'mid.res2', cMid, cMid, temb);
  for (let l = chans.length - 1; l >= 0; l--) {
    resShapes(shapes, `up${l}`, (l === chans.length - 1 ? cMid : chans[l + 1]) + chans[l], chans[l], temb);
    if (l === chans.length - 1) attnShapes(shapes, `up${l}.attn`, chans[l]);
    if (l > 0) convShapes(shapes, `up${l}.upsample`, 3, chans[l], chans[l]);
  }
  normShapes(shapes, 'head.norm', c0);
  convShapes(shapes, 'head.conv', 3, c0, 1);
  return shapes;
}

/** Seeded parameters (norm gammas 1, betas 0, weights ~ N(0, 1/fan_in)); the caller disposes them. */
export function createProbeUNetParams(cfg: ProbeUNetConfig, seed: number): ProbeParams {
  const rng = createRng(seed);
  const params: ProbeParams = new Map();
  for (const [name, shape] of probeUNetShapes(cfg)) {
    const size = shape.reduce((a, b) => a * b, 1);
    if (name.endsWith('.gamma')) params.set(name, tf.ones(shape));
    else if (name.endsWith('.beta')) params.set(name, tf.zeros(shape));
    else {
      const fanIn = shape.length === 1 ? shape[0] : size / shape[shape.length - 1];
      params.set(name, tf.tensor(randomNormalArray(rng, size, 1 / Math.sqrt(fanIn)), shape));
    }
  }
  return params;
}

/** Forward pass. @param x [B, H, W, inChannels] with H, W divisible by 2^(levels−1); @param t [B] int32. */
export function probeUNetForward(cfg: ProbeUNetConfig, p: ProbeParams, x: tf.Tensor4D, t: tf.Tensor1D): tf.Tensor4D {
  const net = new ProbeOps(cfg, p);
  const temb = net.timeEmbedding(t); // [B, 4·C0]
  let h = net.conv(x, 'stem');
  const skips: tf.Tensor4D[] = [];
  const levels = cfg.channelMult.length;
  for (let l = 0; l < levels; l++) {
    h = net.resBlock(h, temb, `down${l}`);
    skips.push(h);
    if (l < levels - 1) h = net.conv(h, `down${l}.downsample`, 2);
  }
  h = net.resBlock(net.attention(net.resBlock(h, temb, 'mid.res1'), 'mid.attn'), temb, 'mid.res2');
  for (let l = levels - 1; l >= 0; l--) {
    h = net.resBlock(tf.concat([h, skips[l]], 3), temb, `up${l}`);
    if (l === levels - 1) h = net.attention(h, `up${l}.attn`);
    if (l > 0) h = net.conv(upsampleNearest2x(h), `up${l}.upsample`);
  }
  return net.conv(net.normSilu(h, 'head.norm'), 'head.conv');
}

/** The layer ops of the probe, bound to one config and parameter map. */
class ProbeOps {
  constructor(private readonly cfg: ProbeUNetConfig, private readonly p: ProbeParams) {}

  private get(name: string): tf.Tensor {
    const v = this.p.get(name);
    if (!v) throw new Error(`probeUNetForward: parameter '${name}' must exist, but the map has no such key.`);
    return v;
  }

  conv(x: tf.Tensor4D, name: string, stride = 1): tf.Tensor4D {
    const w = this.get(`${name}.w`) as tf.Tensor4D;
    const pad = w.shape[0] === 1 ? 'valid' : [[0, 0], [1, 1], [1, 1], [0, 0]] as tf.backend_util.ExplicitPadding;
    return tf.add(tf.conv2d(x, w, stride, pad), this.get(`${name}.b`));
  }

  /** GroupNorm(groups) with the learned scale and shift. */
  norm(x: tf.Tensor4D, name: string): tf.Tensor4D {
    const groups = Math.min(this.cfg.groups, x.shape[3]);
    return groupNormAffine(x, this.get(`${name}.gamma`) as tf.Tensor1D, this.get(`${name}.beta`) as tf.Tensor1D, groups);
  }

  normSilu(x: tf.Tensor4D, name: string): tf.Tensor4D {
    const n = this.norm(x, name);
    return tf.mul(n, tf.sigmoid(n));
  }

  timeEmbedding(t: tf.Tensor1D): tf.Tensor2D {
    const oneHot = tf.cast(tf.oneHot(t, this.cfg.numTimesteps), 'float32'); // gather's gradient needs UnsortedSegmentSum
    const e = tf.add(tf.matMul(tf.matMul(oneHot, this.get('time.table') as tf.Tensor2D), this.get('time.w') as tf.Tensor2D),
      this.get('time.b')) as tf.Tensor2D;
    return tf.mul(e, tf.sigmoid(e));
  }

  resBlock(x: tf.Tensor4D, temb: tf.Tensor2D, name: string): tf.Tensor4D {
    let h = this.conv(this.normSilu(x, `${name}.norm1`), `${name}.conv1`);
    const tProj = tf.add(tf.matMul(temb, this.get(`${name}.temb.w`) as tf.Tensor2D), this.get(`${name}.temb.b`));
    h = tf.add(h, tf.reshape(tProj, [x.shape[0], 1, 1, -1]));
    h = this.conv(this.normSilu(h, `${name}.norm2`), `${name}.conv2`);
    const skip = this.p.has(`${name}.skip.w`) ? this.conv(x, `${name}.skip`) : x;
    return tf.add(skip, h);
  }

  /** Head-major multi-head self-attention over H·W positions, rank-4 transposes only. */
  attention(x: tf.Tensor4D, name: string): tf.Tensor4D {
    const [b, h, w, c] = x.shape;
    const heads = this.cfg.numHeads, d = c / heads, n = h * w;
    const qkv = this.conv(this.norm(x, `${name}.norm`), `${name}.qkv`); // [B, H, W, 3C]
    const [q, k, v] = tf.split(qkv, 3, 3).map((z) =>
      tf.reshape(tf.transpose(tf.reshape(z, [b, n, heads, d]), [0, 2, 1, 3]), [b * heads, n, d]));
    const weights = tf.softmax(tf.div(tf.matMul(q, k, false, true), Math.sqrt(d))); // [B·heads, N, N]
    const out = tf.reshape(tf.transpose(tf.reshape(tf.matMul(weights, v), [b, heads, n, d]), [0, 2, 1, 3]), [b, h, w, c]) as tf.Tensor4D;
    return tf.add(x, this.conv(out, `${name}.proj`));
  }
}

/** Mean sigmoid-BCE of the probe's logits against a binary target [B, H, W, 1]. */
export function probeUNetLoss(cfg: ProbeUNetConfig, p: ProbeParams, x: tf.Tensor4D, t: tf.Tensor1D, target: tf.Tensor4D): tf.Scalar {
  return tf.losses.sigmoidCrossEntropy(target, probeUNetForward(cfg, p, x, t)) as tf.Scalar;
}
