/**
 * The training loop (issue "Training"): owns the network, the diffusion schedule, the data, AdamW and
 * the run folder `<outDir>/<name>/`:
 *   config.json                 the resolved config, written before step 0
 *   metrics.jsonl               {type:'train'} averages every logEvery steps, {type:'val'}, {type:'event'}
 *   checkpoint.safetensors      the latest checkpoint (model + optimizer + step + RNG), atomic
 *   checkpoint.prev.safetensors the checkpoint before it: the fallback if the latest cannot be read
 *   train.lock                  the trainer using the folder (pid, host, start), while it runs
 *   samples/step_<n>.png        coarse | refined | ground truth of the first validation scenes
 *   model/                      the final network in our model format (saveModelDir)
 *   data_skipped.json           folder data kinds: every file or annotation the sampler skipped, with the reason
 * `resume` continues from the latest readable checkpoint exactly (same RNG stream, optimizer moments
 * and lr), after cutting metrics.jsonl back to its step (run_folder.ts, run_checkpoints.ts,
 * metrics_log.ts say how a killed run is cleaned up). requestStop() ends the run after the current step.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { createSchedule, Schedule } from '../diffusion/schedule';
import { loadModelDir, saveModelDir } from '../model/checkpoint/model_dir';
import { DenoiseUNet } from '../model/unet';
import { writeFileAtomic } from '../util/atomic_write';
import { createRng, Rng } from '../util/rng';
import { grayToPng } from '../vis/to_png';
import { AdamW } from './adamw';
import { loadTrainCheckpoint, NonFiniteCheckpointError, TrainState } from './checkpoint';
import { learningRate, TrainConfig } from './config';
import { openTrainSource, TrainFeed } from './train_feed';
import { Progress } from './progress';
import { drawSyntheticSample, HostSample } from '../data/samplers/synthetic_sampler';
import { appendMetricsRecord, truncateMetricsLog } from './metrics_log';
import { hasRunCheckpoint, loadRunCheckpoint, saveRunCheckpoint } from './run_checkpoints';
import { CHECKPOINT_FILE, METRICS_FILE, openRunFolder, OpenedRunFolder } from './run_folder';
import { disposeBatch, toTrainBatch } from './train_batch';
import { NonFiniteLossError, StepStats, trainStep } from './train_step';
import { folderValidationSets, refineSamples, validate, validationSamples, ValidationResult, ValidationSet } from './validation';

export interface TrainLoopOptions {
  /** Continue the run in config's folder from its checkpoint. */
  resume?: boolean;
  /** Stop after this many steps in this process (for tests and time-boxed runs); the config's total is unchanged. */
  maxStepsThisRun?: number;
  /** Where progress goes (default stdout, bar on a TTY). */
  progress?: Progress;
  /** Skip validation and samples (tests). */
  skipValidation?: boolean;
}

export interface TrainSummary {
  runDir: string;
  step: number;
  lastValidation: ValidationResult | null;
  wallSeconds: number;
  /** Why the run ended before its stop step (requestStop), else null. */
  stopped: string | null;
  /** The step of the run's latest checkpoint (written or resumed from); null if it has none. */
  checkpointStep: number | null;
}

export class CollapseError extends Error {}

export class TrainLoop {
  readonly runDir: string;
  private readonly schedule: Schedule;
  private readonly unet: DenoiseUNet;
  private readonly optimizer: AdamW;
  private rng: Rng;
  private state: TrainState;
  private lowIouStreak = 0;
  private valSets: ValidationSet[] | null = null;
  /** The prefetching sampler of a folder data.kind, opened at the first step. */
  private feed: TrainFeed | null = null;
  private stopReason: string | null = null;
  private checkpointStep: number | null = null;

  constructor(readonly config: TrainConfig, private readonly opts: TrainLoopOptions = {}) {
    this.runDir = path.join(config.outDir, config.name);
    this.schedule = createSchedule(config.diffusion);
    this.unet = config.initFrom && !opts.resume ? initialWeights(config) : DenoiseUNet.create(config.model, config.seed);
    this.optimizer = new AdamW(config.optimizer);
    this.rng = createRng(config.seed + 1);
    this.state = { step: 0, rngState: this.rng.state(), lrScale: 1, rollbacks: 0 };
  }

  get network(): DenoiseUNet {
    return this.unet;
  }

  /**
   * Ends the run after the step in progress (a signal, a dead parent process): run() then returns
   * with `stopped` set, keeping the last checkpoint and releasing the folder's lock.
   */
  requestStop(reason: string): void {
    this.stopReason ??= reason;
  }

