/**
 * The browser test of the web page (issue 17), `npm run test:web`: builds and serves the page, drives
 * Debian's headless Chromium with playwright-core (nothing downloaded), and checks: the page starts
 * on wasm and loads the default model; bad input becomes a message on the page; uploaded PNGs decode
 * to the bytes sharp reads; a seeded refinement of the synthetic scene gives Node's mask for the same
 * seed and model on wasm; the figures are drawn; the download is the refined mask; 20 refinements
 * leave tf.memory().numTensors where it was. Saves docs/images/web_page.png. Prints the times, never
 * asserts them. Not part of `npm test` (it needs Chromium); skipped with a reason when there is none.
 */
// The Node reference must run the same kernels as the page: pure wasm, without the native oneDNN
// kernels that initBackend would otherwise register (the page cannot have them).
process.env.SEGREFINER_NATIVE = '0';

import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import sharp from 'sharp';
import { chromium, type Browser, type Page } from 'playwright-core';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { initBackend } from '../../src/backend/select_backend';
import { demoScene, DEMO_SCENE_SEED } from '../../src/data/demo_scene';
import { SHARP_CODEC } from '../../src/data/sharp_codec';
import { SegRefiner } from '../../src/refine/refiner';
import { SYNTHETIC_MODEL_DIR } from '../../src/refine/shipped_models';
import { runRefinement, type PageRun } from '../../src/web/refine_run';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- the CommonJS script behind `npm run web`
const { buildWeb, serveWeb } = require('../../scripts/web.js') as {
  buildWeb: () => Promise<string>;
  serveWeb: (o: { port: number }) => Promise<{ server: { close(): void }; url: string }>;
};

const CHROMIUM_CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter((p): p is string => !!p);
const SCREENSHOT = path.join(__dirname, '..', '..', 'docs', 'images', 'web_page.png');
const RUNS = 20;
const LEAK_RUN_STEPS = 2;
/** The seed of the compared refinement (the page's default). */
const SEED = 0;

interface LastRun { mask: number[]; probs: number[]; ms: number; mode: string; steps: number; numTensors: number }

const ctx = {
  browser: null as Browser | null, page: null as unknown as Page, server: null as { close(): void } | null, url: '',
  dir: fs.mkdtempSync(path.join(os.tmpdir(), 'segrefiner-web-')), browserRun: null as LastRun | null, times: [] as number[],
};

// --- driving the page ---------------------------------------------------------------------------

/** Evaluates `segrefinerPage.<name>()` in the page. */
function hook<T>(name: string): Promise<T> {
  return ctx.page.evaluate((n) => ((globalThis as unknown as Record<string, Record<string, () => unknown>>).segrefinerPage[n])(), name) as Promise<T>;
}

/** Runs an action that starts one page job and waits for that job to finish. */
async function pageJob(action: () => Promise<void>, timeout = 300_000): Promise<string> {
  const jobs = await ctx.page.evaluate(() => Number((globalThis as unknown as { document: { body: { dataset: Record<string, string> } } }).document.body.dataset.jobs));
  await action();
  await ctx.page.waitForFunction((n) => Number((globalThis as unknown as { document: { body: { dataset: Record<string, string> } } }).document.body.dataset.jobs) > n, jobs, { timeout });
  return ctx.page.evaluate(() => (globalThis as unknown as { document: { body: { dataset: Record<string, string> } } }).document.body.dataset.state);
}

async function errorText(): Promise<string> {
  return (await ctx.page.isVisible('#error')) ? (await ctx.page.textContent('#error')) ?? '' : '';
}

async function chooseFile(input: '#image-file' | '#mask-file', file: string): Promise<string> {
  return pageJob(() => ctx.page.setInputFiles(input, file));
}

async function refineOnPage(): Promise<LastRun> {
  const state = await pageJob(() => ctx.page.click('#refine'));
  assert.is(state, 'done', `the refinement must finish, but the page says: ${await errorText()}`);
  const run = await hook<LastRun | null>('lastRun');
  assert.ok(run, 'the page must keep the last run');
  return run;
}

// --- files for the input checks -----------------------------------------------------------------

/** Writes raw pixels as a PNG in the test's folder. */
async function png(name: string, data: Uint8Array, width: number, height: number, channels: 1 | 3): Promise<string> {
  const file = path.join(ctx.dir, name);
  await sharp(data, { raw: { width, height, channels } }).png().toFile(file);
  return file;
}

