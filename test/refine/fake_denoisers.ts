/**
 * Denoisers for refinement tests, written with plain tf ops (no network). The "perfect" ones read the
 * ground truth from the image: test images carry it in the red channel (255 = foreground, 0 =
 * background), so a denoiser returns the fine mask of whatever crop it is given, and every error of
 * cropping, resizing or pasting shows up in the output.
 */
import * as tf from '@tensorflow/tfjs';
import type { Denoiser } from '../../src/diffusion/discrete_diffusion';
import { IMAGE_MEAN, IMAGE_STD } from '../../src/data/image_io';
import type { RgbImage } from '../../src/types';
import type { BinaryMask } from '../../src/types';

/** The normalised red value halfway between 0 and 255. */
export const RED_MIDPOINT = (127.5 - IMAGE_MEAN[0]) / IMAGE_STD[0];

/** An image whose red channel is 255 on the mask, green a constant texture-free 80, blue 0. */
export function imageFromMask(mask: BinaryMask): RgbImage {
  const data = new Uint8Array(mask.height * mask.width * 3);
  for (let i = 0; i < mask.data.length; i++) {
    data[i * 3] = mask.data[i] ? 255 : 0;
    data[i * 3 + 1] = 80;
  }
  return { data, height: mask.height, width: mask.width };
}

/** A mask from a predicate on pixel centres' integer coordinates. */
export function maskFrom(height: number, width: number, inside: (y: number, x: number) => boolean): BinaryMask {
  const data = new Uint8Array(height * width);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = inside(y, x) ? 1 : 0;
  return { data, height, width };
}

export interface CountingDenoiser {
  denoise: Denoiser;
  /** Forward passes so far, and the batch sizes and timesteps they had. */
  calls: { batch: number; t: number[]; size: number }[];
}

function counting(f: (z: tf.Tensor4D) => tf.Tensor4D): CountingDenoiser {
  const calls: CountingDenoiser['calls'] = [];
  const denoise: Denoiser = (z, t) => {
    calls.push({ batch: z.shape[0], t: Array.from(t.dataSync()), size: z.shape[1] });
    return tf.tidy(() => f(z));
  };
  return { denoise, calls };
}

/** Logits ±20 from the red channel: the ground truth of the crop it sees, whatever the mask input. */
export function perfectDenoiser(): CountingDenoiser {
  return counting((z) => tf.mul(tf.sign(tf.sub(tf.slice(z, [0, 0, 0, 0], [-1, -1, -1, 1]), RED_MIDPOINT)), 20));
}

/** Logits ±20 from the mask input: it agrees with whatever mask it is given. */
export function echoDenoiser(): CountingDenoiser {
  return counting((z) => tf.mul(tf.sub(tf.mul(tf.slice(z, [0, 0, 0, 3], [-1, -1, -1, 1]), 2), 1), 20));
}

/**
 * Like perfectDenoiser, but unsure (|logit| 0.2, confidence ≈ 0.1) where the mask input disagrees
 * with the red channel: the high-resolution path then puts its patches where the coarse mask was wrong.
 */
export function doubtfulDenoiser(): CountingDenoiser {
  return counting((z) => {
    const truth = tf.cast(tf.greater(tf.slice(z, [0, 0, 0, 0], [-1, -1, -1, 1]), RED_MIDPOINT), 'float32');
    const agree = tf.equal(truth, tf.slice(z, [0, 0, 0, 3], [-1, -1, -1, 1]));
    return tf.mul(tf.sub(tf.mul(truth, 2), 1), tf.where(agree, tf.scalar(20), tf.scalar(0.2)));
  });
}

/** Constant logits per column half of the model input: `left` for x < S/2, `right` elsewhere. */
export function halvesDenoiser(left: number, right: number): CountingDenoiser {
  return counting((z) => {
    const [b, h, w] = z.shape;
    const half = Math.floor(w / 2);
    return tf.concat([tf.fill([b, h, half, 1], left), tf.fill([b, h, w - half, 1], right)], 2) as tf.Tensor4D;
  });
}

/** Equal masks, element by element, with the first difference in the message. */
export function sameMask(a: BinaryMask, b: BinaryMask): string | null {
  if (a.height !== b.height || a.width !== b.width) return `sizes ${a.height}×${a.width} vs ${b.height}×${b.width}`;
  for (let i = 0; i < a.data.length; i++) {
    if (a.data[i] !== b.data[i]) return `first difference at (y ${Math.floor(i / a.width)}, x ${i % a.width}): ${a.data[i]} vs ${b.data[i]}`;
  }
  return null;
}

/** Logits 3·(0.5 − x): the prediction flips the current mask, so the output depends on the Bernoulli draws. */
export function flipDenoiser(): CountingDenoiser {
  return counting((z) => tf.mul(tf.sub(0.5, tf.slice(z, [0, 0, 0, 3], [-1, -1, -1, 1])), 3));
}

/**
 * The high-resolution test scene: a 512² image for model size 128 (the global pass sees every 4th
 * pixel), truth a disk of radius 150, coarse mask a disk of radius 140; the doubtful denoiser is
 * unsure on the ring between them.
 */
export function diskScene(): { N: number; S: number; gt: BinaryMask; coarse: BinaryMask; image: RgbImage } {
  const N = 512, S = 128;
  const gt = maskFrom(N, N, (y, x) => (y - 256) ** 2 + (x - 256) ** 2 <= 150 ** 2);
  const coarse = maskFrom(N, N, (y, x) => (y - 256) ** 2 + (x - 256) ** 2 <= 140 ** 2);
  return { N, S, gt, coarse, image: imageFromMask(gt) };
}
