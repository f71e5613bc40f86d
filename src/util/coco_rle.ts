/**
 * COCO run-length encoding, a port of pycocotools' common/maskApi.c (Simplified BSD licence) with the
 * same arithmetic, so masks, areas, boxes and IoUs equal pycocotools' bit for bit.
 *
 * Layout: an RLE walks the mask in COLUMN-MAJOR (Fortran) order, index j = x·height + y, and stores the
 * lengths of alternating runs starting with a run of 0s (which may be empty). BinaryMask is row-major
 * (data[y·width + x]); encodeMask/decodeRle do the transposition.
 *
 * Differences from pycocotools, all on malformed input where pycocotools reads past its buffers or
 * silently returns -1: rleFromString rejects characters outside '0'..'o', truncated values and
 * negative counts; decodeRle rejects counts that do not sum to height·width; rleIou throws on a size
 * mismatch (pycocotools writes IoU −1) and so does rleMerge (pycocotools returns an empty 0×0 RLE).
 */
import type { BboxXywh, BinaryMask, Rle } from '../types';

export type { BboxXywh, Rle };

/** pycocotools' maskApi.c rleEncode, from a row-major mask. */
export function encodeMask(mask: BinaryMask): Rle {
  const { data, height: h, width: w } = mask;
  const counts: number[] = [];
  let previous = 0, run = 0;
  for (let x = 0; x < w; x++) {
    for (let y = 0; y < h; y++) {
      const v = data[y * w + x] ? 1 : 0;
      if (v !== previous) {
        counts.push(run);
        run = 0;
        previous = v;
      }
      run++;
    }
  }
  counts.push(run);
  return { height: h, width: w, counts: Uint32Array.from(counts) };
}

/** Checks that the counts cover exactly height·width pixels. */
export function assertRleSize(rle: Rle, where: string): void {
  let total = 0;
  for (const c of rle.counts) total += c;
  if (total !== rle.height * rle.width) {
    throw new Error(`${where}: RLE counts must sum to height·width = ${rle.height}·${rle.width} = ${rle.height * rle.width}, but sum to ${total}.`);
  }
}

/** maskApi.c rleDecode, into a row-major BinaryMask. */
export function decodeRle(rle: Rle): BinaryMask {
  assertRleSize(rle, 'decodeRle');
  const { height: h, width: w, counts } = rle;
  const data = new Uint8Array(h * w);
  let j = 0;
  for (let i = 0; i < counts.length; i++) {
    if (i % 2 === 1) {
      for (let k = 0; k < counts[i]; k++, j++) data[(j % h) * w + Math.floor(j / h)] = 1;
    } else {
      j += counts[i];
    }
  }
  return { data, height: h, width: w };
}

/** maskApi.c rleArea: the number of foreground pixels. */
export function rleArea(rle: Rle): number {
  let area = 0;
  for (let j = 1; j < rle.counts.length; j += 2) area += rle.counts[j];
  return area;
}

/**
 * maskApi.c rleToString: pycocotools' compressed counts. Each count (for i > 2, its difference with
 * counts[i−2]) is written 5 bits per character, low bits first, in chars 48 + (bits | 0x20 if more
 * follow); the last character's bit 0x10 is the sign.
 */
export function rleToString(rle: Rle): string {
  const chars: number[] = [];
  const { counts } = rle;
  for (let i = 0; i < counts.length; i++) {
    let x = counts[i] - (i > 2 ? counts[i - 2] : 0);
    let more = true;
    while (more) {
      let c = ((x % 32) + 32) % 32; // x & 0x1f for negative x too
      x = Math.floor(x / 32); // arithmetic shift right by 5
      more = c & 0x10 ? x !== -1 : x !== 0;
      if (more) c |= 0x20;
      chars.push(c + 48);
    }
  }
  return String.fromCharCode(...chars);
}

