/**
 * What the instance path's resolution alone costs (issue 14's "resolution is not the cause" check, per
 * model size): the ground truth itself is cropped around the coarse mask's box (+20 px, as inference
 * crops), resized to S² (bilinear, threshold 0.5), and pasted back (bilinear, threshold 0.5). A refiner
 * that returned a perfect S² mask would score exactly this.
 *   npx tsx experiments/instance_ceiling.ts [--dev ../shared/data/dev] [--sizes 96,128,256] [--out file.json]
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import {
  BinaryMask, coarsenMask, createRng, cropBoxOf, cropMask, fileSeed, instanceBox, loadPairedFolder, pasteInstance, readBinaryMask, resizeMaskBilinear, scoreMasks, writeFileAtomic,
} from '../src';

/** The GT pushed through the instance path at `size`² around the box of `coarse` (+20 px). */
function throughInstancePath(gt: BinaryMask, coarse: BinaryMask, size: number): BinaryMask {
  const box = instanceBox(coarse, 20);
  const small = resizeMaskBilinear(cropMask(gt, cropBoxOf(box)), size, size, 0.5);
  const back = pasteInstance(Float32Array.from(small.data), size, box, gt.height, gt.width);
  return { height: gt.height, width: gt.width, data: Uint8Array.from(back, (v) => (v >= 0.5 ? 1 : 0)) };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { dev: { type: 'string', default: '../shared/data/dev' }, sizes: { type: 'string', default: '96,128,256' }, out: { type: 'string' } } });
  const dev = values.dev as string;
  const rows = [];
  for (const size of (values.sizes as string).split(',').map(Number)) {
    for (const source of fs.readdirSync(dev).filter((d) => fs.statSync(path.join(dev, d)).isDirectory()).sort()) {
      const gts: BinaryMask[] = [], outs: BinaryMask[] = [];
      for (const it of loadPairedFolder(path.join(dev, source)).items) {
        const gt = await readBinaryMask(it.maskPath);
        gts.push(gt);
        outs.push(throughInstancePath(gt, coarsenMask(gt, createRng(fileSeed(0, path.basename(it.maskPath)))), size));
      }
      const s = scoreMasks(gts, outs);
      rows.push({ size, source, images: gts.length, meanIou: s.meanIou, mba: s.mba, boundaryIou: s.boundaryIou });
      console.log(`${size}² ${source}: IoU ${(100 * s.meanIou).toFixed(2)}, mBA ${(100 * s.mba).toFixed(2)}, Boundary IoU ${(100 * s.boundaryIou).toFixed(2)}`);
    }
  }
  if (values.out) writeFileAtomic(values.out, `${JSON.stringify({ dev, rows }, null, 2)}\n`);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.stack : e);
  process.exit(1);
});
