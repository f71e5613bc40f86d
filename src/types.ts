/** Shared data types of the toolkit (style B4): every module may import these; siblings do not import each other. */

/** A binary mask as a plain typed array, row-major: data[y·width + x] ∈ {0, 1}. Metrics need no tensors. */
export interface BinaryMask {
  data: Uint8Array;
  height: number;
  width: number;
}
