import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  VIRIDIS_ANCHORS, applyColormap, colormapColor, colormapTable, hexToRgb, plotlyColorscale, relativeLuminance,
} from '../../src/vis/colormap';

const entry = (t: Uint8Array, k: number) => Array.from(t.subarray(3 * k, 3 * k + 3));

test('viridis ends on its anchor colours and passes through the middle anchor', () => {
  const t = colormapTable('viridis');
  assert.equal(t.length, 768);
  assert.equal(entry(t, 0), [0x44, 0x01, 0x54]);
  assert.equal(entry(t, 255), [0xfd, 0xe7, 0x25]);
  // v = 0.5 lies between entries 127 and 128; both are within one level of the anchor #21908c.
  const mid = hexToRgb(VIRIDIS_ANCHORS[4]);
  for (const k of [127, 128]) entry(t, k).forEach((c, i) => assert.ok(Math.abs(c - mid[i]) <= 3, `entry ${k}: ${entry(t, k)} vs ${mid}`));
});

test('viridis luminance rises: never down by more than 8-bit rounding, strictly over every 4 entries', () => {
  const t = colormapTable('viridis');
  const y = Array.from({ length: 256 }, (_, k) => relativeLuminance(entry(t, k)));
  for (let k = 1; k < 256; k++) assert.ok(y[k] >= y[k - 1] - 5e-4, `Y drops at ${k}: ${y[k - 1]} → ${y[k]}`);
  for (let k = 4; k < 256; k++) assert.ok(y[k] > y[k - 4], `Y not rising over ${k - 4}..${k}`);
  assert.ok(y[255] / y[0] > 20, 'dark to bright');
});

test('diverging: blue to red through a light neutral middle, symmetric lightness', () => {
  const t = colormapTable('diverging');
  assert.equal(entry(t, 0), [59, 76, 192]);
  assert.equal(entry(t, 255), [180, 4, 38]);
  const [r, g, b] = entry(t, 128);
  assert.ok(Math.max(r, g, b) - Math.min(r, g, b) <= 6 && r > 200, `middle ${[r, g, b]} is a light neutral`);
  const y = Array.from({ length: 256 }, (_, k) => relativeLuminance(entry(t, k)));
  assert.ok(y[128] > y[0] && y[128] > y[255], 'the middle is the lightest region');
  for (const k of [32, 64, 96]) assert.ok(Math.abs(y[k] - y[255 - k]) < 0.06, `lightness at ${k} and ${255 - k}: ${y[k]} vs ${y[255 - k]}`);
});

test('gray is the identity ramp', () => {
  const t = colormapTable('gray');
  for (const k of [0, 1, 100, 255]) assert.equal(entry(t, k), [k, k, k]);
});

test('applyColormap maps values over the range to table entries and rejects values outside it', () => {
  const t = colormapTable('viridis');
  const out = applyColormap([0, 1, 0.5], 'viridis');
  assert.equal(Array.from(out), [...entry(t, 0), ...entry(t, 255), ...entry(t, 128)]);
  assert.equal(Array.from(applyColormap([-1, 1], 'gray', [-1, 1])), [0, 0, 0, 255, 255, 255]);
  assert.equal(colormapColor('gray', 0.25), [64, 64, 64]);
  assert.throws(() => applyColormap([0, 1.01], 'viridis'), /applyColormap: values must lie in \[0, 1\], but got 1.01 at index 1/);
  assert.throws(() => applyColormap([NaN], 'gray'), /but got NaN at index 0/);
  assert.throws(() => colormapTable('jet' as never), /unknown colormap 'jet'/);
});

test('plotlyColorscale spans [0, 1] with the table colours', () => {
  const s = plotlyColorscale('viridis', 5);
  assert.equal(s.length, 5);
  assert.equal(s[0], [0, 'rgb(68,1,84)']);
  assert.equal(s[4], [1, 'rgb(253,231,37)']);
});

test.run();
