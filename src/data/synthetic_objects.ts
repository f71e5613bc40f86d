/**
 * Foreground objects and in-focus distractors of the synthetic scenes, drawn into a coverage layer
 * (synthetic_shapes.ts). Sizes are in pixels: the object's scale R grows with the image, while the
 * thinnest parts (limb tips, antennae, spokes, hairs; radius 0.5–2 px, i.e. 1–4 px wide) stay a few
 * pixels wide at every size, so large scenes carry fine detail for the high-resolution path.
 */
import { createRng, type Rng } from '../util/rng';
import {
  type CoverageLayer, type Light, type RadialShape,
  drawBox, drawPath, drawRadial, drawRing, ellipseShape, radialShape,
} from './synthetic_shapes';

/** Colour slots of an object: body, limbs/branches/frame, accents (head, leaves, hub), thin parts (antennae, spokes, hairs). */
export const PART = { body: 0, limb: 1, accent: 2, thin: 3 } as const;

/** The object families; each mixes fine structure differently. */
export const OBJECT_KINDS = ['creature', 'wheels', 'plant', 'cluster'] as const;
export type ObjectKind = (typeof OBJECT_KINDS)[number];

/** What the drawing functions share: the random stream, the target layer and the light. */
export interface Pen {
  rng: Rng;
  layer: CoverageLayer;
  light: Light;
}

/** A stream of its own for a part whose number of draws depends on the image size (one draw from pen.rng). */
function ownStream(pen: Pen): Rng {
  return createRng(pen.rng.int(2 ** 31));
}

function uni(rng: Rng, lo: number, hi: number): number {
  return lo + (hi - lo) * rng.uniform();
}

/**
 * A random star-shaped outline r(θ) = R·(1 + Σ_k a_k cos(kθ + φ_k) + spikes): harmonics 2..7 make
 * concave outlines; each spike is a narrow bump (half-width w rad) that tapers to a sharp tip.
 */
export function blobRadius(rng: Rng, R: number, roughness: number, spikes: number, spikeLen: number): (theta: number) => number {
  const amps: number[] = [];
  const phases: number[] = [];
  for (let k = 2; k <= 7; k++) {
    amps.push(uni(rng, 0, roughness) / (k - 1));
    phases.push(uni(rng, 0, 2 * Math.PI));
  }
  const sp = Array.from({ length: spikes }, () => ({ at: uni(rng, -Math.PI, Math.PI), w: uni(rng, 0.015, 0.06), h: uni(rng, 0.3, 1) * spikeLen }));
  return (t) => {
    let r = 1;
    for (let k = 0; k < amps.length; k++) r += amps[k] * Math.cos((k + 2) * t + phases[k]);
    for (const s of sp) {
      const d = Math.abs(Math.atan2(Math.sin(t - s.at), Math.cos(t - s.at)));
      if (d < s.w) r += s.h * (1 - d / s.w) ** 2;
    }
    return R * Math.max(0.25, r);
  };
}

/** r(θ) of a tabulated radial shape (nearest entry). */
function radiusAt(s: RadialShape, theta: number): number {
  const N = s.radii.length - 1;
  return s.radii[Math.min(N - 1, Math.floor(((theta + Math.PI) / (2 * Math.PI)) * N))];
}

/** Control points of a branch's random heading. */
const WIGGLES = 4;

/** A branch: a tapering random-walk tube from (x, y) heading `angle`, radius r0 → r1 (px). */
export interface Branch {
  x: number;
  y: number;
  angle: number;
  length: number;
  r0: number;
  r1: number;
  /** Levels of sub-branches still to grow. */
  depth: number;
  /** Total random turn along the branch (rad). */
  bend: number;
  /** Sub-branches per level, [min, max]; default [1, 3]. */
  fan?: [number, number];
}

/**
 * Grows and draws a branch and, recursively, its sub-branches (1–3 per level, thinner and shorter).
 * `onTip` sees every end point with its heading and remaining depth (leaves, claws).
 */
