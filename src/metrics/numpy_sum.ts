/**
 * numpy's float64 summation order, where a reference's last bits depend on it: np.sum / np.mean of
 * a contiguous float64 array use pairwise summation (blocks of 8 accumulators up to 128 values,
 * halving above), not a left-to-right loop. Checked against numpy 2.4 on random arrays.
 */

/** np.add.reduce over a[start .. start+n) (contiguous float64). */
export function numpySum(a: ArrayLike<number>, start = 0, n = a.length - start): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += a[start + i];
    return res;
  }
  if (n <= 128) {
    const r = [0, 1, 2, 3, 4, 5, 6, 7].map((j) => a[start + j]);
    let i = 8;
    for (; i < n - (n % 8); i += 8) for (let j = 0; j < 8; j++) r[j] += a[start + i + j];
    let res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; i++) res += a[start + i];
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return numpySum(a, start, n2) + numpySum(a, start + n2, n - n2);
}

/** np.mean of a contiguous float64 array (NaN when empty, as numpy). */
export function numpyMean(a: ArrayLike<number>): number {
  return a.length === 0 ? NaN : numpySum(a) / a.length;
}
