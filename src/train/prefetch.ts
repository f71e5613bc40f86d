/**
 * Prefetching for the folder samplers (lr_sampler.ts, hr_sampler.ts). Decoding with sharp runs in
 * libuv's thread pool, so draws started before a training step decode while the step computes; the
 * pipeline keeps `depth` draws in flight ahead of the consumer. The crops, resizes and coarse masks
 * of a draw are plain JavaScript: they run on the main thread whenever it yields.
 *
 * Determinism: a sampler's draw k is a pure function of (seed, stream, k), so prefetching, the order
 * in which draws finish, and a resume change nothing. The pipeline's whole state is its position
 * {stream, next}; TrainFeed derives it from the training step (step s uses draws [s·d, (s+1)·d)) and
 * the rollback count (the stream), so a checkpoint needs to store nothing more.
 */
import { SkippedFile } from '../data/folder_loaders';
import { TrainConfig } from './config';
import { SampleDraw, SamplerIssue } from './crop_sample';
import { HrPatchSampler } from './hr_sampler';
import { LrObjectSampler } from './lr_sampler';
import { PhotoFolderSampler } from './photo_sampler';
import { HostSample } from './synthetic_batches';

/** Anything that makes draws by index: LrObjectSampler, HrPatchSampler. */
export interface SampleSource {
  /** Samples in one draw (1 for LR, 2 for HR). */
  readonly samplesPerDraw: number;
  /** Draw `index` of stream `stream`; the same arguments give the same draw. */
  draw(index: number, stream: number): Promise<SampleDraw>;
}

/** Where a pipeline is: the next draw it hands out is `next` of stream `stream`. Save it to resume. */
export interface PipelinePosition {
  stream: number;
  next: number;
}

type Settled = { ok: true; draw: SampleDraw } | { ok: false; error: unknown };

export class PrefetchPipeline {
  private queue: { index: number; result: Promise<Settled> }[] = [];
  private position: PipelinePosition;
  private readonly inFlight = new Set<Promise<Settled>>();

  /**
   * @param depth draws kept in flight ahead of the consumer (≥ 1)
   * @param start the first draw handed out (default draw 0 of stream 0)
   */
  constructor(private readonly source: SampleSource, readonly depth: number, start: PipelinePosition = { stream: 0, next: 0 }) {
    if (!Number.isInteger(depth) || depth < 1) throw new Error(`PrefetchPipeline: depth must be a positive integer, but got ${depth}.`);
    checkPosition(start);
    this.position = { ...start };
  }

  /** The position of the next draw to hand out (what a checkpoint would save). */
  state(): PipelinePosition {
    return { ...this.position };
  }

  /** Draws started and not yet handed out. */
  get queued(): number {
    return this.queue.length;
  }

  /** Moves to `position`; draws queued for the old position are dropped (their results are ignored). */
  seek(position: PipelinePosition): void {
    checkPosition(position);
    this.queue = [];
    this.position = { ...position };
  }

  /** The next `n` draws in index order; the queue is refilled before waiting, so decoding overlaps. */
  async take(n = 1): Promise<SampleDraw[]> {
    this.fill(n);
    const heads = this.queue.splice(0, n);
    this.position.next += n;
    this.fill(0);
    const settled = await Promise.all(heads.map((h) => h.result));
    const failed = settled.find((s) => !s.ok);
    if (failed && !failed.ok) throw failed.error;
    return settled.map((s) => (s as { draw: SampleDraw }).draw);
  }

  /** Waits for every started draw, including dropped ones (before exiting or deleting files). */
  async drain(): Promise<void> {
    await Promise.all([...this.inFlight]);
  }

  /** Starts draws until `extra` + depth are queued. */
  private fill(extra: number): void {
    while (this.queue.length < this.depth + extra) {
      const index = this.position.next + this.queue.length;
      // a draw never rejects here: an error is kept and rethrown by take(), so a prefetched draw
      // that is never taken cannot become an unhandled rejection
      const result: Promise<Settled> = this.source.draw(index, this.position.stream).then(
        (draw) => ({ ok: true as const, draw }), (error: unknown) => ({ ok: false as const, error }));
      this.inFlight.add(result);
      void result.then(() => this.inFlight.delete(result));
      this.queue.push({ index, result });
    }
  }
}

