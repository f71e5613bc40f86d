/**
 * The numbers the SegRefiner paper reports (NeurIPS 2023, Tables 1–4 = the official README's
 * figures), transcribed in method.md §6, as data: notebooks/07_paper_tables shows them next to the
 * tables our code fills from user-supplied data. Nothing here is computed; the tests check the
 * transcription against the paper's own "Avg improve" row.
 */

/** A table ready to show: header and rows of text or numbers. */
export interface PaperTable {
  title: string;
  header: string[];
  rows: (string | number)[][];
  note?: string;
}

/** IoU / mBA pairs in percent. */
export type IouMba = [number, number];

/** Table 1 — BIG (HR model), per coarse-mask source, IoU / mBA for each refinement method. */
export interface BigRow {
  source: string;
  coarse: IouMba;
  segfix: IouMba;
  mgmatting: IouMba;
  cascadepsp: IouMba;
  crm: IouMba;
  /** SegRefiner, mean and ± std over runs. */
  segrefiner: { iou: number; iouStd: number; mba: number; mbaStd: number };
}

export const PAPER_BIG: readonly BigRow[] = [
  { source: 'FCN-8s', coarse: [72.39, 53.63], segfix: [72.69, 55.21], mgmatting: [72.31, 57.32], cascadepsp: [77.87, 67.04], crm: [79.62, 69.47], segrefiner: { iou: 86.95, iouStd: 0.06, mba: 72.81, mbaStd: 0.05 } },
  { source: 'DeepLabV3+', coarse: [89.42, 60.25], segfix: [89.95, 64.34], mgmatting: [90.49, 67.48], cascadepsp: [92.23, 74.59], crm: [91.84, 74.96], segrefiner: { iou: 94.86, iouStd: 0.04, mba: 77.64, mbaStd: 0.05 } },
  { source: 'RefineNet', coarse: [90.20, 62.03], segfix: [90.73, 65.95], mgmatting: [90.98, 68.40], cascadepsp: [92.79, 74.77], crm: [92.89, 75.50], segrefiner: { iou: 95.12, iouStd: 0.05, mba: 76.93, mbaStd: 0.05 } },
  { source: 'PSPNet', coarse: [90.49, 59.63], segfix: [91.01, 63.25], mgmatting: [91.62, 66.73], cascadepsp: [93.93, 75.32], crm: [94.18, 76.09], segrefiner: { iou: 95.30, iouStd: 0.03, mba: 77.46, mbaStd: 0.04 } },
];

/** Table 1's last row as printed: average improvement over the coarse masks, IoU / mBA. */
export const PAPER_BIG_AVG_IMPROVE: Readonly<Record<'segfix' | 'mgmatting' | 'cascadepsp' | 'crm' | 'segrefiner', IouMba>> = {
  segfix: [0.47, 3.30], mgmatting: [0.73, 6.10], cascadepsp: [3.58, 14.05], crm: [4.01, 15.12], segrefiner: [7.43, 17.33],
};

/** COCO AP columns: AP, AP50, AP75, APs, APm, APl. */
export type ApRow = [number, number, number, number, number, number];

/** Table 2 — COCO val with LVIS annotations (LR model): Mask AP and Boundary AP. */
export const PAPER_COCO: readonly { method: string; mask: ApRow; boundary: ApRow }[] = [
  { method: 'Mask R-CNN R50', mask: [39.8, 61.4, 42.3, 24.9, 47.0, 55.1], boundary: [27.3, 53.3, 25.2, 24.9, 41.8, 27.4] },
  { method: '+ SegFix', mask: [40.6, 61.4, 42.8, 25.0, 48.4, 56.6], boundary: [29.1, 53.7, 28.0, 24.9, 43.6, 30.8] },
  { method: '+ BPR', mask: [41.0, 61.4, 43.1, 24.8, 48.5, 57.8], boundary: [30.4, 55.2, 29.5, 24.7, 43.8, 33.7] },
  { method: '+ SegRefiner', mask: [41.9, 61.6, 43.2, 25.7, 49.4, 58.8], boundary: [32.6, 55.7, 32.5, 25.6, 45.0, 37.3] },
  { method: 'Mask R-CNN R101', mask: [41.6, 63.3, 44.4, 26.5, 49.5, 57.8], boundary: [29.0, 55.2, 26.7, 26.3, 44.4, 29.8] },
  { method: '+ SegFix', mask: [42.2, 63.4, 44.7, 26.5, 50.9, 59.1], boundary: [30.6, 56.1, 30.0, 26.3, 46.0, 33.1] },
  { method: '+ BPR', mask: [42.8, 63.3, 45.3, 26.1, 51.0, 60.6], boundary: [32.0, 57.3, 31.6, 25.9, 46.3, 36.3] },
  { method: '+ SegRefiner', mask: [43.6, 63.3, 45.2, 27.4, 51.4, 61.6], boundary: [34.1, 57.2, 34.9, 27.2, 47.1, 39.9] },
];

