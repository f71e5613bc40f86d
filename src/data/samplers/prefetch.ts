/**
 * Prefetching for the folder samplers (lr_sampler.ts, hr_sampler.ts, photo_sampler.ts). Decoding with sharp runs in
 * libuv's thread pool, so draws started before a training step decode while the step computes; the
 * pipeline keeps `depth` draws in flight ahead of the consumer. The crops, resizes and coarse masks
 * of a draw are plain JavaScript: they run on the main thread whenever it yields.
 *
 * Determinism: a sampler's draw k is a pure function of (seed, stream, k), so prefetching, the order
 * in which draws finish, and a resume change nothing. The pipeline's whole state is its position
 * {stream, next}; train/train_feed.ts derives it from the training step (step s uses draws
 * [s·d, (s+1)·d)) and the rollback count (the stream), so a checkpoint needs to store nothing more.
 */
import { SampleDraw } from './crop_sample';

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
