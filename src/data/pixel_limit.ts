/**
 * The largest image the readers decode, in pixels. A 16000² PNG pair compresses to 250 KB and decodes
 * to 4.3 GB of working memory; without a limit such a file runs the machine out of memory instead of
 * failing. 50 megapixels holds every photo of the paper's datasets (BIG and DIS5K are at most ~24 MP)
 * with room to spare; `SEGREFINER_MAX_PIXELS` raises it for a machine that has the memory.
 */
export const DEFAULT_MAX_PIXELS = 50_000_000;

/**
 * The limit in force: SEGREFINER_MAX_PIXELS (a positive integer) or the default. A browser has no
 * `process` (and no environment), so there the default applies.
 */
export function maxPixels(): number {
  const raw = typeof process === 'undefined' ? undefined : process.env?.SEGREFINER_MAX_PIXELS;
  if (raw === undefined || raw === '') return DEFAULT_MAX_PIXELS;
  const v = Number(raw);
  if (!Number.isSafeInteger(v) || v < 1) throw new Error(`SEGREFINER_MAX_PIXELS must be a positive integer (pixels), but got '${raw}'.`);
  return v;
}

/** Refuses an image of height×width over the limit, before it is decoded. */
export function assertWithinPixelLimit(height: number, width: number, where: string): void {
  const limit = maxPixels();
  if (height * width > limit) {
    throw new Error(`${where} must have at most ${limit} pixels (SEGREFINER_MAX_PIXELS raises the limit), but is ${width}×${height} = ${height * width}.`);
  }
}
