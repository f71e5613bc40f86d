/**
 * Writes sample synthetic scenes as PNGs:
 *   npx tsx experiments/sample_scenes.ts --out <dir> [--n 6] [--size 256] [--seed 0] [--palette]
 * For each seed: scene_<seed>_image.png, scene_<seed>_mask.png and scene_<seed>_pair.png (image | mask
 * side by side), plus grid.png with all pairs stacked, and prints the generation time per scene.
 * --palette writes the pairs as 256-colour PNGs (about a third of the size; for the README images).
 */
import { generateScene, type SyntheticScene, writeFileAtomic} from '../src';
import * as fs from 'fs';
import * as path from 'path';
import sharp from 'sharp';

interface Args {
  out: string;
  n: number;
  size: number;
  seed: number;
  palette: boolean;
}

function parseArgs(argv: string[]): Args {
  const opts: Record<string, string> = { n: '6', size: '256', seed: '0' };
  const palette = argv.includes('--palette');
  argv = argv.filter((a) => a !== '--palette');
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '');
    if (!argv[i].startsWith('--') || !['out', 'n', 'size', 'seed'].includes(key) || argv[i + 1] === undefined) {
      throw new Error(`sample_scenes: arguments must be --out <dir> [--n N] [--size S] [--seed K] [--palette], but got '${argv.slice(i).join(' ')}'.`);
    }
    opts[key] = argv[i + 1];
  }
  if (opts.out === undefined) throw new Error('sample_scenes: --out <dir> must be given.');
  const [n, size, seed] = [Number(opts.n), Number(opts.size), Number(opts.seed)];
  if (!Number.isInteger(n) || n < 1) throw new Error(`sample_scenes: --n must be a positive integer, but got '${opts.n}'.`);
  return { out: opts.out, n, size, seed, palette }; // size and seed are checked by generateScene
}

/** The image and the mask (white on black, grey-expanded to RGB) side by side with a 4-px gap. */
function pairPixels(scene: SyntheticScene): { data: Uint8Array; height: number; width: number } {
  const { height: h, width: w } = scene.image;
  const W = 2 * w + 4;
  const data = new Uint8Array(h * W * 3).fill(255);
  for (let y = 0; y < h; y++) {
    data.set(scene.image.data.subarray(3 * y * w, 3 * (y + 1) * w), 3 * y * W);
    for (let x = 0; x < w; x++) data.fill(scene.mask.data[y * w + x] * 255, 3 * (y * W + w + 4 + x), 3 * (y * W + w + 5 + x));
  }
  return { data, height: h, width: W };
}

const png = (p: { data: Uint8Array; height: number; width: number }, channels: 1 | 3, palette = false): ReturnType<typeof sharp> =>
  sharp(p.data, { raw: { width: p.width, height: p.height, channels } }).png({ compressionLevel: 9, palette, effort: 10 });

async function main(): Promise<void> {
  const { out, n, size, seed, palette } = parseArgs(process.argv.slice(2));
  fs.mkdirSync(out, { recursive: true });
  const pairs: { input: Buffer; top: number; left: number }[] = [];
  let pairW = 0;
  for (let k = 0; k < n; k++) {
    const t0 = performance.now();
    const scene = generateScene({ seed: seed + k, height: size, width: size });
    const ms = performance.now() - t0;
    const stem = path.join(out, `scene_${seed + k}`);
    writeFileAtomic(`${stem}_image.png`, await png(scene.image, 3).toBuffer());
    writeFileAtomic(`${stem}_mask.png`, await png({ ...scene.mask, data: scene.mask.data.map((v) => v * 255) }, 1).toBuffer());
    const pair = pairPixels(scene);
    const buf = await png(pair, 3, palette).toBuffer();
    writeFileAtomic(`${stem}_pair.png`, buf);
    pairs.push({ input: buf, top: k * (size + 4), left: 0 });
    pairW = pair.width;
    const fg = scene.mask.data.reduce((s, v) => s + v, 0) / scene.mask.data.length;
    console.log(`seed ${seed + k}: ${scene.kind}, foreground ${(100 * fg).toFixed(1)}%, ${ms.toFixed(1)} ms`);
  }
  writeFileAtomic(path.join(out, 'grid.png'), await sharp({ create: { width: pairW, height: n * (size + 4) - 4, channels: 3, background: '#ffffff' } })
    .composite(pairs).png().toBuffer());
  console.log(`wrote ${n} scenes to ${out}`);
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