export function growBranch(pen: Pen, b: Branch, part: number, onTip?: (x: number, y: number, angle: number) => void): void {
  const { rng } = pen;
  const stepLen = Math.min(Math.max(b.r0 * 1.5, b.length / 24, 1.5), Math.max(1.5, b.length / 4));
  const n = Math.max(2, Math.ceil(b.length / stepLen));
  const turn = uni(rng, -b.bend, b.bend);
  // A random walk of the heading through WIGGLES control points: a fixed number of draws whatever the
  // step count, so one seed grows the same branch at every image size.
  const wiggle = [0];
  for (let j = 1; j <= WIGGLES; j++) wiggle.push(wiggle[j - 1] + rng.normal() * 0.15 / Math.sqrt(WIGGLES));
  const pts = [b.x, b.y];
  const radii = [b.r0];
  let [x, y, a] = [b.x, b.y, b.angle];
  for (let k = 1; k <= n; k++) {
    const u = (k / n) * WIGGLES;
    const j = Math.min(WIGGLES - 1, Math.floor(u));
    a = b.angle + turn * (k / n) + wiggle[j] + (wiggle[j + 1] - wiggle[j]) * (u - j);
    x += Math.cos(a) * stepLen;
    y += Math.sin(a) * stepLen;
    pts.push(x, y);
    radii.push(b.r0 + (b.r1 - b.r0) * (k / n) ** 0.8);
  }
  drawPath(pen.layer, pts, radii, part, pen.light);
  if (b.depth > 0) {
    const [lo, hi] = b.fan ?? [1, 3];
    const children = lo + rng.int(hi - lo + 1);
    for (let c = 0; c < children; c++) {
      const k = Math.floor(n * uni(rng, 0.35, 0.95));
      const heading = Math.atan2(pts[2 * k + 3] - pts[2 * k + 1], pts[2 * k + 2] - pts[2 * k]);
      growBranch(pen, {
        x: pts[2 * k], y: pts[2 * k + 1], angle: heading + (rng.uniform() < 0.5 ? -1 : 1) * uni(rng, 0.35, 1.0),
        length: b.length * uni(rng, 0.35, 0.65), r0: Math.max(b.r1, radii[k] * uni(rng, 0.5, 0.8)), r1: b.r1,
        depth: b.depth - 1, bend: b.bend, fan: b.fan,
      }, part, onTip);
    }
  }
  onTip?.(x, y, a);
}

/** Cuts 1–3 elliptic holes well inside a body (≥ 2 px radius, so they survive rasterisation). */
function cutHoles(pen: Pen, body: RadialShape, R: number, part: number): void {
  const { rng } = pen;
  for (let h = 1 + rng.int(3); h > 0; h--) {
    const a = R * uni(rng, 0.06, 0.22);
    const rho = uni(rng, 0, 0.75 * body.rMin - a);
    if (a < 2 || rho < 0) continue;
    const phi = uni(rng, -Math.PI, Math.PI);
    const hole = ellipseShape(body.cx + rho * Math.cos(phi), body.cy + rho * Math.sin(phi), a, a * uni(rng, 0.45, 1), uni(rng, 0, Math.PI));
    drawRadial(pen.layer, hole, part, pen.light, 'cut');
  }
}

/** Perforates a body with a jittered grid of small round holes (a sieve, a sponge). */
function perforate(pen: Pen, body: RadialShape, R: number): void {
  const rng = ownStream(pen);
  const rh = Math.max(1.5, R * uni(rng, 0.02, 0.05));
  const step = rh * uni(rng, 3, 4.5);
  const lim = 0.7 * body.rMin - rh;
  for (let gy = -lim; gy <= lim; gy += step) {
    for (let gx = -lim; gx <= lim; gx += step) {
      if (gx * gx + gy * gy > lim * lim) continue;
      const hole = ellipseShape(body.cx + gx + uni(rng, -0.3, 0.3) * rh, body.cy + gy, rh, rh, 0);
      drawRadial(pen.layer, hole, PART.body, pen.light, 'cut');
    }
  }
}

