/**
 * The cases that check a backend's training kernels against the cpu backend: every registered wasm
 * kernel (strides 1/2/3, odd sizes, 1×1/3×3/4×4/5×5, same/valid/explicit/numeric padding, all
 * matMul transposes) and every other op family a U-Net training step needs, up to a whole network.
 * Inputs come from a JS PRNG, so both backends see identical values.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng, randomNormalArray } from '../util/rng';
import { adamWUpdate } from '../util/adamw_kernel';
import { groupNormAffine, groupNormSilu } from '../util/group_norm';
import { upsampleNearest2x } from '../util/tensor_ops';
import { CHECK_PROBE_UNET, createProbeUNetParams, probeUNetLoss } from './probe_unet';

/** One input: shape and values (float32 unless int32 values are given). */
export interface CaseInput {
  shape: number[];
  values: Float32Array | Int32Array;
}

export interface KernelCheckCase {
  name: string;
  /** The kernels whose results the case's outputs depend on (those worth naming). */
  kernels: string[];
  makeInputs(rng: Rng): CaseInput[];
  /** Runs inside tf.tidy on the backend under test; returns the values to compare. */
  compute(inputs: tf.Tensor[]): tf.Tensor[];
}

const normal = (rng: Rng, shape: number[], scale = 1): CaseInput =>
  ({ shape, values: randomNormalArray(rng, shape.reduce((a, b) => a * b, 1), scale) });
const ints = (rng: Rng, shape: number[], n: number): CaseInput =>
  ({ shape, values: Int32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.int(n)) });

type Pad = 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;

/** conv2d forward plus both gradients for a random dy: exercises Conv2D and both backprop kernels. */
function convCase(label: string, xShape: [number, number, number, number], k: number, cout: number,
  strides: number | [number, number], pad: Pad): KernelCheckCase {
  const filterShape: [number, number, number, number] = [k, k, xShape[3], cout];
  const outShape = tf.backend_util.computeConv2DInfo(xShape, filterShape, strides, 1, pad).outShape;
  return {
    name: `conv2d ${label}: x [${xShape}] ${k}×${k}→${cout}, stride ${strides}, pad ${JSON.stringify(pad)}`,
    kernels: ['Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter'],
    makeInputs: (rng) => [normal(rng, xShape), normal(rng, filterShape, 0.3), normal(rng, outShape)],
    compute: ([x, w, dy]) => {
      const f = (a: tf.Tensor, b: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, strides, pad);
      return [f(x, w), ...tf.grads(f)([x, w], dy)];
    },
  };
}

const EXPLICIT_1: tf.backend_util.ExplicitPadding = [[0, 0], [1, 1], [1, 1], [0, 0]];

export const CONV_CASES: KernelCheckCase[] = [
  convCase('3×3 s1 same', [2, 16, 16, 8], 3, 16, 1, 'same'),
  convCase('3×3 s2 same', [2, 16, 16, 8], 3, 16, 2, 'same'),
  convCase('3×3 s2 same, odd size', [2, 15, 17, 5], 3, 7, 2, 'same'),
  convCase('3×3 s2 explicit (PyTorch padding=1)', [2, 15, 17, 5], 3, 7, 2, EXPLICIT_1),
  convCase('3×3 s1 explicit', [2, 15, 17, 5], 3, 7, 1, EXPLICIT_1),
  convCase('3×3 s1 valid, odd size', [2, 15, 17, 5], 3, 6, 1, 'valid'),
  convCase('3×3 s2 valid, odd size', [2, 15, 17, 5], 3, 6, 2, 'valid'),
  convCase('1×1 s1', [2, 9, 11, 6], 1, 4, 1, 'valid'),
  convCase('1×1 s2 same, odd size', [2, 9, 11, 6], 1, 4, 2, 'same'),
  convCase('3×3 strides [2,1] asymmetric explicit', [1, 13, 10, 3], 3, 5, [2, 1], [[0, 0], [2, 0], [1, 1], [0, 0]]),
  convCase('4×4 s2 explicit', [2, 16, 16, 4], 4, 4, 2, EXPLICIT_1),
  convCase('5×5 s3 same', [1, 11, 11, 2], 5, 3, 3, 'same'),
  convCase('3×3 s1 numeric pad 2', [1, 8, 8, 3], 3, 4, 1, 2),
];

/**
 * matMul forward plus both gradients: the backward pass uses every transpose combination.
 * Broadcast batch dimensions are checked forward only: tfjs 4.22's matMul gradient does not reduce
 * over broadcast dimensions on any backend.
 */
