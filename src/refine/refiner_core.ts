/**
 * SegRefiner without a file system: the one-call refinement API, shaped like SAM's predictor (style
 * B9). Build it from a network, a denoiser or a model folder's files in memory, `setImage` once per
 * image, then `refine` / `refineBatch` coarse masks of that image:
 *
 *   const refiner = SegRefinerCore.fromModelFiles(files);  // config.json text + model.safetensors bytes
 *   refiner.setImage(image);                               // RgbImage, HWC bytes
 *   const { mask, probs, confidence } = await refiner.refine(coarse, { steps: 6, seed: 1 });
 *   refiner.dispose();
 *
 * Every map is at the input resolution, row-major. Two paths (method.md §4): 'instance' (crop around
 * the mask, resize to the model size, paste back) and 'hr' (global pass + full-resolution patches).
 * Nothing here imports a Node module, so a browser bundle (the web page) runs the same code; Node's
 * SegRefiner (refiner.ts) adds loading from a path.
 */
import type { Denoiser } from '../diffusion/discrete_diffusion';
import { DiffusionConfig } from '../diffusion/config';
import { createSchedule } from '../diffusion/schedule';
import { parseModelConfig, unetFromModelFiles, type ModelDirConfig, type ModelFiles } from '../model/checkpoint/model_files';
import { checkImageSize } from '../model/config';
import { DenoiseUNet } from '../model/unet';
import type { BinaryMask, RgbImage } from '../types';
import { createRng } from '../util/rng';
import { refineHighResolution } from './high_resolution';
import { instanceBox, refineInstances } from './instance';
import {
  RefineEngine, RefineOptions, RefineOptionsInput, RefineResult, resolveRefineOptions, stageIndices,
} from './options';

/** What a denoiser needs besides itself: the square input side and the diffusion it was trained with. */
export interface SegRefinerSettings {
  /** Side of the network's square input (256 for the paper's models). */
  imageSize: number;
  /** Diffusion config (the paper's by default). */
  diffusion?: Partial<DiffusionConfig>;
  /** The model's default for RefineOptions.autoHrFactor (null: 'auto' always picks 'instance'). */
  autoHrFactor?: number | null;
  /**
   * The model's own defaults for refine options (config.json `refineDefaults`, calibrated for that
   * model, e.g. mode, steps, gate); a caller's options override them, and a caller's `steps` or
   * `indices` replaces both of the defaults'.
   */
  refineDefaults?: RefineOptionsInput;
}

/** The keys a model folder's `refineDefaults` may set (per-call things like onStep or seed are the caller's). */
const MODEL_DEFAULT_KEYS = ['mode', 'steps', 'indices', 'deterministic', 'gate', 'batchSize', 'instance', 'hr'];

/** Checks config.json `refineDefaults`: an object of known keys whose values resolve. */
function checkRefineDefaults(value: unknown, where: string): RefineOptionsInput {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new Error(`${where}: config.json 'refineDefaults' must be an object, but got ${JSON.stringify(value)}.`);
  const unknown = Object.keys(value).filter((k) => !MODEL_DEFAULT_KEYS.includes(k));
  if (unknown.length) throw new Error(`${where}: config.json 'refineDefaults' may set ${MODEL_DEFAULT_KEYS.join(', ')}, but has ${unknown.join(', ')}.`);
  resolveRefineOptions(value as RefineOptionsInput, `${where}: config.json 'refineDefaults'`);
  return value as RefineOptionsInput;
}

/** The caller's options over the model's defaults; the caller's steps/indices replace the defaults' step choice. */
export function withModelDefaults(defaults: RefineOptionsInput, input: RefineOptionsInput): RefineOptionsInput {
  const given = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) as RefineOptionsInput;
  const base = { ...defaults };
  if (given.steps !== undefined || given.indices !== undefined) {
    delete base.steps;
    delete base.indices;
  }
  return { ...base, ...given, instance: { ...base.instance, ...given.instance }, hr: { ...base.hr, ...given.hr } };
}

/**
 * The refiner settings a model folder's config.json gives: `imageSize` (required), `autoHrFactor`,
 * `diffusion` and `refineDefaults`, checked before any weight is read.
 */
