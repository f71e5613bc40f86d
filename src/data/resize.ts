/**
 * Resizing on plain typed arrays with PyTorch's exact semantics (method.md §8), HWC layout, any
 * channel count:
 * - `resizeBilinear` = F.interpolate(mode='bilinear', align_corners=False), no antialias: half-pixel
 *   centres, src = scale·(dst + 0.5) − 0.5 clamped at 0, i0 = min(floor(src), in − 1),
 *   i1 = i0 + (i0 < in − 1), λ1 = src − i0. The instance path crops with it.
 * - `resizeNearest` = F.interpolate(mode='nearest') (the default, used by the semantic global path):
 *   src = min(floor(dst·scale), in − 1), not half-pixel.
 * scale = float32(in)/out, and the arithmetic is rounded to float32 where PyTorch's CPU kernels
 * (1.12, upstream's version) compute in float, so index choices at exact ties match.
 */
import type { BinaryMask } from '../types';

const f32 = Math.fround;

function checkSizes(where: string, src: ArrayLike<number>, h: number, w: number, c: number, outH: number, outW: number): void {
  for (const [name, v] of [['height', h], ['width', w], ['channels', c], ['outHeight', outH], ['outWidth', outW]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`${where}: ${name} must be a positive integer, but got ${v}.`);
  }
  if (src.length !== h * w * c) throw new Error(`${where}: src must hold height·width·channels = ${h * w * c} values, but got ${src.length}.`);
}

/** Per output index along one axis: the two source indices and their weights (PyTorch's compute_source_index_and_lambda). */
export function bilinearTaps(inSize: number, outSize: number): { i0: Int32Array; i1: Int32Array; w0: Float32Array; w1: Float32Array } {
  const i0 = new Int32Array(outSize), i1 = new Int32Array(outSize), w0 = new Float32Array(outSize), w1 = new Float32Array(outSize);
  const scale = f32(inSize / outSize);
  for (let d = 0; d < outSize; d++) {
    if (inSize === outSize) {
      i0[d] = i1[d] = d;
      w0[d] = 1;
      continue;
    }
    // area_pixel_compute_source_index: scale·(dst + 0.5) − 0.5 in double, stored as float, clamped at 0.
    const src = Math.max(f32(scale * (d + 0.5) - 0.5), 0);
    i0[d] = Math.min(Math.floor(src), inSize - 1);
    i1[d] = i0[d] + (i0[d] < inSize - 1 ? 1 : 0);
    w1[d] = Math.min(Math.max(f32(src - i0[d]), 0), 1);
    w0[d] = f32(1 - w1[d]);
  }
  return { i0, i1, w0, w1 };
}

/** Source index per output index along one axis (PyTorch's nearest_idx). */
export function nearestIndices(inSize: number, outSize: number): Int32Array {
  const idx = new Int32Array(outSize);
  const scale = f32(inSize / outSize);
  for (let d = 0; d < outSize; d++) {
    if (outSize === inSize) idx[d] = d;
    else if (outSize === 2 * inSize) idx[d] = d >> 1;
    else idx[d] = Math.min(Math.floor(f32(d * scale)), inSize - 1);
  }
  return idx;
}

/**
 * Bilinear resize, PyTorch align_corners=False without antialias (downscaling does not average).
 * @param src HWC values, [height, width, channels] row-major
 * @returns a new Float32Array [outHeight, outWidth, channels]
 */
export function resizeBilinear(src: ArrayLike<number>, height: number, width: number, channels: number,
  outHeight: number, outWidth: number): Float32Array {
  checkSizes('resizeBilinear', src, height, width, channels, outHeight, outWidth);
  const ty = bilinearTaps(height, outHeight), tx = bilinearTaps(width, outWidth);
  const out = new Float32Array(outHeight * outWidth * channels);
  for (let y = 0; y < outHeight; y++) {
    const r0 = ty.i0[y] * width, r1 = ty.i1[y] * width, h0 = ty.w0[y], h1 = ty.w1[y];
    for (let x = 0; x < outWidth; x++) {
      const c0 = tx.i0[x], c1 = tx.i1[x], w0 = tx.w0[x], w1 = tx.w1[x];
      const o = (y * outWidth + x) * channels;
      for (let c = 0; c < channels; c++) {
        // PyTorch's order: h0·(x00·w0 + x01·w1) + h1·(x10·w0 + x11·w1), each step in float32.
        const top = f32(f32(src[(r0 + c0) * channels + c] * w0) + f32(src[(r0 + c1) * channels + c] * w1));
        const bottom = f32(f32(src[(r1 + c0) * channels + c] * w0) + f32(src[(r1 + c1) * channels + c] * w1));
        out[o + c] = f32(top * h0) + f32(bottom * h1);
      }
    }
  }
  return out;
}

/**
 * Nearest-neighbour resize, PyTorch mode='nearest': src index = min(floor(dst·(in/out)), in − 1).
 * @param src HWC values, [height, width, channels] row-major
 * @returns a new Float32Array [outHeight, outWidth, channels]
 */
export function resizeNearest(src: ArrayLike<number>, height: number, width: number, channels: number,
  outHeight: number, outWidth: number): Float32Array {
  checkSizes('resizeNearest', src, height, width, channels, outHeight, outWidth);
  const iy = nearestIndices(height, outHeight), ix = nearestIndices(width, outWidth);
  const out = new Float32Array(outHeight * outWidth * channels);
  for (let y = 0; y < outHeight; y++) {
    for (let x = 0; x < outWidth; x++) {
      const s = (iy[y] * width + ix[x]) * channels, o = (y * outWidth + x) * channels;
      for (let c = 0; c < channels; c++) out[o + c] = src[s + c];
    }
  }
  return out;
}

/** 1 where value ≥ threshold, else 0 (a plain loop; Uint8Array.from with a map function is slow). */
function threshold01(values: ArrayLike<number>, threshold: number): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < out.length; i++) out[i] = values[i] >= threshold ? 1 : 0;
  return out;
}

/** A binary mask resized with PyTorch 'nearest' (the semantic global path's mask resize). */
export function resizeMaskNearest(mask: BinaryMask, outHeight: number, outWidth: number): BinaryMask {
  const data = resizeNearest(mask.data, mask.height, mask.width, 1, outHeight, outWidth);
  return { data: threshold01(data, 0.5), height: outHeight, width: outWidth };
}

/**
 * A binary mask resized bilinearly (align_corners=False) then thresholded, as the instance path does
 * with its crops: foreground where the interpolated value ≥ threshold (upstream: ≥ 0.5).
 */
export function resizeMaskBilinear(mask: BinaryMask, outHeight: number, outWidth: number, threshold = 0.5): BinaryMask {
  const data = resizeBilinear(threshold01(mask.data, 0.5), mask.height, mask.width, 1, outHeight, outWidth);
  return { data: threshold01(data, threshold), height: outHeight, width: outWidth };
}
