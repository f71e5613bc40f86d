/** IoU, boundary accuracy (mBA) and Boundary IoU against the upstream reference values. */
import * as fs from 'fs';
import * as path from 'path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { computeBoundaryAccuracy, computeBoundaryIou, computeIou } from '../../src';
import { cumulativeIou } from '../../src/metrics/iou';
import { ellipseKernel } from '../../src/util/ellipse_kernel';
import { meanBoundaryAccuracy } from '../../src/metrics/boundary_accuracy';
import { readBinaryMask } from '../../src';
import { FIXTURES_DIR } from '../helpers/fixtures';

interface FixtureCase {
  id: string; gt: string; pred: string; height: number; width: number;
  iou: { intersection: number; union: number; iou: number | null };
  mba: { boundary_accuracy: number | null; radii: number[]; per_radius: { radius: number; band_pixels: number; correct_pixels: number; accuracy: number | null }[] };
  boundary_iou: Record<string, { dilation_ratio: number; dilation_px: number; intersection: number; union: number; boundary_iou: number | null }>;
}

const metricsDir = path.join(FIXTURES_DIR, 'metrics');
const cases: FixtureCase[] = JSON.parse(fs.readFileSync(path.join(metricsDir, 'cases.json'), 'utf8')).cases;
const close = (a: number | null, b: number | null) => (a === null || b === null ? a === b : Math.abs(a - b) <= 1e-9);

test('OpenCV ellipse kernels r = 1..16 are reproduced exactly', () => {
  const kernels = JSON.parse(fs.readFileSync(path.join(FIXTURES_DIR, 'ellipse_kernels.json'), 'utf8')).kernels as Record<string, number[][]>;
  for (const [r, k] of Object.entries(kernels)) assert.equal(ellipseKernel(Number(r)), k, `radius ${r}`);
});

for (const c of cases) {
  test(`fixture ${c.id}: IoU, per-radius accuracy, BA and Boundary IoU`, async () => {
    const gt = await readBinaryMask(path.join(metricsDir, c.gt));
    const pred = await readBinaryMask(path.join(metricsDir, c.pred));
    assert.equal([gt.height, gt.width], [c.height, c.width]);
    const iou = computeIou(gt, pred);
    assert.equal([iou.intersection, iou.union], [c.iou.intersection, c.iou.union]);
    assert.ok(close(iou.iou, c.iou.iou), `iou ${iou.iou} vs ${c.iou.iou}`);
    const ba = computeBoundaryAccuracy(gt, pred);
    assert.equal(ba.radii, c.mba.radii);
    ba.perRadius.forEach((p, i) => {
      const want = c.mba.per_radius[i];
      assert.equal([p.radius, p.bandPixels, p.correctPixels], [want.radius, want.band_pixels, want.correct_pixels], `radius #${i}`);
      assert.ok(close(p.accuracy, want.accuracy));
    });
    assert.ok(close(ba.boundaryAccuracy, c.mba.boundary_accuracy), `BA ${ba.boundaryAccuracy} vs ${c.mba.boundary_accuracy}`);
    for (const want of Object.values(c.boundary_iou)) {
      const b = computeBoundaryIou(gt, pred, want.dilation_ratio);
      assert.equal([b.dilationPx, b.intersection, b.union], [want.dilation_px, want.intersection, want.union], `ratio ${want.dilation_ratio}`);
      assert.ok(close(b.boundaryIou, want.boundary_iou));
    }
  });
}

test('aggregates: cumulative IoU and mBA over all cases', async () => {
  const agg = JSON.parse(fs.readFileSync(path.join(metricsDir, 'cases.json'), 'utf8')).aggregate;
  const ious = [], bas = [];
  for (const c of cases) {
    const gt = await readBinaryMask(path.join(metricsDir, c.gt));
    const pred = await readBinaryMask(path.join(metricsDir, c.pred));
    ious.push(computeIou(gt, pred));
    bas.push(computeBoundaryAccuracy(gt, pred));
  }
  assert.ok(close(cumulativeIou(ious), agg.cumulative_iou), `${cumulativeIou(ious)} vs ${agg.cumulative_iou}`);
  assert.ok(close(meanBoundaryAccuracy(bas), agg.mba), `${meanBoundaryAccuracy(bas)} vs ${agg.mba}`);
});

test.run();
