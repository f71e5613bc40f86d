/**
 * The built-in dataset: seeded, photo-like synthetic scenes with exact ground truth. No download.
 *
 * A scene is a cluttered, textured, defocused background (gradients, noise, patterned surfaces,
 * clutter of which some has the object's colours), a few in-focus distractors coloured like the
 * object, then one foreground object with fine structure (thin limbs, spikes, holes, spokes,
 * twigs, several parts), shaded by one light, textured, casting a soft shadow, and finally lens
 * softness and film grain.
 * The mask is the object's rasterised coverage ≥ 0.5 at pixel centres, exactly binary, while the
 * image blends colours over the one-pixel edge. Object colours are kept ≥ 60 (0–255 units) away
 * from the background's, so the boundary is always visible and a coarse mask can be corrected from
 * the image.
 *
 * Sizes 32–8192 per side (64²–4096² tested; 4096² takes about 1–2 s, 256² a few ms). All
 * randomness comes from createRng(seed) and the rest is plain arithmetic, so the same seed and size
 * give identical bytes (Math.sin/cos/pow are V8's own portable implementations: identical across
 * platforms for one Node version). Different sizes of one seed share the layout and colours; only
 * the pixel-scale detail (hairs, twig depth, textures) differs.
 */
import type { BinaryMask, RgbImage } from '../types';
import { createRng, type Rng } from '../util/rng';
import { OBJECT_KINDS, blobRadius, drawDistractor, drawObject, type ObjectKind, type Pen } from './synthetic_objects';
import {
  type CoverageLayer, type Fill, type Light,
  clearLayer, compositeLayer, createLayer, drawBox, drawHalfPlane, drawPath, drawRadial, drawRing, ellipseShape, radialShape,
} from './synthetic_shapes';
import {
  type Field, type PatternKind, type Rgb,
  addGrain, boxBlur, colourDistance, hsvToRgb, randomPattern, soften, upsampleRgb, valueNoise,
} from './synthetic_texture';

/** One generated scene: the image and the exact mask of its main object (same height and width). */
export interface SyntheticScene {
  image: RgbImage;
  mask: BinaryMask;
  /** Which object family was drawn (for inspection and per-kind statistics). */
  kind: ObjectKind;
}

export interface SceneOptions {
  /** Integer in [0, 2³²); see sceneSeeds for the train/validation split. */
  seed: number;
  height: number;
  width: number;
}

/** Smallest and largest side accepted by generateScene. */
export const SCENE_SIZE_LIMITS = { min: 32, max: 8192 } as const;
/** Validation seeds start here; training seeds lie below it. */
export const VAL_SEED_OFFSET = 1_000_000_000;
/** The background is painted at most this many pixels wide/high, then upsampled (it is out of focus anyway). */
const BACKGROUND_MAX_SIDE = 1536;
/** Minimum colour distance (0–255 units) between the object's main colours and every background colour. */
const MIN_OBJECT_CONTRAST = 60;

/**
 * Seeds for n scenes of a split: 'train' → 0, 1, …, n−1; 'val' → 1e9, 1e9 + 1, …. The ranges never
 * overlap for n ≤ 1e9, so validation scenes are never trained on.
 */
export function sceneSeeds(split: 'train' | 'val', n: number): number[] {
  if (split !== 'train' && split !== 'val') throw new Error(`sceneSeeds: split must be 'train' or 'val', but got '${String(split)}'.`);
  if (!Number.isInteger(n) || n < 0 || n > VAL_SEED_OFFSET) throw new Error(`sceneSeeds: n must be an integer in [0, ${VAL_SEED_OFFSET}], but got ${n}.`);
  const start = split === 'train' ? 0 : VAL_SEED_OFFSET;
  return Array.from({ length: n }, (_, i) => start + i);
}

/**
 * Generates one scene.
 * @returns image [height, width, 3] uint8 RGB and mask [height, width] in {0, 1}
 */
