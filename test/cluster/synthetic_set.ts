/**
 * A small synthetic refinement set on disk, for the sharding tests and the SLURM test:
 *   node -r tsx/cjs test/cluster/synthetic_set.ts <dir> [--n 8] [--size 96]
 * writes <dir>/images/<stem>.png (RGB), gt/<stem>.png and coarse/<stem>.png (0/255 masks, coarse =
 * modify_boundary of the GT), coco_gt.json (one annotation per image, file names) and
 * coco_results.json (one detection per image carrying the coarse mask as compressed RLE).
 * Stems are scene_00 … scene_NN; image ids 1 … N. Same arguments ⇒ same bytes.
 */
import * as fs from 'fs';
import * as path from 'path';
import sharp from 'sharp';
import { coarsenMask } from '../../src/data/coarse_mask';
import { writeMaskPng } from '../../src/data/mask_io';
import { generateScene, sceneSeeds } from '../../src/data/synthetic_scene';
import type { BinaryMask } from '../../src/types';
import { writeFileAtomic } from '../../src/util/atomic_write';
import { encodeMask, rleToString } from '../../src/util/coco_rle';
import { createRng } from '../../src/util/rng';

export interface SyntheticSet { dir: string; stems: string[]; images: string; gt: string; coarse: string; cocoGt: string; cocoResults: string }

/** The tight box [x, y, w, h] of a mask's foreground ([0, 0, 0, 0] when empty). */
function bboxOf(m: BinaryMask): number[] {
  let x0 = m.width, y0 = m.height, x1 = -1, y1 = -1;
  for (let y = 0; y < m.height; y++) {
    for (let x = 0; x < m.width; x++) {
      if (m.data[y * m.width + x]) { x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x); y1 = Math.max(y1, y); }
    }
  }
  return x1 < 0 ? [0, 0, 0, 0] : [x0, y0, x1 - x0 + 1, y1 - y0 + 1];
}

const rleOf = (m: BinaryMask) => ({ size: [m.height, m.width], counts: rleToString(encodeMask(m)) });
const areaOf = (m: BinaryMask) => m.data.reduce((s, v) => s + v, 0);

export async function writeSyntheticSet(dir: string, n: number, size: number): Promise<SyntheticSet> {
  const set: SyntheticSet = {
    dir, stems: [], images: path.join(dir, 'images'), gt: path.join(dir, 'gt'), coarse: path.join(dir, 'coarse'),
    cocoGt: path.join(dir, 'coco_gt.json'), cocoResults: path.join(dir, 'coco_results.json'),
  };
  for (const sub of [set.images, set.gt, set.coarse]) fs.mkdirSync(sub, { recursive: true });
  const rng = createRng(20_231_203);
  const images: object[] = [], annotations: object[] = [], results: object[] = [];
  for (const [k, seed] of sceneSeeds('val', n).entries()) {
    const stem = `scene_${String(k).padStart(2, '0')}`, id = k + 1;
    const scene = generateScene({ seed, height: size, width: size });
    const coarse = coarsenMask(scene.mask, rng);
    await sharp(Buffer.from(scene.image.data), { raw: { width: size, height: size, channels: 3 } }).png().toFile(path.join(set.images, `${stem}.png`));
    await writeMaskPng(scene.mask, path.join(set.gt, `${stem}.png`));
    await writeMaskPng(coarse, path.join(set.coarse, `${stem}.png`));
    images.push({ id, file_name: `${stem}.png`, height: size, width: size });
    annotations.push({ id, image_id: id, category_id: 1, segmentation: rleOf(scene.mask), area: areaOf(scene.mask), bbox: bboxOf(scene.mask), iscrowd: 0 });
    results.push({ image_id: id, category_id: 1, segmentation: rleOf(coarse), score: 0.5 + 0.04 * (k % 10), bbox: bboxOf(coarse) });
    set.stems.push(stem);
  }
  writeFileAtomic(set.cocoGt, JSON.stringify({ images, categories: [{ id: 1, name: 'object' }], annotations }));
  writeFileAtomic(set.cocoResults, JSON.stringify(results));
  return set;
}

if (require.main === module) {
  const [dir, ...rest] = process.argv.slice(2);
  const opt = (name: string, fallback: number) => {
    const i = rest.indexOf(`--${name}`);
    return i < 0 ? fallback : Number(rest[i + 1]);
  };
  if (!dir) {
    console.error('usage: node -r tsx/cjs test/cluster/synthetic_set.ts <dir> [--n 8] [--size 96]');
    process.exit(2);
  }
  writeSyntheticSet(dir, opt('n', 8), opt('size', 96)).then((s) => console.log(`wrote ${s.stems.length} scenes to ${dir}`));
}
