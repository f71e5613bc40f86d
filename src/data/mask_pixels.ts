/**
 * readBinaryMask's rules on decoded pixels (mask_io.ts has them in full): an alpha channel must be
 * fully opaque, the three colour channels must be equal at every pixel (greyscale), and foreground is
 * value > 128 on the 8-bit scale (> 128·257 on the 16-bit one). Pure, so the Node reader (sharp) and
 * the web page (canvas) apply the same rules to what their decoders give.
 */
import type { BinaryMask } from '../types';

/** Foreground threshold on the 8-bit scale: value > 128. */
export const MASK_THRESHOLD = 128;

/** Decoded samples in RGB or RGBA order, 8- or 16-bit. */
export interface MaskPixels {
  values: Uint8Array | Uint8ClampedArray | Uint16Array;
  /** 3 (RGB) or 4 (RGBA). */
  channels: number;
  height: number;
  width: number;
  /** 255 or 65535. */
  max: number;
}

/** Why the pixels are not a greyscale mask, with the first offending pixel; null when they are. */
export interface MaskPixelProblem {
  kind: 'alpha' | 'colour';
  /** Row-major pixel index. */
  pixel: number;
  /** The sentence for `<file> must be a readable mask image, but <reason>`. */
  reason: string;
}

const at = (p: number, width: number) => `(${p % width}, ${Math.floor(p / width)})`;

/** The first rule the pixels break (alpha before colour), or null. */
export function maskPixelProblem(px: MaskPixels): MaskPixelProblem | null {
  const { values: v, channels: c, width } = px;
  if (c === 4) {
    for (let i = 3; i < v.length; i += 4) {
      if (v[i] !== px.max) {
        const pixel = (i - 3) / 4;
        return { kind: 'alpha', pixel, reason: `it has a non-opaque alpha channel (pixel ${at(pixel, width)}); the foreground must be in the grey value, not in alpha.` };
      }
    }
  }
  for (let i = 0, k = 0; i < v.length; i += c, k++) {
    if (v[i] !== v[i + 1] || v[i] !== v[i + 2]) {
      return { kind: 'colour', pixel: k, reason: `its colour channels differ at pixel ${at(k, width)} (an RGB colour mask); convert it to a single-channel greyscale mask.` };
    }
  }
  return null;
}

/** Thresholds greyscale pixels (checked by maskPixelProblem) into a binary mask. */
export function thresholdMaskPixels(px: MaskPixels): BinaryMask {
  const threshold = px.max === 255 ? MASK_THRESHOLD : MASK_THRESHOLD * 257;
  const n = px.height * px.width, data = new Uint8Array(n);
  for (let k = 0; k < n; k++) data[k] = px.values[k * px.channels] > threshold ? 1 : 0;
  return { data, height: px.height, width: px.width };
}
