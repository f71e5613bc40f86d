/**
 * Rasterising shapes for the synthetic scenes by signed distance: each primitive gives, per pixel,
 * c = 0.5 − d where d is the signed distance (px) from the pixel centre to the outline (negative
 * inside). The image blends colours by the coverage clamp(c, 0, 1) (anti-aliased edges) while the
 * ground truth is exactly `c ≥ 0.5`, i.e. the pixel centre lies inside the shape. c is kept
 * unclamped so that a union is the union of distance fields: where shapes overlap, the one whose
 * surface is farthest away wins, which makes the joints of a tube's segments seamless.
 * Pixel (x, y) has its centre at (x + 0.5, y + 0.5). Primitives only visit their bounding box.
 */
import { fastAtan2, patternAt, type Field, type Pattern, type Rgb } from './synthetic_texture';
import type { BoxXyxy } from '../types';

/** Unit vector towards the light: x right, y down, z towards the viewer. */
export type Light = [number, number, number];


/**
 * Per-pixel coverage of a set of shapes, row-major [height·width]. Union keeps, per pixel, the
 * primitive with the highest c (its shading and part); cutting takes min(cov, 1 − c_cut).
 */
export interface CoverageLayer {
  height: number;
  width: number;
  /** Unclamped coverage c = 0.5 − distance (≤ 0 outside every shape); image alpha = clamp(c, 0, 1), mask = c ≥ 0.5. */
  cov: Float32Array;
  /** Lambert term n·L of the covering primitive, in [0, 1]. */
  shade: Float32Array;
  /** Colour slot of the covering primitive. */
  part: Uint8Array;
  /** Rectangle [x1, y1, x2, y2) touched since the last clear (empty when x1 ≥ x2). */
  box: BoxXyxy;
}

export function createLayer(height: number, width: number): CoverageLayer {
  const n = height * width;
  return { height, width, cov: new Float32Array(n), shade: new Float32Array(n), part: new Uint8Array(n), box: [width, height, 0, 0] };
}

/** Zeroes the touched rectangle so the layer can take the next shape. */
export function clearLayer(layer: CoverageLayer): void {
  const { box, width } = layer;
  for (let y = box[1]; y < box[3]; y++) {
    layer.cov.fill(0, y * width + box[0], y * width + box[2]);
  }
  layer.box = [width, layer.height, 0, 0];
}

/** Clips [minX−pad, maxX+pad] × [minY−pad, maxY+pad] to the layer and grows layer.box (unless `grow` is false). */
function visit(layer: CoverageLayer, minX: number, minY: number, maxX: number, maxY: number, pad: number, grow = true): BoxXyxy {
  const b: BoxXyxy = [
    Math.max(0, Math.floor(minX - pad)),
    Math.max(0, Math.floor(minY - pad)),
    Math.min(layer.width, Math.ceil(maxX + pad)),
    Math.min(layer.height, Math.ceil(maxY + pad)),
  ];
  if (grow && b[0] < b[2] && b[1] < b[3]) {
    const lb = layer.box;
    layer.box = [Math.min(lb[0], b[0]), Math.min(lb[1], b[1]), Math.max(lb[2], b[2]), Math.max(lb[3], b[3])];
  }
  return b;
}

function put(layer: CoverageLayer, i: number, c: number, shade: number, part: number): void {
  if (c > layer.cov[i]) {
    layer.cov[i] = c;
    layer.shade[i] = shade > 0 ? shade : 0;
    layer.part[i] = part;
  }
}

/**
 * A star-shaped outline ρ = r(θ) around (cx, cy), tabulated at N angles θ_k = −π + 2πk/N (entry N
 * repeats entry 0). `gain[k]` = 1/√(1 + (r′/r)²) turns the radial gap ρ − r into a distance.
 */
export interface RadialShape {
  cx: number;
  cy: number;
  radii: Float32Array;
  gain: Float32Array;
  rMin: number;
  rMax: number;
}