/** maskApi.c rleFrString: the inverse of rleToString. Throws on malformed strings. */
export function rleFromString(s: string, height: number, width: number): Rle {
  const counts: number[] = [];
  let p = 0;
  while (p < s.length) {
    let x = 0, k = 0, more = true;
    while (more) {
      if (p >= s.length) throw new Error(`rleFromString: compressed counts must not end inside a value, but the string ends at character ${p}.`);
      const c = s.charCodeAt(p) - 48;
      if (c < 0 || c > 63) throw new Error(`rleFromString: compressed counts must use characters '0'..'o', but got '${s[p]}' at ${p}.`);
      x += (c & 0x1f) * 2 ** (5 * k);
      more = (c & 0x20) !== 0;
      p++;
      k++;
      if (!more && c & 0x10) x -= 2 ** (5 * k); // sign-extend
    }
    if (counts.length > 2) x += counts[counts.length - 2];
    if (x < 0 || x > 0xffffffff) throw new Error(`rleFromString: count #${counts.length} must be in [0, 2^32), but got ${x}.`);
    counts.push(x);
  }
  return { height, width, counts: Uint32Array.from(counts) };
}

/** maskApi.c rleToBbox: the tight box [x, y, w, h] of the foreground; [0,0,0,0] when empty. */
export function rleToBbox(rle: Rle): BboxXywh {
  const { height: h, width: w, counts } = rle;
  const m = Math.floor(counts.length / 2) * 2;
  if (m === 0) return [0, 0, 0, 0];
  let xs = w, ys = h, xe = 0, ye = 0, cc = 0, xp = 0;
  for (let j = 0; j < m; j++) {
    cc += counts[j];
    const t = cc - (j % 2); // first pixel of a 1-run, or last pixel of it
    const y = t % h, x = (t - y) / h;
    if (j % 2 === 0) xp = x;
    else if (xp < x) { ys = 0; ye = h - 1; } // the run wraps a column: it spans every row
    xs = Math.min(xs, x); xe = Math.max(xe, x); ys = Math.min(ys, y); ye = Math.max(ye, y);
  }
  return [xs, ys, xe - xs + 1, ye - ys + 1];
}

/** maskApi.c rleFrBbox: a box rasterised as the polygon of its four corners. */
export function rleFromBbox(bbox: BboxXywh, height: number, width: number): Rle {
  const [xs, ys, bw, bh] = bbox;
  const xe = xs + bw, ye = ys + bh;
  return rleFromPolygon([xs, ys, xs, ye, xe, ye, xe, ys], height, width);
}

/** The dense outline of maskApi.c rleFrPoly: every ×5 upsampled pixel step along each edge. */
function upsampledOutline(xy: ArrayLike<number>, k: number): { u: number[]; v: number[] } {
  const scale = 5;
  const x: number[] = [], y: number[] = [];
  for (let j = 0; j < k; j++) x.push(Math.trunc(scale * xy[2 * j] + 0.5)); // C (int) truncates toward zero
  for (let j = 0; j < k; j++) y.push(Math.trunc(scale * xy[2 * j + 1] + 0.5));
  x.push(x[0]);
  y.push(y[0]);
  const u: number[] = [], v: number[] = [];
  for (let j = 0; j < k; j++) {
    let xs = x[j], xe = x[j + 1], ys = y[j], ye = y[j + 1];
    const dx = Math.abs(xe - xs), dy = Math.abs(ys - ye);
    const flip = (dx >= dy && xs > xe) || (dx < dy && ys > ye);
    if (flip) { [xs, xe] = [xe, xs]; [ys, ye] = [ye, ys]; }
    const s = dx >= dy ? (ye - ys) / dx : (xe - xs) / dy;
    if (dx >= dy) {
      for (let d = 0; d <= dx; d++) {
        const t = flip ? dx - d : d;
        u.push(t + xs);
        v.push(Math.trunc(ys + s * t + 0.5));
      }
    } else {
      for (let d = 0; d <= dy; d++) {
        const t = flip ? dy - d : d;
        v.push(t + ys);
        u.push(Math.trunc(xs + s * t + 0.5));
      }
    }
  }
  return { u, v };
}

/**
 * maskApi.c rleFrPoly: rasterises one polygon [x0, y0, x1, y1, …] (pixel centres at integers) by
 * upsampling ×5, tracing the outline, keeping the points where it crosses a pixel column centre
 * and turning those y-boundaries into runs. Matches pycocotools exactly, quirks included.
 */
