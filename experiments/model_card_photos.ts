/**
 * Packages a real-photo training run (data.kind 'photo-folders') as a shipped model and writes its model
 * card, every number read from files (never typed in):
 *   npx tsx experiments/model_card_photos.ts --run runs/real-ft --out models/cpu-real \
 *     [--compare runs/real-scratch] [--evaluation evaluation_photos.json] [--commit <sha>]
 *     [--ceiling instance_ceiling.json] [--size-evaluation <evaluate_photos JSON of a run at another input size>]
 *     [--recipe cpu-real]   (the recipe the run was started with, named in the card)
 * The network comes from <run>/model when the run finished, else from its latest checkpoint. Copies the
 * run's config.json (as run_config.json) and metrics.jsonl, keeps the model folder's calibration
 * (calibration.json, refineDefaults in config.json) when present, draws the dev curves (validation.png:
 * dev IoU and mBA against training hours, this run and --compare), and writes MODEL_CARD.md.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';
import { figureToPng, initBackend, LineSeries, lineChart, saveModelFromCheckpoint, writeFileAtomic } from '../src';
import { formatPhotoRows, PhotoRow } from './evaluate_photos';

interface Rec { type: string; step: number; time: string; [k: string]: unknown }
interface Scores { meanIou: number; mba: number; boundaryIou: number; cumulativeIou: number }

const readJsonl = (file: string): Rec[] => fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const pct = (x: number) => (100 * x).toFixed(2);

/** Training hours at each record: the sum of gaps between consecutive records, leaving out gaps across a resume. */
function hoursAt(records: Rec[]): number[] {
  const out = [0];
  for (let i = 1; i < records.length; i++) {
    const gap = records[i].type === 'event' && records[i].event === 'resume' ? 0 : (Date.parse(records[i].time) - Date.parse(records[i - 1].time)) / 3.6e6;
    out.push(out[i - 1] + gap);
  }
  return out;
}

/**
 * The validation records of one set, with the training hours at which their step's validation began
 * (all sets of a step share it, so the curves of one run line up).
 */
function curve(records: Rec[], set: string): { hours: number[]; step: number[]; coarse: Scores; refined: Scores[] } {
  const hours = hoursAt(records);
  const startOfStep = new Map<number, number>();
  records.forEach((r, i) => { if (r.type === 'val' && !startOfStep.has(r.step)) startOfStep.set(r.step, hours[i]); });
  const vals = records.filter((r) => r.type === 'val' && r.set === set);
  return { hours: vals.map((r) => startOfStep.get(r.step) as number), step: vals.map((r) => r.step), coarse: (vals[0]?.coarse ?? {}) as Scores, refined: vals.map((r) => r.refined as Scores) };
}

function valSets(records: Rec[]): string[] {
  return [...new Set(records.filter((r) => r.type === 'val').map((r) => r.set as string))];
}

/** dev IoU and mBA (refined − coarse, points) against training hours, one line per run and set (gentle dashed). */
async function drawCurves(runs: { label: string; records: Rec[] }[], file: string): Promise<void> {
  for (const metric of ['meanIou', 'mba'] as const) {
    const series: LineSeries[] = [];
    for (const run of runs) {
      for (const set of valSets(run.records)) {
        const c = curve(run.records, set);
        series.push({ name: `${run.label} ${set.replace('/modify-boundary', ' m-b').replace('2016', '')}`, x: c.hours, y: c.refined.map((r) => 100 * (r[metric] - c.coarse[metric])), dash: set.endsWith('gentle') });
      }
    }
    const fig = lineChart(series, { title: `dev ${metric === 'meanIou' ? 'IoU' : 'mBA'}: refined − coarse (points), crops at the model size; m-b = modify-boundary`, xTitle: 'training hours', yTitle: 'points', width: 1100, height: 460 });
    const png = await figureToPng(fig);
    if (png) writeFileAtomic(file.replace('.png', `_${metric === 'meanIou' ? 'iou' : 'mba'}.png`), png);
  }
}

