import * as fs from 'fs';
import * as path from 'path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { coarsenMask, fillHoles, modifyBoundary, perturbSeg, polygonMask } from '../../src/data/coarse_mask';
import type { BinaryMask } from '../../src/types';
import { makeMask, maskIou } from '../helpers/masks';
import { createRng, type Rng } from '../../src/util/rng';

const OPENCV = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'opencv_reference.json'), 'utf8'));
const fromRows = (r: string[]): BinaryMask => ({ height: r.length, width: r[0].length, data: Uint8Array.from(r.join(''), (c) => (c === '1' ? 1 : 0)) });
const toRows = (m: BinaryMask) => Array.from({ length: m.height }, (_, y) => Array.from(m.data.subarray(y * m.width, (y + 1) * m.width)).join(''));
const make = makeMask, iou = maskIou;
/** An Rng whose draws come from fixed lists (then 0), to check upstream's order of draws by hand. */
function scriptedRng(ints: number[] = [], uniforms: number[] = []): Rng {
  return { int: () => ints.shift() ?? 0, uniform: () => uniforms.shift() ?? 0, normal: () => 0, state: () => 0 };
}

/** Ordinary shapes for the property tests: convex, concave, holes, several parts, border, thin parts. */
const SHAPES: Record<string, (n: number) => BinaryMask> = {
  disk: (n) => make(n, n, (x, y) => (x - n / 2) ** 2 + (y - n / 2) ** 2 < (0.3 * n) ** 2),
  rectangle: (n) => make(n, Math.round(1.3 * n), (x, y) => x > 0.2 * n && x < n && y > 0.3 * n && y < 0.8 * n),
  star: (n) => make(n, n, (x, y) => Math.hypot(x - n / 2, y - n / 2) < n * (0.22 + 0.12 * Math.cos(5 * Math.atan2(y - n / 2, x - n / 2)))),
  ring: (n) => make(n, n, (x, y) => { const r = Math.hypot(x - n / 2, y - n / 2); return r < 0.35 * n && r > 0.18 * n; }),
  twoParts: (n) => make(n, n, (x, y) => (x - 0.3 * n) ** 2 + (y - 0.3 * n) ** 2 < (0.18 * n) ** 2 || (x > 0.55 * n && x < 0.9 * n && y > 0.5 * n && y < 0.85 * n)),
  touchingBorder: (n) => make(n, n, (x, y) => x < 0.6 * n && y < 0.7 * n),
  blobWithThinLines: (n) => make(n, n, (x, y) => (x - 0.5 * n) ** 2 + (y - 0.6 * n) ** 2 < (0.25 * n) ** 2 || (x === Math.floor(0.5 * n) && y < 0.6 * n) || y === Math.floor(0.2 * n)),
};

test('fillHoles fills background not 4-connected to the outside; a diagonal gap does not open a hole', () => {
  assert.equal(toRows(fillHoles(fromRows(['11111', '10001', '10101', '10001', '11111']))), ['11111', '11111', '11111', '11111', '11111']);
  // The centre 0 touches the outside only diagonally, so it is a hole; the border-side 0s are not.
  assert.equal(toRows(fillHoles(fromRows(['01100', '10010', '01100']))), ['01100', '11110', '01100']);
});

test('fillHoles equals drawing the RETR_EXTERNAL contours filled (gen_coarse_masks_hr.py, OpenCV fixture)', () => {
  for (const [i, c] of OPENCV.fill_holes.entries()) assert.equal(toRows(fillHoles(fromRows(c.mask))), c.filled, `case ${i}`);
});

test('polygonMask by hand: region removal then 10% of the vertices, with scripted draws', () => {
  // Block 5×3: one contour of N = 12 points, (1,1) (1,2) (1,3) … (2,1). n_rm = int(1.2) = 1; all
  // d_i = 1 (unit steps), so the stable sort keeps index order; ceil(0.1·11) = 2 candidates, draw 0 →
  // delete point 0. Keep int(0.1·11) = 1 vertex: Floyd draws rng.int(11) = 0 → old point 1 = (1,2).
  // A one-vertex polygon draws one pixel.
  const m = fromRows(['0000000', '0111110', '0111110', '0111110', '0000000']);
  assert.equal(toRows(polygonMask(m, scriptedRng([0, 0]))), ['0000000', '0000000', '0100000', '0000000', '0000000']);
  // Start among the 2 candidates = 1 → delete point 1; the kept vertex (index 0) is then point 0 = (1,1).
  assert.equal(toRows(polygonMask(m, scriptedRng([1, 0]))), ['0000000', '0100000', '0000000', '0000000', '0000000']);
});

test('polygonMask keeps the input when every contour has fewer than 10 points', () => {
  const m = fromRows(['0000', '0110', '0110', '0000']); // outer border of a 2×2 block: 4 points
  const out = polygonMask(m, createRng(1));
  assert.equal(toRows(out), toRows(m));
  assert.is.not(out.data, m.data);
});

