/**
 * Mask overlays on an RGB image: each mask is a translucent fill plus an opaque contour, in its own
 * colour. The paper's convention for comparisons: coarse red, refined green, ground truth a blue
 * outline. All fills are drawn first (in layer order), then all contours, so no fill hides a line.
 * Pure (no encoder), so the web page draws the same overlays; rgbToPng/overlayPng are in to_png.ts.
 */
import type { BinaryMask, RgbImage } from '../types';
import type { Rgb } from './colormap';

/** One mask to draw and how. */
export interface MaskLayer {
  mask: BinaryMask;
  /** Fill and contour colour. */
  color: Rgb;
  /** Opacity of the fill in [0, 1]; 0 draws the contour only. */
  fillAlpha: number;
  /** Contour thickness in pixels (inside the mask); 0 draws no contour. */
  contourWidth: number;
}

/** A mask with everything but the mask optional. */
export type MaskLayerInput = BinaryMask | ({ mask: BinaryMask } & Partial<Omit<MaskLayer, 'mask'>>);

/** Colour-blind-safe-ish ColorBrewer Set1 hues for the usual three roles. */
export const OVERLAY_COLORS = Object.freeze({
  coarse: [228, 26, 28] as Rgb,
  refined: [77, 175, 74] as Rgb,
  gt: [55, 126, 184] as Rgb,
});

/** Styles by position when a layer does not say: 0 coarse (red), 1 refined (green), 2 ground truth (blue outline). */
export const DEFAULT_LAYER_STYLES: readonly Omit<MaskLayer, 'mask' | 'contourWidth'>[] = [
  { color: OVERLAY_COLORS.coarse, fillAlpha: 0.35 },
  { color: OVERLAY_COLORS.refined, fillAlpha: 0.35 },
  { color: OVERLAY_COLORS.gt, fillAlpha: 0 },
  { color: [152, 78, 163], fillAlpha: 0.35 },
  { color: [255, 127, 0], fillAlpha: 0.35 },
];

/** Contour width that stays visible when a figure is shown at ~300 px: 1 px up to 383 px, then 1 px more per 256. */
export function defaultContourWidth(height: number, width: number): number {
  return Math.max(1, Math.round(Math.max(height, width) / 256));
}

/** Fills in the defaults of `layers` and checks their sizes against the image. */
export function resolveLayers(image: RgbImage, layers: readonly MaskLayerInput[], where = 'resolveLayers'): MaskLayer[] {
  return layers.map((input, i) => {
    const given = 'mask' in input ? definedOnly(input) : { mask: input };
    const style = DEFAULT_LAYER_STYLES[i % DEFAULT_LAYER_STYLES.length];
    const layer = { contourWidth: defaultContourWidth(image.height, image.width), ...style, ...given } as MaskLayer;
    checkLayer(image, layer, i, where);
    return layer;
  });
}

/** Drops keys set to undefined, so `{color: undefined}` keeps the default colour. */
function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function checkLayer(image: RgbImage, { mask, fillAlpha, contourWidth, color }: MaskLayer, i: number, where: string): void {
  if (mask.height !== image.height || mask.width !== image.width) {
    throw new Error(`${where}: mask ${i} must have the image's size ${image.height}×${image.width}, but got ${mask.height}×${mask.width}.`);
  }
  if (mask.data.length !== mask.height * mask.width) {
    throw new Error(`${where}: mask ${i} data must have height·width = ${mask.height * mask.width} entries, but got ${mask.data.length}.`);
  }
  if (!(fillAlpha >= 0 && fillAlpha <= 1)) throw new Error(`${where}: fillAlpha of mask ${i} must lie in [0, 1], but got ${fillAlpha}.`);
  if (!Number.isInteger(contourWidth) || contourWidth < 0) {
    throw new Error(`${where}: contourWidth of mask ${i} must be a non-negative integer, but got ${contourWidth}.`);
  }
  if (color.length !== 3 || color.some((c) => !Number.isInteger(c) || c < 0 || c > 255)) {
    throw new Error(`${where}: color of mask ${i} must be three integers in [0, 255], but got [${color}].`);
  }
}

/** Checks an RGB image record: positive integer size, height·width·3 bytes. */
export function checkRgbImage(image: RgbImage, where: string): void {
  const { height, width, data } = image;
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 1 || width < 1) {
    throw new Error(`${where}: image height and width must be positive integers, but got ${height}×${width}.`);
  }
  if (data.length !== height * width * 3) {
    throw new Error(`${where}: image data must have height·width·3 = ${height * width * 3} bytes (RGB, HWC), but got ${data.length}.`);
  }
}

/**
 * The pixels of `mask` within `width` 4-connected steps of the outside (outside the image counts as
 * outside, so a mask touching the border is outlined there too).
 * @returns 0/1 per pixel, row-major
 */
export function innerContour(mask: BinaryMask, width: number): Uint8Array {
  const { height: h, width: w } = mask;
  let inner = Uint8Array.from(mask.data, (v) => (v ? 1 : 0));
  for (let it = 0; it < width; it++) {
    const next = new Uint8Array(h * w);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const i = y * w + x;
        next[i] = inner[i] && y > 0 && y < h - 1 && x > 0 && x < w - 1 && inner[i - w] && inner[i + w] && inner[i - 1] && inner[i + 1] ? 1 : 0;
      }
    }
    inner = next;
  }
  return Uint8Array.from(mask.data, (v, i) => (v && !inner[i] ? 1 : 0));
}

/**
 * Draws masks over an image: per pixel, fill = round((1 − α)·pixel + α·colour), layer by layer; then
 * the contours, opaque.
 * @param image RGB, HWC bytes
 * @param layers masks of the image's size; a bare BinaryMask takes DEFAULT_LAYER_STYLES by position
 * @returns a new image; the input is not modified
 */
export function overlayMasks(image: RgbImage, layers: readonly MaskLayerInput[]): RgbImage {
  checkRgbImage(image, 'overlayMasks');
  const resolved = resolveLayers(image, layers, 'overlayMasks');
  const out = Uint8Array.from(image.data);
  for (const { mask, color, fillAlpha } of resolved) {
    if (fillAlpha === 0) continue;
    for (let i = 0; i < mask.data.length; i++) {
      if (!mask.data[i]) continue;
      for (let c = 0; c < 3; c++) out[3 * i + c] = Math.round((1 - fillAlpha) * out[3 * i + c] + fillAlpha * color[c]);
    }
  }
  for (const { mask, color, contourWidth } of resolved) {
    if (contourWidth === 0) continue;
    const contour = innerContour(mask, contourWidth);
    for (let i = 0; i < contour.length; i++) if (contour[i]) out.set(color, 3 * i);
  }
  return { data: out, height: image.height, width: image.width };
}

/** A greyscale copy of an image as RGB (Rec. 601 luma), dimmed towards white by `fade` ∈ [0, 1]: masks stand out on it. */
export function fadedGray(image: RgbImage, fade = 0): RgbImage {
  checkRgbImage(image, 'fadedGray');
  const out = new Uint8Array(image.data.length);
  for (let i = 0; i < out.length; i += 3) {
    const luma = 0.299 * image.data[i] + 0.587 * image.data[i + 1] + 0.114 * image.data[i + 2];
    out.fill(Math.round(luma + fade * (255 - luma)), i, i + 3);
  }
  return { data: out, height: image.height, width: image.width };
}
