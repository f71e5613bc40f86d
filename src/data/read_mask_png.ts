/** Kept for the existing public export; the mask reader now lives in mask_io.ts. */
export { readBinaryMask } from './mask_io';