/** Tabulates r(θ) (px, positive) with enough angles that neighbouring samples are < 1 px apart at rMax. */
export function radialShape(cx: number, cy: number, r: (theta: number) => number, rMaxHint: number): RadialShape {
  const N = Math.min(32768, Math.max(64, Math.ceil(2 * Math.PI * rMaxHint * 2)));
  const radii = new Float32Array(N + 1);
  for (let k = 0; k < N; k++) radii[k] = Math.max(0.25, r(-Math.PI + (2 * Math.PI * k) / N));
  radii[N] = radii[0];
  const gain = new Float32Array(N + 1);
  const dTheta = (2 * Math.PI) / N;
  let rMin = Infinity;
  let rMax = 0;
  for (let k = 0; k < N; k++) {
    const slope = (radii[(k + 1) % N] - radii[(k + N - 1) % N]) / (2 * dTheta) / radii[k];
    gain[k] = 1 / Math.sqrt(1 + slope * slope);
    rMin = Math.min(rMin, radii[k]);
    rMax = Math.max(rMax, radii[k]);
  }
  gain[N] = gain[0];
  return { cx, cy, radii, gain, rMin, rMax };
}

/** An ellipse (semi-axes a, b, rotated by `angle`) as a radial shape. */
export function ellipseShape(cx: number, cy: number, a: number, b: number, angle: number): RadialShape {
  return radialShape(cx, cy, (t) => (a * b) / Math.hypot(b * Math.cos(t - angle), a * Math.sin(t - angle)), Math.max(a, b));
}

/**
 * Draws a radial shape: 'add' unions it with dome shading (surface normal tilts outward with ρ/r;
 * `flatness` > 1 flattens the middle like a pebble), 'cut' removes it (a hole; shading untouched).
 */
export function drawRadial(layer: CoverageLayer, s: RadialShape, part: number, light: Light, op: 'add' | 'cut', flatness = 1): void {
  const { cx, cy, radii, gain } = s;
  const N = radii.length - 1;
  const scale = N / (2 * Math.PI);
  const atan2 = fastAtan2; // a local binding, as in compositeLayer
  const b = visit(layer, cx - s.rMax, cy - s.rMax, cx + s.rMax, cy + s.rMax, 2, op === 'add');
  const far = (s.rMax + 1) * (s.rMax + 1);
  const W = layer.width;
  for (let y = b[1]; y < b[3]; y++) {
    const dy = y + 0.5 - cy;
    for (let x = b[0]; x < b[2]; x++) {
      const dx = x + 0.5 - cx;
      const rho2 = dx * dx + dy * dy;
      if (rho2 > far) continue;
      const rho = Math.sqrt(rho2);
      const k = (atan2(dy, dx) + Math.PI) * scale;
      let i = Math.floor(k);
      if (i >= N) i = N - 1;
      const f = k - i;
      const r = radii[i] + (radii[i + 1] - radii[i]) * f;
      const c = 0.5 - (rho - r) * gain[i];
      if (c <= 0) continue;
      const p = y * W + x;
      if (op === 'cut') {
        if (1 - c < layer.cov[p]) layer.cov[p] = 1 - c;
        continue;
      }
      const u = Math.pow(Math.min(1, rho / r), flatness);
      const nz = Math.sqrt(1 - u * u);
      const nl = rho > 0 ? ((dx * light[0] + dy * light[1]) / rho) * u + nz * light[2] : light[2];
      put(layer, p, c, nl, part);
    }
  }
}

/**
 * Draws a tube along a polyline: points [x0, y0, x1, y1, ...] with radius radii[k] (px) at point k,
 * linearly tapered along each segment, round joints and caps, shaded as a cylinder. A radius of 0.5
 * is a 1-px-wide line whose pixel centres still form an 8-connected chain.
 */