  /** Trains in the run folder, holding its lock throughout (LockHeldError if another trainer has it). */
  async run(): Promise<TrainSummary> {
    const t0 = Date.now();
    const folder = openRunFolder(this.runDir);
    try {
      const notes = this.prepareRunDir(folder);
      const progress = this.opts.progress ?? new Progress(this.config.steps, this.state.step, this.config.logEvery);
      notes.forEach((n) => progress.note(n));
      return await this.trainSteps(progress, t0);
    } finally {
      folder.lock.release();
    }
  }

  private async trainSteps(progress: Progress, t0: number): Promise<TrainSummary> {
    const c = this.config;
    const stopAt = Math.min(c.steps, this.state.step + (this.opts.maxStepsThisRun ?? Infinity));
    let window: StepStats[] = [], windowMs = 0, lastVal: ValidationResult | null = null;
    while (this.state.step < stopAt) {
      // Let signal handlers and timers run (requestStop): on the wasm and cpu backends every await of a
      // step resolves as a microtask, so without this the event loop would not turn until the run ends.
      await new Promise((resolve) => setImmediate(resolve));
      if (this.stopReason !== null) break;
      const lr = learningRate(c, this.state.step) * this.state.lrScale;
      const stepStart = performance.now();
      let stats: StepStats;
      try {
        stats = await this.oneStep(lr);
      } catch (error) {
        if (!(error instanceof NonFiniteLossError)) throw error;
        await this.onCollapse(`non-finite loss at step ${this.state.step}: ${error.message}`, progress);
        continue;
      }
      this.state.step += 1;
      window.push(stats);
      windowMs += performance.now() - stepStart;
      const examplesPerSec = (window.length * c.batchSize) / (windowMs / 1000);
      progress.update(this.state.step, stats.loss, stats.iou, examplesPerSec);
      if (this.state.step % c.logEvery === 0 || this.state.step === stopAt) {
        this.logTrain(window, windowMs, lr);
        window = [];
        windowMs = 0;
      }
      if (await this.collapsed(stats, progress)) continue;
      const atEnd = this.state.step === c.steps;
      if (!this.opts.skipValidation && (this.state.step % c.validation.every === 0 || atEnd)) lastVal = await this.runValidation(progress);
      if (this.state.step % c.checkpointEvery === 0 || this.state.step === stopAt) await this.saveCheckpoint(progress);
    }
    if (this.state.step === c.steps) await saveModelDir(path.join(this.runDir, 'model'), this.unet, this.modelExtra());
    return {
      runDir: this.runDir, step: this.state.step, lastValidation: lastVal, wallSeconds: (Date.now() - t0) / 1000,
      stopped: this.state.step < stopAt ? this.stopReason : null, checkpointStep: this.checkpointStep,
    };
  }

  dispose(): void {
    this.unet.dispose();
    this.optimizer.dispose();
  }

  /** config.json fields that describe how to use the trained network. */
  modelExtra(): Record<string, unknown> {
    return { diffusion: this.config.diffusion, imageSize: this.config.imageSize, trainedWith: { run: this.config.name, steps: this.state.step } };
  }

  /** With the folder locked: resume or start fresh, then log what opening the folder cleaned up. Returns notes for the user. */
  private prepareRunDir(folder: OpenedRunFolder): string[] {
    const notes = [...folder.notes];
    if (this.opts.resume) {
      notes.push(...this.resumeFromCheckpoint());
    } else {
      if (hasRunCheckpoint(this.runDir)) throw new Error(`TrainLoop: ${this.runDir} already holds a checkpoint; pass --resume to continue it or choose another name.`);
      writeFileAtomic(path.join(this.runDir, 'config.json'), `${JSON.stringify(this.config, null, 2)}\n`);
      fs.rmSync(path.join(this.runDir, METRICS_FILE), { force: true });
    }
    if (folder.lock.tookOverFrom) this.appendMetrics({ type: 'event', step: this.state.step, event: 'stale-lock', holder: folder.lock.tookOverFrom });
    if (folder.removedTempFiles.length) this.appendMetrics({ type: 'event', step: this.state.step, event: 'temp-files-removed', files: folder.removedTempFiles });
    return notes;
  }