export function refinerSettingsOf(config: ModelDirConfig, where: string): SegRefinerSettings {
  const { imageSize, autoHrFactor } = config;
  if (typeof imageSize !== 'number') throw new Error(`${where}: config.json must give the model's input side 'imageSize', but it is missing.`);
  if (autoHrFactor !== undefined && autoHrFactor !== null && !(typeof autoHrFactor === 'number' && autoHrFactor > 0)) {
    throw new Error(`${where}: config.json 'autoHrFactor' must be a positive number or null, but got ${JSON.stringify(autoHrFactor)}.`);
  }
  const refineDefaults = checkRefineDefaults(config.refineDefaults, where);
  return { imageSize, diffusion: config.diffusion as Partial<DiffusionConfig> | undefined, autoHrFactor: autoHrFactor ?? null, refineDefaults };
}

/** Input side of the official checkpoints (configs/segrefiner: model_size 256). */
export const PAPER_MODEL_SIZE = 256;

/**
 * The path 'auto' takes: 'hr' when `hrFactor` is set, the mask's padded box has a side longer than
 * hrFactor × the model size (the instance path would shrink the object more than that), and the
 * image is at least a patch on both sides; else 'instance'. Deciding on the box rather than the
 * image keeps small objects in large photos on the cheaper and sharper instance path.
 */
export function chooseMode(mask: BinaryMask, modelSize: number, padWidth: number, hrFactor: number | null): 'instance' | 'hr' {
  if (hrFactor === null) return 'instance';
  const box = instanceBox(mask, padWidth);
  const longSide = Math.max(box[2] - box[0], box[3] - box[1]);
  const fitsPatch = mask.height >= modelSize && mask.width >= modelSize;
  return longSide > hrFactor * modelSize && fitsPatch ? 'hr' : 'instance';
}

function countForeground(mask: BinaryMask): number {
  let n = 0;
  for (let i = 0; i < mask.data.length; i++) n += mask.data[i];
  return n;
}

/** A mask returned as is: probabilities are the mask, confidence 1. */
function passThrough(mask: BinaryMask, mode: 'instance' | 'hr', reason: 'small-area' | 'few-foreground', empty: boolean): RefineResult {
  const data = empty ? new Uint8Array(mask.data.length) : mask.data.slice();
  return {
    mask: { data, height: mask.height, width: mask.width }, probs: Float32Array.from(data),
    confidence: new Float32Array(data.length).fill(1), mode, passedThrough: reason, patches: 0,
  };
}

/** Threshold at 0.5, confidence 2·|p − 0.5|, then the do-no-harm gate if set. */
function finish(probs: Float32Array, coarse: BinaryMask, mode: 'instance' | 'hr', patches: number, o: RefineOptions): RefineResult {
  const data = new Uint8Array(probs.length), confidence = new Float32Array(probs.length);
  for (let i = 0; i < probs.length; i++) {
    confidence[i] = 2 * Math.abs(probs[i] - 0.5);
    data[i] = o.gate && confidence[i] < o.gate.threshold ? coarse.data[i] : probs[i] >= 0.5 ? 1 : 0;
  }
  return { mask: { data, height: coarse.height, width: coarse.width }, probs, confidence, mode, passedThrough: null, patches };
}

export class SegRefinerCore {
  private image: RgbImage | null = null;
  private disposed = false;

  protected constructor(private readonly engine: RefineEngine, private readonly unet: DenoiseUNet | null,
    private readonly autoHrFactor: number | null, private readonly defaults: RefineOptionsInput = {}) {}

  /** The model's own refine defaults (config.json `refineDefaults`; {} when it has none). */
  get refineDefaults(): RefineOptionsInput {
    return structuredClone(this.defaults);
  }

  /**
   * A refiner from a model folder's files in memory (our format: config.json must give `imageSize`
   * and may give `autoHrFactor` and `refineDefaults`). The caller fetches or reads the files.
   * @param where names the model in errors
   */
  static fromModelFiles(files: ModelFiles, where = `SegRefinerCore.fromModelFiles(${files.configName})`): SegRefinerCore {
    const settings = refinerSettingsOf(parseModelConfig(files.configText, files.where, files.configName), where);
    const { unet } = unetFromModelFiles(files);
    try {
      return SegRefinerCore.fromUNet(unet, settings);
    } catch (error) {
      unet.dispose();
      throw error;
    }
  }

