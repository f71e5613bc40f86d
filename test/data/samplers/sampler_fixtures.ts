/**
 * Tiny hand-made datasets for the sampler tests, written to a temp dir: PNG images whose pixels encode
 * their coordinates (so a crop can be located exactly), rectangle masks, a COCO JSON with one
 * annotation per filter case, and an HR folder with offline coarse masks.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import sharp from 'sharp';
import { writeMaskPng } from '../../../src/data/mask_io';
import type { BinaryMask, RgbImage } from '../../../src/types';
import { encodeMask, rleToString } from '../../../src/util/coco_rle';

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `segrefiner-${prefix}-`));
}

/** Red = x, green = y, blue = 7: each pixel says where it is (sizes ≤ 256). */
export function coordinateImage(height: number, width: number): RgbImage {
  const data = new Uint8Array(height * width * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data.set([x, y, 7], (y * width + x) * 3);
  }
  return { data, height, width };
}

export async function writeRgbPng(img: RgbImage, file: string): Promise<void> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await sharp(Buffer.from(img.data), { raw: { width: img.width, height: img.height, channels: 3 } }).png().toFile(file);
}

/** Foreground on rows [y1, y2) and columns [x1, x2). */
export function rectMask(height: number, width: number, x1: number, y1: number, x2: number, y2: number): BinaryMask {
  const data = new Uint8Array(height * width);
  for (let y = y1; y < y2; y++) data.fill(1, y * width + x1, y * width + x2);
  return { data, height, width };
}

function rleSegmentation(mask: BinaryMask): { size: [number, number]; counts: string } {
  return { size: [mask.height, mask.width], counts: rleToString(encodeMask(mask)) };
}

/**
 * A COCO dataset in `dir`: images/a.png (100×120) and images/b.png (80×100) exist, images/missing.png
 * does not. Usable instances: 1 (a, 30×20 rectangle as a polygon) and 2 (b, 25×22 rectangle as RLE).
 * Every other annotation is rejected by one filter (ids 10..17).
 */
export async function writeCocoDataset(dir: string): Promise<{ root: string; annotations: string; masks: Map<number, BinaryMask> }> {
  const root = path.join(dir, 'coco');
  await writeRgbPng(coordinateImage(100, 120), path.join(root, 'images', 'a.png'));
  await writeRgbPng(coordinateImage(80, 100), path.join(root, 'images', 'b.png'));
  const a1 = rectMask(100, 120, 10, 8, 40, 28), b2 = rectMask(80, 100, 40, 20, 65, 42);
  const big = { area: 600, bbox: [10, 8, 30, 20] };
  const json = {
    images: [
      { id: 1, file_name: 'images/a.png', height: 100, width: 120 },
      // an LVIS-style entry: the path comes from coco_url
      { id: 2, coco_url: 'http://images.cocodataset.org/images/b.png', height: 80, width: 100 },
      { id: 3, file_name: 'images/missing.png', height: 100, width: 120 },
    ],
    categories: [{ id: 1, name: 'thing' }],
    annotations: [
      { id: 1, image_id: 1, category_id: 1, iscrowd: 0, ...big, segmentation: [[10, 8, 40, 8, 40, 28, 10, 28]] },
      { id: 2, image_id: 2, category_id: 1, area: 550, bbox: [40, 20, 25, 22], segmentation: rleSegmentation(b2) },
      { id: 10, image_id: 1, category_id: 1, iscrowd: 1, ...big, segmentation: rleSegmentation(a1) },
      { id: 11, image_id: 1, category_id: 1, area: 512, bbox: [0, 0, 30, 20], segmentation: [[0, 0, 30, 0, 30, 20, 0, 20]] },
      { id: 12, image_id: 1, category_id: 1, ignore: 1, ...big, segmentation: rleSegmentation(a1) },
      { id: 13, image_id: 1, category_id: 99, ...big, segmentation: rleSegmentation(a1) },
      { id: 14, image_id: 1, category_id: 1, area: 600, bbox: [200, 200, 30, 20], segmentation: rleSegmentation(a1) },
      { id: 15, image_id: 1, category_id: 1, area: 600, bbox: [10, 8, 0.5, 20], segmentation: rleSegmentation(a1) },
      { id: 16, image_id: 3, category_id: 1, ...big, segmentation: rleSegmentation(a1) },
      { id: 17, image_id: 42, category_id: 1, ...big, segmentation: rleSegmentation(a1) },
    ],
  };
  const annotations = path.join(dir, 'instances.json');
  fs.writeFileSync(annotations, JSON.stringify(json));
  return { root, annotations, masks: new Map([[1, a1], [2, b2]]) };
}

/**
 * An HR folder (DIS5K layout) in `dir`: items 'p' (60×80, object rows 20..40, columns 25..55) and 'q'
 * (24×30, object rows 5..15, columns 8..20); `p` has both offline coarse masks (left-shifted
 * rectangles, so they differ from GT), `q` has only `coarse`; coarse/stray.png matches no item.
 */
export async function writeHrDataset(dir: string): Promise<{ root: string; gt: Map<string, BinaryMask>; coarse: Map<string, BinaryMask> }> {
  const root = path.join(dir, 'hr');
  const gt = new Map([['p', rectMask(60, 80, 25, 20, 55, 40)], ['q', rectMask(24, 30, 8, 5, 20, 15)]]);
  const coarse = new Map([['p', rectMask(60, 80, 20, 20, 50, 40)], ['p-expand', rectMask(60, 80, 22, 18, 52, 42)], ['q', rectMask(24, 30, 6, 5, 18, 15)]]);
  for (const d of ['im', 'gt', 'coarse', 'coarse_expand']) fs.mkdirSync(path.join(root, d), { recursive: true });
  for (const [stem, mask] of gt) {
    await writeRgbPng(coordinateImage(mask.height, mask.width), path.join(root, 'im', `${stem}.png`));
    await writeMaskPng(mask, path.join(root, 'gt', `${stem}.png`));
  }
  await writeMaskPng(coarse.get('p') as BinaryMask, path.join(root, 'coarse', 'p.png'));
  await writeMaskPng(coarse.get('p-expand') as BinaryMask, path.join(root, 'coarse_expand', 'p.png'));
  await writeMaskPng(coarse.get('q') as BinaryMask, path.join(root, 'coarse', 'q.png'));
  await writeMaskPng(rectMask(10, 10, 0, 0, 5, 5), path.join(root, 'coarse', 'stray.png'));
  return { root, gt, coarse };
}

/** A scripted Rng: int(n) and uniform() return the queued values in order (int values must be < n). */
export function scriptedRng(ints: number[], uniforms: number[] = []) {
  const i = [...ints], u = [...uniforms];
  return {
    int: (n: number) => {
      const v = i.shift();
      if (v === undefined || v >= n) throw new Error(`scriptedRng: no queued int below ${n} (got ${v})`);
      return v;
    },
    uniform: () => {
      const v = u.shift();
      if (v === undefined) throw new Error('scriptedRng: no queued uniform');
      return v;
    },
    normal: () => 0,
    state: () => 0,
  };
}