function checkPosition(p: PipelinePosition): void {
  if (!Number.isInteger(p.stream) || !Number.isInteger(p.next) || p.next < 0) {
    throw new Error(`PrefetchPipeline: a position must be integer {stream, next ≥ 0}, but got ${JSON.stringify(p)}.`);
  }
}

/** Training batches from a SampleSource: step s takes draws [s·d, (s+1)·d), d = batchSize / samplesPerDraw. */
export class TrainFeed {
  readonly drawsPerStep: number;
  readonly pipeline: PrefetchPipeline;

  /** @param aheadSteps whole batches kept in flight ahead of the current one */
  constructor(readonly source: SampleSource, readonly batchSize: number, aheadSteps = 1) {
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize % source.samplesPerDraw !== 0) {
      throw new Error(`TrainFeed: batchSize must be a positive multiple of the sampler's ${source.samplesPerDraw} samples per draw, but got ${batchSize}.`);
    }
    this.drawsPerStep = batchSize / source.samplesPerDraw;
    this.pipeline = new PrefetchPipeline(source, this.drawsPerStep * aheadSteps);
  }

  /** The samples of training step `step` in stream `stream` (the rollback count), in draw order. */
  async batch(step: number, stream = 0): Promise<HostSample[]> {
    const want = { stream, next: step * this.drawsPerStep };
    const at = this.pipeline.state();
    if (at.stream !== want.stream || at.next !== want.next) this.pipeline.seek(want);
    const draws = await this.pipeline.take(this.drawsPerStep);
    return draws.flatMap((d) => d.samples);
  }
}

/** A sampler opened for a TrainConfig, with what it skipped. */
export interface OpenedSource {
  source: SampleSource;
  /** Files or annotations that give no sample, with the reason. */
  skipped: SkippedFile[];
  /** A one-line description for logs. */
  summary: string;
}

/**
 * Opens the sampler of `c.data.kind` ('coco-instances' → LrObjectSampler, 'hr-folder' →
 * HrPatchSampler, 'photo-folders' → PhotoFolderSampler) at the model size, with the run's seed and
 * flip probability.
 */
export async function openTrainSource(c: TrainConfig, onIssue?: (issue: SamplerIssue) => void): Promise<OpenedSource> {
  const common = { size: c.imageSize, seed: c.seed, flipProb: c.data.flipProb, onIssue };
  if (c.data.kind === 'coco-instances') {
    const s = await LrObjectSampler.open({ ...common, root: c.data.root, annotations: c.data.annotations });
    return { source: s, skipped: s.skipped, summary: `${s.numInstances} instances in ${s.images.length} images (${s.skipped.length} annotations/images skipped)` };
  }
  if (c.data.kind === 'hr-folder') {
    const s = HrPatchSampler.open({ ...common, root: c.data.root });
    const items = s.dataset.items, offline = items.filter((i) => i.coarseFile && i.expandFile).length;
    return { source: s, skipped: s.skipped, summary: `${items.length} items, ${offline} with both offline coarse masks (${s.skipped.length} files skipped)` };
  }
  if (c.data.kind === 'photo-folders') {
    const d = c.data;
    const s = PhotoFolderSampler.open({ ...common, roots: d.roots, weights: d.rootWeights, coarse: d.coarse, patchProb: d.patchProb, padSize: d.padSize });
    const perRoot = s.sources.map((r) => `${r.root}: ${r.items.length} pairs, weight ${r.weight}`).join('; ');
    return { source: s, skipped: s.skipped, summary: `${s.numItems} photo pairs (${perRoot}; ${s.skipped.length} files skipped)` };
  }
  throw new Error(`openTrainSource: data.kind must be 'coco-instances', 'hr-folder' or 'photo-folders', but got '${c.data.kind}'.`);
}
