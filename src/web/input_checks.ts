/**
 * The page's checks on a user's image and coarse mask, run as soon as both are there (the refiner
 * would refuse the same inputs later, in its own words): they name the files the user chose.
 */
import type { BinaryMask, RgbImage } from '../types';

/** An input with the name the user knows it by (a file name, or 'the synthetic scene'). */
export interface Named<T> {
  value: T;
  name: string;
}

/** Throws when the mask does not fit the image or has no foreground. */
export function checkImageAndMask(image: Named<RgbImage>, mask: Named<BinaryMask>): void {
  const [ih, iw, mh, mw] = [image.value.height, image.value.width, mask.value.height, mask.value.width];
  if (ih !== mh || iw !== mw) {
    throw new Error(`The coarse mask (${mask.name}) must have the image's size ${iw}×${ih} (width×height of ${image.name}), but it is ${mw}×${mh}.`);
  }
  if (!mask.value.data.some((v) => v === 1)) {
    throw new Error(`The coarse mask (${mask.name}) must have at least one foreground pixel (grey value above 128), but it is empty.`);
  }
}
