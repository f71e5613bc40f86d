/**
 * Conv2DBackpropInput for wasm as ONE forward convolution (XNNPACK) plus a depth-to-space.
 *
 * The built-in wasm kernel is a naive loop, ~10× slower than the forward conv (platform.md §2.3).
 * The textbook replacement (zero-upsample dy, convolve with the flipped kernel) wastes s² of its work
 * on zeros at stride s. Instead we split the gradient into s_h·s_w phases. Along one axis, with
 * forward y[o] = Σ_k x[s·o + k − pad] w[k], write u = i + pad = s·q + r (0 ≤ r < s); then
 *     dx[i] = Σ_m dy[q − m] · w[r + s·m],
 * a plain correlation of dy with the phase sub-kernel w_r[m] = w[r + s·m] (m < M = ceil(K/s)).
 * All phases share dy, so they become the output channels of one conv; depth-to-space then
 * interleaves phase r into position s·q + r, and a slice removes the forward padding.
 * At stride 1 this is exactly the flipped-kernel convolution.
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

/**
 * The phase kernel: [M_h, M_w, Cout, s_h·s_w·Cin], flipped so that a forward correlation applies it.
 * @param w forward filter, [K_h, K_w, Cin, Cout]
 */
function phaseKernel(w: tf.Tensor4D, sh: number, sw: number): tf.Tensor4D {
  const [kh, kw, cin, cout] = w.shape;
  const mh = Math.ceil(kh / sh), mw = Math.ceil(kw / sw);
  const padded = tf.pad(w, [[0, mh * sh - kh], [0, mw * sw - kw], [0, 0], [0, 0]]); // [M_h·s_h, M_w·s_w, Cin, Cout]
  const taps = tf.reshape(padded, [mh, sh, mw, sw, cin, cout]); // k = m·s + r
  const byPhase = tf.transpose(taps, [0, 2, 5, 1, 3, 4]); // [M_h, M_w, Cout, s_h, s_w, Cin]
  return tf.reverse(tf.reshape(byPhase, [mh, mw, cout, sh * sw * cin]), [0, 1]);
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
  const sh = info.strideHeight, sw = info.strideWidth;
  const top = info.padInfo.top, left = info.padInfo.left;
  const mh = Math.ceil(w.shape[0] / sh), mw = Math.ceil(w.shape[1] / sw);
  const qh = Math.ceil((h + top) / sh), qw = Math.ceil((wIn + left) / sw); // phase-grid size
  const [, ho, wo] = dy.shape;
  // Front padding M−1 turns Σ_m dy[q−m] into a correlation; back padding reaches q = Q−1.
  const dyPadded = tf.pad(dy, [[0, 0], [mh - 1, Math.max(0, qh - ho)], [mw - 1, Math.max(0, qw - wo)], [0, 0]]);
  let phases = tf.conv2d(dyPadded, phaseKernel(w, sh, sw), 1, 'valid'); // [N, ≥Q_h, ≥Q_w, s_h·s_w·Cin]
  if (phases.shape[1] !== qh || phases.shape[2] !== qw) phases = tf.slice(phases, [0, 0, 0, 0], [n, qh, qw, -1]);
  const interleaved = interleavePhases(phases, sh, sw, cin); // [N, Q_h·s_h, Q_w·s_w, Cin]
  const whole = top === 0 && left === 0 && interleaved.shape[1] === h && interleaved.shape[2] === wIn;
  return whole ? interleaved : tf.slice(interleaved, [0, top, left, 0], [n, h, wIn, cin]);
}

/** Puts phase (r_h, r_w) of [N, Q_h, Q_w, s_h·s_w·C] at rows s_h·q + r_h, columns s_w·q + r_w. */
function interleavePhases(phases: tf.Tensor4D, sh: number, sw: number, c: number): tf.Tensor4D {
  if (sh === 1 && sw === 1) return phases;
  if (sh === sw) return tf.depthToSpace(phases, sh, 'NHWC');
  const [n, qh, qw] = phases.shape; // unequal strides: the same permutation, spelled out
  const split = tf.reshape(phases, [n, qh, qw, sh, sw, c]);
  return tf.reshape(tf.transpose(split, [0, 1, 3, 2, 4, 5]), [n, qh * sh, qw * sw, c]);
}