function validationTable(records: Rec[]): string {
  const sets = valSets(records);
  const lines = [`| step | ${sets.map((s) => `${s} IoU / mBA`).join(' | ')} |`, `|---|${sets.map(() => '---').join('|')}|`];
  const coarse = sets.map((s) => curve(records, s).coarse);
  lines.push(`| coarse | ${coarse.map((c) => `${pct(c.meanIou)} / ${pct(c.mba)}`).join(' | ')} |`);
  for (const step of [...new Set(records.filter((r) => r.type === 'val').map((r) => r.step))]) {
    const cells = sets.map((s) => records.find((r) => r.type === 'val' && r.set === s && r.step === step)?.refined as Scores | undefined);
    lines.push(`| ${step} | ${cells.map((c) => (c ? `${pct(c.meanIou)} / ${pct(c.mba)}` : '–')).join(' | ')} |`);
  }
  return lines.join('\n');
}

interface Calibration {
  ablation: { samples: number; coarse: { iou: number; mba: number; boundaryIou: number }; variants: { label: string; iou: { mean: number; std: number }; mba: { mean: number; std: number }; boundaryIou: { mean: number; std: number }; msPerRefinement: number }[] };
  grid: { label: string; score: number; gentleWorst: number }[];
  chosen: { label: string; options: unknown; doNoHarmMet: boolean };
}

/** Without a calibration of its own: the defaults the model folder carries, and where they were chosen. */
function inheritedCalibration(out: string, initFrom: string | undefined): string {
  const defaults = JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8')).refineDefaults;
  if (!defaults) return '';
  const from = initFrom && fs.existsSync(path.join(initFrom, 'calibration.json')) ? `the model it was fine-tuned from (\`${initFrom}/calibration.json\`, its card has the grid and the step-count ablation)` : 'an earlier calibration';
  return `## Calibration\nNot re-run for this snapshot: its defaults \`${JSON.stringify(defaults)}\` are those calibrated for ${from}; the evaluation below measures them on this model.\n`;
}

function calibrationSection(c: Calibration): string {
  const a = c.ablation;
  const abl = ['| steps | IoU | mBA | Boundary IoU | ms / refinement |', '|---|---|---|---|---|',
    `| coarse input | ${pct(a.coarse.iou)} | ${pct(a.coarse.mba)} | ${pct(a.coarse.boundaryIou)} | – |`,
    ...a.variants.map((v) => `| ${v.label} | ${pct(v.iou.mean)} ± ${pct(v.iou.std)} | ${pct(v.mba.mean)} ± ${pct(v.mba.std)} | ${pct(v.boundaryIou.mean)} ± ${pct(v.boundaryIou.std)} | ${v.msPerRefinement.toFixed(0)} |`)];
  const grid = ['| options | score (ΔIoU + ΔmBA, modify-boundary, mean of sources) | worst gentle ΔIoU |', '|---|---|---|',
    ...c.grid.map((g) => `| ${g.label} | ${pct(g.score)} | ${pct(g.gentleWorst)} |`)];
  return `## Calibration (\`experiments/calibrate_photos.ts\`)
Step-count ablation on the ${a.samples} dev crops at the model size (coarse = modify_boundary, seed 0; 3 sampling seeds; mean ± std):

${abl.join('\n')}

Refine options through \`SegRefiner\` at full resolution (one sampling seed; coarse masks drawn with seed 1, not the evaluation's seed 0):

${grid.join('\n')}

Chosen (written to \`config.json\` → \`refineDefaults\`): **${c.chosen.label}** \`${JSON.stringify(c.chosen.options)}\`${c.chosen.doNoHarmMet ? '' : ' — no option kept gentle masks within 0.5 point; this one harms them least'}.
`;
}

/** Rows of a PhotoRow table as 'IoU / mBA' gains (refined − coarse, points) per source and kind. */
function gains(rows: PhotoRow[]): Map<string, string> {
  return new Map(rows.map((r) => [`${r.source} ${r.kind}`, `${(100 * (r.refined.meanIou.mean - r.coarse.meanIou)).toFixed(2)} / ${(100 * (r.refined.mba.mean - r.coarse.mba)).toFixed(2)}`]));
}

/**
 * Why this input size: the instance path's ceiling per size (the ground truth itself through it), and,
 * when given, the dev evaluation of a run at another input size next to this model's.
 */