/** Short thin hairs (1–2 px wide) standing out of the outline every few pixels: detail only a high-resolution view sees. */
function drawHairs(pen: Pen, body: RadialShape, R: number): void {
  const rng = ownStream(pen);
  const hairPen = { ...pen, rng };
  const spacing = uni(rng, 3, 12);
  const count = Math.min(1500, Math.floor((2 * Math.PI * (body.rMin + body.rMax)) / 2 / spacing));
  for (let h = 0; h < count; h++) {
    const th = uni(rng, -Math.PI, Math.PI);
    const r = radiusAt(body, th) - 1;
    growBranch(hairPen, {
      x: body.cx + r * Math.cos(th), y: body.cy + r * Math.sin(th), angle: th + uni(rng, -0.6, 0.6),
      length: uni(rng, 3, 8) + R * uni(rng, 0, 0.06), r0: uni(rng, 0.55, 1), r1: 0.5, depth: 0, bend: 0.8,
    }, PART.thin);
  }
}

/** A body blob with an optional head, antennae, jointed legs with claws, holes and hairs. */
function drawCreature(pen: Pen, cx: number, cy: number, R: number): void {
  const { rng, layer, light } = pen;
  const spikes = rng.uniform() < 0.4 ? 3 + rng.int(10) : 0;
  const body = radialShape(cx, cy, blobRadius(rng, R, uni(rng, 0.05, 0.3), spikes, uni(rng, 0.15, 0.5)), 2 * R);
  drawRadial(layer, body, PART.body, light, 'add', uni(rng, 1, 3));
  if (rng.uniform() < 0.6) {
    const th = uni(rng, -Math.PI, Math.PI);
    const Rh = R * uni(rng, 0.3, 0.55);
    const r = radiusAt(body, th);
    const head = radialShape(cx + r * Math.cos(th), cy + r * Math.sin(th), blobRadius(rng, Rh, 0.1, 0, 0), 2 * Rh);
    drawRadial(layer, head, PART.accent, light, 'add', 1.5);
    for (let k = rng.int(4); k > 0; k--) {
      const a = th + uni(rng, -0.8, 0.8);
      growBranch(pen, {
        x: head.cx + 0.8 * Rh * Math.cos(a), y: head.cy + 0.8 * Rh * Math.sin(a), angle: a, length: Rh * uni(rng, 1, 2.5),
        r0: uni(rng, 0.6, 1.5), r1: 0.5, depth: rng.uniform() < 0.3 ? 1 : 0, bend: 1.5,
      }, PART.thin);
    }
  }
  if (rng.uniform() < 0.55) cutHoles(pen, body, R, PART.body);
  for (let k = 2 + rng.int(6); k > 0; k--) {
    const th = uni(rng, -Math.PI, Math.PI);
    const r = 0.85 * radiusAt(body, th);
    growBranch(pen, {
      x: cx + r * Math.cos(th), y: cy + r * Math.sin(th), angle: th + uni(rng, -0.5, 0.5), length: R * uni(rng, 0.45, 1.3),
      r0: Math.max(1, R * uni(rng, 0.025, 0.08)), r1: uni(rng, 0.5, 1.5), depth: rng.uniform() < 0.5 ? 1 : 0, bend: uni(rng, 0.3, 1.6),
    }, PART.limb);
  }
  if (rng.uniform() < 0.35) drawHairs(pen, body, R);
}

