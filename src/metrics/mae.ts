/**
 * Mean absolute error between a probability map and a binary ground truth (Perazzi et al., CVPR
 * 2012), as PySODMetrics `MAE`: mean(|pred − gt|) over all pixels, with numpy's summation order.
 * `pred` float64 [H·W] in [0, 1] (prepared, see dis_measures.ts), `gt` 0/1 [H·W].
 */
import { numpyMean } from './numpy_sum';

export function meanAbsoluteError(pred: Float64Array, gt: Uint8Array): number {
  const errors = new Float64Array(pred.length);
  for (let i = 0; i < pred.length; i++) errors[i] = Math.abs(pred[i] - gt[i]);
  return numpyMean(errors);
}