function matMulCase(aShape: number[], bShape: number[], transposeA: boolean, transposeB: boolean): KernelCheckCase {
  const broadcast = aShape.slice(0, -2).some((d, i) => d !== bShape[i]);
  return {
    name: `matMul [${aShape}]${transposeA ? 'ᵀ' : ''} · [${bShape}]${transposeB ? 'ᵀ' : ''}${broadcast ? ' (forward)' : ''}`,
    kernels: ['BatchMatMul'],
    makeInputs: (rng) => [normal(rng, aShape), normal(rng, bShape)],
    compute: ([a, b]) => {
      const y = tf.matMul(a, b, transposeA, transposeB);
      if (broadcast) return [y];
      const f = (x: tf.Tensor, z: tf.Tensor) => tf.sum(tf.sin(tf.matMul(x, z, transposeA, transposeB)));
      return [y, ...tf.grads(f)([a, b])];
    },
  };
}

export const MATMUL_CASES: KernelCheckCase[] = [
  matMulCase([7, 5], [5, 3], false, false),
  matMulCase([5, 7], [5, 3], true, false),
  matMulCase([7, 5], [3, 5], false, true),
  matMulCase([5, 7], [3, 5], true, true),
  matMulCase([3, 7, 5], [3, 5, 4], false, false),
  matMulCase([3, 5, 7], [3, 4, 5], true, true),
  matMulCase([2, 3, 4, 5], [2, 3, 5, 6], false, false),
  matMulCase([2, 3, 5, 4], [2, 3, 6, 5], true, true),
  matMulCase([2, 3, 4, 5], [1, 3, 5, 6], false, false),
  matMulCase([2, 3, 5, 4], [1, 3, 6, 5], true, true),
];

/**
 * Problems large enough to run on the native (oneDNN) kernels when they are active (the cases above
 * are small enough to fall back to wasm): the U-Net's own shapes at 24², every transpose, a 1-to-N
 * batch broadcast forward.
 */
export const NATIVE_SIZE_CASES: KernelCheckCase[] = [
  convCase('native size, 3×3 s1 explicit', [2, 24, 24, 64], 3, 64, 1, EXPLICIT_1),
  convCase('native size, 3×3 s2 explicit (downsampling)', [2, 24, 24, 64], 3, 128, 2, EXPLICIT_1),
  convCase('native size, 1×1 (skip projection)', [2, 24, 24, 96], 1, 64, 1, 'valid'),
  matMulCase([8, 64, 96], [8, 96, 80], false, false),
  matMulCase([8, 96, 64], [8, 80, 96], true, true),
  matMulCase([1, 144, 128], [4, 128, 96], false, false),
  matMulCase([288, 128], [128, 384], false, false),
];

export const SEGMENT_CASES: KernelCheckCase[] = [
  {
    name: 'unsortedSegmentSum x [6,3,2], 4 segments',
    kernels: ['UnsortedSegmentSum'],
    makeInputs: (rng) => [normal(rng, [6, 3, 2]), ints(rng, [6], 4)],
    compute: ([x, ids]) => [tf.unsortedSegmentSum(x, ids as tf.Tensor1D, 4)],
  },
  {
    name: 'gather gradient (embedding lookup) table [6,5], 7 ids',
    kernels: ['GatherV2', 'UnsortedSegmentSum'],
    makeInputs: (rng) => [normal(rng, [6, 5]), ints(rng, [7], 6), normal(rng, [7, 5])],
    compute: ([table, ids, dy]) => tf.grads((t: tf.Tensor) => tf.gather(t, ids))([table], dy),
  },
];

/** Value and gradient of a scalar-weighted function of one input. */
function valueAndGrad(name: string, kernels: string[], shapes: number[][], f: (...xs: tf.Tensor[]) => tf.Tensor): KernelCheckCase {
  return {
    name, kernels,
    makeInputs: (rng) => shapes.map((s) => normal(rng, s)),
    compute: (xs) => {
      const y = f(...xs);
      const weights = tf.reshape(tf.sin(tf.range(0, y.size)), y.shape); // a non-uniform dy
      const loss = (...ys: tf.Tensor[]) => tf.sum(tf.mul(f(...ys), weights));
      return [y, ...tf.grads(loss)(xs)];
    },
  };
}

function attention(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor): tf.Tensor {
  return tf.matMul(tf.softmax(tf.div(tf.matMul(q, k, false, true), Math.sqrt(q.shape[2] as number))), v);
}