/** One or two spoked wheels with a tube frame (a bicycle, a cart): rings, many 1–2 px spokes, thin tubes. */
function drawWheels(pen: Pen, cx: number, cy: number, R: number): void {
  const { rng, layer, light } = pen;
  const two = rng.uniform() < 0.7;
  const Rw = R * (two ? uni(rng, 0.55, 0.7) : uni(rng, 0.8, 1));
  const gap = two ? Rw * uni(rng, 2.2, 2.8) : 0;
  const tilt = uni(rng, -0.25, 0.25);
  const [dx, dy] = [Math.cos(tilt), Math.sin(tilt)];
  const [ux, uy] = [dy, -dx]; // "up", perpendicular to the axle line
  const hubs = two ? [[cx - (dx * gap) / 2, cy - (dy * gap) / 2], [cx + (dx * gap) / 2, cy + (dy * gap) / 2]] : [[cx, cy]];
  const spokeR = uni(rng, 0.5, 1.1);
  const spokes = 6 + rng.int(30);
  for (const [hx, hy] of hubs) {
    const tyre = Math.max(1.2, Rw * uni(rng, 0.04, 0.09));
    drawRing(layer, hx, hy, Rw - tyre, tyre, PART.body, light);
    const rim = Rw - 2 * tyre;
    drawRing(layer, hx, hy, rim, Math.max(0.6, tyre * 0.3), PART.thin, light);
    const phase = uni(rng, 0, Math.PI);
    for (let k = 0; k < spokes; k++) {
      const a = phase + (2 * Math.PI * k) / spokes;
      drawPath(layer, [hx, hy, hx + rim * Math.cos(a), hy + rim * Math.sin(a)], [spokeR, spokeR], PART.thin, light);
    }
    drawRadial(layer, ellipseShape(hx, hy, Math.max(1.5, Rw * uni(rng, 0.06, 0.12)), Math.max(1.5, Rw * 0.08), 0), PART.accent, light, 'add');
  }
  const tube = Math.max(1, Rw * uni(rng, 0.025, 0.06));
  const at = (s: number, h: number): [number, number] => [cx + dx * s * gap + ux * h * Rw, cy + dy * s * gap + uy * h * Rw];
  const [seat, head, crank] = two ? [at(-0.15, 1.1), at(0.35, 1.2), at(0, 0.1)] : [at(0, 1.5), at(0, 1.5), at(0, 1.5)];
  const tubes = two
    ? [[hubs[0], seat], [seat, head], [head, hubs[1]], [hubs[0], crank], [crank, seat], [crank, head]]
    : [[[hubs[0][0] - dx * tube * 3, hubs[0][1] - dy * tube * 3], seat], [[hubs[0][0] + dx * tube * 3, hubs[0][1] + dy * tube * 3], seat]];
  for (const [p, q] of tubes) drawPath(layer, [p[0], p[1], q[0], q[1]], [tube, tube], PART.limb, light);
  growBranch(pen, { x: head[0], y: head[1], angle: Math.atan2(uy, ux) + uni(rng, -0.6, 0.6), length: Rw * uni(rng, 0.3, 0.6), r0: tube, r1: tube * 0.7, depth: 0, bend: 2 }, PART.limb);
  const saddle = radialShape(seat[0] + ux * tube * 2, seat[1] + uy * tube * 2, blobRadius(rng, Rw * 0.12, 0.2, 0, 0), Rw * 0.3);
  drawRadial(layer, saddle, PART.accent, light, 'add', 2);
}

/** A branching plant (recursive twigs down to 1 px, leaves at the tips), optionally in a pot. */
function drawPlant(pen: Pen, cx: number, cy: number, R: number, depth: number): void {
  const { rng, layer, light } = pen;
  const baseX = cx + uni(rng, -0.2, 0.2) * R;
  const baseY = cy + R * uni(rng, 0.5, 0.8);
  if (rng.uniform() < 0.5) {
    const hh = R * uni(rng, 0.2, 0.3);
    drawBox(layer, baseX, baseY + hh, R * uni(rng, 0.25, 0.4), hh, uni(rng, -0.1, 0.1), hh * 0.3, PART.body, light);
  }
  const leafA = R * uni(rng, 0.1, 0.25);
  const leafShape = uni(rng, 0.3, 0.6);
  const leafP = uni(rng, 0.75, 1);
  growBranch(pen, {
    x: baseX, y: baseY, angle: -Math.PI / 2 + uni(rng, -0.3, 0.3), length: R * uni(rng, 1, 1.4),
    r0: Math.max(1.2, R * uni(rng, 0.04, 0.08)), r1: uni(rng, 0.5, 0.9), depth, bend: uni(rng, 0.3, 1.2), fan: [2, 4],
  }, PART.limb, (x, y, a) => {
    if (rng.uniform() > leafP || leafA < 1.5) return;
    const s = leafA * uni(rng, 0.6, 1.3);
    drawRadial(layer, ellipseShape(x + Math.cos(a) * s * 0.8, y + Math.sin(a) * s * 0.8, s, Math.max(1.5, s * leafShape), a), PART.accent, light, 'add', 2);
  });
}