/** AP, APs, APm, APl. */
export type ApSizeRow = [number, number, number, number];

/** Table 3 — other instance segmentation models, without → with SegRefiner. */
export const PAPER_INSTANCE_MODELS: readonly { model: string; mask: [ApSizeRow, ApSizeRow]; boundary: [ApSizeRow, ApSizeRow] }[] = [
  { model: 'PointRend', mask: [[41.5, 25.1, 49.0, 59.3], [42.8, 25.9, 50.4, 61.3]], boundary: [[30.6, 25.0, 44.2, 34.1], [33.7, 25.8, 46.2, 40.1]] },
  { model: 'RefineMask', mask: [[41.2, 24.0, 48.1, 59.2], [41.9, 24.6, 48.7, 60.7]], boundary: [[30.5, 23.8, 43.5, 34.1], [33.0, 24.5, 44.7, 39.4]] },
  { model: 'Mask Transfiner', mask: [[42.2, 25.9, 49.0, 60.1], [43.3, 26.8, 49.9, 62.0]], boundary: [[31.6, 25.8, 44.5, 35.8], [34.4, 26.6, 45.9, 41.3]] },
  { model: 'SOLO', mask: [[37.4, 19.3, 45.5, 56.6], [40.5, 21.7, 49.3, 60.9]], boundary: [[24.7, 19.0, 39.3, 27.8], [31.3, 21.4, 44.8, 39.8]] },
  { model: 'CondInst', mask: [[39.8, 24.3, 47.5, 54.8], [41.1, 25.5, 48.8, 56.8]], boundary: [[29.2, 24.1, 42.6, 30.2], [32.2, 25.3, 44.5, 36.1]] },
  { model: 'QueryInst', mask: [[42.4, 26.7, 49.5, 61.4], [44.2, 27.5, 51.4, 64.7]], boundary: [[29.9, 26.4, 44.5, 32.3], [34.9, 27.3, 47.2, 42.6]] },
  { model: 'Mask2Former', mask: [[46.8, 27.9, 54.9, 69.1], [47.4, 28.5, 55.3, 69.8]], boundary: [[37.0, 27.8, 50.1, 44.6], [38.8, 28.4, 51.0, 48.5]] },
];

export const DIS_MODELS = ['U-Net', 'PFNet', 'PSPNet', 'ICNet', 'HRNet', 'ISNet'] as const;
export const DIS_SETS = ['VD', 'TE1', 'TE2', 'TE3', 'TE4'] as const;

