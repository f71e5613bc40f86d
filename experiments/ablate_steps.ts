/**
 * The main job: the step-count ablation and the per-step figures of the reverse diffusion, with the
 * shipped model on held-out synthetic scenes, written as an HTML report (README's first command):
 *   npm run ablate -- [--model models/cpu-synthetic] [--scenes 12] [--seeds 5] [--out runs/ablation] [--quick]
 * Writes <out>/report.html, results.json, results.csv, step_figure_<k>.png and comparison.png.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import {
  comparisonGridPng, computeIou, createSchedule, defaultStepVariants, flipCounts, htmlReport, initBackend, lineChart, barChart,
  loadModelDir, recordSteps, refineVariant, ReportBlock, runStepAblation, stepFigurePng, syntheticAblationSet, VariantResult, writeFileAtomic,
} from '../src';

const pct = (x: number) => 100 * x;

function csv(rows: VariantResult[]): string {
  const header = 'variant,indices,deterministic,steps,iou_mean,iou_std,mba_mean,mba_std,boundary_iou_mean,boundary_iou_std,ms_per_refinement';
  return [header, ...rows.map((r) => [JSON.stringify(r.label), JSON.stringify(r.indices.join(' ')), r.deterministic, r.steps,
    r.iou.mean, r.iou.std, r.mba.mean, r.mba.std, r.boundaryIou.mean, r.boundaryIou.std, r.msPerRefinement.toFixed(2)].join(','))].join('\n') + '\n';
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: {
    model: { type: 'string', default: path.join(__dirname, '..', 'models', 'cpu-synthetic') }, scenes: { type: 'string' }, seeds: { type: 'string' },
    out: { type: 'string', default: path.join('runs', 'ablation') }, quick: { type: 'boolean', default: process.env.SEGREFINER_QUICK === '1' },
  } });
  const quick = Boolean(values.quick);
  const nScenes = Number(values.scenes ?? (quick ? 4 : 12)), nSeeds = Number(values.seeds ?? (quick ? 2 : 5));
  const out = values.out as string;
  const t0 = Date.now();
  const backend = await initBackend();
  const { unet, config } = loadModelDir(values.model as string);
  const size = config.imageSize as number;
  const schedule = createSchedule(config.diffusion ?? {});
  console.log(`step ablation: model ${values.model} (${size}²), ${nScenes} held-out scenes × ${nSeeds} seeds, backend ${backend.name}`);
  const { images, samples } = syntheticAblationSet(nScenes, size);
  const seeds = Array.from({ length: nSeeds }, (_, i) => i);
  const variants = defaultStepVariants(schedule.numTimesteps);
  const result = await runStepAblation(unet.denoiser, schedule, samples, variants, seeds, (r) => {
    console.log(`  ${r.label.padEnd(34)} IoU ${pct(r.iou.mean).toFixed(2)} ± ${pct(r.iou.std).toFixed(2)}  mBA ${pct(r.mba.mean).toFixed(2)} ± ${pct(r.mba.std).toFixed(2)}  BIoU ${pct(r.boundaryIou.mean).toFixed(2)} ± ${pct(r.boundaryIou.std).toFixed(2)}  ${r.msPerRefinement.toFixed(0)} ms`);
  });
  fs.mkdirSync(out, { recursive: true });
  const all = variants[schedule.numTimesteps - 1];

  // per-step figures for three scenes, and the coarse/refined comparison grid
  const figures: ReportBlock[] = [];
  const flipRows: (string | number)[][] = [];
  for (let k = 0; k < Math.min(3, samples.length); k++) {
    const steps = await recordSteps(unet.denoiser, schedule, samples[k], all.indices, 0);
    const { png } = await stepFigurePng(steps, { height: size, width: size, initial: samples[k].coarse.data });
    writeFileAtomic(path.join(out, `step_figure_${k}.png`), png);
    figures.push({ kind: 'png', png, alt: `per-step maps, scene ${k}`, caption: `Scene ${k}: rows = current mask, predicted mask σ(logits), confidence p, transition probability p_c2f, cumulative fine probability s, pixels flipped by the step.` });
    flipCounts(steps, samples[k].coarse.data).forEach((f) => flipRows.push([k, f.t, f.toForeground, f.toBackground, f.total]));
  }
  const refined = (await refineVariant(unet.denoiser, schedule, samples, all, 0)).masks;
  const rows = samples.slice(0, 6).map((s, i) => ({
    image: images[i], coarse: s.coarse, refined: refined[i], gt: s.gt, label: `scene ${i}`,
    coarseNote: `IoU ${(computeIou(s.gt, s.coarse).iou ?? 1).toFixed(3)}`, refinedNote: `IoU ${(computeIou(s.gt, refined[i]).iou ?? 1).toFixed(3)}`,
  }));
  const comparison = (await comparisonGridPng(rows)).png;
  writeFileAtomic(path.join(out, 'comparison.png'), comparison);
  unet.dispose();

  const firstN = result.variants.slice(0, schedule.numTimesteps);
  const metricSeries = (pick: (r: VariantResult) => { mean: number; std: number }, name: string) => ({
    name, x: firstN.map((r) => r.steps), y: firstN.map((r) => pct(pick(r).mean)), std: firstN.map((r) => pct(pick(r).std)),
  });
  const coarseLine = (v: number, name: string) => ({ name, x: firstN.map((r) => r.steps), y: firstN.map(() => pct(v)), dash: true });
  const seconds = (Date.now() - t0) / 1000;
  const table = result.variants.map((r) => [r.label, r.steps, `${pct(r.iou.mean).toFixed(2)} ± ${pct(r.iou.std).toFixed(2)}`,
    `${pct(r.mba.mean).toFixed(2)} ± ${pct(r.mba.std).toFixed(2)}`, `${pct(r.boundaryIou.mean).toFixed(2)} ± ${pct(r.boundaryIou.std).toFixed(2)}`, Number(r.msPerRefinement.toFixed(1))]);
  const html = htmlReport('SegRefiner step-count ablation', [
    { kind: 'paragraph', text: `Model ${values.model} (${size}² input, T = ${schedule.numTimesteps}) on ${nScenes} held-out synthetic scenes (validation seeds) with coarse masks from modify_boundary; each variant run with ${nSeeds} sampling seeds (the deterministic one with one). Metrics are dataset means per seed, then mean ± std over seeds, in percent. Backend ${backend.name}; ${seconds.toFixed(0)} s in all.` },
    { kind: 'table', header: ['variant (code indices)', 'steps', 'IoU', 'mBA', 'Boundary IoU', 'ms / refinement'], rows: [['coarse input', 0, pct(result.coarse.iou).toFixed(2), pct(result.coarse.mba).toFixed(2), pct(result.coarse.boundaryIou).toFixed(2), 0], ...table] },
    { kind: 'plotly', figure: lineChart([metricSeries((r) => r.iou, 'IoU'), coarseLine(result.coarse.iou, 'IoU, coarse'), metricSeries((r) => r.mba, 'mBA'), coarseLine(result.coarse.mba, 'mBA, coarse'), metricSeries((r) => r.boundaryIou, 'Boundary IoU'), coarseLine(result.coarse.boundaryIou, 'Boundary IoU, coarse')], { title: 'Quality vs the number of steps (first N of T−1..0)', xTitle: 'steps', yTitle: '%' }), caption: 'Error bars: std over sampling seeds.' },
    { kind: 'plotly', figure: barChart(result.variants.map((r) => r.label), [{ name: 'mBA', values: result.variants.map((r) => pct(r.mba.mean)), std: result.variants.map((r) => pct(r.mba.std)) }, { name: 'IoU', values: result.variants.map((r) => pct(r.iou.mean)), std: result.variants.map((r) => pct(r.iou.std)) }], { title: 'All variants', yTitle: '%' }) },
    { kind: 'heading', text: 'Per-step masks and transition probabilities' },
    ...figures,
    { kind: 'table', header: ['scene', 't', '0 → 1', '1 → 0', 'flipped'], rows: flipRows, caption: 'Pixels each step flips (against the mask before it).', digits: 0 },
    { kind: 'heading', text: 'Coarse (red) and refined (green) masks, ground-truth outline (blue)' },
    { kind: 'png', png: comparison, alt: 'comparison grid' },
    { kind: 'code', text: `npm run ablate -- --model ${values.model} --scenes ${nScenes} --seeds ${nSeeds}` },
  ], { subtitle: new Date().toISOString() });
  writeFileAtomic(path.join(out, 'report.html'), html);
  writeFileAtomic(path.join(out, 'results.json'), `${JSON.stringify({ model: values.model, backend: backend.name, scenes: nScenes, seeds, coarse: result.coarse, variants: result.variants, seconds }, null, 2)}\n`);
  writeFileAtomic(path.join(out, 'results.csv'), csv(result.variants));
  console.log(`\nreport: ${path.resolve(out, 'report.html')} (${seconds.toFixed(0)} s)`);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