export const UNET_OP_CASES: KernelCheckCase[] = [
  valueAndGrad('GroupNorm as the model computes it (matmul channel sums, closed-form gradient), x [2,6,5,8], 4 groups',
    ['BatchMatMul', 'Sum', 'Rsqrt'], [[2, 6, 5, 8], [8], [8]],
    (x, gamma, beta) => groupNormAffine(x as tf.Tensor4D, gamma as tf.Tensor1D, beta as tf.Tensor1D, 4)),
  valueAndGrad('GroupNorm + SiLU as the model computes it (fused where native), x [2,6,5,64], 32 groups',
    ['SegrefinerGroupNormSilu', 'Sigmoid', 'BatchMatMul'], [[2, 6, 5, 64], [64], [64]],
    (x, gamma, beta) => groupNormSilu(x as tf.Tensor4D, gamma as tf.Tensor1D, beta as tf.Tensor1D, 32)),
  valueAndGrad('SiLU', ['Sigmoid', 'Multiply'], [[3, 17]], (x) => tf.mul(x, tf.sigmoid(x))),
  valueAndGrad('attention softmax(q·kᵀ/√d)·v, [4,9,6]', ['BatchMatMul', 'Softmax'], [[4, 9, 6], [4, 9, 6], [4, 9, 6]], attention),
  valueAndGrad('nearest ×2 upsampling (reshape·ones), [2,5,3,4]', ['Multiply', 'Sum'], [[2, 5, 3, 4]],
    (x) => upsampleNearest2x(x as tf.Tensor4D)),
  valueAndGrad('resizeNearestNeighbor ×2, batch 1 (cpu is wrong at batch > 1)', ['ResizeNearestNeighbor', 'ResizeNearestNeighborGrad'],
    [[1, 5, 3, 4]], (x) => tf.image.resizeNearestNeighbor(x as tf.Tensor4D, [10, 6])),
  valueAndGrad('concat on channels', ['Concat', 'Slice'], [[2, 4, 4, 3], [2, 4, 4, 5]], (a, b) => tf.concat([a, b], 3)),
  {
    name: 'sigmoid BCE (tf.losses.sigmoidCrossEntropy) and its gradient',
    kernels: ['Log1p', 'Exp', 'Abs', 'Relu'],
    makeInputs: (rng) => [normal(rng, [2, 7, 7, 1], 3), { shape: [2, 7, 7, 1], values: Float32Array.from({ length: 98 }, () => rng.int(2)) }],
    compute: ([logits, target]) => {
      const f = (z: tf.Tensor) => tf.losses.sigmoidCrossEntropy(target, z);
      return [f(logits), ...tf.grads(f)([logits])];
    },
  },
];

/** Three Adam steps on a quadratic; returns the updated variables. */
function adamSteps(w0: tf.Tensor, target: tf.Tensor): tf.Tensor[] {
  const w = tf.variable(w0);
  const optimizer = tf.train.adam(0.1, 0.9, 0.999, 1e-8);
  for (let i = 0; i < 3; i++) optimizer.minimize(() => tf.sum(tf.square(tf.sub(w, target))) as tf.Scalar);
  const result = tf.clone(w);
  optimizer.dispose();
  w.dispose();
  return [result];
}

export const OPTIMIZER_CASES: KernelCheckCase[] = [
  {
    name: 'AdamW update as training applies it (fused where native), with weight decay',
    kernels: ['SegrefinerAdamW', 'Sqrt', 'RealDiv'],
    makeInputs: (rng) => [normal(rng, [40, 7]), normal(rng, [40, 7]), normal(rng, [40, 7], 0.1), { shape: [40, 7], values: Float32Array.from({ length: 280 }, () => rng.uniform()) }],
    compute: ([p, g, m, v]) => adamWUpdate(p, g, m, v, { beta1: 0.9, beta2: 0.999, eps: 1e-8, decay: 1 - 1e-3 * 0.05, stepSize: 1e-3 / (1 - 0.9 ** 3), bias2Sqrt: Math.sqrt(1 - 0.999 ** 3) }),
  },
  {
    name: 'Adam (lr 0.1, 3 steps) on a quadratic',
    kernels: ['Sqrt', 'RealDiv', 'Sub'],
    makeInputs: (rng) => [normal(rng, [4, 6]), normal(rng, [4, 6])],
    compute: ([w0, target]) => adamSteps(w0, target),
  },
];

/** Loss and every parameter gradient of the probe U-Net (B = 2, 16×16×4). */
export const NETWORK_CASES: KernelCheckCase[] = [
  {
    name: 'whole probe U-Net: BCE loss and all parameter gradients, B=2, 16×16×4',
    kernels: ['Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter', 'BatchMatMul', 'Softmax'],
    makeInputs: (rng) => [normal(rng, [2, 16, 16, 4]), ints(rng, [2], 6),
      { shape: [2, 16, 16, 1], values: Float32Array.from({ length: 512 }, () => rng.int(2)) }],
    compute: ([x, t, target]) => {
      const params = createProbeUNetParams(CHECK_PROBE_UNET, 7);
      const names = [...params.keys()];
      const loss = (...ps: tf.Tensor[]) => probeUNetLoss(CHECK_PROBE_UNET, new Map(names.map((n, i) => [n, ps[i]])),
        x as tf.Tensor4D, t as tf.Tensor1D, target as tf.Tensor4D);
      const grads = tf.grads(loss)(names.map((n) => params.get(n) as tf.Tensor));
      return [loss(...names.map((n) => params.get(n) as tf.Tensor)), ...grads];
    },
  },
];

/** All cases, in the order doctor prints them. */
export const KERNEL_CHECK_CASES: KernelCheckCase[] = [
  ...CONV_CASES, ...MATMUL_CASES, ...NATIVE_SIZE_CASES, ...SEGMENT_CASES, ...UNET_OP_CASES, ...OPTIMIZER_CASES, ...NETWORK_CASES,
];
