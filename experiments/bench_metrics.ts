/** Times mBA and Boundary IoU on a 4096×4096 mask pair (radii up to 27): `npx tsx experiments/bench_metrics.ts`. */
import { computeBoundaryAccuracy, computeBoundaryIou, createRng } from '../src';

const size = Number(process.argv[2] ?? 4096);
const rng = createRng(1);
const disk = (cx: number, cy: number, r: number) => Uint8Array.from({ length: size * size }, (_, i) =>
  ((i % size) - cx) ** 2 + (Math.floor(i / size) - cy) ** 2 < r * r ? 1 : 0);
const gt = { data: disk(size / 2, size / 2, size / 3), height: size, width: size };
const pred = { data: disk(size / 2 + 5 + rng.int(5), size / 2, size / 3), height: size, width: size };
let t = performance.now();
const ba = computeBoundaryAccuracy(gt, pred);
console.log(`mBA ${size}×${size}, radii ${ba.radii}: ${(performance.now() - t).toFixed(0)} ms (BA ${ba.boundaryAccuracy?.toFixed(4)})`);
t = performance.now();
const b = computeBoundaryIou(gt, pred);
console.log(`Boundary IoU ${size}×${size}, d=${b.dilationPx}: ${(performance.now() - t).toFixed(0)} ms (${b.boundaryIou?.toFixed(4)})`);
