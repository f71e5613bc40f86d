/**
 * The training feed of a folder data.kind: the kind's sampler (data/samplers), opened for a TrainConfig,
 * behind a prefetching pipeline; step s takes draws [s·d, (s+1)·d) of stream = the rollback count, so a
 * checkpoint needs to store nothing about the data.
 */
import { SkippedFile } from '../data/folder_loaders';
import { SamplerIssue } from '../data/samplers/crop_sample';
import { HrPatchSampler } from '../data/samplers/hr_sampler';
import { LrObjectSampler } from '../data/samplers/lr_sampler';
import { PhotoFolderSampler } from '../data/samplers/photo_sampler';
import { PrefetchPipeline, SampleSource } from '../data/samplers/prefetch';
import type { HostSample } from '../data/samplers/synthetic_sampler';
import { TrainConfig } from './config';

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
