/**
 * UnsortedSegmentSum for wasm, which tfjs-backend-wasm 4.22 lacks; it is the gradient of tf.gather
 * (e.g. an embedding lookup). out[s] = Σ_{i : ids[i] = s} x[i] is a one-hot matrix product:
 * oneHot(ids, S)ᵀ · x. Ids outside [0, S) have an all-zero one-hot row and are dropped, as in TF.
 * int32 values are summed in float32, exact while partial sums stay below 2^24.
 */
import * as tf from '@tensorflow/tfjs';

/**
 * @param x          values, [...ids.shape, ...inner]
 * @param segmentIds int32, any rank, a prefix of x's shape
 * @returns [numSegments, ...inner], x's dtype
 */
export function unsortedSegmentSumViaMatMul(x: tf.Tensor, segmentIds: tf.Tensor, numSegments: number): tf.Tensor {
  const idsShape = segmentIds.shape;
  const prefixMatches = idsShape.every((d, i) => x.shape[i] === d);
  if (!prefixMatches) {
    throw new Error(`UnsortedSegmentSum (wasm): segmentIds shape [${idsShape}] must be a prefix of x's shape [${x.shape}].`);
  }
  const inner = x.shape.slice(idsShape.length);
  const rows = segmentIds.size;
  const oneHotT = tf.transpose(tf.oneHot(tf.reshape(tf.cast(segmentIds, 'int32'), [rows]), numSegments)); // [S, rows]
  const flat = tf.reshape(tf.cast(x, 'float32'), [rows, -1]); // [rows, prod(inner)]
  const summed = tf.reshape(tf.matMul(tf.cast(oneHotT, 'float32'), flat), [numSegments, ...inner]);
  return x.dtype === 'float32' ? summed : tf.cast(summed, x.dtype);
}
