/**
 * The web page's Node-side guarantees (part of `npm test`; the browser itself is test:web's): the page
 * bundles for a browser with no Node built-in and no sharp on its path, the step grid figure holds the
 * right windows, and the demo scene is the same for one seed everywhere.
 */
import * as esbuild from 'esbuild';
import * as path from 'path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { demoScene } from '../../src/data/demo_scene';
import { stepGridFigure } from '../../src/vis/step_grid_figure';

const ROOT = path.join(__dirname, '..', '..');

test('the page bundles for a browser: no Node built-in, no sharp, no fs-reading library module', async () => {
  const result = await esbuild.build({
    entryPoints: [path.join(ROOT, 'src', 'web', 'main.ts')], tsconfig: path.join(ROOT, 'src', 'web', 'tsconfig.json'),
    bundle: true, platform: 'browser', format: 'esm', write: false, metafile: true, logLevel: 'silent', outdir: 'out',
  });
  const inputs = Object.keys(result.metafile.inputs);
  assert.equal(inputs.filter((f) => /node_modules\/sharp\//.test(f)), []);
  for (const nodeOnly of ['src/refine/refiner.ts', 'src/model/checkpoint/model_dir.ts', 'src/data/image_io.ts', 'src/data/mask_io.ts', 'src/util/atomic_write.ts']) {
    assert.not.ok(inputs.includes(nodeOnly), `${nodeOnly} must stay out of the browser bundle`);
  }
  assert.ok(inputs.includes('src/refine/refiner_core.ts'));
});

test('stepGridFigure: 5 rows per step, the window cropped, values in image coordinates', () => {
  const h = 4, w = 6, map = (k: number) => Float32Array.from({ length: h * w }, (_, i) => (i + k) / 100);
  const step = (t: number) => ({ t, x: map(0), maskProbs: map(1), confidence: map(2), transitionProbs: map(3), fineProbs: map(4) });
  const figure = stepGridFigure([step(1), step(0)], { height: h, width: w, box: [2, 1, 5, 3] });
  assert.is(figure.data.length, 10);
  const first = figure.data[0] as { z: number[][]; x: number[]; y: number[] };
  assert.equal(first.z, [[0.08, 0.09, 0.1], [0.14, 0.15, 0.16]]);
  assert.equal([first.x, first.y], [[2, 3, 4], [1, 2]]);
  assert.throws(() => stepGridFigure([step(0)], { height: h, width: w, box: [0, 0, 7, 4] }), /stepGridFigure: box must be integers .* inside the 4×6 maps, but got \[0,0,7,4\]\./);
});

test('demoScene: one seed, the same image and coarse mask; the coarse mask differs from the exact one', () => {
  const a = demoScene(1_000_000_000, 64), b = demoScene(1_000_000_000, 64);
  assert.ok(Buffer.from(a.image.data).equals(Buffer.from(b.image.data)));
  assert.ok(Buffer.from(a.coarse.data).equals(Buffer.from(b.coarse.data)));
  assert.ok(a.coarse.data.some((v, i) => v !== a.gt.data[i]));
});

test.run();
