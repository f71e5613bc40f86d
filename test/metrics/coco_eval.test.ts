/**
 * COCO mask / boundary AP on hand-built cases. Reminders for the hand computations (pycocotools):
 * precision at rank n is TP/(TP + FP + ε) with ε = 2^−52, so one TP alone gives 1/(1 + ε) =
 * 0.9999999999999998 (not 1) while two give exactly 1; the precision envelope is then read at
 * the 101 recall points r = 0, .01, …, 1 (first rank whose recall ≥ r, 0 past the last rank);
 * AP averages those over the 10 IoU thresholds and the categories.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CocoDtInstance, CocoEvalInput, CocoGtInstance, DEFAULT_COCO_EVAL_PARAMS, evaluateCoco } from '../../src/metrics/coco_eval';
import { encodeMask } from '../../src/util/coco_rle';

const ONE = 1 / (1 + Number.EPSILON); // precision of a single TP, as pycocotools computes it
const H = 20, W = 20;

function square(y0: number, x0: number, size: number, h = H, w = W) {
  const data = new Uint8Array(h * w);
  for (let y = y0; y < y0 + size; y++) for (let x = x0; x < x0 + size; x++) data[y * w + x] = 1;
  return encodeMask({ data, height: h, width: w });
}

let nextId = 1;
function gt(seg: ReturnType<typeof square>, extra: Partial<CocoGtInstance> = {}): CocoGtInstance {
  let area = 0;
  for (let i = 1; i < seg.counts.length; i += 2) area += seg.counts[i];
  return { id: nextId++, imageId: 1, categoryId: 1, area, iscrowd: false, ignore: false, segmentation: seg, ...extra };
}
function dt(seg: ReturnType<typeof square>, score: number, extra: Partial<CocoDtInstance> = {}): CocoDtInstance {
  let area = 0;
  for (let i = 1; i < seg.counts.length; i += 2) area += seg.counts[i];
  return { id: nextId++, imageId: 1, categoryId: 1, area, score, segmentation: seg, ...extra };
}
function input(annotations: CocoGtInstance[], detections: CocoDtInstance[], images = [{ id: 1, height: H, width: W }]): CocoEvalInput {
  return { images, categories: [{ id: 1 }], annotations, detections };
}
const close = (a: number, b: number, msg?: string) => assert.ok(Math.abs(a - b) < 1e-12, `${msg ?? ''} ${a} vs ${b}`);

const A = square(2, 2, 4), B = square(10, 10, 5);

test('parameters: IoU thresholds .50:.05:.95 as numpy builds them, 101 recall points', () => {
  const p = DEFAULT_COCO_EVAL_PARAMS;
  assert.is(p.iouThrs.length, 10);
  assert.is(p.iouThrs.indexOf(0.75), 5); // exact, so AP75 is found as in pycocotools
  assert.is(p.iouThrs[8], 0.8999999999999999); // numpy's value for .9
  assert.is(p.recThrs.length, 101);
  assert.equal([p.recThrs[0], p.recThrs[100]], [0, 1]);
});

test('perfect detections: AP = 1 (two TPs: precision 2/(2 + ε) = 1 exactly)', () => {
  const r = evaluateCoco(input([gt(A), gt(B)], [dt(A, 0.9), dt(B, 0.8)]));
  assert.is(r.summary.AP, 1);
  assert.is(r.summary.AP50, 1);
  assert.is(r.summary.AR100, 1);
  assert.is(r.summary.AR1, 0.5); // one detection per image: recall 1/2
});

test('one of two GTs missed: 51 of 101 recall points reach precision 1/(1 + ε)', () => {
  // One TP, npig = 2: recall 0.5; recall points 0 … 0.50 (51 of them) read the first rank, 0.51 … 1 get 0.
  const r = evaluateCoco(input([gt(A), gt(B)], [dt(A, 0.9)]));
  close(r.summary.AP, (51 * ONE) / 101);
  close(r.summary.AR100, 0.5);
});

test('duplicate detections: the lower-scored duplicate is a false positive', () => {
  // Ranks: A (0.9) TP, A again (0.8) FP, B (0.7) TP → TP 1,1,2; FP 0,1,1; recall .5,.5,1;
  // precision 1/(1+ε), 1/2, 2/3 → envelope 1/(1+ε), 2/3, 2/3.
  // Recall points 0…0.50 → 1/(1+ε) (51 points); 0.51…1 → first rank with recall ≥ r is rank 3: 2/3 (50 points).
  const r = evaluateCoco(input([gt(A), gt(B)], [dt(A, 0.9), dt(A, 0.8), dt(B, 0.7)]));
  close(r.summary.AP, (51 * ONE + 50 * (2 / 3)) / 101); // 0.83498…
  // Swapping the duplicate's score under B's changes nothing but the order: FP after all TPs costs nothing.
  const late = evaluateCoco(input([gt(A), gt(B)], [dt(A, 0.9), dt(B, 0.8), dt(A, 0.7)]));
  assert.is(late.summary.AP, 1);
});

test('a crowd region absorbs any number of detections, which are then ignored', () => {
  const crowd = square(10, 10, 8); // detections inside it have crowd IoU = |d ∩ crowd| / |d| = 1
  const inside1 = square(11, 11, 2), inside2 = square(14, 14, 3);
  const withCrowd = evaluateCoco(input([gt(A), gt(crowd, { iscrowd: true })], [dt(inside1, 0.95), dt(inside2, 0.92), dt(A, 0.9)]));
  close(withCrowd.summary.AP, ONE); // only A counts: one TP, nothing else
  // The same detections without the crowd annotation are two FPs ranked first:
  // TP 0,0,1; FP 1,2,2; precision 0, 0, 1/3 → envelope 1/3 everywhere → AP = 1/3.
  const without = evaluateCoco(input([gt(A)], [dt(inside1, 0.95), dt(inside2, 0.92), dt(A, 0.9)]));
  close(without.summary.AP, 1 / 3);
});

test('the ignore flag behaves like a crowd for the GT itself (ignore || iscrowd)', () => {
  const r = evaluateCoco(input([gt(A), gt(B, { ignore: true })], [dt(A, 0.9)]));
  close(r.summary.AP, ONE); // B neither needs a match nor counts as missed
});

test('area ranges use the GT area field; unmatched detections outside the range are ignored', () => {
  // A declared small (100 ≤ 32²), B declared medium (5000); only A is detected, plus a small FP.
  const fp = square(0, 15, 2); // area 4: small, unmatched
  const r = evaluateCoco(input([gt(A, { area: 100 }), gt(B, { area: 5000 })], [dt(A, 0.9), dt(fp, 0.95)]));
  // all: ranks fp (FP), A (TP) → precision 0, 1/2 → envelope 1/2 up to recall .5: 51 points of 1/2.
  close(r.summary.AP, (51 * 0.5) / 101);
  // small: B ignored (outside), fp and A both small → same ranks, npig = 1: recall 0, 1 → 101 points of 1/2.
  close(r.summary.APs, 0.5);
  // medium: A ignored and its match ignored; the small fp is unmatched outside the range → ignored;
  // B is missed → AP 0, recall 0.
  assert.is(r.summary.APm, 0);
  assert.is(r.summary.ARm, 0);
  assert.is(r.summary.APl, -1); // no large GT: −1, as pycocotools
});

test('categories without GT are −1 and left out of the mean', () => {
  const r = evaluateCoco({
    images: [{ id: 1, height: H, width: W }], categories: [{ id: 1 }, { id: 2 }],
    annotations: [gt(A)], detections: [dt(A, 0.9), dt(B, 0.8, { categoryId: 2 })],
  });
  assert.equal(r.perCategory.map((c) => c.categoryId), [1, 2]);
  close(r.perCategory[0].ap, ONE);
  assert.is(r.perCategory[1].ap, -1);
  close(r.summary.AP, ONE);
});

test('at most 100 detections per image and category are kept (by score)', () => {
  const fps = Array.from({ length: 100 }, (_, i) => dt(square(19, i % 20, 1), 0.9 - i * 1e-4));
  const r = evaluateCoco(input([gt(A)], [...fps, dt(A, 0.1)]));
  assert.is(r.summary.AP, 0); // the true positive is 101st and dropped
  assert.is(r.summary.AR100, 0);
});

test('boundary AP matches on min(mask IoU, boundary IoU)', () => {
  // 20×20 image: d = max(1, round(0.02·√800 = 0.57)) = 1, boundaries are 1-px inner rings.
  // GT 10×10 at (5,5); detection shifted one column right. Mask IoU = 90/110 = 0.818 (matched at .50 … .80,
  // 7 thresholds). Rings have 36 px each; they share the top and bottom rows at columns 6..14 (9 + 9 = 18):
  // boundary IoU = 18 / (36 + 36 − 18) = 1/3 < .5 → never matched.
  const g = gt(square(5, 5, 10)), d = dt(square(5, 6, 10), 0.9);
  const segm = evaluateCoco(input([g], [d]), { iouType: 'segm' });
  close(segm.summary.AP, (7 * ONE) / 10);
  const boundary = evaluateCoco(input([g], [d]), { iouType: 'boundary' });
  assert.is(boundary.summary.AP, 0);
  const perfect = evaluateCoco(input([g], [dt(square(5, 5, 10), 0.9)]), { iouType: 'boundary' });
  close(perfect.summary.AP, ONE);
});

test('boundary AP keeps the crowd rule: a detection inside a crowd is ignored', () => {
  const crowd = square(10, 10, 8);
  const r = evaluateCoco(input([gt(A), gt(crowd, { iscrowd: true })], [dt(square(11, 11, 2), 0.95), dt(A, 0.9)]), { iouType: 'boundary' });
  close(r.summary.AP, ONE);
});

test('no detections at all: AP 0 for categories with GT', () => {
  assert.is(evaluateCoco(input([gt(A)], [])).summary.AP, 0);
});

test('parameter checks', () => {
  assert.throws(() => evaluateCoco(input([], []), { iouType: 'bbox' as never }), /unknown iouType 'bbox'/);
  assert.throws(() => evaluateCoco(input([], []), { maxDets: [10, 1] }), /maxDets must be increasing positive integers/);
});

test.run();
