/**
 * Conv2DBackpropFilter for wasm, which tfjs-backend-wasm 4.22 lacks, as one forward convolution:
 *     dW[i, j, ci, co] = Σ_{n, ho, wo} xPad[n, s·ho + i, s·wo + j, ci] · dy[n, ho, wo, co]
 * is a 'valid' convolution of xPadᵀ [Cin, H_p, W_p, N] (batch = Cin, channels = N) with the filter
 * dyᵀ [H_out, W_out, N, Cout] at dilation s, which XNNPACK runs at forward-conv speed.
 * The im2col and per-tap alternatives were 5–30× slower (platform.md §2.1).
 */
import * as tf from '@tensorflow/tfjs';

/** The attributes tfjs passes to Conv2DBackpropFilter. */
export interface Conv2DBackpropFilterAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

/** The forward convolution's geometry for a filter gradient; only NHWC is supported (`backend` names the caller in the error). */
export function filterGradConvInfo(x: tf.Tensor4D, attrs: Conv2DBackpropFilterAttrs, backend: string): tf.backend_util.Conv2DInfo {
  if (attrs.dataFormat !== 'NHWC') {
    throw new Error(`Conv2DBackpropFilter (${backend}): dataFormat must be 'NHWC', but got '${attrs.dataFormat}'.`);
  }
  return tf.backend_util.computeConv2DInfo(x.shape, attrs.filterShape, attrs.strides, 1, attrs.pad,
    attrs.dimRoundingMode, false, 'channelsLast');
}

/**
 * dW for conv2d(x, w) given dy.
 * @param x  forward input, [N, H, W, Cin]
 * @param dy gradient of the conv output, [N, H_out, W_out, Cout]
 * @returns dW, attrs.filterShape = [K_h, K_w, Cin, Cout]
 */
export function conv2dBackpropFilterViaConv(x: tf.Tensor4D, dy: tf.Tensor4D, attrs: Conv2DBackpropFilterAttrs): tf.Tensor4D {
  const info = filterGradConvInfo(x, attrs, 'wasm');
  const { top, bottom, left, right } = info.padInfo;
  const [kh, kw, cin, cout] = attrs.filterShape;
  if (kh === 1 && kw === 1 && info.strideHeight === 1 && info.strideWidth === 1 && top + bottom + left + right === 0) {
    return pointwiseFilterGrad(x, dy, cin, cout);
  }
  const xT = tf.transpose(x, [3, 1, 2, 0]); // [Cin, H, W, N]
  const dyT = tf.transpose(dy, [1, 2, 0, 3]); // [H_out, W_out, N, Cout]
  // The conv pads xᵀ itself (explicit padding), saving a Pad of the whole input.
  const pad: tf.backend_util.ExplicitPadding = [[0, 0], [top, Math.max(0, bottom)], [left, Math.max(0, right)], [0, 0]];
  let dw = tf.conv2d(xT, dyT, 1, pad, 'NHWC', [info.strideHeight, info.strideWidth]); // [Cin, ≥K_h, ≥K_w, Cout]
  if (dw.shape[1] !== kh || dw.shape[2] !== kw) dw = tf.slice(dw, [0, 0, 0, 0], [cin, kh, kw, cout]);
  return tf.transpose(dw, [1, 2, 0, 3]);
}

/**
 * A 1×1 stride-1 unpadded conv is a matrix product, so dW = xᵀ·dy over all N·H·W positions: one GEMM
 * (the BatchMatMul wrapper materialises the transposed operand), faster than the conv form, whose XNNPACK call
 * would have only N input channels.
 */
function pointwiseFilterGrad(x: tf.Tensor4D, dy: tf.Tensor4D, cin: number, cout: number): tf.Tensor4D {
  const positions = x.shape[0] * x.shape[1] * x.shape[2];
  const xs = tf.reshape(x, [positions, cin]), dys = tf.reshape(dy, [positions, cout]);
  // Transpose whichever operand is smaller: (dyᵀ·x)ᵀ when Cout ≤ Cin, else xᵀ·dy.
  const dw = cout <= cin ? tf.transpose(tf.matMul(dys, xs, true, false)) : tf.matMul(xs, dys, true, false); // [Cin, Cout]
  return tf.reshape(dw, [1, 1, cin, cout]);
}