export function generateScene(opts: SceneOptions): SyntheticScene {
  const { seed, height: H, width: W } = opts;
  if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) throw new Error(`generateScene: seed must be an integer in [0, 2^32), but got ${seed}.`);
  for (const [name, v] of [['height', H], ['width', W]] as const) {
    if (!Number.isInteger(v) || v < SCENE_SIZE_LIMITS.min || v > SCENE_SIZE_LIMITS.max) {
      throw new Error(`generateScene: ${name} must be an integer in [${SCENE_SIZE_LIMITS.min}, ${SCENE_SIZE_LIMITS.max}], but got ${v}.`);
    }
  }
  // Separate streams, so the detail drawn at large sizes never reshuffles the rest of the scene.
  const root = createRng(seed);
  const [rngLook, rngBackground, rngObject, rngDistract, rngTexture, rngGrain] = [1, 2, 3, 4, 5, 6].map(() => fork(root));

  const light = randomLight(rngLook);
  const palette = objectPalette(rngLook);
  const unit = Math.min(H, W);
  const kind = pickKind(rngObject);
  const R = unit * uni(rngObject, 0.2, 0.3);
  const cx = W * uni(rngObject, 0.38, 0.62);
  const cy = H * uni(rngObject, 0.38, 0.62);

  // Most backgrounds are out of focus: those are painted at half the scale (cheaper, and the
  // upsampling is part of the blur); the rest stay sharp.
  const defocus = rngLook.uniform() < 0.7;
  const s = Math.min(1, BACKGROUND_MAX_SIDE / Math.max(H, W)) * (defocus ? 0.5 : 1);
  const [bh, bw] = [Math.max(1, Math.round(H * s)), Math.max(1, Math.round(W * s))];
  const background = paintBackground(rngBackground, bh, bw, light, palette, defocus);
  const canvas = new Uint8ClampedArray(H * W * 3);
  if (s === 1) canvas.set(background);
  else upsampleRgb(background, bh, bw, canvas, H, W);

  const layer = createLayer(H, W);
  paintDistractors({ rng: rngDistract, layer, light }, canvas, palette, R);

  drawObject({ rng: rngObject, layer, light }, kind, cx, cy, R, Math.max(0, Math.min(2, Math.floor(Math.log2(unit / 256)))));
  castShadow(canvas, layer, light, R, uni(rngLook, 0.2, 0.5), Math.min(0.25, 512 / Math.max(H, W)));
  const [noise, fine] = boxNoise(rngTexture, layer, [R / 2, R / 7, Math.max(3, R / 25)], [0.45, 0.3, 0.2], 0.25);
  compositeLayer(canvas, layer, objectFills(rngTexture, palette, R), noise, fine);
  soften(canvas, H, W, rngGrain.uniform() < 0.8 ? uni(rngGrain, 0.2, 1) : 0);
  addGrain(rngGrain, canvas, H, W, uni(rngGrain, 1.5, 5));

  const mask = new Uint8Array(H * W);
  for (let i = 0; i < mask.length; i++) mask[i] = layer.cov[i] >= 0.5 ? 1 : 0;
  return { image: { data: new Uint8Array(canvas.buffer), height: H, width: W }, mask: { data: mask, height: H, width: W }, kind };
}

/**
 * A new stream seeded from `rng` (one draw): noise fields, whose number of draws grows with the
 * image size, take their own stream so that the draws after them do not depend on the size.
 */
function fork(rng: Rng): Rng {
  return createRng(rng.int(2 ** 31));
}

function uni(rng: Rng, lo: number, hi: number): number {
  return lo + (hi - lo) * rng.uniform();
}

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[rng.int(items.length)];
}

/** Object families with their frequencies: creatures (the most varied) most often. */
const KIND_WEIGHTS: Record<ObjectKind, number> = { creature: 0.35, plant: 0.25, cluster: 0.2, wheels: 0.2 };