  /** A refiner around a network it then owns (disposed with the refiner). */
  static fromUNet(unet: DenoiseUNet, settings: SegRefinerSettings): SegRefinerCore {
    const where = 'SegRefiner.fromUNet';
    checkImageSize(unet.config, settings.imageSize, where);
    const schedule = createSchedule(settings.diffusion ?? {});
    if (schedule.numTimesteps !== unet.config.numTimesteps) {
      throw new Error(`${where}: the diffusion must have the network's ${unet.config.numTimesteps} timesteps, but has ${schedule.numTimesteps}.`);
    }
    return new SegRefinerCore({ denoise: unet.denoiser, schedule, modelSize: settings.imageSize }, unet, settings.autoHrFactor ?? null, settings.refineDefaults);
  }

  /** A refiner around any denoiser (tests, other networks); the caller keeps ownership of it. */
  static fromDenoiser(denoise: Denoiser, settings: SegRefinerSettings): SegRefinerCore {
    if (!Number.isInteger(settings.imageSize) || settings.imageSize < 2 || settings.imageSize % 2 !== 0) {
      throw new Error(`SegRefiner.fromDenoiser: imageSize must be an even integer ≥ 2, but got ${settings.imageSize}.`);
    }
    return new SegRefinerCore({ denoise, schedule: createSchedule(settings.diffusion ?? {}), modelSize: settings.imageSize }, null, settings.autoHrFactor ?? null, settings.refineDefaults);
  }

  /** Side of the network's square input. */
  get modelSize(): number {
    return this.engine.modelSize;
  }

  /** Sets the image that following refine calls use. HWC RGB bytes; copied, so the caller may reuse its buffer. */
  setImage(image: RgbImage): void {
    this.checkAlive('setImage');
    if (typeof image !== 'object' || image === null) throw new Error(`SegRefiner.setImage: image must be an RgbImage {data, height, width}, but got ${String(image)}.`);
    const { data, height, width } = image;
    if (!Number.isInteger(height) || !Number.isInteger(width) || height < 1 || width < 1) {
      throw new Error(`SegRefiner.setImage: image height and width must be positive integers, but got ${height}×${width}.`);
    }
    if (!(data instanceof Uint8Array) || data.length !== height * width * 3) {
      throw new Error(`SegRefiner.setImage: image data must be a Uint8Array of ${height}×${width}×3 = ${height * width * 3} RGB bytes, but got ${data?.length} values.`);
    }
    this.image = { data: data.slice(), height, width };
  }

  /** Forgets the image. */
  reset(): void {
    this.image = null;
  }

  /**
   * Refines one coarse mask of the current image.
   * @param coarse binary mask, the image's height×width, values 0/1, at least one foreground pixel
   */
  async refine(coarse: BinaryMask, options: RefineOptionsInput = {}): Promise<RefineResult> {
    return (await this.run([coarse], options, 'SegRefiner.refine'))[0];
  }

  /**
   * Refines several masks of the current image; instance-path masks share forward passes (up to
   * `batchSize` per pass). One random stream serves the whole call, so results depend on the seed,
   * the masks and batchSize.
   */
  async refineBatch(masks: BinaryMask[], options: RefineOptionsInput = {}): Promise<RefineResult[]> {
    return this.run(masks, options, 'SegRefiner.refineBatch');
  }

  /** Frees the network (when the refiner owns one) and the image. */
  dispose(): void {
    if (this.disposed) return;
    this.unet?.dispose();
    this.image = null;
    this.disposed = true;
  }

  private checkAlive(where: string): void {
    if (this.disposed) throw new Error(`SegRefiner.${where}: the refiner must not be used after dispose().`);
  }