test('perturbSeg by hand: rect [0,1)×[0,1), centre set to 0, then a no-op dilation; stops when IoU < 0.8', () => {
  // Draws per op: lx = int(w) = 0, ly = 0, lw = 1 + int(w − 0) = 1, lh = 1; uniform 0 < 0.25 → centre
  // (0,0) := int(2)·255 = 0; uniform 0 < 0.5 → dilate, size 3 + int(7) = 3, RECT; a 1×1 rect cannot grow.
  // IoU after round 1 = 3/4 < 0.8, so one round only; the result loses pixel (0,0).
  const m = fromRows(['1100', '1100', '0000']);
  assert.equal(toRows(perturbSeg(m, scriptedRng())), ['0100', '1100', '0000']);
  // A mask of width or height ≤ 2 is returned as it is (upstream: "GT too small").
  assert.equal(toRows(perturbSeg(fromRows(['10', '01', '11']), createRng(3))), ['10', '01', '11']);
});

test('same seed, same coarse mask; other seeds differ', () => {
  const m = SHAPES.star(96);
  const a = coarsenMask(m, createRng(42)), b = coarsenMask(m, createRng(42)), c = coarsenMask(m, createRng(43));
  assert.equal(a.data, b.data);
  assert.ok(iou(a, c) < 1);
  assert.equal([a.height, a.width], [96, 96]);
  assert.ok(a.data.every((v) => v === 0 || v === 1));
});

test('IoU with the input: mean over 20 seeds in (0.3, 0.8) for ordinary shapes at 128² and 256², most samples in range', () => {
  for (const n of [128, 256]) {
    for (const [name, shape] of Object.entries(SHAPES)) {
      const m = shape(n);
      const ious = Array.from({ length: 20 }, (_, s) => iou(coarsenMask(m, createRng(1000 * n + s)), m));
      const mean = ious.reduce((a, b) => a + b) / ious.length;
      assert.ok(mean > 0.3 && mean < 0.8, `${name} ${n}²: mean IoU ${mean.toFixed(3)}`);
      // Upstream stops on IoU with the polygon mask, not the GT, so single samples can land a little
      // above 0.8 (the polygon and the perturbation can err in opposite directions).
      const inRange = ious.filter((v) => v > 0.3 && v < 0.8).length;
      assert.ok(inRange >= 12, `${name} ${n}²: ${inRange}/20 in (0.3, 0.8): ${ious.map((v) => v.toFixed(2))}`);
      assert.ok(ious.every((v) => v < 0.9), `${name} ${n}²: max ${Math.max(...ious).toFixed(3)}`);
    }
  }
});

test('expand fills holes first: the ring coarsens towards a disk', () => {
  const ring = SHAPES.ring(128), disk = fillHoles(ring);
  const plain = coarsenMask(ring, createRng(5)), expanded = coarsenMask(ring, createRng(5), { expand: true });
  const holeArea = (m: BinaryMask) => m.data.reduce((s, v, i) => s + (disk.data[i] && !ring.data[i] && v ? 1 : 0), 0);
  assert.ok(holeArea(expanded) > 5 * Math.max(holeArea(plain), 1), `${holeArea(expanded)} vs ${holeArea(plain)}`);
  assert.ok(iou(expanded, disk) > iou(plain, disk));
});

test('degenerate masks end and keep their size: empty (returned as is), full, one pixel, 1-px lines, tiny', () => {
  const empty = make(32, 40, () => false);
  const out = coarsenMask(empty, createRng(0));
  assert.equal(out.data, empty.data);
  assert.is.not(out.data, empty.data);
  const cases: BinaryMask[] = [
    make(32, 40, () => true), make(32, 40, (x, y) => x === 7 && y === 9), make(32, 40, (x) => x === 13),
    make(32, 40, (x, y) => x === y), make(1, 50, () => true), make(50, 1, (_, y) => y % 3 === 0), make(2, 2, () => true),
    make(1, 1, () => true), make(3, 3, (x, y) => x === 1 && y === 1), make(64, 64, (x, y) => (x + y) % 2 === 0),
  ];
  for (const m of cases) {
    for (const expand of [false, true]) {
      const c = coarsenMask(m, createRng(7), { expand });
      assert.equal([c.height, c.width, c.data.length], [m.height, m.width, m.data.length]);
      assert.ok(c.data.every((v) => v === 0 || v === 1));
    }
  }
});

test('masks given as 0/255 are read as binary; modifyBoundary equals coarsenMask without expand', () => {
  const m = SHAPES.disk(64), m255 = { ...m, data: m.data.map((v) => v * 255) };
  assert.equal(coarsenMask(m255, createRng(9)).data, coarsenMask(m, createRng(9)).data);
  assert.equal(modifyBoundary(m, createRng(9)).data, coarsenMask(m, createRng(9)).data);
});

test('a mask whose data does not match its size is an error', () => {
  assert.throws(() => coarsenMask({ data: new Uint8Array(3), height: 2, width: 2 }, createRng(0)),
    /coarsenMask: mask must be a non-empty 2×2 mask with 4 values, but got 3/);
});

test.run();