function pickKind(rng: Rng): ObjectKind {
  let u = rng.uniform();
  for (const kind of OBJECT_KINDS) {
    u -= KIND_WEIGHTS[kind];
    if (u < 0) return kind;
  }
  return OBJECT_KINDS[0];
}

/** A light from a random azimuth, 30–57° above the image plane. */
function randomLight(rng: Rng): Light {
  const az = uni(rng, -Math.PI, Math.PI);
  const z = uni(rng, 0.55, 0.85);
  const h = Math.sqrt(1 - z * z);
  return [h * Math.cos(az), h * Math.sin(az), z];
}

/** The object's colours, one per part slot: body, limbs, accent, thin parts (see PART). */
function objectPalette(rng: Rng): Rgb[] {
  const h = rng.uniform();
  const sat = uni(rng, 0.25, 0.85);
  const val = uni(rng, 0.4, 0.95);
  const body = hsvToRgb(h, sat, val);
  const limb = hsvToRgb(h + uni(rng, -0.08, 0.08), Math.min(1, sat * uni(rng, 0.7, 1.2)), val * uni(rng, 0.5, 1));
  const accent = rng.uniform() < 0.5 ? hsvToRgb(rng.uniform(), uni(rng, 0.3, 0.9), uni(rng, 0.4, 0.95)) : hsvToRgb(h + 0.04, sat * 0.8, Math.min(1, val * 1.2));
  const thin = hsvToRgb(h, sat, val * uni(rng, 0.3, 0.7));
  return [body, limb, accent, thin];
}

/** A (mostly) muted random colour at least MIN_OBJECT_CONTRAST from every colour in `avoid` (best of 32 tries). */
function backgroundColour(rng: Rng, avoid: Rgb[]): Rgb {
  let best: Rgb = [0, 0, 0];
  let bestD = -1;
  for (let k = 0; k < 32 && bestD < MIN_OBJECT_CONTRAST; k++) {
    const c = hsvToRgb(rng.uniform(), 0.5 * rng.uniform() ** 2, uni(rng, 0.12, 0.92)); // mostly muted, as in photos
    const d = Math.min(...avoid.map((a) => colourDistance(a, c)));
    if (d > bestD) [best, bestD] = [c, d];
  }
  return best;
}

/** A colour 15–45 units from c: the same family, close enough to confuse, far enough to tell apart. */
function nearColour(rng: Rng, c: Rgb): Rgb {
  const target = uni(rng, 15, 45);
  const dir = [rng.normal(), rng.normal(), rng.normal()];
  const norm = Math.hypot(dir[0], dir[1], dir[2]) || 1;
  const out = c.map((v, i) => v + (dir[i] / norm) * target * 1.2) as Rgb;
  return out.map((v) => Math.min(250, Math.max(5, v))) as Rgb;
}

function fill(base: Rgb, alt: Rgb, pattern: ReturnType<typeof randomPattern>, ambient: number, mottle: number, specular = 0): Fill {
  return { base, alt, pattern, ambient, mottle, specular };
}

function shadeOf(c: Rgb, k: number): Rgb {
  return c.map((v) => Math.min(255, v * k)) as Rgb;
}

/** Fills for the object's four part slots: textured (stripes, spots, dots, mottling), lit, with highlights. */
function objectFills(rng: Rng, palette: Rgb[], R: number): Fill[] {
  const kinds: PatternKind[][] = [['none', 'stripes', 'spots', 'dots', 'none', 'stripes'], ['none', 'stripes'], ['none', 'spots'], ['none']];
  const ambient = uni(rng, 0.3, 0.5);
  const specular = rng.uniform() < 0.6 ? uni(rng, 20, 90) : 0;
  return palette.map((c, p) => {
    const alt = rng.uniform() < 0.5 ? shadeOf(c, uni(rng, 0.45, 0.75)) : shadeOf(c, uni(rng, 1.15, 1.4));
    return fill(c, alt, randomPattern(rng, pick(rng, kinds[p]), R * uni(rng, 0.06, 0.25)), ambient, uni(rng, 0.15, 0.4), specular);
  });
}

