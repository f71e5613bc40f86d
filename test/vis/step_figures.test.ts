import sharp from 'sharp';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FLIP_COLORS, binarizeHalf, flipCounts, flipMapRgb, stepFigurePanels, stepFigurePng, type StepMaps } from '../../src/vis/step_figures';

const step = (t: number, x: number[]): StepMaps => ({ t, x, maskProbs: x, confidence: x.map(() => 1), transitionProbs: x.map(() => 0.5), fineProbs: x.map(() => 0.25) });
// 2×2 maps; the coarse mask x_T and three steps, the last one probabilities
const initial = [0, 1, 1, 0];
const steps = [step(2, [1, 1, 0, 0]), step(1, [1, 1, 0, 0]), step(0, [0.9, 0.2, 0.6, 0.4])];

test('flipCounts by hand: against the previous mask, probabilities thresholded at ½', () => {
  assert.equal(flipCounts(steps, initial), [
    { t: 2, toForeground: 1, toBackground: 1, total: 2 }, // pixel 0 on, pixel 2 off
    { t: 1, toForeground: 0, toBackground: 0, total: 0 },
    { t: 0, toForeground: 1, toBackground: 1, total: 2 }, // [1,1,0,0] → [1,0,1,0]
  ]);
  assert.equal(Array.from(binarizeHalf([0.5, 0.49, 1])), [1, 0, 1]);
  assert.throws(() => flipCounts([step(0, [1])], initial), /steps\[0\].x must have 4 entries, but got 1/);
  assert.throws(() => flipCounts([], initial), /steps must hold at least one step/);
});

test('flipMapRgb colours each pixel by what happened to it', () => {
  const img = flipMapRgb([0, 1, 1, 0], [1, 1, 0, 0], 2, 2);
  const px = (i: number) => Array.from(img.data.subarray(3 * i, 3 * i + 3));
  assert.equal([px(0), px(1), px(2), px(3)], [FLIP_COLORS.toForeground, FLIP_COLORS.foreground, FLIP_COLORS.toBackground, FLIP_COLORS.background]);
});

test('stepFigurePanels: a coarse column then one column per step, six rows, flip counts as titles', () => {
  const { panels, options } = stepFigurePanels(steps, { height: 2, width: 2, initial });
  assert.is(options.columns, 4);
  assert.is(panels.length, 24);
  assert.equal(options.columnTitles, ['coarse x_T', 't = 2', 't = 1', 't = 0']);
  assert.is(options.rowLabels?.length, 6);
  assert.equal([4, 8, 12, 16, 20].map((i) => panels[i]), [null, null, null, null, null]); // coarse column: mask only
  const last = panels[3];
  assert.ok(last?.kind === 'mask');
  assert.equal(Array.from(last.mask.data), [1, 0, 1, 0]);
  assert.equal(panels.slice(21).map((p) => p?.title), ['+1 / −1', '+0 / −0', '+1 / −1']);
  const probs = panels[7];
  assert.ok(probs?.kind === 'map');
  assert.equal(Array.from(probs.values), [0.9, 0.2, 0.6, 0.4]);
});

test('stepFigurePng renders the grid as a PNG', async () => {
  const r = await stepFigurePng(steps, { height: 2, width: 2, initial, panelHeight: 16 });
  const meta = await sharp(r.png).metadata();
  assert.equal([meta.width, meta.height], [r.width, r.height]);
  assert.is(r.captions.length, 24);
});

test.run();
