/**
 * The geometry shared by the training samplers (method.md §3.3–3.4): crop windows, a mask's bounding
 * box, and turning a full-resolution crop into a model-size HostSample the way upstream's pipeline
 * does after its Load*Data step: Resize (keep_ratio=False; image bilinear, masks nearest) →
 * RandomFlip → Normalize. Also the per-draw random generator that makes sampling seeded, resumable
 * and independent of the order in which draws finish.
 */
import { normalizeImage } from '../image_io';
import { resizeBilinear, resizeMaskNearest } from '../resize';
import type { BinaryMask, BoxXyxy, CropBox, RgbImage } from '../../types';
import { cropImage, cropMask } from '../../util/crop';

export type { BoxXyxy, CropBox };
export { cropImage, cropMask };
import { createRng, Rng } from '../../util/rng';
import { flipHorizontal, HostSample } from './synthetic_sampler';

/** What one sample of a draw was made from, for logs and tests. */
export interface SampleRecord {
  /** The image file. */
  source: string;
  kind: 'object' | 'patch';
  /** Bounding box of the ground truth in the full image. */
  bbox: BoxXyxy;
  /** The crop taken from the full image (then resized to the model size). */
  crop: CropBox;
  flip: boolean;
  /** Where the coarse mask came from. */
  coarse: 'online' | 'online-expand' | 'file' | 'file-expand';
  /** Online coarse masks from a CoarseMix: the degradations applied, e.g. 'band@0.31+shift@0.70'. */
  degradations?: string;
  /** Patch samples: windows drawn before one had both foreground and background (1 = first try). */
  tries?: number;
  /** Patch samples: no drawn window had both values, so one was placed on the object's boundary. */
  fallback?: boolean;
}

/** One draw of a sampler: its samples (1 for LR, object + patch for HR) and what each was made from. */
export interface SampleDraw {
  samples: HostSample[];
  records: SampleRecord[];
}

/** A problem met while drawing (an unusable item, a patch fallback), reported once per path and reason. */
export interface SamplerIssue {
  path: string;
  reason: string;
  /** 'skipped': the item gave no sample and another was drawn; 'fallback': the sample was made another way. */
  action: 'skipped' | 'fallback';
}

/**
 * The generator of draw `index` of stream `stream`: a pure function of (seed, stream, index), so a
 * draw gives the same sample whenever it is made (prefetched, after a resume, in any order).
 */
export function drawRng(seed: number, stream: number, index: number): Rng {
  let h = Math.imul(seed ^ 0x27d4eb2f, 0x165667b1) >>> 0;
  for (const v of [stream, index]) {
    // murmur3-style mixing of each 32-bit word, then a final avalanche (fmix32)
    h = Math.imul((h ^ (v >>> 0)) >>> 0, 0xcc9e2d51) >>> 0;
    h = Math.imul(((h << 13) | (h >>> 19)) >>> 0, 5) + 0xe6546b64;
    h = Math.floor(v / 4294967296) ^ h; // indices past 2^32 still differ
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return createRng(h | 0);
}

/** The bounding box [x1, y1, x2, y2) of a mask's foreground (upstream `_mask2bbox`), or null for an empty mask. */
export function maskBbox(mask: BinaryMask): BoxXyxy | null {
  const { data, height: h, width: w } = mask;
  let x1 = w, y1 = h, x2 = 0, y2 = 0;
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let x = 0; x < w; x++) {
      if (!data[row + x]) continue;
      if (x < x1) x1 = x;
      if (x >= x2) x2 = x + 1;
      if (y < y1) y1 = y;
      y2 = y + 1;
    }
  }
  return x2 === 0 ? null : [x1, y1, x2, y2];
}

/** 'both' when the mask has foreground and background, else which value it lacks. */
export function maskValues(mask: BinaryMask | Uint8Array): 'both' | 'empty' | 'full' {
  const data = mask instanceof Uint8Array ? mask : mask.data;
  let ones = 0;
  for (let i = 0; i < data.length; i++) if (data[i]) ones++;
  return ones === 0 ? 'empty' : ones === data.length ? 'full' : 'both';
}

/** Bilinear resize of an 8-bit image, rounded back to 8 bits: upstream resizes uint8 images with cv2, whose output is uint8. */
function resizeImage(img: RgbImage, size: number): RgbImage {
  if (img.height === size && img.width === size) return img;
  const f = resizeBilinear(img.data, img.height, img.width, 3, size, size);
  const data = new Uint8Array(f.length);
  for (let i = 0; i < f.length; i++) data[i] = Math.min(255, Math.max(0, Math.round(f[i])));
  return { data, height: size, width: size };
}

/**
 * Crops image and masks to `box`, resizes them to size² (image bilinear, masks nearest, aspect not
 * kept), flips left–right when asked, normalises the image.
 * @param image full image, [H, W, 3] uint8
 * @param gt, coarse full masks, [H, W] 0/1
 * @returns image [size, size, 3] normalised, gt and coarse [size, size]
 */
export function cropToSample(image: RgbImage, gt: BinaryMask, coarse: BinaryMask, box: CropBox, size: number, flip: boolean): HostSample {
  return patchToSample(cropImage(image, box), cropMask(gt, box), cropMask(coarse, box), size, flip);
}

/** As cropToSample for an already-cropped image and masks (all the same size). */
export function patchToSample(image: RgbImage, gt: BinaryMask, coarse: BinaryMask, size: number, flip: boolean): HostSample {
  const resizedGt = resizeMaskNearest(gt, size, size), resizedCoarse = resizeMaskNearest(coarse, size, size);
  const normalised = normalizeImage(resizeImage(image, size));
  if (!flip) return { image: normalised, gt: resizedGt, coarse: resizedCoarse };
  const flipMask = (m: BinaryMask): BinaryMask => ({ height: size, width: size, data: flipHorizontal(m.data, size, size, 1) });
  return { image: flipHorizontal(normalised, size, size, 3), gt: flipMask(resizedGt), coarse: flipMask(resizedCoarse) };
}

/** Collects SamplerIssues once per (path, reason) and passes each new one to `onIssue`. */
export class IssueLog {
  private readonly seen = new Map<string, SamplerIssue & { count: number }>();

  constructor(private readonly onIssue?: (issue: SamplerIssue) => void) {}

  add(issue: SamplerIssue): void {
    const key = `${issue.action}\u0000${issue.path}\u0000${issue.reason}`;
    const known = this.seen.get(key);
    if (known) {
      known.count++;
      return;
    }
    this.seen.set(key, { ...issue, count: 1 });
    this.onIssue?.(issue);
  }

  /** Every distinct issue with how often it happened. */
  list(): (SamplerIssue & { count: number })[] {
    return [...this.seen.values()].map((i) => ({ ...i }));
  }
}