/**
 * Paints the background at bh×bw: a two-colour ramp, 1–3 large low-contrast textured surfaces (a
 * floor or wall edge with wood grain, tiles or speckle; panels; a boulder), 5–16 clutter shapes of
 * which about a third take the object's colours, a light gradient and vignette, then (`defocus`)
 * a random blur of up to unit/150 px.
 * @returns RGB float image [bh, bw, 3] in 0–255
 */
function paintBackground(rng: Rng, bh: number, bw: number, light: Light, palette: Rgb[], defocus: boolean): Float32Array {
  const canvas = new Float32Array(bh * bw * 3);
  const layer = createLayer(bh, bw);
  const unit = Math.min(bh, bw);
  const noise = valueNoise(fork(rng), 0, 0, bw, bh, [unit / 3, unit / 10, unit / 30], [0.45, 0.3, 0.2]);
  const fine = valueNoise(fork(rng), 0, 0, bw, bh, [2], [0.2]);
  const avoid = palette.filter((_, p) => p !== 2);
  const paint = (f: Fill): void => {
    compositeLayer(canvas, layer, [f], noise, fine);
    clearLayer(layer);
  };
  const ramp = randomPattern(rng, 'ramp', Math.hypot(bh, bw) * uni(rng, 0.7, 1.5));
  ramp.duty = 0.5 - ((bw / 2) * ramp.cos + (bh / 2) * ramp.sin) / ramp.periodPx;
  drawHalfPlane(layer, 0, 1, -1e9, 0, light);
  paint(fill(backgroundColour(rng, avoid), backgroundColour(rng, avoid), ramp, 1, uni(rng, 0.1, 0.3)));
  const surfaceKinds: PatternKind[] = ['none', 'none', 'stripes', 'stripes', 'checker', 'spots'];
  for (let k = 1 + rng.int(3); k > 0; k--) {
    const c = backgroundColour(rng, avoid);
    const kind = pick(rng, surfaceKinds);
    const pattern = randomPattern(rng, kind, unit * (kind === 'stripes' ? uni(rng, 0.01, 0.05) : uni(rng, 0.03, 0.12)));
    if (kind === 'stripes') pattern.warp = uni(rng, 1, 6); // wood grain
    const type = rng.int(3);
    if (type === 0) {
      const a = uni(rng, -0.4, 0.4) + (rng.uniform() < 0.5 ? Math.PI / 2 : -Math.PI / 2);
      const [nx, ny] = [Math.cos(a), Math.sin(a)];
      drawHalfPlane(layer, nx, ny, nx * bw * uni(rng, 0.2, 0.8) + ny * bh * uni(rng, 0.2, 0.8), 0, light);
    } else if (type === 1) {
      drawBox(layer, bw * rng.uniform(), bh * rng.uniform(), unit * uni(rng, 0.15, 0.5), unit * uni(rng, 0.1, 0.4), uni(rng, -0.5, 0.5), unit * 0.02, 0, light);
    } else {
      drawRadial(layer, ellipseShape(bw * rng.uniform(), bh * rng.uniform(), unit * uni(rng, 0.2, 0.45), unit * uni(rng, 0.15, 0.35), rng.uniform() * Math.PI), 0, light, 'add', 3);
    }
    const contrast = uni(rng, 0.1, 0.3) * (rng.uniform() < 0.5 ? -1 : 1);
    paint(fill(c, shadeOf(c, 1 + contrast), pattern, type === 0 ? 1 : 0.6, uni(rng, 0.15, 0.45)));
  }
  for (let k = 5 + rng.int(12); k > 0; k--) {
    const c = rng.uniform() < 0.35 ? nearColour(rng, pick(rng, palette)) : backgroundColour(rng, avoid);
    paintClutter(rng, layer, light, bw * rng.uniform(), bh * rng.uniform(), unit * uni(rng, 0.02, 0.15));
    const kind = rng.uniform() < 0.7 ? 'none' : pick(rng, surfaceKinds);
    paint(fill(c, shadeOf(c, uni(rng, 0.7, 0.9)), randomPattern(rng, kind, unit * uni(rng, 0.01, 0.05)), uni(rng, 0.35, 0.8), uni(rng, 0.1, 0.35)));
  }
  lightAndVignette(canvas, bh, bw, light, uni(rng, 0.1, 0.35), uni(rng, 0.1, 0.45));
  if (defocus) blurRgb(canvas, bh, bw, Math.floor(uni(rng, 0, unit / 150)));
  return canvas;
}