function inputSizeSection(ceilingFile: string | undefined, otherFile: string | undefined, ours: PhotoRow[] | null, size: number, out: string): string {
  if (!ceilingFile && !otherFile) return '';
  const lines = ['## Input size'];
  if (ceilingFile) {
    writeFileAtomic(path.join(out, 'instance_ceiling.json'), fs.readFileSync(ceilingFile));
    const rows = (JSON.parse(fs.readFileSync(ceilingFile, 'utf8')) as { rows: { size: number; source: string; meanIou: number; mba: number; boundaryIou: number }[] }).rows;
    lines.push('The ground truth itself pushed through the instance path (crop around the coarse box + 20 px, resize to S², paste back; `experiments/instance_ceiling.ts`): what a perfect S² refinement would score.', '',
      '| S | source | IoU | mBA | Boundary IoU |', '|---|---|---|---|---|', ...rows.map((r) => `| ${r.size}² | ${r.source} | ${pct(r.meanIou)} | ${pct(r.mba)} | ${pct(r.boundaryIou)} |`), '');
  }
  if (otherFile && ours) {
    const other = JSON.parse(fs.readFileSync(otherFile, 'utf8')) as { model: string; rows: PhotoRow[]; options: unknown; seeds: number[] };
    const a = gains(ours), b = gains(other.rows);
    const otherConfig = fs.existsSync(path.join(other.model, 'config.json')) ? JSON.parse(fs.readFileSync(path.join(other.model, 'config.json'), 'utf8')) : {};
    const what = otherConfig.trainedWith ? `run \`${otherConfig.trainedWith.run}\` at ${otherConfig.imageSize}², ${otherConfig.trainedWith.steps} iterations` : `\`${other.model}\``;
    lines.push(`The same recipe fine-tuned at another input size (${what}; run side by side for the same wall time, so it saw fewer examples), evaluated on dev with the same options and one sampling seed; refined − coarse, IoU / mBA points:`, '',
      `| source, coarse kind | this model (${size}²) | other run |`, '|---|---|---|', ...[...a.keys()].map((k) => `| ${k} | ${a.get(k)} | ${b.get(k) ?? '–'} |`), '');
  }
  return lines.join('\n');
}

/** The network: <run>/model if the run finished, else its latest checkpoint. Returns the step. */
async function exportNetwork(run: string, out: string, config: Record<string, unknown>): Promise<number> {
  const extra = { diffusion: config.diffusion, imageSize: config.imageSize, trainedWith: { run: config.name } };
  const previous = fs.existsSync(path.join(out, 'config.json')) ? JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8')) : {};
  const keep = previous.refineDefaults ? { refineDefaults: previous.refineDefaults } : {};
  if (fs.existsSync(path.join(run, 'model', 'model.safetensors'))) {
    writeFileAtomic(path.join(out, 'model.safetensors'), fs.readFileSync(path.join(run, 'model', 'model.safetensors')));
    const cfg = JSON.parse(fs.readFileSync(path.join(run, 'model', 'config.json'), 'utf8'));
    writeFileAtomic(path.join(out, 'config.json'), `${JSON.stringify({ ...cfg, ...keep }, null, 2)}\n`);
    return cfg.trainedWith.steps as number;
  }
  const step = await saveModelFromCheckpoint(path.join(run, 'checkpoint.safetensors'), config.model as object, out, { ...extra, ...keep });
  return step;
}

interface Stage { folder: string; steps: number; examples: number; hours: number }

/**
 * The training stages behind a fine-tuned model, oldest first: each `initFrom` folder with its own
 * run_config.json and metrics.jsonl (a model trained here), followed back until a folder has none.
 */
function earlierStages(initFrom: string | undefined): Stage[] {
  const stages: Stage[] = [];
  for (let folder = initFrom; folder && fs.existsSync(path.join(folder, 'run_config.json')); ) {
    const runConfig = JSON.parse(fs.readFileSync(path.join(folder, 'run_config.json'), 'utf8'));
    const steps = JSON.parse(fs.readFileSync(path.join(folder, 'config.json'), 'utf8')).trainedWith.steps as number;
    const records = readJsonl(path.join(folder, 'metrics.jsonl')).filter((r) => r.step <= steps);
    const hours = hoursAt(records);
    stages.unshift({ folder, steps, examples: steps * runConfig.batchSize, hours: hours[hours.length - 1] });
    folder = runConfig.initFrom;
  }
  return stages;
}

