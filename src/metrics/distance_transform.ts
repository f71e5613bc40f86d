/**
 * Exact Euclidean feature transform of a 2-D binary image: for every pixel, the nearest "feature"
 * pixel. A port of scipy.ndimage's NI_EuclideanFeatureTransform (Maurer, Qi & Raghavan, IEEE PAMI
 * 2003): a pass down each column, then a Voronoi pass along each row, with scipy's order of passes
 * and its tie rules, so that equidistant features resolve to the same pixel as
 * `distance_transform_edt(..., return_indices=True)`. All arithmetic is on small integers (exact).
 */

/**
 * One 1-D Voronoi pass (scipy _VoronoiFT) over `len` sites along axis d. `fr`/`fc` hold the current
 * feature (row, col) of each site (fr < 0: none); `fixed` is the coordinate on the other axis.
 * Updates fr/fc in place with the nearest feature among them.
 */
function voronoiPass(fr: Int32Array, fc: Int32Array, d: 0 | 1, fixed: number, g: Int32Array): void {
  const len = fr.length;
  const along = d === 0 ? fr : fc, across = d === 0 ? fc : fr;
  let l = -1;
  for (let ii = 0; ii < len; ii++) {
    if (fr[ii] < 0) continue;
    const fd = along[ii];
    const wR = (across[ii] - fixed) * (across[ii] - fixed);
    while (l >= 1) {
      const idx1 = g[l], idx2 = g[l - 1];
      const f1 = along[idx1];
      const a = f1 - along[idx2], b = fd - f1, c = a + b;
      const uR = (across[idx2] - fixed) * (across[idx2] - fixed), vR = (across[idx1] - fixed) * (across[idx1] - fixed);
      if (c * vR - b * uR - a * wR - a * b * c <= 0) break;
      --l;
    }
    g[++l] = ii;
  }
  const maxl = l;
  if (maxl < 0) return;
  const sitesR = Int32Array.from(g.subarray(0, maxl + 1), (i) => fr[i]);
  const sitesC = Int32Array.from(g.subarray(0, maxl + 1), (i) => fc[i]);
  const dist2 = d === 0
    ? (k: number, ii: number) => (sitesR[k] - ii) * (sitesR[k] - ii) + (sitesC[k] - fixed) * (sitesC[k] - fixed)
    : (k: number, ii: number) => (sitesR[k] - fixed) * (sitesR[k] - fixed) + (sitesC[k] - ii) * (sitesC[k] - ii);
  l = 0;
  for (let ii = 0; ii < len; ii++) {
    let delta1 = dist2(l, ii);
    while (l < maxl) {
      const delta2 = dist2(l + 1, ii);
      if (delta1 <= delta2) break; // ties keep the earlier site
      delta1 = delta2;
      ++l;
    }
    fr[ii] = sitesR[l];
    fc[ii] = sitesC[l];
  }
}

export interface FeatureTransform {
  /** [H·W] row-major: index y·W + x of the nearest feature pixel, −1 if there is none. */
  nearest: Int32Array;
  /** [H·W]: Euclidean distance to it (0 on features, Infinity if none). */
  distance: Float64Array;
}

/**
 * The nearest feature pixel (isFeature[i] = 1) of every pixel of an H×W image; scipy's
 * distance_transform_edt(input) with features = the zeros of input.
 */
export function featureTransform(isFeature: Uint8Array, h: number, w: number): FeatureTransform {
  const fr = new Int32Array(h * w), fc = new Int32Array(h * w); // [row-major] feature (row, col)
  const colR = new Int32Array(h), colC = new Int32Array(h), g = new Int32Array(Math.max(h, w));
  for (let x = 0; x < w; x++) {
    for (let y = 0; y < h; y++) {
      colR[y] = isFeature[y * w + x] ? y : -1;
      colC[y] = x;
    }
    voronoiPass(colR, colC, 0, x, g);
    for (let y = 0; y < h; y++) { fr[y * w + x] = colR[y]; fc[y * w + x] = colC[y]; }
  }
  for (let y = 0; y < h; y++) {
    voronoiPass(fr.subarray(y * w, (y + 1) * w), fc.subarray(y * w, (y + 1) * w), 1, y, g);
  }
  const nearest = new Int32Array(h * w), distance = new Float64Array(h * w);
  for (let i = 0; i < h * w; i++) {
    if (fr[i] < 0) { nearest[i] = -1; distance[i] = Infinity; continue; }
    nearest[i] = fr[i] * w + fc[i];
    const y = Math.floor(i / w), x = i % w;
    distance[i] = Math.sqrt((fr[i] - y) * (fr[i] - y) + (fc[i] - x) * (fc[i] - x));
  }
  return { nearest, distance };
}