/** One clutter shape of size r: a stone, a box (book, panel), a stroke (twig, cable) or, rarely, a ring. */
function paintClutter(rng: Rng, layer: CoverageLayer, light: Light, x: number, y: number, r: number): void {
  const type = pick(rng, [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3]);
  if (type === 0) drawRadial(layer, radialShape(x, y, blobRadius(rng, r, uni(rng, 0.05, 0.3), 0, 0), 2 * r), 0, light, 'add', uni(rng, 1, 3));
  else if (type === 1) drawBox(layer, x, y, r, r * uni(rng, 0.2, 1), rng.uniform() * Math.PI, r * 0.1, 0, light);
  else if (type === 2) {
    const a = rng.uniform() * Math.PI;
    const w = Math.max(0.6, r * uni(rng, 0.03, 0.12));
    drawPath(layer, [x, y, x + Math.cos(a) * r * 2, y + Math.sin(a) * r * 2, x + Math.cos(a + 0.4) * r * 4, y + Math.sin(a + 0.4) * r * 4], [w, w, w * 0.6], 0, light);
  } else drawRing(layer, x, y, r, Math.max(0.6, r * uni(rng, 0.05, 0.2)), 0, light);
}

/** Two box blurs of radius r per channel of an RGB float image [h, w, 3], in place (defocus). */
function blurRgb(canvas: Float32Array, h: number, w: number, r: number): void {
  if (r < 1) return;
  const plane = new Float32Array(h * w);
  for (let ch = 0; ch < 3; ch++) {
    for (let i = 0; i < plane.length; i++) plane[i] = canvas[3 * i + ch];
    boxBlur(plane, h, w, r);
    boxBlur(plane, h, w, r);
    for (let i = 0; i < plane.length; i++) canvas[3 * i + ch] = plane[i];
  }
}

/** Multiplies the canvas by a brightness ramp towards the light and a radial vignette. */
function lightAndVignette(canvas: Float32Array, h: number, w: number, light: Light, gradient: number, vignette: number): void {
  const unit = Math.min(h, w);
  const r2max = (h * h + w * w) / 4;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const dx = x + 0.5 - w / 2;
      const dy = y + 0.5 - h / 2;
      const k = (1 + (gradient * (dx * light[0] + dy * light[1])) / unit) * (1 - (vignette * (dx * dx + dy * dy)) / r2max);
      const j = 3 * (y * w + x);
      canvas[j] *= k;
      canvas[j + 1] *= k;
      canvas[j + 2] *= k;
    }
  }
}

/** Smooth noise (octaves `cells`, `gains`) and 2-px grain of amplitude `fineGain` over the layer's touched box. */
function boxNoise(rng: Rng, layer: CoverageLayer, cells: number[], gains: number[], fineGain: number): [Field, Field] {
  const b = layer.box;
  const [w, h] = [Math.max(0, b[2] - b[0]), Math.max(0, b[3] - b[1])];
  return [valueNoise(fork(rng), b[0], b[1], w, h, cells, gains), valueNoise(fork(rng), b[0], b[1], w, h, [2], [fineGain])];
}