export function rleFromPolygon(xy: ArrayLike<number>, height: number, width: number): Rle {
  const scale = 5;
  const k = Math.floor(xy.length / 2);
  if (k < 1) throw new Error(`rleFromPolygon: a polygon must have at least one point, but got ${xy.length} coordinates.`);
  const { u, v } = upsampledOutline(xy, k);
  const a: number[] = [];
  for (let j = 1; j < u.length; j++) {
    if (u[j] === u[j - 1]) continue;
    let xd = u[j] < u[j - 1] ? u[j] : u[j] - 1;
    xd = (xd + 0.5) / scale - 0.5;
    if (Math.floor(xd) !== xd || xd < 0 || xd > width - 1) continue;
    let yd = v[j] < v[j - 1] ? v[j] : v[j - 1];
    yd = (yd + 0.5) / scale - 0.5;
    if (yd < 0) yd = 0;
    else if (yd > height) yd = height;
    yd = Math.ceil(yd);
    a.push(xd * height + yd);
  }
  a.push(height * width);
  a.sort((p, q) => p - q);
  let previous = 0;
  for (let j = 0; j < a.length; j++) {
    const t = a[j];
    a[j] -= previous;
    previous = t;
  }
  // Zero-length runs merge their neighbours (a 0 between two runs joins them).
  const b: number[] = [a[0]];
  for (let j = 1; j < a.length;) {
    if (a[j] > 0) b.push(a[j++]);
    else {
      j++;
      if (j < a.length) b[b.length - 1] += a[j++];
    }
  }
  return { height, width, counts: Uint32Array.from(b) };
}

/** maskApi.c rleMerge: union (or intersection) of same-size RLEs. */
export function rleMerge(rles: Rle[], intersect = false): Rle {
  if (rles.length === 0) return { height: 0, width: 0, counts: new Uint32Array(0) };
  let merged = rles[0];
  for (let i = 1; i < rles.length; i++) {
    const b = rles[i];
    if (b.height !== merged.height || b.width !== merged.width) {
      throw new Error(`rleMerge: all RLEs must have the same size, but got ${merged.height}×${merged.width} and ${b.height}×${b.width} (#${i}).`);
    }
    merged = mergePair(merged, b, intersect);
  }
  return rles.length === 1 ? { ...merged, counts: merged.counts.slice() } : merged;
}

function mergePair(a: Rle, b: Rle, intersect: boolean): Rle {
  const out: number[] = [];
  let ca = a.counts[0], cb = b.counts[0], ia = 1, ib = 1, va = 0, vb = 0, v = 0, cc = 0, ct = 1;
  while (ct > 0) {
    const c = Math.min(ca, cb);
    cc += c;
    ct = 0;
    ca -= c;
    if (!ca && ia < a.counts.length) { ca = a.counts[ia++]; va ^= 1; }
    ct += ca;
    cb -= c;
    if (!cb && ib < b.counts.length) { cb = b.counts[ib++]; vb ^= 1; }
    ct += cb;
    const vp = v;
    v = intersect ? va & vb : va | vb;
    if (v !== vp || ct === 0) { out.push(cc); cc = 0; }
  }
  return { height: a.height, width: a.width, counts: Uint32Array.from(out) };
}

/** Intersection and union pixel counts of two same-size RLEs (the inner loop of maskApi.c rleIou). */
export function rleIntersectionUnion(dt: Rle, gt: Rle): { intersection: number; union: number } {
  let ca = dt.counts[0] ?? 0, cb = gt.counts[0] ?? 0, a = 1, b = 1, va = 0, vb = 0, i = 0, u = 0, ct = 1;
  while (ct > 0) {
    const c = Math.min(ca, cb);
    if (va || vb) {
      u += c;
      if (va && vb) i += c;
    }
    ct = 0;
    ca -= c;
    if (!ca && a < dt.counts.length) { ca = dt.counts[a++]; va ^= 1; }
    ct += ca;
    cb -= c;
    if (!cb && b < gt.counts.length) { cb = gt.counts[b++]; vb ^= 1; }
    ct += cb;
  }
  return { intersection: i, union: u };
}

