/**
 * COCO evaluation of result files (`segrefiner eval --coco-gt --coco-results`): reads a ground-truth
 * instances JSON and a results JSON and runs COCOeval (src/metrics/coco_eval.ts) for each IoU type.
 */
import { readCocoGroundTruth, readCocoResults } from '../data/coco_json';
import { CocoIouType, CocoSummary, evaluateCoco } from '../metrics/coco_eval';

export interface CocoFileReport {
  gt: string; results: string;
  summaries: Partial<Record<CocoIouType, CocoSummary>>;
  perCategory: Partial<Record<CocoIouType, { categoryId: number; ap: number }[]>>;
}

export async function evaluateCocoFiles(gtFile: string, resultsFile: string, iouTypes: CocoIouType[]): Promise<CocoFileReport> {
  const gt = await readCocoGroundTruth(gtFile);
  const detections = await readCocoResults(resultsFile, gt);
  const report: CocoFileReport = { gt: gtFile, results: resultsFile, summaries: {}, perCategory: {} };
  for (const iouType of iouTypes) {
    const r = evaluateCoco({ images: gt.images, categories: gt.categories, annotations: gt.annotations, detections }, { iouType });
    report.summaries[iouType] = r.summary;
    report.perCategory[iouType] = r.perCategory;
  }
  return report;
}
