/**
 * Filled polygons as `cv2.drawContours(img, polygons, -1, 255, thickness=-1)` (= `cv2.fillPoly`,
 * LINE_8, no shift) draws them in OpenCV 4.6: every polygon's outline is drawn with 8-connected
 * Bresenham lines, and all polygons' edges go into one edge table filled by an even-odd scanline
 * rule. So with several polygons, a region covered twice (a hole border inside an outer border) stays
 * empty apart from the outline pixels: RETR_LIST holes survive the fill.
 *
 * Scanline details kept from OpenCV's FillEdgeCollection: edge x in 16.16 fixed point, slope
 * truncated toward zero, an edge is active on rows [yTop, yBottom), horizontal edges are skipped, and
 * each pair of crossings (in x order) fills columns ceil(xLeft) … floor(xRight).
 */

const XY_SHIFT = 16;
const XY_ONE = 1 << XY_SHIFT;

interface Edge {
  y0: number;
  y1: number;
  /** x at row y0, 16.16 fixed point. */
  x: number;
  /** x step per row, 16.16 fixed point. */
  dx: number;
}

function setPixel(out: Uint8Array, width: number, height: number, x: number, y: number): void {
  if (x >= 0 && y >= 0 && x < width && y < height) out[y * width + x] = 1;
}

/** OpenCV's LineIterator (connectivity 8, leftToRight): the pixels of the segment, set to 1. */
export function drawLine8(out: Uint8Array, width: number, height: number, x0: number, y0: number, x1: number, y1: number): void {
  if (x1 < x0) [x0, y0, x1, y1] = [x1, y1, x0, y0];
  const dx = x1 - x0, dyAbs = Math.abs(y1 - y0), sy = y1 < y0 ? -1 : 1;
  const vert = dyAbs > dx;
  const major = vert ? dyAbs : dx, minor = vert ? dx : dyAbs;
  let err = major - 2 * minor, x = x0, y = y0;
  for (let i = 0; i <= major; i++) {
    setPixel(out, width, height, x, y);
    const stepMinor = err < 0;
    err += stepMinor ? 2 * major - 2 * minor : -2 * minor;
    if (vert) {
      y += sy;
      if (stepMinor) x += 1;
    } else {
      x += 1;
      if (stepMinor) y += sy;
    }
  }
}

/** OpenCV's CollectPolyEdges: draws the outline and appends the non-horizontal edges. */
function collectEdges(out: Uint8Array, width: number, height: number, poly: Int32Array, edges: Edge[]): void {
  const n = poly.length >> 1;
  let px = poly[2 * n - 2], py = poly[2 * n - 1];
  for (let i = 0; i < n; i++) {
    const qx = poly[2 * i], qy = poly[2 * i + 1];
    drawLine8(out, width, height, px, py, qx, qy);
    if (py !== qy) {
      const top = py < qy;
      edges.push({
        y0: top ? py : qy,
        y1: top ? qy : py,
        x: (top ? px : qx) * XY_ONE,
        dx: Math.trunc(((qx - px) * XY_ONE) / (qy - py)),
      });
    }
    px = qx;
    py = qy;
  }
}

/** OpenCV's FillEdgeCollection: even-odd scanline fill of all edges together. */
function fillEdges(out: Uint8Array, width: number, height: number, edges: Edge[]): void {
  if (edges.length < 2) return;
  edges.sort((a, b) => a.y0 - b.y0);
  let yEnd = 0;
  for (const e of edges) yEnd = Math.max(yEnd, e.y1);
  yEnd = Math.min(yEnd, height);
  let next = 0;
  let active: Edge[] = [];
  const xs: number[] = [];
  for (let y = edges[0].y0; y < yEnd; y++) {
    active = active.filter((e) => e.y1 > y);
    while (next < edges.length && edges[next].y0 === y) active.push(edges[next++]);
    if (y < 0) continue;
    xs.length = 0;
    for (const e of active) xs.push(e.x + (y - e.y0) * e.dx);
    xs.sort((a, b) => a - b);
    const row = y * width;
    for (let k = 0; k + 1 < xs.length; k += 2) {
      const x1 = Math.max(Math.floor((xs[k] + XY_ONE - 1) / XY_ONE), 0);
      const x2 = Math.min(Math.floor(xs[k + 1] / XY_ONE), width - 1);
      if (x1 <= x2) out.fill(1, row + x1, row + x2 + 1);
    }
  }
}

/**
 * Fills `polygons` (each (x0, y0, x1, y1, …), integer pixel coordinates, at least one vertex) into
 * `out` ([height, width] row-major, pixels set to 1, others untouched), with OpenCV's drawContours /
 * fillPoly rules above. A one-vertex polygon draws one pixel, a two-vertex one a line.
 */
export function fillPolygons(out: Uint8Array, width: number, height: number, polygons: Int32Array[]): void {
  if (out.length !== width * height) throw new Error(`fillPolygons: out must have ${height}×${width} values, but got ${out.length}.`);
  const edges: Edge[] = [];
  for (const [i, poly] of polygons.entries()) {
    if (poly.length < 2 || poly.length % 2 !== 0) throw new Error(`fillPolygons: polygon ${i} must hold (x, y) pairs, at least one, but got ${poly.length} numbers.`);
    collectEdges(out, width, height, poly, edges);
  }
  fillEdges(out, width, height, edges);
}
