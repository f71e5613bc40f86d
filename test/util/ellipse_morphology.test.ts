/** The fast ellipse morphology against a direct kernel loop, plus metric input validation. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { computeBoundaryIou, computeIou, createRng, dilateEllipse } from '../../src';
import { ellipseKernel } from '../../src/util/ellipse_kernel';
import { erodeEllipse } from '../../src/util/ellipse_morphology';
import { dilateMask, erodeMask } from '../../src/data/binary_morphology';
import { structuringElement } from '../../src/data/kernels';
import { boundaryRadii } from '../../src/metrics/boundary_accuracy';
import { roundHalfEven } from '../../src/util/python_math';

/** Reference dilation: out(y,x) = 1 iff some kernel cell lands on foreground inside the image. */
function dilateReference(mask: Uint8Array, h: number, w: number, r: number): Uint8Array {
  const k = ellipseKernel(r);
  const out = new Uint8Array(h * w);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    for (let dy = -r; dy <= r && !out[y * w + x]; dy++) for (let dx = -r; dx <= r; dx++) {
      const yy = y + dy, xx = x + dx;
      if (k[dy + r][dx + r] && yy >= 0 && yy < h && xx >= 0 && xx < w && mask[yy * w + xx]) { out[y * w + x] = 1; break; }
    }
  }
  return out;
}

test('dilate/erode match the direct kernel loop on random masks, radii 1..6, odd sizes', () => {
  const rng = createRng(11);
  for (const [h, w, density] of [[17, 23, 0.05], [31, 9, 0.5], [12, 40, 0.9], [1, 15, 0.3]] as const) {
    const mask = Uint8Array.from({ length: h * w }, () => (rng.uniform() < density ? 1 : 0));
    for (let r = 1; r <= 6; r++) {
      assert.equal(Array.from(dilateEllipse(mask, h, w, r)), Array.from(dilateReference(mask, h, w, r)), `dilate ${h}×${w} r${r}`);
      const erodeRef = dilateReference(mask.map((v) => 1 - v), h, w, r).map((v) => 1 - v);
      assert.equal(Array.from(erodeEllipse(mask, h, w, r)), Array.from(erodeRef), `erode ${h}×${w} r${r}`);
    }
  }
});

test('radii use Python truncation and widths Python rounding', () => {
  assert.equal(boundaryRadii(2328, 3492), [1, 4, 8, 12, 15]);
  assert.equal(boundaryRadii(480, 640), [1, 1, 2, 2, 3]);
  assert.equal(boundaryRadii(7, 9), [1, 1, 1, 1, 1]);
  assert.equal([roundHalfEven(2.5), roundHalfEven(3.5), roundHalfEven(-0.5), roundHalfEven(2.4999)], [2, 4, -0, 2]);
});

test('bad masks give clear errors', () => {
  const ok = { data: new Uint8Array(4), height: 2, width: 2 };
  assert.throws(() => computeIou(ok, { data: new Uint8Array(6), height: 2, width: 3 }), /computeIou: gt and pred must have the same size, but got 2×2 and 2×3/);
  assert.throws(() => computeIou(ok, { data: Uint8Array.of(0, 255, 0, 0), height: 2, width: 2 }), /computeIou: pred must be binary \(0 or 1\), but got 255 at index 1/);
  assert.throws(() => computeBoundaryIou({ data: new Uint8Array(3), height: 2, width: 2 }, ok), /gt must have height·width = 4 values, but got 3/);
});

test('the fast ellipse path equals the general OpenCV-kernel morphology on ellipses, pixel for pixel', () => {
  const rng = createRng(3);
  for (let k = 0; k < 20; k++) {
    const h = 20 + rng.int(90), w = 20 + rng.int(90), r = 1 + rng.int(12);
    const seeds = new Uint8Array(h * w).map(() => (rng.uniform() < 0.02 ? 1 : 0));
    const m = dilateEllipse(seeds, h, w, 3);
    const kernel = structuringElement('ellipse', 2 * r + 1, 2 * r + 1);
    assert.equal(Array.from(dilateEllipse(m, h, w, r)), Array.from(dilateMask({ data: m, height: h, width: w }, kernel).data), `dilate r ${r}`);
    assert.equal(Array.from(erodeEllipse(m, h, w, r)), Array.from(erodeMask({ data: m, height: h, width: w }, kernel).data), `erode r ${r}`);
  }
});

test.run();