/** Several blobs (some joined by thin stalks, some detached), with holes or perforations and tendrils. */
function drawCluster(pen: Pen, cx: number, cy: number, R: number): void {
  const { rng, layer, light } = pen;
  const main = radialShape(cx, cy, blobRadius(rng, R * uni(rng, 0.45, 0.7), uni(rng, 0.05, 0.25), 0, 0), 2 * R);
  drawRadial(layer, main, PART.body, light, 'add', uni(rng, 1, 2.5));
  if (rng.uniform() < 0.3) perforate(pen, main, R);
  else if (rng.uniform() < 0.6) cutHoles(pen, main, R, PART.body);
  const n = 1 + rng.int(4);
  for (let k = 0; k < n; k++) {
    const a = uni(rng, -Math.PI, Math.PI);
    const dist = R * uni(rng, 0.75, 1.25);
    const r = R * uni(rng, 0.15, 0.4);
    const spikes = rng.uniform() < 0.3 ? 4 + rng.int(8) : 0;
    const sat = radialShape(cx + dist * Math.cos(a), cy + dist * Math.sin(a), blobRadius(rng, r, uni(rng, 0.05, 0.3), spikes, 0.6), 2.2 * r);
    drawRadial(layer, sat, k % 2 === 0 ? PART.accent : PART.body, light, 'add', uni(rng, 1, 2));
    if (rng.uniform() < 0.5) {
      const w = Math.max(0.6, R * uni(rng, 0.01, 0.04));
      drawPath(layer, [cx, cy, (cx + sat.cx) / 2 + uni(rng, -0.2, 0.2) * dist, (cy + sat.cy) / 2, sat.cx, sat.cy], [w, w * 0.8, w], PART.limb, light);
    }
  }
  for (let k = rng.int(5); k > 0; k--) {
    const th = uni(rng, -Math.PI, Math.PI);
    const r = 0.9 * radiusAt(main, th);
    growBranch(pen, {
      x: cx + r * Math.cos(th), y: cy + r * Math.sin(th), angle: th, length: R * uni(rng, 0.4, 1.0),
      r0: uni(rng, 0.8, 2.5), r1: 0.5, depth: rng.int(2), bend: 2.5,
    }, PART.thin);
  }
}

/**
 * Draws the main object of `kind` centred near (cx, cy) with scale R (px) into pen.layer.
 * @param detail extra branching levels for large images (the scene uses 0 below 512 px, 1 from 512, 2 from 1024)
 */
export function drawObject(pen: Pen, kind: ObjectKind, cx: number, cy: number, R: number, detail: number): void {
  if (kind === 'creature') drawCreature(pen, cx, cy, R);
  else if (kind === 'wheels') drawWheels(pen, cx, cy, R);
  else if (kind === 'plant') drawPlant(pen, cx, cy, 1.3 * R, 2 + detail); // a plant is mostly air: larger, so it is not tiny
  else drawCluster(pen, cx, cy, R);
}

/**
 * Draws one distractor (a twig, a pebble, a hoop) at scale R into pen.layer, in one part (slot 0):
 * shapes close to the object's own, which the scene colours like the object.
 */
export function drawDistractor(pen: Pen, cx: number, cy: number, R: number): void {
  const { rng, layer, light } = pen;
  const u = rng.uniform();
  const kind = u < 0.5 ? 0 : u < 0.85 ? 1 : 2; // twigs and pebbles mostly; hoops are rare in photos
  if (kind === 0) {
    growBranch(pen, { x: cx, y: cy, angle: uni(rng, -Math.PI, Math.PI), length: R * uni(rng, 1, 2.5), r0: Math.max(1, R * uni(rng, 0.03, 0.08)), r1: 0.6, depth: 1 + rng.int(2), bend: 1 }, 0);
  } else if (kind === 1) {
    drawRadial(layer, radialShape(cx, cy, blobRadius(rng, R * uni(rng, 0.3, 0.7), 0.2, 0, 0), 1.5 * R), 0, light, 'add', uni(rng, 1, 3));
  } else {
    const r = R * uni(rng, 0.3, 0.8);
    drawRing(layer, cx, cy, r, Math.max(1, r * uni(rng, 0.05, 0.15)), 0, light);
  }
}