export function drawPath(layer: CoverageLayer, pts: number[], radii: number[], part: number, light: Light): void {
  for (let k = 0; k + 1 < radii.length; k++) {
    const [ax, ay, bx, by] = [pts[2 * k], pts[2 * k + 1], pts[2 * k + 2], pts[2 * k + 3]];
    // Long diagonal segments are split so each bounding box stays small (cost ∝ length, not length²).
    const pieces = Math.max(1, Math.ceil(Math.hypot(bx - ax, by - ay) / (16 + 4 * Math.max(radii[k], radii[k + 1]))));
    for (let q = 0; q < pieces; q++) {
      const t0 = q / pieces;
      const t1 = (q + 1) / pieces;
      const r0 = radii[k] + (radii[k + 1] - radii[k]) * t0;
      const r1 = radii[k] + (radii[k + 1] - radii[k]) * t1;
      drawSegment(layer, ax + (bx - ax) * t0, ay + (by - ay) * t0, r0, ax + (bx - ax) * t1, ay + (by - ay) * t1, r1, part, light);
    }
  }
}

function drawSegment(layer: CoverageLayer, ax: number, ay: number, ra: number, bx: number, by: number, rb: number, part: number, light: Light): void {
  const vx = bx - ax;
  const vy = by - ay;
  const l2 = vx * vx + vy * vy;
  const inv = l2 > 0 ? 1 / l2 : 0;
  const rm = Math.max(ra, rb);
  const b = visit(layer, Math.min(ax, bx), Math.min(ay, by), Math.max(ax, bx), Math.max(ay, by), rm + 2);
  const W = layer.width;
  for (let y = b[1]; y < b[3]; y++) {
    const wy = y + 0.5 - ay;
    for (let x = b[0]; x < b[2]; x++) {
      const wx = x + 0.5 - ax;
      let t = (wx * vx + wy * vy) * inv;
      t = t < 0 ? 0 : t > 1 ? 1 : t;
      const ex = wx - t * vx;
      const ey = wy - t * vy;
      const r = ra + (rb - ra) * t;
      const dist = Math.sqrt(ex * ex + ey * ey);
      const c = 0.5 - (dist - r);
      if (c <= 0) continue;
      // Tube normal: the offset from the axis over the radius, tilted out of the image plane.
      const q = Math.min(1, dist / r);
      const nl = dist > 0 ? ((ex * light[0] + ey * light[1]) / dist) * q + Math.sqrt(1 - q * q) * light[2] : light[2];
      put(layer, y * W + x, c, nl, part);
    }
  }
}

/** Draws an annulus |ρ − rMid| ≤ halfWidth (a tyre, a hoop), shaded as a torus. */
export function drawRing(layer: CoverageLayer, cx: number, cy: number, rMid: number, halfWidth: number, part: number, light: Light): void {
  const R = rMid + halfWidth;
  const b = visit(layer, cx - R, cy - R, cx + R, cy + R, 2);
  const W = layer.width;
  for (let y = b[1]; y < b[3]; y++) {
    const dy = y + 0.5 - cy;
    for (let x = b[0]; x < b[2]; x++) {
      const dx = x + 0.5 - cx;
      const rho = Math.sqrt(dx * dx + dy * dy);
      const off = rho - rMid;
      const c = 0.5 - (Math.abs(off) - halfWidth);
      if (c <= 0) continue;
      const q = Math.max(-1, Math.min(1, off / halfWidth));
      const nl = rho > 0 ? ((dx * light[0] + dy * light[1]) / rho) * q + Math.sqrt(1 - q * q) * light[2] : light[2];
      put(layer, y * W + x, c, nl, part);
    }
  }
}