  /** Restores the latest readable checkpoint and cuts the log back to its step (the later steps are replayed). */
  private resumeFromCheckpoint(): string[] {
    const loaded = loadRunCheckpoint(this.runDir, this.unet, this.optimizer);
    this.state = loaded.state;
    this.rng = createRng(0, this.state.rngState);
    this.checkpointStep = this.state.step;
    const dropped = truncateMetricsLog(path.join(this.runDir, METRICS_FILE), this.state.step);
    const notes: string[] = [];
    if (loaded.fallback) notes.push(`resuming from the previous checkpoint ${loaded.file} (step ${this.state.step}): the latest, ${loaded.fallback.skipped}, cannot be read: ${loaded.fallback.reason}`);
    if (dropped.afterStep + dropped.unreadable > 0) {
      notes.push(`${METRICS_FILE} cut back to step ${this.state.step}: dropped ${dropped.afterStep} record(s) of later steps (they are replayed) and ${dropped.unreadable} unreadable line(s)`);
    }
    this.appendMetrics({ type: 'event', step: this.state.step, event: 'resume', from: loaded.file, ...(loaded.fallback ? { fallback: loaded.fallback } : {}), dropped });
    this.recordConfigChange();
    return notes;
  }

  /** On resume with overrides (`--set`), rewrites config.json and logs what changed, so the run folder stays truthful. */
  private recordConfigChange(): void {
    const file = path.join(this.runDir, 'config.json');
    const saved = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    const now = `${JSON.stringify(this.config, null, 2)}\n`;
    if (saved === now) return;
    writeFileAtomic(file, now);
    this.appendMetrics({ type: 'event', step: this.state.step, event: 'config-change', before: saved ? JSON.parse(saved) : null, after: this.config });
  }

  private async oneStep(lr: number): Promise<StepStats> {
    const c = this.config;
    const samples = c.data.kind === 'synthetic'
      ? Array.from({ length: c.batchSize }, () => drawSyntheticSample(this.rng, c.imageSize, c.data.flipProb))
      : await this.folderBatch();
    const batch = toTrainBatch(samples);
    try {
      return await trainStep(this.unet, this.schedule, this.optimizer, batch, this.rng, { lr, clipGradNorm: c.clipGradNorm, ownPredictionRate: c.ownPredictionRate });
    } finally {
      disposeBatch(batch);
    }
  }

  /**
   * The batch of this step from the data.kind sampler. Its draws depend on (seed, rollbacks, step)
   * only, not on this.rng, so a resume or a rollback needs no extra checkpoint state.
   */
  private async folderBatch(): Promise<HostSample[]> {
    if (!this.feed) {
      const opened = await openTrainSource(this.config, (issue) => this.appendMetrics({ type: 'event', step: this.state.step, event: 'data-issue', ...issue }));
      // every skipped file or annotation with its reason, so nothing is dropped silently
      writeFileAtomic(path.join(this.runDir, 'data_skipped.json'), `${JSON.stringify(opened.skipped, null, 1)}\n`);
      this.appendMetrics({ type: 'event', step: this.state.step, event: 'data', kind: this.config.data.kind, summary: opened.summary, skipped: opened.skipped.length, skippedList: 'data_skipped.json' });
      this.feed = new TrainFeed(opened.source, this.config.batchSize);
    }
    return this.feed.batch(this.state.step, this.state.rollbacks);
  }

  private logTrain(window: StepStats[], windowMs: number, lr: number): void {
    const mean = (f: (s: StepStats) => number) => window.reduce((a, s) => a + f(s), 0) / window.length;
    this.appendMetrics({
      type: 'train', step: this.state.step, loss: mean((s) => s.loss), bce: mean((s) => s.bce), texture: mean((s) => s.texture),
      iou: mean((s) => s.iou), gradNorm: mean((s) => s.gradNorm), lr, stepMs: windowMs / window.length,
      examplesPerSec: (window.length * this.config.batchSize) / (windowMs / 1000), tensors: tf.memory().numTensors,
    });
  }

  /** Collapse guard: train IoU below the threshold for `patience` consecutive steps. */
  private async collapsed(stats: StepStats, progress: Progress): Promise<boolean> {
    const g = this.config.collapse;
    this.lowIouStreak = stats.iou < g.iouBelow ? this.lowIouStreak + 1 : 0;
    if (this.lowIouStreak < g.patience) return false;
    this.lowIouStreak = 0;
    await this.onCollapse(`train IoU below ${g.iouBelow} for ${g.patience} steps (collapse, method.md §7) at step ${this.state.step}`, progress);
    return true;
  }