/** One card line on the stages before this run and the totals with it. */
function stagesLine(stages: Stage[], step: number, examples: number, hours: number): string {
  if (stages.length === 0) return '';
  const all = [...stages, { folder: 'this run', steps: step, examples, hours }];
  const total = all.reduce((a, x) => ({ examples: a.examples + x.examples, hours: a.hours + x.hours }), { examples: 0, hours: 0 });
  return `\n- All stages: ${all.map((x) => `\`${x.folder}\` ${x.steps} steps, ${x.examples} examples, ${x.hours.toFixed(2)} h`).join('; ')}: **${total.examples} examples in ${total.hours.toFixed(2)} h** of training in all.`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: {
    run: { type: 'string' }, out: { type: 'string' }, compare: { type: 'string' }, evaluation: { type: 'string' }, commit: { type: 'string' },
    ceiling: { type: 'string' }, 'size-evaluation': { type: 'string' }, recipe: { type: 'string', default: 'cpu-real' },
  } });
  if (!values.run || !values.out) throw new Error('model_card_photos: --run and --out must be given.');
  const run = values.run, out = values.out;
  await initBackend();
  fs.mkdirSync(out, { recursive: true });
  const config = JSON.parse(fs.readFileSync(path.join(run, 'config.json'), 'utf8'));
  const step = await exportNetwork(run, out, config);
  writeFileAtomic(path.join(out, 'run_config.json'), fs.readFileSync(path.join(run, 'config.json')));
  const records = readJsonl(path.join(run, 'metrics.jsonl')).filter((r) => r.step <= step);
  writeFileAtomic(path.join(out, 'metrics.jsonl'), `${records.map((r) => JSON.stringify(r)).join('\n')}\n`);
  const runs = [{ label: config.initFrom ? 'ft' : 'scratch', records }];
  let compareConfig: Record<string, unknown> | null = null;
  if (values.compare) {
    compareConfig = JSON.parse(fs.readFileSync(path.join(values.compare, 'config.json'), 'utf8'));
    const other = readJsonl(path.join(values.compare, 'metrics.jsonl'));
    runs.push({ label: compareConfig?.initFrom ? 'ft' : 'scratch', records: other });
    writeFileAtomic(path.join(out, 'comparison_metrics.jsonl'), `${other.map((r) => JSON.stringify(r)).join('\n')}\n`);
  }
  await drawCurves(runs, path.join(out, 'validation.png'));
  const train = records.filter((r) => r.type === 'train');
  const hours = hoursAt(records);
  const meanRate = train.reduce((a, r) => a + (r.examplesPerSec as number), 0) / Math.max(1, train.length);
  const dataEvent = records.find((r) => r.type === 'event' && r.event === 'data');
  const events = records.filter((r) => r.type === 'event' && !['checkpoint', 'data'].includes(r.event as string));
  const evaluation = values.evaluation ? JSON.parse(fs.readFileSync(values.evaluation, 'utf8')) as { rows: PhotoRow[]; backend: string; seconds: number; options: unknown; seeds: number[] } : null;
  if (values.evaluation) writeFileAtomic(path.join(out, 'evaluation_photos.json'), fs.readFileSync(values.evaluation));
  const calibrationFile = path.join(out, 'calibration.json');
  const calibration = fs.existsSync(calibrationFile) ? JSON.parse(fs.readFileSync(calibrationFile, 'utf8')) as Calibration : null;
  const d = config.data;
  const sizeSection = inputSizeSection(values.ceiling, values['size-evaluation'], evaluation?.rows ?? null, config.imageSize, out);
  const card = `# ${path.basename(out)}: a SegRefiner DenoiseUNet trained on real photographs