/** maskApi.c bbIou for one pair: the box overlap, with the crowd rule (÷ detection box area). */
function bboxIou(d: BboxXywh, g: BboxXywh, crowd: boolean): number {
  const w = Math.min(d[2] + d[0], g[2] + g[0]) - Math.max(d[0], g[0]);
  if (w <= 0) return 0;
  const h = Math.min(d[3] + d[1], g[3] + g[1]) - Math.max(d[1], g[1]);
  if (h <= 0) return 0;
  const i = w * h, da = d[2] * d[3];
  return i / (crowd ? da : da + g[2] * g[3] - i);
}

/**
 * maskApi.c rleIou: IoU of every detection with every ground truth, [D × G] row-major
 * (out[d·G + g]). For a crowd ground truth the denominator is the detection's area instead of the
 * union. Pairs whose boxes do not overlap are 0 without decoding (as pycocotools).
 */
export function rleIou(dts: Rle[], gts: Rle[], iscrowd: ArrayLike<boolean>): Float64Array {
  const D = dts.length, G = gts.length;
  const out = new Float64Array(D * G);
  const db = dts.map(rleToBbox), gb = gts.map(rleToBbox);
  for (let g = 0; g < G; g++) {
    const crowd = Boolean(iscrowd[g]);
    for (let d = 0; d < D; d++) {
      if (bboxIou(db[d], gb[g], crowd) <= 0) continue;
      if (dts[d].height !== gts[g].height || dts[d].width !== gts[g].width) {
        throw new Error(`rleIou: detection #${d} (${dts[d].height}×${dts[d].width}) and ground truth #${g} (${gts[g].height}×${gts[g].width}) must have the same size.`);
      }
      const { intersection, union } = rleIntersectionUnion(dts[d], gts[g]);
      const denominator = intersection === 0 ? 1 : crowd ? rleArea(dts[d]) : union;
      out[d * G + g] = intersection / denominator;
    }
  }
  return out;
}

/**
 * Decodes the part of `rle` inside `box` [x, y, w, h] into a row-major h×w mask: crop pixel (cy, cx)
 * is image pixel (y + cy, x + cx). Costs O(foreground + runs), not O(image), which keeps per-instance
 * work small on large images.
 */
export function decodeRleCrop(rle: Rle, box: BboxXywh): BinaryMask {
  const [x0, y0, cw, ch] = box;
  const h = rle.height;
  const data = new Uint8Array(cw * ch);
  let j = 0;
  for (let i = 0; i < rle.counts.length; i++) {
    const end = j + rle.counts[i];
    if (i % 2 === 1) {
      for (; j < end; j++) {
        const x = Math.floor(j / h) - x0, y = (j % h) - y0;
        if (x >= 0 && x < cw && y >= 0 && y < ch) data[y * cw + x] = 1;
      }
    }
    j = end;
  }
  return { data, height: ch, width: cw };
}

/**
 * Encodes a row-major crop placed at (x0, y0) in an otherwise empty height×width image, with the
 * same counts as encodeMask of the full image would give (no trailing empty run).
 */
export function encodeCrop(crop: BinaryMask, x0: number, y0: number, height: number, width: number): Rle {
  const { data, height: ch, width: cw } = crop;
  if (x0 < 0 || y0 < 0 || x0 + cw > width || y0 + ch > height) {
    throw new Error(`encodeCrop: the ${ch}×${cw} crop at (${x0}, ${y0}) must lie inside the ${height}×${width} image.`);
  }
  const counts: number[] = [];
  let end = 0; // column-major index just past the last 1-run
  for (let cx = 0; cx < cw; cx++) {
    for (let cy = 0; cy < ch;) {
      if (!data[cy * cw + cx]) { cy++; continue; }
      const start = (x0 + cx) * height + y0 + cy;
      while (cy < ch && data[cy * cw + cx]) cy++;
      const stop = (x0 + cx) * height + y0 + cy;
      if (counts.length > 0 && start === end) counts[counts.length - 1] += stop - start; // continues across a column
      else counts.push(start - end, stop - start);
      end = stop;
    }
  }
  if (counts.length === 0 || end < height * width) counts.push(height * width - end);
  return { height, width, counts: Uint32Array.from(counts) };
}
