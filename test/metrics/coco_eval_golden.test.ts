/**
 * Golden values: a small deterministic COCO set (rectangles with holes, a crowd region, jittered and
 * duplicate detections, tied scores, small/medium/large objects) evaluated by pycocotools 2.0.11
 * COCOeval ('segm') and by boundary-iou-api's computeBoundaryIoU on top of it ('boundary'). The
 * summaries must agree to the last bit.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseCocoGroundTruth, parseCocoResults } from '../../src/data/coco_json';
import { evaluateCoco } from '../../src/metrics/coco_eval';
import { encodeMask, rleToString } from '../../src/util/coco_rle';
import { createRng } from '../../src/util/rng';

/** A small deterministic COCO set: rectangles with holes, crowds, jittered and duplicate detections, score ties. */
function goldenDataset() {
  const rng = createRng(2023);
  const images = [{ id: 1, height: 120, width: 160 }, { id: 2, height: 100, width: 80 }, { id: 4, height: 48, width: 64 }];
  const rect = (h: number, w: number, y0: number, x0: number, bh: number, bw: number, hole: boolean) => {
    const data = new Uint8Array(h * w);
    for (let y = Math.max(0, y0); y < Math.min(h, y0 + bh); y++) for (let x = Math.max(0, x0); x < Math.min(w, x0 + bw); x++) data[y * w + x] = 1;
    if (hole) data[Math.min(h - 1, Math.max(0, y0 + 1)) * w + Math.min(w - 1, Math.max(0, x0 + 1))] = 0;
    return { data, height: h, width: w };
  };
  const annotations: object[] = [], results: object[] = [];
  let id = 1;
  for (const im of images) {
    for (const categoryId of [1, 2]) {
      for (let k = 1 + rng.int(4); k > 0; k--) {
        const bh = 2 + rng.int(im.height - 2), bw = 2 + rng.int(im.width - 2);
        const y0 = rng.int(im.height - bh + 1), x0 = rng.int(im.width - bw + 1);
        const m = rect(im.height, im.width, y0, x0, bh, bw, rng.uniform() < 0.3);
        const rle = encodeMask(m);
        const crowd = rng.uniform() < 0.15;
        let area = m.data.reduce((s, v) => s + v, 0);
        if (rng.uniform() < 0.2) area *= 3;
        annotations.push({
          id: id++, image_id: im.id, category_id: categoryId, iscrowd: crowd ? 1 : 0, area,
          segmentation: crowd ? { size: [im.height, im.width], counts: Array.from(rle.counts) } : { size: [im.height, im.width], counts: rleToString(rle) },
        });
        for (let j = rng.int(4); j > 0; j--) {
          const dm = rect(im.height, im.width, y0 + rng.int(3) - 1, x0 + rng.int(3) - 1, bh + rng.int(3) - 1, bw + rng.int(3) - 1, rng.uniform() < 0.3);
          results.push({ image_id: im.id, category_id: categoryId, score: Math.round(rng.uniform() * 10) / 10, segmentation: { size: [im.height, im.width], counts: rleToString(encodeMask(dm)) } });
        }
      }
      for (let j = rng.int(3); j > 0; j--) {
        const fp = rect(im.height, im.width, rng.int(im.height - 3), rng.int(im.width - 3), 3, 3, false);
        results.push({ image_id: im.id, category_id: 1 + rng.int(3), score: rng.uniform(), segmentation: { size: [im.height, im.width], counts: rleToString(encodeMask(fp)) } });
      }
    }
  }
  return { gt: { images, categories: [{ id: 1, name: 'a' }, { id: 2, name: 'b' }, { id: 3, name: 'c' }], annotations }, results };
}

// [AP, AP50, AP75, APs, APm, APl, AR1, AR10, AR100, ARs, ARm, ARl] from pycocotools (E.stats).
const EXPECTED = {
  segm: [0.498601379368706, 0.6913602074493165, 0.5512636789994789, 0.28056504551554057, 0.7402227722772278, 0.9999999999999998,
    0.2625, 0.69375, 0.69375, 0.5333333333333333, 0.8033333333333333, 1.0],
  boundary: [0.17970161915997676, 0.440501968748911, 0.10918591859185915, 0.08896511079679396, 0.22772277227722773, 0.5,
    0.11875, 0.35, 0.35, 0.325, 0.31, 0.6],
};

for (const iouType of ['segm', 'boundary'] as const) {
  test(`${iouType}: the 12 summary numbers equal pycocotools' bit for bit`, () => {
    const { gt: gtJson, results } = goldenDataset();
    const gt = parseCocoGroundTruth(gtJson, 'golden gt');
    const detections = parseCocoResults(results, gt, 'golden results');
    assert.equal([gt.annotations.length, detections.length], [17, 39]);
    const r = evaluateCoco({ images: gt.images, categories: gt.categories, annotations: gt.annotations, detections }, { iouType });
    assert.equal(Object.values(r.summary), EXPECTED[iouType]);
  });
}

test.run();