  private validateMask(mask: BinaryMask, image: RgbImage, where: string, label: string): void {
    if (typeof mask !== 'object' || mask === null) throw new Error(`${where}: ${label} must be a BinaryMask {data, height, width}, but got ${String(mask)}.`);
    if (mask.height !== image.height || mask.width !== image.width) {
      throw new Error(`${where}: ${label} must have the image's size ${image.height}×${image.width}, but got ${mask.height}×${mask.width}.`);
    }
    if (!(mask.data instanceof Uint8Array) || mask.data.length !== mask.height * mask.width) {
      throw new Error(`${where}: ${label} data must be a Uint8Array of ${mask.height * mask.width} values, but got ${mask.data?.length}.`);
    }
    let any = false;
    for (let i = 0; i < mask.data.length; i++) {
      const v = mask.data[i];
      if (v > 1) throw new Error(`${where}: ${label} must be binary (0 or 1), but pixel ${i} (y ${Math.floor(i / mask.width)}, x ${i % mask.width}) is ${v}.`);
      any ||= v === 1;
    }
    if (!any) throw new Error(`${where}: ${label} must have at least one foreground pixel, but it is empty.`);
  }

  private async run(masks: BinaryMask[], callerOptions: RefineOptionsInput, where: string): Promise<RefineResult[]> {
    this.checkAlive(where.split('.')[1]);
    if (!Array.isArray(masks)) throw new Error(`${where}: masks must be an array of BinaryMask, but got ${String(masks)}.`);
    if (typeof callerOptions !== 'object' || callerOptions === null) throw new Error(`${where}: options must be an object (or omitted), but got ${String(callerOptions)}.`);
    const input = withModelDefaults(this.defaults, callerOptions);
    const image = this.image;
    if (!image) throw new Error(`${where}: an image must be set with setImage(...) before refining.`);
    const o = resolveRefineOptions({ ...input, autoHrFactor: input.autoHrFactor === undefined ? this.autoHrFactor : input.autoHrFactor }, where);
    masks.forEach((m, i) => this.validateMask(m, image, where, masks.length === 1 ? 'the coarse mask' : `mask ${i}`));
    const s = this.engine.modelSize;
    const modes = masks.map((m) => (o.mode === 'auto' ? chooseMode(m, s, o.instance.padWidth, o.autoHrFactor) : o.mode));
    if (modes.includes('hr') && (image.height < s || image.width < s)) {
      throw new Error(`${where}: mode 'hr' needs an image of at least ${s}×${s} (the model size), but got ${image.height}×${image.width}; use mode 'instance'.`);
    }
    const results: (RefineResult | null)[] = masks.map((m, i) => this.passThroughIfTiny(m, modes[i], o));
    const rng = createRng(o.seed);
    const toRefine = masks.map((_, i) => i).filter((i) => results[i] === null && modes[i] === 'instance');
    if (toRefine.length > 0) {
      const probs = await refineInstances(this.engine, image, toRefine.map((i) => masks[i]), {
        options: o.instance, indices: stageIndices(o, this.engine.schedule, 'instance', where), batchSize: o.batchSize,
        rng, deterministic: o.deterministic,
        onStep: o.onStep ? (step) => o.onStep?.({ ...step, maskIndex: toRefine[step.maskIndex] }) : undefined,
      });
      toRefine.forEach((maskIndex, k) => { results[maskIndex] = finish(probs[k], masks[maskIndex], 'instance', 0, o); });
    }
    for (let i = 0; i < masks.length; i++) {
      if (results[i] !== null) continue;
      const out = await refineHighResolution(this.engine, image, masks[i], {
        options: o.hr, globalIndices: stageIndices(o, this.engine.schedule, 'global', where), batchSize: o.batchSize,
        rng, deterministic: o.deterministic, maskIndex: i, onStep: o.onStep,
      });
      results[i] = finish(out.probs, masks[i], 'hr', out.boxes.length, o);
    }
    return results as RefineResult[];
  }

  /** Upstream's pass-throughs: instance masks below the area threshold; hr masks with ≤ 128 foreground pixels. */
  private passThroughIfTiny(mask: BinaryMask, mode: 'instance' | 'hr', o: RefineOptions): RefineResult | null {
    const area = countForeground(mask);
    if (mode === 'instance' && area < o.instance.areaThreshold) return passThrough(mask, mode, 'small-area', false);
    if (mode === 'hr' && area <= 128) return passThrough(mask, mode, 'few-foreground', o.hr.emptyBelow128);
    return null;
  }
}
