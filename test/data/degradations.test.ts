/** Coarse-mask degradations and mixes: each kind seeded, graded by severity, safe on degenerate masks; mixes checked. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkCoarseMix, CoarseMix, drawCoarseMask, GENTLE_COARSE_MIX, TRAIN_COARSE_MIX } from '../../src/data/coarse_mix';
import {
  boundaryBand, DEGRADATION_KINDS, degradeMask, dropThinParts, lowResPrediction, shiftMask, simplifyClosedContour, simplifyPolygon, spuriousBlobs,
} from '../../src/data/degradations';
import { generateScene, sceneSeeds } from '../../src/data/synthetic_scene';
import type { BinaryMask } from '../../src/types';
import { makeMask, maskIou } from '../helpers/masks';
import { createRng } from '../../src/util/rng';

const make = makeMask, iou = maskIou;
const count = (m: BinaryMask) => m.data.reduce((a, v) => a + v, 0);
const same = (a: BinaryMask, b: BinaryMask) => a.height === b.height && a.width === b.width && a.data.every((v, i) => v === b.data[i]);

const disk = make(160, 200, (x, y) => (x - 100) ** 2 + (y - 80) ** 2 < 50 ** 2);
const star = make(160, 160, (x, y) => Math.hypot(x - 80, y - 80) < 80 * (0.5 + 0.2 * Math.cos(5 * Math.atan2(y - 80, x - 80))));
const sceneMasks = sceneSeeds('val', 12).map((seed) => generateScene({ seed, height: 192, width: 192 }).mask).filter((m) => count(m) > 200);
const meanIou = (kind: (typeof DEGRADATION_KINDS)[number], severity: number) =>
  [disk, star, ...sceneMasks].reduce((a, m, i) => a + iou(m, degradeMask(m, createRng(i), kind, severity)), 0) / (2 + sceneMasks.length);

test('every kind: same seed ⇒ same mask, 0/1 output of the input size, input untouched', () => {
  for (const kind of DEGRADATION_KINDS) {
    const before = star.data.slice();
    const a = degradeMask(star, createRng(5), kind, 0.6), b = degradeMask(star, createRng(5), kind, 0.6);
    assert.ok(same(a, b), `${kind}: deterministic`);
    assert.is(a.data.length, star.data.length, kind);
    assert.ok(a.data.every((v) => v === 0 || v === 1), `${kind}: 0/1`);
    assert.ok(before.every((v, i) => v === star.data[i]), `${kind}: input unchanged`);
    const others = [1, 2, 3, 4].map((s) => degradeMask(star, createRng(s), kind, 0.6));
    if (kind !== 'thin-parts') assert.ok(others.some((o) => !same(o, a)), `${kind}: other seeds give other masks`);
  }
});

test('severity grades every kind from gentle to heavy (mean IoU over shapes and scenes)', () => {
  for (const kind of DEGRADATION_KINDS) {
    const gentle = meanIou(kind, 0), heavy = meanIou(kind, 1);
    assert.ok(gentle > heavy, `${kind}: severity 0 (${gentle.toFixed(3)}) must keep more than severity 1 (${heavy.toFixed(3)})`);
    assert.ok(heavy < 0.97, `${kind}: severity 1 must change the mask visibly, IoU ${heavy.toFixed(3)}`);
    // on compact objects (a 1-px band already costs the scenes' hairs and spokes much of their area)
    const compact = [disk, star].reduce((a, m, i) => a + iou(m, degradeMask(m, createRng(i), kind, 0)), 0) / 2;
    if (kind !== 'modify-boundary') assert.ok(compact >= 0.9, `${kind}: severity 0 must be gentle on compact objects, IoU ${compact.toFixed(3)}`);
  }
});

test('degenerate masks: empty stays empty; full, one pixel and a 1-px line never throw', () => {
  const cases = { empty: make(20, 30, () => false), full: make(20, 30, () => true), pixel: make(20, 30, (x, y) => x === 4 && y === 7), line: make(20, 30, (x) => x === 9), tiny: make(1, 1, () => true) };
  for (const kind of DEGRADATION_KINDS) {
    for (const [name, m] of Object.entries(cases)) {
      for (const s of [0, 1]) {
        const out = degradeMask(m, createRng(1), kind, s);
        assert.is(out.data.length, m.data.length, `${kind} ${name}`);
        if (name === 'empty') assert.is(count(out), 0, `${kind}: empty in, empty out`);
      }
    }
  }
});

test('bad input: unknown kind, severity outside [0, 1], malformed mask', () => {
  assert.throws(() => degradeMask(disk, createRng(0), 'wobble' as never, 0.5), /kind must be one of modify-boundary, low-res.*but got 'wobble'/);
  assert.throws(() => degradeMask(disk, createRng(0), 'band', 1.5), /severity must be a number in \[0, 1\], but got 1.5/);
  assert.throws(() => degradeMask(disk, createRng(0), 'band', NaN), /but got NaN/);
  assert.throws(() => degradeMask({ height: 3, width: 3, data: new Uint8Array(8) }, createRng(0), 'shift', 0), /3×3 mask with 9 values, but got 8/);
});

test('low-res: stride 4 barely changes a large disk; stride 32 loses its detail but keeps its place', () => {
  assert.ok(iou(disk, lowResPrediction(disk, createRng(0), 0)) > 0.97);
  const heavy = lowResPrediction(star, createRng(0), 1);
  assert.ok(iou(star, heavy) < 0.95 && iou(star, heavy) > 0.5, `stride 32 on a star: IoU ${iou(star, heavy)}`);
});

test('band: dilation only grows, erosion only shrinks; the band is a few pixels at severity 0', () => {
  for (let seed = 0; seed < 12; seed++) {
    const out = boundaryBand(disk, createRng(seed), 0);
    const grew = disk.data.every((v, i) => !v || out.data[i]), shrank = out.data.every((v, i) => !v || disk.data[i]);
    assert.ok(grew || shrank || count(out) > 0, 'a mixed band still has foreground');
    assert.ok(Math.abs(count(out) - count(disk)) < 0.15 * count(disk), `seed ${seed}: area change ${count(out) - count(disk)}`);
  }
});

test('thin parts: a 1-px antenna on a disk is removed, the disk kept; a mask of only thin lines comes back whole', () => {
  const antenna = make(160, 200, (x, y) => (x - 100) ** 2 + (y - 80) ** 2 < 40 ** 2 || (x === 100 && y < 40) || (y === 150 && x > 20 && x < 180));
  const out = dropThinParts(antenna, createRng(0), 0.3);
  assert.is(out.data[10 * 200 + 100], 0, 'antenna gone');
  assert.is(out.data[150 * 200 + 100], 0, 'line gone');
  assert.ok(iou(make(160, 200, (x, y) => (x - 100) ** 2 + (y - 80) ** 2 < 40 ** 2), out) > 0.95, 'disk kept');
  const lines = make(40, 40, (x) => x === 10 || x === 20);
  assert.ok(same(dropThinParts(lines, createRng(0), 1), lines), 'nothing left to open: the input');
});

test('shift: the mask moves by the drawn offset, area kept away from the border', () => {
  const out = shiftMask(disk, createRng(3), 1);
  assert.is(count(out), count(disk));
  const cx = (m: BinaryMask) => { let s = 0; m.data.forEach((v, i) => { s += v * (i % m.width); }); return s / count(m); };
  const moved = Math.abs(cx(out) - cx(disk));
  assert.ok(iou(disk, out) < 0.95, `IoU ${iou(disk, out)}`);
  assert.ok(moved <= 0.05 * Math.sqrt(count(disk)) + 1, `moved ${moved}`);
});

test('blobs: changes only pixels inside the object box grown by ~a quarter plus the blob size', () => {
  const small = make(300, 300, (x, y) => x >= 130 && x < 170 && y >= 130 && y < 170);
  for (let seed = 0; seed < 10; seed++) {
    const out = spuriousBlobs(small, createRng(seed), 1);
    out.data.forEach((v, i) => {
      if (v === small.data[i]) return;
      const x = i % 300, y = Math.floor(i / 300);
      assert.ok(x > 80 && x < 220 && y > 80 && y < 220, `seed ${seed}: change at (${x}, ${y}) far from the object`);
    });
  }
});

test('simplify: a square is its 4 corners and fills back to itself; collinear points go', () => {
  const square = make(50, 50, (x, y) => x >= 10 && x < 40 && y >= 10 && y < 40);
  assert.ok(same(simplifyPolygon(square, createRng(0), 1), square));
  const line = Int32Array.from([0, 0, 1, 0, 2, 0, 3, 0, 3, 1, 3, 2, 3, 3, 2, 3, 1, 3, 0, 3, 0, 2, 0, 1]);
  assert.equal(Array.from(simplifyClosedContour(line, 0.5)), [0, 0, 3, 0, 3, 3, 0, 3]);
});

test('mixes: drawCoarseMask is seeded, draws only weighted kinds, composes with secondProb 1', () => {
  const only: CoarseMix = { kinds: { shift: 1, band: 0 }, severity: [0.2, 0.4], secondProb: 1 };
  const a = drawCoarseMask(star, createRng(9), only), b = drawCoarseMask(star, createRng(9), only);
  assert.ok(same(a.mask, b.mask));
  assert.is(a.applied.length, 2);
  assert.ok(a.applied.every((d) => d.kind === 'shift' && d.severity >= 0.2 && d.severity <= 0.4));
  const once = drawCoarseMask(star, createRng(9), { ...only, secondProb: 0 });
  assert.is(once.applied.length, 1);
});

test('the gentle mix keeps mean IoU ≥ 0.88 on compact objects; the training mix spans gentle to heavy', () => {
  // compact objects like the photos' (the synthetic scenes' hairs and spokes make every kind harsher)
  const ring = make(160, 160, (x, y) => Math.hypot(x - 80, y - 80) < 60 && Math.hypot(x - 80, y - 80) > 25);
  const rect = make(120, 200, (x, y) => x > 30 && x < 170 && y > 20 && y < 90);
  const objects = [disk, star, ring, rect];
  const gentle = objects.flatMap((m, i) => [0, 1, 2, 3, 4].map((k) => iou(m, drawCoarseMask(m, createRng(100 * k + i), GENTLE_COARSE_MIX).mask)));
  assert.ok(gentle.reduce((a, v) => a + v, 0) / gentle.length >= 0.88, `gentle mean ${gentle}`);
  const train = sceneMasks.flatMap((m, i) => [0, 1, 2].map((k) => iou(m, drawCoarseMask(m, createRng(1000 * k + i), TRAIN_COARSE_MIX).mask)));
  assert.ok(Math.max(...train) > 0.9 && Math.min(...train) < 0.8, `training mix range ${Math.min(...train)}–${Math.max(...train)}`);
});

test('checkCoarseMix names what is wrong', () => {
  assert.throws(() => checkCoarseMix({ kinds: { wobble: 1 } as never, severity: [0, 1], secondProb: 0 }, 'here'), /here: kinds must name degradations.*'wobble'/);
  assert.throws(() => checkCoarseMix({ kinds: { band: -1 }, severity: [0, 1], secondProb: 0 }, 'here'), /weight of 'band' must be a number ≥ 0, but got -1/);
  assert.throws(() => checkCoarseMix({ kinds: { band: 0 }, severity: [0, 1], secondProb: 0 }, 'here'), /positive total weight/);
  assert.throws(() => checkCoarseMix({ kinds: { band: 1 }, severity: [0.5, 0.2], secondProb: 0 }, 'here'), /severity must be \[min, max\]/);
  assert.throws(() => checkCoarseMix({ kinds: { band: 1 }, severity: [0, 1], secondProb: 2 }, 'here'), /secondProb must be in \[0, 1\], but got 2/);
});

test.run();
