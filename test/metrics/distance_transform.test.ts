/** Euclidean feature transform: distances by hand, ties resolved as scipy (values from scipy 1.17). */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { featureTransform } from '../../src/metrics/distance_transform';

test('a row with features at both ends: the tie in the middle goes to the earlier one', () => {
  // scipy: distance_transform_edt([[1,1,1,1,1]] with zeros at 0 and 4) → indices [0,0,0,4,4], distances [0,1,2,1,0].
  const { nearest, distance } = featureTransform(Uint8Array.of(1, 0, 0, 0, 1), 1, 5);
  assert.equal(Array.from(nearest), [0, 0, 0, 4, 4]);
  assert.equal(Array.from(distance), [0, 1, 2, 1, 0]);
});

test('2-D: three corner features of a 5×5 image, scipy tie order', () => {
  const f = new Uint8Array(25);
  [0, 4, 24].forEach((i) => (f[i] = 1)); // (0,0), (0,4), (4,4)
  const { nearest, distance } = featureTransform(f, 5, 5);
  // scipy 1.17 distance_transform_edt(..., return_indices=True), as flat indices y·5 + x:
  assert.equal(Array.from(nearest), [0, 0, 0, 4, 4, 0, 0, 0, 4, 4, 0, 0, 0, 4, 4, 0, 0, 24, 24, 24, 0, 24, 24, 24, 24]);
  // (2,2) is √8 from all three corners and takes (0,0); (3,1) is √10 from (0,0) and √10 from (4,4): (0,0).
  assert.is(distance[12], Math.sqrt(8));
  assert.is(distance[16], Math.sqrt(10));
  assert.is(distance[20], 4);
});

test('no feature at all: −1 and Infinity', () => {
  const { nearest, distance } = featureTransform(new Uint8Array(4), 2, 2);
  assert.equal(Array.from(nearest), [-1, -1, -1, -1]);
  assert.equal(Array.from(distance), [Infinity, Infinity, Infinity, Infinity]);
});

test.run();