Generated by \`experiments/model_card_photos.ts\` from the run's committed files (\`run_config.json\`, \`metrics.jsonl\`${evaluation ? ', `evaluation_photos.json`' : ''}${calibration ? ', `calibration.json`' : ''}); no number below is typed by hand.

## What it is
- Network: DenoiseUNet (method.md §2), \`config.json\` → \`unet\` (modelChannels ${config.model.modelChannels}, channelMult [${config.model.channelMult}], numResBlocks ${config.model.numResBlocks}, attention at strides [${config.model.attentionStrides}]); input ${config.imageSize}², diffusion T = ${config.diffusion.numTimesteps}.
- Training data (\`data.kind\` photo-folders): ${dataEvent ? String(dataEvent.summary) : d.roots.join(', ')}. Real photographs with hand-drawn masks (ECSSD, DAVIS-2016 train); the dev pairs were never trained on (they are the validation set).
- Samples: ${Math.round(100 * (1 - d.patchProb))} % whole-object crops (box of GT ∪ coarse + ${d.padSize} px with jitter, resized to ${config.imageSize}²), ${Math.round(100 * d.patchProb)} % full-resolution ${config.imageSize}² boundary patches; flips p = ${d.flipProb}.
- Coarse masks (\`src/data/coarse_mix.ts\`, drawn online per sample): kinds and weights ${JSON.stringify(d.coarse.kinds)}, severity U[${d.coarse.severity}], a second degradation with p = ${d.coarse.secondProb}.
- Start: ${config.initFrom ? `fine-tuned from \`${config.initFrom}\`` : 'random initialisation'}. Recipe \`${values.recipe}\`: batch ${config.batchSize}, AdamW lr ${config.optimizer.lr} (warm-up ${config.lrSchedule.warmupSteps}, ×${config.lrSchedule.gamma} at [${config.lrSchedule.milestones}]), clipping ${config.clipGradNorm || 'off'}${config.ownPredictionRate ? `; own-prediction rate ${config.ownPredictionRate} (\`TrainConfig.ownPredictionRate\`: that share of the samples with t < T−1 take their fine-state pixels from the network's own one-step prediction instead of the ground truth)` : ''}.
- This snapshot: step **${step}** of ${config.steps}, **${step * config.batchSize} examples seen**, ${hours[hours.length - 1].toFixed(2)} h of training (${meanRate.toFixed(2)} examples/s mean) on ${os.cpus().length} × ${os.cpus()[0]?.model.trim()} (wasm backend, native kernels from the resume events on, as they landed: the step times in \`metrics.jsonl\` show each change; other runs and jobs shared the 2 cores)${events.length ? `; events: ${events.map((e) => `${e.event} at ${e.step}`).join(', ')}` : ''}.${stagesLine(earlierStages(config.initFrom), step, step * config.batchSize, hours[hours.length - 1])}
- Code: ${values.commit ? `the run was last resumed from commit ${values.commit}` : "commit not given"}; the run's checkpoint (weights, AdamW moments, step, RNG; kept in the repo because run folders do not outlive a session) is \`run/checkpoint.safetensors\`: continue the run exactly with \`mkdir -p runs/${config.name} && cp ${out}/run_config.json runs/${config.name}/config.json && cp ${out}/metrics.jsonl ${out}/run/checkpoint.safetensors runs/${config.name}/ && npx segrefiner train --resume runs/${config.name}\`.

## Validation during training (dev, crops at the model size; IoU / mBA, %)
${validationTable(records)}

![dev IoU against training hours](validation_iou.png)
![dev mBA against training hours](validation_mba.png)
${compareConfig ? `\nThe curves compare this run with \`${values.compare}\` (${compareConfig.initFrom ? 'fine-tuned' : 'from scratch'}, otherwise the same recipe, run side by side on the same machine); its records are in \`comparison_metrics.jsonl\`.\n` : ''}
${sizeSection}
${calibration ? calibrationSection(calibration) : inheritedCalibration(out, config.initFrom)}
${evaluation ? `## Evaluation on dev (\`experiments/evaluate_photos.ts\`, ${evaluation.backend}, ${evaluation.seconds.toFixed(0)} s)
Full resolution through \`SegRefiner.refine\` with the model's defaults \`${JSON.stringify(evaluation.options)}\`; mean ± std over sampling seeds [${evaluation.seeds}]. Coarse kinds: \`modify-boundary\` = \`segrefiner coarsen --seed 0\` (upstream's), \`gentle\` = \`segrefiner coarsen --kind gentle --seed 0\` (one light real-segmenter error per mask, src/data/coarse_mix.ts).

${formatPhotoRows(evaluation.rows)}
` : ''}`;
  writeFileAtomic(path.join(out, 'MODEL_CARD.md'), card);
  console.log(`wrote ${out} (step ${step}) and its MODEL_CARD.md`);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.stack : e);
  process.exit(1);
});