/** Table 4 — DIS5K (HR model): per set, per model (DIS_MODELS order), [IoU, mBA] without → with SegRefiner. */
export const PAPER_DIS: Readonly<Record<(typeof DIS_SETS)[number], { iou: [number, number][]; mba: [number, number][] }>> = {
  VD: {
    iou: [[54.77, 58.73], [56.20, 60.44], [56.41, 60.41], [56.47, 61.38], [61.02, 64.43], [67.10, 68.27]],
    mba: [[69.84, 75.44], [63.69, 74.83], [62.78, 74.84], [66.47, 75.55], [68.94, 76.62], [74.13, 76.64]],
  },
  TE1: {
    iou: [[44.11, 47.05], [46.97, 49.01], [47.57, 49.01], [46.22, 49.74], [50.98, 52.97], [56.17, 57.00]],
    mba: [[70.13, 74.97], [65.13, 74.67], [64.45, 74.67], [67.19, 75.01], [69.34, 75.62], [73.63, 75.49]],
  },
  TE2: {
    iou: [[54.39, 58.10], [57.04, 60.26], [57.71, 60.25], [56.50, 60.33], [61.22, 64.70], [67.05, 67.84]],
    mba: [[69.99, 75.57], [64.64, 75.05], [63.71, 75.06], [66.79, 75.57], [69.50, 76.64], [74.03, 76.35]],
  },
  TE3: {
    iou: [[59.29, 63.34], [59.46, 63.42], [59.90, 63.44], [59.83, 64.20], [64.43, 67.57], [69.94, 70.87]],
    mba: [[70.59, 76.68], [64.00, 76.06], [62.74, 76.05], [66.73, 76.55], [69.48, 77.60], [74.65, 77.39]],
  },
  TE4: {
    iou: [[61.14, 66.29], [59.11, 66.63], [57.61, 66.64], [60.53, 67.01], [64.67, 70.47], [70.12, 72.21]],
    mba: [[70.68, 77.07], [62.78, 76.43], [61.88, 76.43], [66.42, 77.06], [68.09, 77.86], [74.35, 77.66]],
  },
};

const pair = ([a, b]: readonly number[]) => `${a.toFixed(2)} / ${b.toFixed(2)}`;
const list = (xs: readonly number[]) => xs.map((x) => x.toFixed(1)).join(', ');

/** The four tables as the paper prints them (text cells), for display. */
export function paperTables(): { big: PaperTable; coco: PaperTable; instanceModels: PaperTable; dis: PaperTable } {
  const m = PAPER_BIG_AVG_IMPROVE;
  return {
    big: {
      title: 'Table 1 — BIG, IoU / mBA (%), HR model',
      header: ['coarse source', 'Coarse', 'SegFix', 'MGMatting', 'CascadePSP', 'CRM', 'SegRefiner'],
      rows: [
        ...PAPER_BIG.map((r) => [r.source, pair(r.coarse), pair(r.segfix), pair(r.mgmatting), pair(r.cascadepsp), pair(r.crm),
          `${r.segrefiner.iou.toFixed(2)}±${r.segrefiner.iouStd.toFixed(2)} / ${r.segrefiner.mba.toFixed(2)}±${r.segrefiner.mbaStd.toFixed(2)}`]),
        ['Avg improve', '0 / 0', pair(m.segfix), pair(m.mgmatting), pair(m.cascadepsp), pair(m.crm), pair(m.segrefiner)],
      ],
    },
    coco: {
      title: 'Table 2 — COCO val (LVIS annotations), AP, AP50, AP75, APs, APm, APl (%), LR model',
      header: ['method', 'Mask AP', 'Boundary AP'],
      rows: PAPER_COCO.map((r) => [r.method, list(r.mask), list(r.boundary)]),
    },
    instanceModels: {
      title: 'Table 3 — other instance models, AP, APs, APm, APl (%): without → with SegRefiner',
      header: ['model', 'Mask AP', 'Boundary AP'],
      rows: PAPER_INSTANCE_MODELS.map((r) => [r.model, `${list(r.mask[0])} → ${list(r.mask[1])}`, `${list(r.boundary[0])} → ${list(r.boundary[1])}`]),
    },
    dis: {
      title: 'Table 4 — DIS5K, IoU and mBA (%): without → with SegRefiner, HR model',
      header: ['set', ...DIS_MODELS],
      rows: DIS_SETS.flatMap((s) => (['iou', 'mba'] as const).map((k) => [`${s} ${k === 'iou' ? 'IoU' : 'mBA'}`,
        ...PAPER_DIS[s][k].map(([a, b]) => `${a.toFixed(2)} → ${b.toFixed(2)}`)])),
    },
  };
}