  private async onCollapse(reason: string, progress: Progress): Promise<void> {
    const g = this.config.collapse;
    const checkpoint = path.join(this.runDir, CHECKPOINT_FILE);
    const canRollback = g.action === 'rollback' && this.state.rollbacks < g.maxRollbacks && fs.existsSync(checkpoint);
    this.appendMetrics({ type: 'event', step: this.state.step, event: 'collapse', reason, action: canRollback ? 'rollback' : 'stop' });
    if (!canRollback) {
      throw new CollapseError(`TrainLoop: training collapsed: ${reason}. Stopped (collapse.action '${g.action}', rollbacks used ${this.state.rollbacks}/${g.maxRollbacks}); try a lower optimizer.lr or clipGradNorm > 0.`);
    }
    const rollbacks = this.state.rollbacks + 1, lrScale = this.state.lrScale * g.lrFactor;
    this.state = { ...loadTrainCheckpoint(checkpoint, this.unet, this.optimizer), rollbacks, lrScale };
    this.rng = createRng(0, this.state.rngState);
    this.rng.uniform(); // step off the saved stream so the retry does not replay the same batches
    progress.note(`collapse guard: ${reason}; rolled back to step ${this.state.step}, lr ×${lrScale}`);
    this.appendMetrics({ type: 'event', step: this.state.step, event: 'rollback', lrScale, rollbacks });
  }

  /** Validates on every set (held-out synthetic scenes, or the validation folders); returns the first set's result. */
  private async runValidation(progress: Progress): Promise<ValidationResult> {
    const c = this.config;
    this.valSets ??= c.validation.roots.length
      ? await folderValidationSets(c.validation.roots, c.imageSize)
      : [{ name: 'synthetic', samples: validationSamples(c.validation.numScenes, c.imageSize, c.seed) }];
    const results: ValidationResult[] = [];
    for (const set of this.valSets) {
      const t0 = performance.now();
      const result = await validate(this.unet.denoiser, this.schedule, set.samples, c.validation.indices, c.seed);
      results.push(result);
      this.appendMetrics({ type: 'val', step: this.state.step, set: set.name, ...result, ms: performance.now() - t0 });
      progress.note(`validation @${this.state.step} ${set.name}: IoU ${fmt(result.coarse.meanIou)} → ${fmt(result.refined.meanIou)}, mBA ${fmt(result.coarse.mba)} → ${fmt(result.refined.mba)}`);
    }
    if (this.state.step % c.sampleEvery === 0 || this.state.step === c.steps) await this.writeSamples();
    return results[0];
  }

  private async writeSamples(): Promise<void> {
    const samples = (this.valSets as ValidationSet[])[0].samples.slice(0, 4);
    const refined = await refineSamples(this.unet.denoiser, this.schedule, samples, this.config.validation.indices, this.config.seed);
    const { height: h, width: w } = samples[0].gt;
    const grid = new Float32Array(samples.length * h * 3 * w);
    samples.forEach((s, i) => [s.coarse, refined[i], s.gt].forEach((m, col) => {
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) grid[(i * h + y) * 3 * w + col * w + x] = m.data[y * w + x];
    }));
    const file = path.join(this.runDir, 'samples', `step_${String(this.state.step).padStart(6, '0')}.png`);
    writeFileAtomic(file, await grayToPng(grid, samples.length * h, 3 * w));
  }

  /** Writes the checkpoint, keeping the one before; non-finite weights are a collapse (the last good checkpoint stays). */
  private async saveCheckpoint(progress: Progress): Promise<void> {
    this.state.rngState = this.rng.state();
    try {
      await saveRunCheckpoint(this.runDir, this.unet, this.optimizer, this.state);
    } catch (error) {
      if (!(error instanceof NonFiniteCheckpointError)) throw error;
      await this.onCollapse(error.message, progress);
      return;
    }
    this.checkpointStep = this.state.step;
    this.appendMetrics({ type: 'event', step: this.state.step, event: 'checkpoint' });
  }

  private appendMetrics(record: Record<string, unknown>): void {
    appendMetricsRecord(path.join(this.runDir, METRICS_FILE), record);
  }
}

/** The network of the model folder `initFrom` (fine-tuning); its network config must equal the run's. */
function initialWeights(c: TrainConfig): DenoiseUNet {
  const { unet } = loadModelDir(c.initFrom);
  if (JSON.stringify(unet.config) !== JSON.stringify(c.model)) {
    unet.dispose();
    throw new Error(`TrainLoop: initFrom ${c.initFrom} must hold a network of the run's model config ${JSON.stringify(c.model)}, but it holds ${JSON.stringify(unet.config)}.`);
  }
  return unet;
}

function fmt(x: number): string {
  return (100 * x).toFixed(2);
}
