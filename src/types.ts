/** Shared data types of the toolkit (style B4): every module may import these; siblings do not import each other. */
import type * as tf from '@tensorflow/tfjs';

/** A binary mask as a plain typed array, row-major: data[y·width + x] ∈ {0, 1}. Metrics need no tensors. */
export interface BinaryMask {
  data: Uint8Array;
  height: number;
  width: number;
}

/** A COCO RLE with numeric counts (pycocotools' internal RLE struct); src/util/coco_rle.ts encodes and decodes it. */
export interface Rle {
  height: number;
  width: number;
  /** Run lengths, alternating 0-runs and 1-runs, starting with 0s; sums to height·width. */
  counts: Uint32Array;
}

/** Box [x, y, width, height] in pixels, as COCO JSON stores it (floats). */
export type BboxXywh = [number, number, number, number];

/**
 * Boxes, one type per convention:
 * - BoxXyxy: a half-open pixel box [x1, y1, x2, y2): columns x1 ≤ x < x2, rows y1 ≤ y < y2 (integers);
 * - CropBox: a crop window by origin and size (integers), {x0, y0, width, height};
 * - BboxXywh (above): COCO's [x, y, width, height] in float pixels.
 */
export type BoxXyxy = [number, number, number, number];

/** A crop window in pixels: columns [x0, x0 + width), rows [y0, y0 + height). */
export interface CropBox {
  x0: number;
  y0: number;
  width: number;
  height: number;
}

/** An 8-bit RGB image, row-major HWC: data[(y·width + x)·3 + c], c = 0 red, 1 green, 2 blue. */
export interface RgbImage {
  data: Uint8Array;
  height: number;
  width: number;
}

/*
 * Tensor aliases (style B4). tfjs is NHWC; the PyTorch original is NCHW — weights are transposed only
 * when a checkpoint is imported or exported (src/model/checkpoint).
 */
/** Network input: normalised RGB image and current mask, [B, H, W, 4] float32 (channels 0..2 image, 3 mask). */
export type DenoiserInput = tf.Tensor4D;
/** Normalised RGB images, [B, H, W, 3], float32 ((v − mean) / std, the paper's ImageNet statistics). */
export type ImageBatch = tf.Tensor4D;
/** Masks, [B, H, W, 1], float32 in {0, 1}. `*Probs`: same shape in [0, 1]. */
export type MaskBatch = tf.Tensor4D;
/** Per-pixel logits of the foreground, [B, H, W, 1], float32, unbounded. */
export type MaskLogits = tf.Tensor4D;
/** Diffusion step indices, [B], int32, 0 ≤ t < numTimesteps (code index: 0 least coarse, T−1 fully coarse). */
export type Timesteps = tf.Tensor1D;

/**
 * One ground-truth instance of a COCO/LVIS JSON, as src/data loads it and src/metrics evaluates it
 * (siblings share it through this file).
 */
export interface CocoInstance {
  id: number;
  imageId: number;
  categoryId: number;
  /** The JSON `area` (pycocotools uses it, not the mask area, for the area ranges), or the mask area when absent. */
  area: number;
  iscrowd: boolean;
  /** The annotation's `ignore` flag; the instance is ignored if ignore || iscrowd. */
  ignore: boolean;
  segmentation: Rle;
}
