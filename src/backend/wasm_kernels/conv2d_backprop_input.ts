/**
 * Conv2DBackpropInput for wasm as ONE forward convolution (XNNPACK) plus an interleave.
 *
 * The built-in wasm kernel is a naive loop, ~10× slower than the forward conv (platform.md §2.3).
 * The textbook replacement (zero-upsample dy, convolve with the flipped kernel) wastes s² of its work
 * on zeros at stride s. Instead we split dx into s_h·s_w output phases. Along one axis, with forward
 * y[o] = Σ_k x[s·o + k − pad] w[k], write i = s·q + r (0 ≤ r < s); then
 *     dx[s·q + r] = Σ_m dy[q − m] · w[r + pad + s·m]      (over m with 0 ≤ r + pad + s·m < K),
 * a correlation of dy with a per-phase sub-kernel. All phases share dy, so they become the output
 * channels of one conv, whose filter is gathered from the taps by a 0/1 selection matmul (wasm's
 * Reverse and GatherV2 are slow); a reshape/transpose interleaves phase r into row s·q + r. Folding `pad` into the taps
 * means no slice is needed unless H is not a multiple of s. At stride 1 this is the flipped-kernel
 * convolution.
 */
import * as tf from '@tensorflow/tfjs';

/** The attributes tfjs passes to Conv2DBackpropInput. */
export interface Conv2DBackpropInputAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  inputShape: [number, number, number, number];
}

/** One axis of the phase decomposition. */
interface AxisPlan {
  stride: number;
  /** Correlation taps j = 0..length−1 use m = mMax − j. */
  length: number;
  mMax: number;
  /** dy rows to add (> 0) or drop (< 0) in front and behind, so the conv yields exactly `phaseRows`. */
  front: number;
  back: number;
  /** ceil(H / s): rows of each phase's output. */
  phaseRows: number;
}

function planAxis(k: number, s: number, pad: number, outRows: number, inRows: number): AxisPlan {
  let mMax = -Infinity, mMin = Infinity;
  for (let r = 0; r < s; r++) {
    mMax = Math.max(mMax, Math.floor((k - 1 - r - pad) / s));
    mMin = Math.min(mMin, Math.ceil((-r - pad) / s));
  }
  const length = mMax - mMin + 1;
  const phaseRows = Math.ceil(inRows / s);
  const front = mMax; // output q needs dy[q − mMax .. q − mMin]
  return { stride: s, length, mMax, front, back: phaseRows + length - 1 - outRows - front, phaseRows };
}

/** The filter tap for phase r at correlation position j, or −1 where the sub-kernel is zero. */
function tapIndex(plan: AxisPlan, k: number, pad: number, r: number, j: number): number {
  const tap = r + pad + plan.stride * (plan.mMax - j);
  return tap >= 0 && tap < k ? tap : -1;
}

/**
 * The phase kernel [L_h, L_w, Cout, s_h·s_w·Cin], assembled from the taps of w.
 * @param w forward filter, [K_h, K_w, Cin, Cout]
 */
function phaseKernel(w: tf.Tensor4D, ph: AxisPlan, pw: AxisPlan, top: number, left: number): tf.Tensor4D {
  const [kh, kw, cin, cout] = w.shape;
  const index: number[] = []; // the tap of each (j_h, j_w, r_h, r_w), or −1 for a zero tap
  for (let jh = 0; jh < ph.length; jh++) {
    for (let jw = 0; jw < pw.length; jw++) {
      for (let rh = 0; rh < ph.stride; rh++) {
        for (let rw = 0; rw < pw.stride; rw++) {
          const th = tapIndex(ph, kh, top, rh, jh), tw = tapIndex(pw, kw, left, rw, jw);
          index.push(th < 0 || tw < 0 ? -1 : th * kw + tw);
        }
      }
    }
  }
  // Gathering the taps is a product with a 0/1 selection matrix: one XNNPACK GEMM, exact (1·w + 0·w′ = w
  // for finite weights), and 3–10× faster than the slices + concat it replaces, and than wasm's Reverse or GatherV2.
  const selection = new Float32Array(index.length * kh * kw);
  index.forEach((tap, row) => { if (tap >= 0) selection[row * kh * kw + tap] = 1; });
  const selected = tf.matMul(tf.tensor2d(selection, [index.length, kh * kw]), tf.reshape(w, [kh * kw, cin * cout])); // [L_h·L_w·s_h·s_w, Cin·Cout]
  const phases = ph.stride * pw.stride;
  const byPhase = tf.transpose(tf.reshape(selected, [ph.length * pw.length, phases, cin, cout]), [0, 3, 1, 2]);
  return tf.reshape(byPhase, [ph.length, pw.length, cout, phases * cin]);
}

