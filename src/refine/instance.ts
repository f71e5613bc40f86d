/**
 * Instance refinement (method.md §4.1; upstream segrefiner_instance.py): per mask, its box + padWidth
 * pixels is cropped from the image and the mask, both resized to the model size with bilinear
 * interpolation (align_corners=False; the mask then thresholded at 0.5), refined by the full loop in
 * batches, and the σ(logits) pasted back with grid_sample (bilinear, align_corners=False) into the
 * full image; the caller thresholds at 0.5. Masks below the area threshold pass through.
 */
import { resizeBilinear } from '../data/resize';
import type { BinaryMask, RgbImage } from '../types';
import type { Rng } from '../util/rng';
import { BoxXyxy } from './nms';
import type { InstanceOptions, RefineEngine, RefineStep } from './options';
import { cropNormalizedImage, cropValues, maskBox, padBox, pasteBilinear } from './patches';
import { runLoop, SampleStepMaps } from '../diffusion/host_loop';

/** One crop ready for the network, model size S. */
export interface InstanceInput {
  /** The padded crop box in full-image pixels, [x1, y1, x2, y2). */
  box: BoxXyxy;
  /** Normalised image crop resized to S×S, HWC [S, S, 3]. */
  image: Float32Array;
  /** Coarse-mask crop resized to S×S and thresholded at 0.5, [S, S] in {0, 1}. */
  mask: Float32Array;
}

export interface InstanceSettings {
  options: InstanceOptions;
  indices: readonly number[];
  batchSize: number;
  rng: Rng;
  deterministic: boolean;
  /** Receives full-resolution maps; `maskIndex` is the position in `masks`. */
  onStep?: (step: RefineStep) => void | Promise<void>;
}

/** The padded box of a non-empty mask (upstream: mask2bbox, then ± pad_width clipped to the image). */
export function instanceBox(mask: BinaryMask, padWidth: number): BoxXyxy {
  const box = maskBox(mask);
  if (!box) throw new Error('instanceBox: the mask must have at least one foreground pixel, but it is empty.');
  return padBox(box, padWidth, mask.height, mask.width);
}

/** Crops and resizes one mask and the image around it (upstream _get_object_input). */
export function prepareInstance(image: RgbImage, mask: BinaryMask, modelSize: number, padWidth: number): InstanceInput {
  const box = instanceBox(mask, padWidth);
  const h = box[3] - box[1], w = box[2] - box[0];
  const imageCrop = resizeBilinear(cropNormalizedImage(image, box), h, w, 3, modelSize, modelSize);
  const maskCrop = resizeBilinear(cropValues(mask.data, mask.width, box), h, w, 1, modelSize, modelSize);
  return { box, image: imageCrop, mask: maskCrop.map((v) => (v >= 0.5 ? 1 : 0)) };
}

/** A model-size map pasted into a fresh full-image array (zero outside the crop's support). */
export function pasteInstance(map: Float32Array, modelSize: number, box: BoxXyxy, height: number, width: number): Float32Array {
  const out = new Float32Array(height * width);
  pasteBilinear(map, modelSize, modelSize, box, out, height, width);
  return out;
}

function pasteStep(maps: SampleStepMaps, modelSize: number, box: BoxXyxy, height: number, width: number):
  Omit<RefineStep, 'maskIndex' | 'stage' | 'step' | 't' | 'height' | 'width'> {
  const paste = (m: Float32Array) => pasteInstance(m, modelSize, box, height, width);
  return {
    x: paste(maps.x), maskProbs: paste(maps.maskProbs), confidence: paste(maps.confidence),
    transitionProbs: paste(maps.transitionProbs), fineProbs: paste(maps.fineProbs), fineMap: maps.fineMap ? paste(maps.fineMap) : null,
  };
}

/**
 * Refines every mask of `masks` (all non-empty, the image's size, at or above the area threshold:
 * the caller filters) and returns σ(logits) pasted back at full resolution, one [H, W] array per mask.
 * Crops are prepared batch by batch, so at most `batchSize` crops are held at once.
 */
export async function refineInstances(engine: RefineEngine, image: RgbImage, masks: BinaryMask[],
  settings: InstanceSettings): Promise<Float32Array[]> {
  const { height, width } = image, s = engine.modelSize;
  const out: Float32Array[] = [];
  for (let start = 0; start < masks.length; start += settings.batchSize) {
    const inputs = masks.slice(start, start + settings.batchSize).map((m) => prepareInstance(image, m, s, settings.options.padWidth));
    const onStep = settings.onStep;
    const result = await runLoop(engine, { images: inputs.map((i) => i.image), masks: inputs.map((i) => i.mask) }, {
      indices: settings.indices, rng: settings.rng, deterministic: settings.deterministic,
      onStep: onStep ? async (step, t, maps) => {
        for (let i = 0; i < maps.length; i++) {
          await onStep({ maskIndex: start + i, stage: 'instance', step, t, height, width, ...pasteStep(maps[i], s, inputs[i].box, height, width) });
        }
      } : undefined,
    });
    result.maskProbs.forEach((p, i) => out.push(settings.options.residual
      ? pasteResidual(p, inputs[i], masks[start + i], s) : pasteInstance(p, s, inputs[i].box, height, width)));
  }
  return out;
}

/**
 * The residual paste-back (InstanceOptions.residual): the network's change σ(logits) − coarse input at
 * the model size, pasted bilinearly and added to the full-resolution coarse mask, clipped to [0, 1].
 * @param probs σ(logits) [S, S]; input the crop fed to the network; coarse the full mask [H, W]
 */
export function pasteResidual(probs: Float32Array, input: InstanceInput, coarse: BinaryMask, modelSize: number): Float32Array {
  const delta = new Float32Array(probs.length);
  for (let k = 0; k < probs.length; k++) delta[k] = probs[k] - input.mask[k];
  const out = pasteInstance(delta, modelSize, input.box, coarse.height, coarse.width);
  for (let j = 0; j < out.length; j++) out[j] = Math.min(1, Math.max(0, coarse.data[j] + out[j]));
  return out;
}