// --- the Node reference -------------------------------------------------------------------------

async function nodeReference(): Promise<{ run: PageRun; threads: number | null }> {
  // One thread, as the page gets here (tfjs caps the browser's pool at half the logical cores).
  const backend = await initBackend({ backend: 'wasm', threads: 1 });
  const scene = demoScene(DEMO_SCENE_SEED, 256);
  const refiner = await SegRefiner.load(SYNTHETIC_MODEL_DIR);
  try {
    return { run: await runRefinement(refiner, scene.image, scene.coarse, { seed: SEED }), threads: backend.threads };
  } finally {
    refiner.dispose();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// --- the tests ----------------------------------------------------------------------------------

const web = suite('web page');

web.before(async () => {
  const executablePath = CHROMIUM_CANDIDATES.find((p) => fs.existsSync(p));
  if (!executablePath) return;
  await buildWeb();
  const served = await serveWeb({ port: 0 });
  ctx.server = served.server;
  ctx.url = served.url;
  ctx.browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
  ctx.page = await ctx.browser.newPage({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  ctx.page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
});

web.after(async () => {
  await ctx.browser?.close();
  ctx.server?.close();
  fs.rmSync(ctx.dir, { recursive: true, force: true });
});

web('the page starts the forced wasm backend and loads the default model (models/cpu-real) with progress', async () => {
  await ctx.page.goto(`${ctx.url}?backend=wasm`);
  await ctx.page.waitForFunction(() => Number((globalThis as unknown as { document: { body: { dataset: Record<string, string> } } }).document.body.dataset.jobs) > 0, null, { timeout: 120_000 });
  const state = await ctx.page.evaluate(() => (globalThis as unknown as { document: { body: { dataset: Record<string, string> } } }).document.body.dataset.state);
  assert.is(state, 'ready', `the page must start, but it says: ${await errorText()}`);
  assert.match((await ctx.page.textContent('#backend')) ?? '', /^wasm \(\d+ threads?, SIMD\)$/);
  assert.match((await ctx.page.textContent('#model-status')) ?? '', /^models\/cpu-real\/ loaded in /);
  assert.is(await ctx.page.getAttribute('#model-progress', 'value'), '1');
});

web('bad input becomes a clear message on the page', async () => {
  fs.writeFileSync(path.join(ctx.dir, 'notes.png'), 'not an image');
  const image = Uint8Array.from({ length: 48 * 64 * 3 }, (_, i) => (i * 7) % 256);
  const cases: [string, '#image-file' | '#mask-file', string, RegExp][] = [
    ['not an image', '#image-file', path.join(ctx.dir, 'notes.png'), /readImage: notes\.png must be an image the browser can decode/],
    ['a colour mask', '#mask-file', await png('colour.png', image, 64, 48, 3), /readBinaryMask: colour\.png must be a readable mask image, but its colour channels differ at pixel \(0, 0\)/],
    ['an image of another size', '#image-file', await png('image.png', image, 64, 48, 3), /^$/],
    ['a mask of another size', '#mask-file', await png('small.png', new Uint8Array(32 * 32).fill(255), 32, 32, 1), /The coarse mask \(small\.png\) must have the image's size 64×48 .*, but it is 32×32\./],
    ['an empty mask', '#mask-file', await png('empty.png', new Uint8Array(64 * 48), 64, 48, 1), /The coarse mask \(empty\.png\) must have at least one foreground pixel .*, but it is empty\./],
  ];
  for (const [what, input, file, expected] of cases) {
    await chooseFile(input, file);
    assert.match(await errorText(), expected, what);
  }
  assert.ok(await ctx.page.isDisabled('#refine'), 'Refine stays off while the input is bad');
});

web('uploaded PNGs decode to the same bytes as sharp reads (the canvas codec)', async () => {
  const scene = demoScene(DEMO_SCENE_SEED, 256);
  const imageFile = await png('scene.png', scene.image.data, 256, 256, 3);
  const maskFile = await png('coarse.png', Uint8Array.from(scene.coarse.data, (v) => v * 255), 256, 256, 1);
  await chooseFile('#image-file', imageFile); // the empty 64×48 mask of the test before does not fit it: an error
  assert.is(await chooseFile('#mask-file', maskFile), 'ready', await errorText());
  const inputs = await hook<{ image: number[]; mask: number[] }>('inputs');
  assert.ok(Buffer.from(Uint8Array.from(inputs.image)).equals(Buffer.from((await SHARP_CODEC.readImage(imageFile)).data)), 'image bytes');
  assert.ok(Buffer.from(Uint8Array.from(inputs.mask)).equals(Buffer.from((await SHARP_CODEC.readBinaryMask(maskFile)).data)), 'mask values');
});

web('a seeded refinement of the synthetic scene gives Node\'s mask (wasm in both)', async () => {
  assert.is(await pageJob(() => ctx.page.click('#scene')), 'ready', await errorText());
  assert.match((await ctx.page.textContent('#model-status')) ?? '', /^models\/cpu-synthetic\/ loaded/);
  await ctx.page.fill('#seed', String(SEED));
  ctx.browserRun = await refineOnPage();
  const browser = ctx.browserRun;
  const node = await nodeReference();
  const nodeMask = node.run.result.mask.data;
  const differing = browser.mask.filter((v, i) => v !== nodeMask[i]).length;
  let maxProbDiff = 0;
  browser.probs.forEach((p, i) => { maxProbDiff = Math.max(maxProbDiff, Math.abs(p - node.run.result.probs[i])); });
  console.log(`  browser (${await ctx.page.textContent('#backend')}): ${(browser.ms / 1000).toFixed(2)} s, first refinement; ` +
    `Node (wasm, ${node.threads} thread, no native kernels): ${(node.run.ms / 1000).toFixed(2)} s, first refinement`);
  console.log(`  mask: ${differing} of ${nodeMask.length} pixels differ; probabilities: max |browser − Node| = ${maxProbDiff.toExponential(2)}`);
  assert.is(browser.mode, node.run.result.mode);
  assert.is(browser.steps, node.run.steps.length);
  assert.is(differing, 0, 'same seed, same model, same kernels: the same mask');
});

web('the per-step figures are drawn: 5 rows × the steps, the transition probabilities and the flips', async () => {
  const traces = await ctx.page.evaluate(() => ['figure-grid', 'figure-transition', 'figure-flips'].map((id) => {
    const element = (globalThis as unknown as { document: { getElementById(i: string): { data?: unknown[]; querySelector(s: string): unknown } } }).document.getElementById(id);
    return { traces: element.data?.length ?? 0, svg: element.querySelector('.main-svg') !== null };
  }));
  assert.equal(traces, [{ traces: 5 * (ctx.browserRun?.steps ?? 0), svg: true }, { traces: 2, svg: true }, { traces: 2, svg: true }]);
});

web('the download is the refined mask as a PNG', async () => {
  const [download] = await Promise.all([ctx.page.waitForEvent('download'), ctx.page.click('#download')]);
  assert.is(download.suggestedFilename(), 'refined_mask.png');
  const file = path.join(ctx.dir, 'downloaded.png');
  await download.saveAs(file);
  const mask = await SHARP_CODEC.readBinaryMask(file);
  assert.equal([mask.height, mask.width], [256, 256]);
  assert.ok(mask.data.every((v, i) => v === ctx.browserRun?.mask[i]), 'the downloaded PNG holds the refined mask');
  fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
  await ctx.page.screenshot({ path: SCREENSHOT, fullPage: true });
});

web(`${RUNS} refinements in one page session: tf.memory().numTensors does not grow`, async () => {
  // Two steps a run: the loop checks for leaks, and every step already ran in the compared refinement.
  await ctx.page.fill('#steps', String(LEAK_RUN_STEPS));
  const counts: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const run = await refineOnPage();
    counts.push(run.numTensors);
    ctx.times.push(run.ms);
  }
  console.log(`  ${RUNS} runs of ${LEAK_RUN_STEPS} steps: median ${(median(ctx.times) / 1000).toFixed(2)} s per refinement; live tensors after each: ${[...new Set(counts)].join(', ')}`);
  assert.equal(counts, Array(RUNS).fill(ctx.browserRun?.numTensors), 'the same count after every run');
  assert.is(await hook<number>('numTensors'), ctx.browserRun?.numTensors);
});

const found = CHROMIUM_CANDIDATES.find((p) => fs.existsSync(p));
if (found) web.run();
else console.log(`test:web skipped: no Chromium at ${CHROMIUM_CANDIDATES.join(', ')} (apt-get install chromium, or set CHROMIUM_PATH)`);
