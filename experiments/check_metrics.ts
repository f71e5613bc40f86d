/**
 * Checks our metrics against a folder of reference cases in the fixtures' format (cases.json + PNGs):
 *   npm run check-metrics -- ../shared/fixtures/metrics
 * Prints the largest error of each metric and ends with `cases: <n>, max error: <x>`. A count that
 * differs counts as its difference; a null on one side only counts as Infinity. Exit 1 if x > 1e-9.
 */
import * as fs from 'fs';
import * as path from 'path';
import { computeBoundaryAccuracy, computeBoundaryIou, computeIou, readBinaryMask } from '../src';

interface RefCase {
  id: string; gt: string; pred: string;
  iou: { intersection: number; union: number; iou: number | null };
  mba: { boundary_accuracy: number | null; per_radius: { band_pixels: number; correct_pixels: number; accuracy: number | null }[] };
  boundary_iou: Record<string, { dilation_ratio: number; dilation_px: number; intersection: number; union: number; boundary_iou: number | null }>;
}

const TOLERANCE = 1e-9;

function error(ours: number | null, ref: number | null): number {
  if (ours === null || ref === null) return ours === ref ? 0 : Infinity;
  return Math.abs(ours - ref);
}

async function main(): Promise<void> {
  const dir = process.argv[2];
  if (!dir) throw new Error('check-metrics: a folder with cases.json must be given, e.g. npm run check-metrics -- ../shared/fixtures/metrics');
  const casesFile = path.join(dir, 'cases.json');
  if (!fs.existsSync(casesFile)) throw new Error(`check-metrics: ${casesFile} must exist, but it does not.`);
  const cases: RefCase[] = JSON.parse(fs.readFileSync(casesFile, 'utf8')).cases;
  const worst: Record<string, number> = {};
  const note = (metric: string, e: number) => { worst[metric] = Math.max(worst[metric] ?? 0, e); };
  for (const c of cases) {
    const gt = await readBinaryMask(path.join(dir, c.gt));
    const pred = await readBinaryMask(path.join(dir, c.pred));
    const iou = computeIou(gt, pred);
    note('iou counts', Math.max(error(iou.intersection, c.iou.intersection), error(iou.union, c.iou.union)));
    note('iou', error(iou.iou, c.iou.iou));
    const ba = computeBoundaryAccuracy(gt, pred);
    ba.perRadius.forEach((p, i) => {
      const ref = c.mba.per_radius[i];
      note('band counts', Math.max(error(p.bandPixels, ref.band_pixels), error(p.correctPixels, ref.correct_pixels)));
      note('per-radius accuracy', error(p.accuracy, ref.accuracy));
    });
    note('boundary accuracy (mBA)', error(ba.boundaryAccuracy, c.mba.boundary_accuracy));
    for (const ref of Object.values(c.boundary_iou)) {
      const b = computeBoundaryIou(gt, pred, ref.dilation_ratio);
      note(`boundary iou counts @${ref.dilation_ratio}`, Math.max(error(b.dilationPx, ref.dilation_px),
        error(b.intersection, ref.intersection), error(b.union, ref.union)));
      note(`boundary iou @${ref.dilation_ratio}`, error(b.boundaryIou, ref.boundary_iou));
    }
  }
  for (const [metric, e] of Object.entries(worst)) console.log(`${metric.padEnd(32)} max error ${e}`);
  const max = Math.max(0, ...Object.values(worst));
  console.log(`cases: ${cases.length}, max error: ${max}`);
  process.exitCode = max <= TOLERANCE ? 0 : 1;
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
