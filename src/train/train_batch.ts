/**
 * Host samples (data/samplers) stacked into the tensors of one training step, and their disposal.
 */
import * as tf from '@tensorflow/tfjs';
import type { HostSample } from '../data/samplers/synthetic_sampler';
import { TrainBatch } from './train_step';

/** Stacks host samples into tensors; the caller disposes the batch. */
export function toTrainBatch(samples: HostSample[]): TrainBatch {
  const b = samples.length, { height: h, width: w } = samples[0].gt;
  const image = new Float32Array(b * h * w * 3), gt = new Float32Array(b * h * w), coarse = new Float32Array(b * h * w);
  samples.forEach((s, i) => {
    image.set(s.image, i * h * w * 3);
    gt.set(s.gt.data, i * h * w);
    coarse.set(s.coarse.data, i * h * w);
  });
  return {
    image: tf.tensor4d(image, [b, h, w, 3]),
    gt: tf.tensor4d(gt, [b, h, w, 1]),
    coarse: tf.tensor4d(coarse, [b, h, w, 1]),
  };
}

export function disposeBatch(batch: TrainBatch): void {
  tf.dispose([batch.image, batch.gt, batch.coarse]);
}
