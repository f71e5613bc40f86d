/** The transcribed paper numbers must agree with the paper's own derived row, and display completely. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DIS_MODELS, DIS_SETS, PAPER_BIG, PAPER_BIG_AVG_IMPROVE, PAPER_DIS, paperTables } from '../../src/metrics/paper_results';

test('Table 1: the "Avg improve" row is the mean gain over the coarse masks of the four sources (to the printed 0.01)', () => {
  const mean = (f: (r: (typeof PAPER_BIG)[number]) => number) => PAPER_BIG.reduce((a, r) => a + f(r), 0) / PAPER_BIG.length;
  for (const m of ['segfix', 'mgmatting', 'cascadepsp', 'crm'] as const) {
    assert.ok(Math.abs(mean((r) => r[m][0] - r.coarse[0]) - PAPER_BIG_AVG_IMPROVE[m][0]) <= 0.006, `${m} IoU`);
    assert.ok(Math.abs(mean((r) => r[m][1] - r.coarse[1]) - PAPER_BIG_AVG_IMPROVE[m][1]) <= 0.006, `${m} mBA`);
  }
  assert.ok(Math.abs(mean((r) => r.segrefiner.iou - r.coarse[0]) - PAPER_BIG_AVG_IMPROVE.segrefiner[0]) <= 0.006);
  assert.ok(Math.abs(mean((r) => r.segrefiner.mba - r.coarse[1]) - PAPER_BIG_AVG_IMPROVE.segrefiner[1]) <= 0.006);
});

test('Table 4: SegRefiner improves every DIS entry (as printed); tables have one cell per header', () => {
  for (const s of DIS_SETS) {
    for (const k of ['iou', 'mba'] as const) {
      assert.is(PAPER_DIS[s][k].length, DIS_MODELS.length);
      PAPER_DIS[s][k].forEach(([before, after], i) => assert.ok(after > before, `${s} ${k} ${DIS_MODELS[i]}`));
    }
  }
  const t = paperTables();
  for (const table of Object.values(t)) table.rows.forEach((row) => assert.is(row.length, table.header.length, table.title));
  assert.equal(t.big.rows[0], ['FCN-8s', '72.39 / 53.63', '72.69 / 55.21', '72.31 / 57.32', '77.87 / 67.04', '79.62 / 69.47', '86.95±0.06 / 72.81±0.05']);
  assert.equal(t.coco.rows[3], ['+ SegRefiner', '41.9, 61.6, 43.2, 25.7, 49.4, 58.8', '32.6, 55.7, 32.5, 25.6, 45.0, 37.3']);
  assert.equal(t.dis.rows.length, 10);
  assert.is(t.dis.rows[9][6], '74.35 → 77.66');
});

test.run();