/**
 * The conv's explicit padding for the positive front/back amounts; negative ones (a pad larger than
 * the kernel) crop dy first. Letting XNNPACK pad saves a Pad op over all of dy.
 */
function padAndCrop(dy: tf.Tensor4D, ph: AxisPlan, pw: AxisPlan): [tf.Tensor4D, tf.backend_util.ExplicitPadding] {
  const grow = (v: number) => Math.max(0, v);
  const pad: tf.backend_util.ExplicitPadding = [[0, 0], [grow(ph.front), grow(ph.back)], [grow(pw.front), grow(pw.back)], [0, 0]];
  if (ph.front >= 0 && ph.back >= 0 && pw.front >= 0 && pw.back >= 0) return [dy, pad];
  const [, h, w] = dy.shape;
  const begin = [0, grow(-ph.front), grow(-pw.front), 0];
  const size = [-1, h - begin[1] - grow(-ph.back), w - begin[2] - grow(-pw.back), -1];
  return [tf.slice(dy, begin, size), pad];
}

/** Puts phase (r_h, r_w) of [N, Q_h, Q_w, s_h·s_w·C] at rows s_h·q + r_h, columns s_w·q + r_w. */
function interleavePhases(phases: tf.Tensor4D, sh: number, sw: number, c: number): tf.Tensor4D {
  if (sh === 1 && sw === 1) return phases;
  const [n, qh, qw] = phases.shape; // a rank-6 transpose: ~10× faster than wasm's DepthToSpace here
  const split = tf.reshape(phases, [n, qh, qw, sh, sw, c]);
  return tf.reshape(tf.transpose(split, [0, 1, 3, 2, 4, 5]), [n, qh * sh, qw * sw, c]);
}

/**
 * dx for conv2d(x, w) given dy.
 * @param dy gradient of the conv output, [N, H_out, W_out, Cout]
 * @param w  forward filter, [K_h, K_w, Cin, Cout]
 * @returns dx, [N, H, W, Cin] (attrs.inputShape)
 */
export function conv2dBackpropInputViaConv(dy: tf.Tensor4D, w: tf.Tensor4D, attrs: Conv2DBackpropInputAttrs): tf.Tensor4D {
  if (attrs.dataFormat !== 'NHWC') {
    throw new Error(`Conv2DBackpropInput (wasm): dataFormat must be 'NHWC', but got '${attrs.dataFormat}'.`);
  }
  const [n, h, wIn, cin] = attrs.inputShape;
  const info = tf.backend_util.computeConv2DInfo(attrs.inputShape, w.shape, attrs.strides, 1, attrs.pad,
    attrs.dimRoundingMode, false, 'channelsLast');
  const { top, left } = info.padInfo;
  const ph = planAxis(w.shape[0], info.strideHeight, top, dy.shape[1], h);
  const pw = planAxis(w.shape[1], info.strideWidth, left, dy.shape[2], wIn);
  const [dyCropped, pad] = padAndCrop(dy, ph, pw);
  const phases = tf.conv2d(dyCropped, phaseKernel(w, ph, pw, top, left), 1, pad); // [N, Q_h, Q_w, s_h·s_w·Cin]
  const dx = interleavePhases(phases, ph.stride, pw.stride, cin); // [N, Q_h·s_h, Q_w·s_w, Cin]
  return dx.shape[1] === h && dx.shape[2] === wIn ? dx : tf.slice(dx, [0, 0, 0, 0], [n, h, wIn, cin]);
}
