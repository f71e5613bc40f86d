/** The one crop (util/crop.ts): exact copies by CropBox, BoxXyxy converted, boxes outside the image refused. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cropBoxOf, cropImage, cropMask } from '../../src/util/crop';

test('cropImage / cropMask copy the box exactly; cropBoxOf converts [x1, y1, x2, y2)', () => {
  const img = { data: Uint8Array.from({ length: 4 * 3 * 3 }, (_, i) => i), height: 4, width: 3 };
  assert.equal(cropBoxOf([1, 2, 3, 4]), { x0: 1, y0: 2, width: 2, height: 2 });
  assert.equal(Array.from(cropImage(img, cropBoxOf([1, 2, 3, 4])).data), [21, 22, 23, 24, 25, 26, 30, 31, 32, 33, 34, 35]);
  const mask = { data: Uint8Array.from([0, 1, 0, 1, 1, 0, 0, 0, 1, 1, 1, 1]), height: 4, width: 3 };
  assert.equal(cropMask(mask, cropBoxOf([0, 1, 2, 3])), { data: Uint8Array.from([1, 1, 0, 0]), height: 2, width: 2 });
  assert.throws(() => cropMask(mask, cropBoxOf([0, 0, 4, 1])), /cropMask: the crop must lie inside the 4×3 image, but got \{"x0":0,"y0":0,"width":4,"height":1\}/);
});

test.run();