/** Draws a rotated rectangle (half sizes hw, hh; corners rounded by `round` px), flat-lit with a bevel at the edges. */
export function drawBox(layer: CoverageLayer, cx: number, cy: number, hw: number, hh: number, angle: number, round: number, part: number, light: Light): void {
  const co = Math.cos(angle);
  const si = Math.sin(angle);
  const ext = Math.abs(hw * co) + Math.abs(hh * si);
  const eyt = Math.abs(hw * si) + Math.abs(hh * co);
  const b = visit(layer, cx - ext, cy - eyt, cx + ext, cy + eyt, 2);
  const rr = Math.min(round, hw, hh);
  const bevel = Math.max(1, 0.15 * Math.min(hw, hh));
  const W = layer.width;
  for (let y = b[1]; y < b[3]; y++) {
    const dy = y + 0.5 - cy;
    for (let x = b[0]; x < b[2]; x++) {
      const dx = x + 0.5 - cx;
      const lx = dx * co + dy * si;
      const ly = -dx * si + dy * co;
      const qx = Math.abs(lx) - (hw - rr);
      const qy = Math.abs(ly) - (hh - rr);
      const outside = Math.hypot(Math.max(qx, 0), Math.max(qy, 0));
      const d = outside + Math.min(Math.max(qx, qy), 0) - rr;
      const c = 0.5 - d;
      if (c <= 0) continue;
      // Within `bevel` of the edge the normal tilts outward along the nearer axis.
      const tilt = Math.max(0, 1 + d / bevel) * 0.7;
      const [nx, ny] = qx > qy ? [Math.sign(lx) * co, Math.sign(lx) * si] : [-Math.sign(ly) * si, Math.sign(ly) * co];
      const nl = (nx * light[0] + ny * light[1]) * tilt + Math.sqrt(1 - tilt * tilt) * light[2];
      put(layer, y * W + x, c, nl, part);
    }
  }
}

/** Draws the half-plane nx·x + ny·y ≥ offset ((nx, ny) a unit vector), flat-lit. */
export function drawHalfPlane(layer: CoverageLayer, nx: number, ny: number, offset: number, part: number, light: Light): void {
  const b = visit(layer, 0, 0, layer.width, layer.height, 0);
  const W = layer.width;
  for (let y = b[1]; y < b[3]; y++) {
    for (let x = b[0]; x < b[2]; x++) {
      const c = 0.5 + (nx * (x + 0.5) + ny * (y + 0.5) - offset);
      if (c > 0) put(layer, y * W + x, c, light[2], part);
    }
  }
}

/** How a part of a layer is coloured when composited: t = patternAt(...) mixes base → alt. */
export interface Fill {
  base: Rgb;
  alt: Rgb;
  pattern: Pattern;
  /** Light floor: brightness = ambient + (1 − ambient)·n·L (1 = flat). */
  ambient: number;
  /** Brightness modulation by the noise field: ×(1 + mottle·n). */
  mottle: number;
  /** Highlight added where n·L is near 1, in 0–255 units. */
  specular: number;
}

/**
 * Alpha-blends a layer onto an RGB canvas [height, width, 3] of the layer's size, over layer.box:
 * canvas ← canvas + (colour − canvas)·coverage, colour from fills[part] with pattern, lighting and noise.
 * @param noise smooth noise covering layer.box (warps patterns, modulates brightness), or null
 * @param fine  pixel-scale noise covering layer.box (brightness only, so pattern edges stay clean), or null
 */
export function compositeLayer(canvas: Float32Array | Uint8ClampedArray, layer: CoverageLayer, fills: Fill[], noise: Field | null, fine: Field | null): void {
  const { box, width: W, cov, shade, part } = layer;
  const pattern = patternAt; // a local binding: a per-pixel call through a module export is slower under tsx
  for (let y = box[1]; y < box[3]; y++) {
    for (let x = box[0]; x < box[2]; x++) {
      const i = y * W + x;
      const a = cov[i] < 1 ? cov[i] : 1;
      if (a <= 0) continue;
      const f = fills[part[i]];
      const n = noise === null ? 0 : noise.data[(y - noise.y0) * noise.width + (x - noise.x0)];
      const g = fine === null ? 0 : fine.data[(y - fine.y0) * fine.width + (x - fine.x0)];
      const t = pattern(f.pattern, x + 0.5, y + 0.5, n);
      const s = shade[i];
      const lum = (f.ambient + (1 - f.ambient) * s) * (1 + f.mottle * (n + g));
      const h = s > 0.9 ? f.specular * (s - 0.9) * (s - 0.9) * 100 : 0;
      const j = 3 * i;
      for (let ch = 0; ch < 3; ch++) {
        const colour = (f.base[ch] + (f.alt[ch] - f.base[ch]) * t) * lum + h;
        canvas[j + ch] += (colour - canvas[j + ch]) * a;
      }
    }
  }
}
