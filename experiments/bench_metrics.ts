/** Times mBA and Boundary IoU on 1024², 2048² and 4096² mask pairs: `npm run bench:metrics`. */
import { computeBoundaryAccuracy, computeBoundaryIou, dilateEllipse } from '../src';

function disk(size: number, cx: number, cy: number, r: number): Uint8Array {
  return Uint8Array.from({ length: size * size }, (_, i) => (((i % size) - cx) ** 2 + (Math.floor(i / size) - cy) ** 2 < r * r ? 1 : 0));
}

for (const size of [1024, 2048, 4096]) {
  const gt = { data: disk(size, size / 2, size / 2, size / 3), height: size, width: size };
  const pred = { data: disk(size, size / 2 + size / 200, size / 2, size / 3), height: size, width: size };
  let t = performance.now();
  const ba = computeBoundaryAccuracy(gt, pred);
  const mbaMs = performance.now() - t;
  t = performance.now();
  dilateEllipse(gt.data, size, size, 27);
  const dilateMs = performance.now() - t;
  t = performance.now();
  const b = computeBoundaryIou(gt, pred);
  const biouMs = performance.now() - t;
  console.log(`${size}×${size}: mBA (radii ${ba.radii}) ${mbaMs.toFixed(0)} ms; one ellipse dilation r=27 ${dilateMs.toFixed(0)} ms; ` +
    `Boundary IoU (d=${b.dilationPx}) ${biouMs.toFixed(0)} ms`);
}