/** Draws 1–4 in-focus distractors (twigs, pebbles, hoops) in colours near the object's, one at a time. */
function paintDistractors(pen: Pen, canvas: Uint8ClampedArray, palette: Rgb[], R: number): void {
  const { rng, layer } = pen;
  for (let k = 1 + rng.int(4); k > 0; k--) {
    const c = nearColour(rng, palette[rng.int(2)]);
    drawDistractor(pen, layer.width * rng.uniform(), layer.height * rng.uniform(), R * uni(rng, 0.3, 0.7));
    const [noise, fine] = boxNoise(rng, layer, [R / 4, Math.max(3, R / 20)], [0.5, 0.25], 0.2);
    const pattern = randomPattern(rng, pick(rng, ['none', 'checker', 'dots'] as PatternKind[]), R * uni(rng, 0.05, 0.2));
    compositeLayer(canvas, layer, [fill(c, shadeOf(c, 0.8), pattern, uni(rng, 0.5, 0.8), uni(rng, 0.1, 0.3))], noise, fine);
    clearLayer(layer);
  }
}

/**
 * Darkens the canvas under a soft shadow of the object, offset away from the light. The shadow map
 * is built at scale s (a quarter or less: it is blurred anyway) and blurred there, then sampled bilinearly
 * (half-pixel centres) over the region it can reach.
 */
function castShadow(canvas: Uint8ClampedArray, layer: CoverageLayer, light: Light, R: number, strength: number, s: number): void {
  const { height: H, width: W, cov } = layer;
  const [sh, sw] = [Math.max(1, Math.round(H * s)), Math.max(1, Math.round(W * s))];
  const len = (R * 0.25) / light[2];
  const [ox, oy] = [-light[0] * len, -light[1] * len];
  const map = new Float32Array(sh * sw);
  for (let y = 0; y < sh; y++) {
    const fy = Math.floor((y + 0.5) * (H / sh) - oy);
    if (fy < 0 || fy >= H) continue;
    for (let x = 0; x < sw; x++) {
      const fx = Math.floor((x + 0.5) * (W / sw) - ox);
      if (fx >= 0 && fx < W) map[y * sw + x] = Math.min(1, Math.max(0, cov[fy * W + fx]));
    }
  }
  const blur = Math.max(1, Math.round(R * s * 0.06));
  boxBlur(map, sh, sw, blur);
  boxBlur(map, sh, sw, blur);
  // Only the object's box, shifted and grown by the blur, can be darkened.
  const margin = (2 * blur + 2) / s;
  const b = layer.box;
  const [x0, x1] = [Math.max(0, Math.floor(b[0] + ox - margin)), Math.min(W, Math.ceil(b[2] + ox + margin))];
  const [y0, y1] = [Math.max(0, Math.floor(b[1] + oy - margin)), Math.min(H, Math.ceil(b[3] + oy + margin))];
  for (let y = y0; y < y1; y++) {
    const v = Math.min(Math.max((y + 0.5) * (sh / H) - 0.5, 0), sh - 1);
    const r0 = Math.floor(v);
    const r1 = Math.min(r0 + 1, sh - 1);
    const fy = v - r0;
    for (let x = x0; x < x1; x++) {
      const u = Math.min(Math.max((x + 0.5) * (sw / W) - 0.5, 0), sw - 1);
      const c0 = Math.floor(u);
      const c1 = Math.min(c0 + 1, sw - 1);
      const fx = u - c0;
      const top = map[r0 * sw + c0] + (map[r0 * sw + c1] - map[r0 * sw + c0]) * fx;
      const bottom = map[r1 * sw + c0] + (map[r1 * sw + c1] - map[r1 * sw + c0]) * fx;
      const k = 1 - strength * (top + (bottom - top) * fy);
      const j = 3 * (y * W + x);
      canvas[j] *= k;
      canvas[j + 1] *= k;
      canvas[j + 2] *= k;
    }
  }
}
