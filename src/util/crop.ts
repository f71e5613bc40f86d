/**
 * Crops of images and masks by a CropBox (origin and size; types.ts), and the conversion from a BoxXyxy:
 * the one crop for samplers, validation and notebook figures.
 */
import type { BinaryMask, BoxXyxy, CropBox, RgbImage } from '../types';

/** The CropBox of a half-open box [x1, y1, x2, y2). */
export function cropBoxOf(box: BoxXyxy): CropBox {
  return { x0: box[0], y0: box[1], width: box[2] - box[0], height: box[3] - box[1] };
}

function checkBox(box: CropBox, height: number, width: number, where: string): void {
  const ok = [box.x0, box.y0, box.width, box.height].every(Number.isInteger) && box.x0 >= 0 && box.y0 >= 0 &&
    box.width >= 1 && box.height >= 1 && box.x0 + box.width <= width && box.y0 + box.height <= height;
  if (!ok) throw new Error(`${where}: the crop must lie inside the ${height}×${width} image, but got ${JSON.stringify(box)}.`);
}

/** Rows and columns of an HWC array inside `box`, as a new array. */
function cropHwc<T extends Uint8Array>(data: T, width: number, channels: number, box: CropBox, out: T): T {
  const rowLen = box.width * channels;
  for (let y = 0; y < box.height; y++) {
    const from = ((box.y0 + y) * width + box.x0) * channels;
    out.set(data.subarray(from, from + rowLen), y * rowLen);
  }
  return out;
}

/** The part of an image inside `box` (no resizing), [height, width, 3]. */
export function cropImage(img: RgbImage, box: CropBox): RgbImage {
  checkBox(box, img.height, img.width, 'cropImage');
  return { data: cropHwc(img.data, img.width, 3, box, new Uint8Array(box.width * box.height * 3)), height: box.height, width: box.width };
}

/** The part of a mask inside `box` (no resizing). */
export function cropMask(mask: BinaryMask, box: CropBox): BinaryMask {
  checkBox(box, mask.height, mask.width, 'cropMask');
  return { data: cropHwc(mask.data, mask.width, 1, box, new Uint8Array(box.width * box.height)), height: box.height, width: box.width };
}
