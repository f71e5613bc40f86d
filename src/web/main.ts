/**
 * The page (index.html): starts the best backend, loads a model folder served with the page, takes an
 * image and a coarse mask (file pickers, drag-and-drop, or the built-in synthetic scene), refines with
 * SegRefinerCore and the user's options, and shows overlays, every step, the time and the live tensor
 * count. Errors become a message on the page. `window.segrefinerPage` lets the browser test read the
 * last run (test/web/page.web.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { demoScene } from '../data/demo_scene';
import { instanceBox } from '../refine/instance';
import type { BinaryMask, RgbImage } from '../types';
import { overlayMasks } from '../vis/overlay';
import { initBrowserBackend, parseBrowserBackend, type BrowserBackendInfo } from './browser_backend';
import { CANVAS_CODEC } from './canvas_codec';
import { fetchRefiner, type LoadedModel } from './fetch_model';
import { clearFigures, drawFigures } from './figures';
import { checkImageAndMask, type Named } from './input_checks';
import { runRefinement, type PageOptions, type PageRun } from './refine_run';

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const element = document.getElementById(id);
  if (!element) throw new Error(`page: index.html must have an element #${id}, but it has none.`);
  return element as T;
};

const state = {
  backend: null as BrowserBackendInfo | null,
  model: null as LoadedModel | null,
  modelUrl: '',
  image: null as Named<RgbImage> | null,
  mask: null as Named<BinaryMask> | null,
  /** False while the image and mask are there but do not fit together (Refine stays off). */
  inputsOk: false,
  lastRun: null as PageRun | null,
  busy: false,
};

const figures = () => ({ grid: $('figure-grid'), transition: $('figure-transition'), flips: $('figure-flips') });

type PageStateName = 'starting' | 'loading-model' | 'reading-input' | 'ready' | 'refining' | 'done' | 'error';

function setState(name: PageStateName): void {
  document.body.dataset.state = name;
  $<HTMLButtonElement>('refine').disabled = state.busy || !state.model || !state.inputsOk;
}

function showError(error: unknown): void {
  console.error(error);
  $('error').textContent = error instanceof Error ? error.message : String(error);
  $('error').hidden = false;
  setState('error');
}

function clearError(): void {
  $('error').hidden = true;
  $('error').textContent = '';
}

function showMemory(): void {
  $('memory').textContent = `live tensors: ${tf.memory().numTensors} (the network's weights; the count must not grow between runs)`;
}

/** Runs `task` as the page's one job: buttons off, errors shown. */
async function job(name: 'loading-model' | 'reading-input' | 'refining', task: () => Promise<void>): Promise<void> {
  state.busy = true;
  clearError();
  setState(name);
  try {
    await task();
    state.busy = false;
    setState(name === 'refining' ? 'done' : 'ready');
  } catch (error) {
    state.busy = false;
    showError(error);
  }
  showMemory();
  document.body.dataset.jobs = String(Number(document.body.dataset.jobs ?? 0) + 1); // the test waits on this
}

async function loadModel(url: string): Promise<void> {
  if (state.modelUrl === url && state.model) return;
  state.model?.refiner.dispose();
  state.model = null;
  state.modelUrl = url;
  $<HTMLSelectElement>('model').value = url;
  const progress = $<HTMLProgressElement>('model-progress');
  $('model-status').textContent = `loading ${url}…`;
  const start = performance.now();
  state.model = await fetchRefiner(url, (received, total) => {
    progress.value = total ? received / total : 0;
    $('model-status').textContent = `loading ${url}: ${(received / 1e6).toFixed(1)}${total ? ` of ${(total / 1e6).toFixed(1)}` : ''} MB`;
  });
  progress.value = 1;
  $('model-status').textContent = `${url} loaded in ${((performance.now() - start) / 1000).toFixed(1)} s`;
}

/** A new image or mask invalidates the last result. */
function clearResult(): void {
  state.lastRun = null;
  $('result-section').hidden = true;
  clearFigures(figures());
}

function setInputs(image: Named<RgbImage> | null, mask: Named<BinaryMask> | null): void {
  state.image = image;
  state.mask = mask;
  $('image-name').textContent = image ? `${image.name}: ${image.value.width}×${image.value.height}` : '';
  $('mask-name').textContent = mask ? `${mask.name}: ${mask.value.width}×${mask.value.height}` : '';
  clearResult();
  state.inputsOk = false;
  if (image && mask) checkImageAndMask(image, mask);
  state.inputsOk = image !== null && mask !== null;
}

async function readFile(file: File, kind: 'image' | 'mask'): Promise<void> {
  if (kind === 'image') {
    const image = { value: await CANVAS_CODEC.readImage(file), name: file.name };
    setInputs(image, state.mask?.name === 'the synthetic scene' ? null : state.mask);
  } else {
    const mask = { value: await CANVAS_CODEC.readBinaryMask(file), name: file.name };
    setInputs(state.image?.name === 'the synthetic scene' ? null : state.image, mask);
  }
}

function readSeed(id: string, fallback: number): number {
  const raw = $<HTMLInputElement>(id).value.trim();
  if (raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`The ${id.replace('-', ' ')} must be a non-negative integer, but it is '${raw}'.`);
  return value;
}

async function useScene(): Promise<void> {
  const scene = demoScene(readSeed('scene-seed', 1_000_000_000), 256);
  setInputs({ value: scene.image, name: 'the synthetic scene' }, { value: scene.coarse, name: 'the synthetic scene' });
  await loadModel('models/cpu-synthetic/');
}

function readOptions(): PageOptions {
  const mode = $<HTMLSelectElement>('mode').value;
  const steps = $<HTMLInputElement>('steps').value.trim();
  const gate = $<HTMLInputElement>('gate').value.trim();
  return {
    mode: mode === '' ? undefined : (mode as PageOptions['mode']),
    steps: steps === '' ? undefined : Number(steps),
    seed: readSeed('seed', 0),
    gate: gate === '' ? undefined : Number(gate) === 0 ? null : Number(gate),
  };
}

function drawRgb(canvas: HTMLCanvasElement, image: RgbImage): void {
  canvas.width = image.width;
  canvas.height = image.height;
  const context = canvas.getContext('2d');
  if (!context) throw new Error('drawRgb: a 2D canvas context must be available, but the browser gave none.');
  const pixels = context.createImageData(image.width, image.height);
  for (let i = 0, j = 0; j < image.data.length; i += 4, j += 3) pixels.data.set([image.data[j], image.data[j + 1], image.data[j + 2], 255], i);
  context.putImageData(pixels, 0, 0);
}

function maskAsRgb(mask: BinaryMask): RgbImage {
  return { data: Uint8Array.from({ length: mask.data.length * 3 }, (_, k) => (mask.data[Math.floor(k / 3)] ? 255 : 0)), height: mask.height, width: mask.width };
}

async function showRun(run: PageRun, image: RgbImage, coarse: BinaryMask): Promise<void> {
  const { result, steps, ms } = run;
  $('result-section').hidden = false;
  const passed = result.passedThrough ? `; passed through unchanged (${result.passedThrough})` : '';
  $('timing').textContent = `Refined in ${(ms / 1000).toFixed(2)} s on ${state.backend?.description}, mode ${result.mode}, ${steps.length} steps${passed}.`;
  drawRgb($<HTMLCanvasElement>('overlay'), overlayMasks(image, [coarse, result.mask]));
  drawRgb($<HTMLCanvasElement>('refined'), maskAsRgb(result.mask));
  if (steps.length === 0 || !state.model) return clearFigures(figures());
  const box = result.mode === 'instance' ? instanceBox(coarse, 20) : [0, 0, coarse.width, coarse.height] as [number, number, number, number];
  await drawFigures(figures(), steps, coarse, state.model.schedule, box);
}

async function refine(): Promise<void> {
  const { model, image, mask } = state;
  if (!model || !image || !mask) throw new Error('Refine needs a loaded model, an image and a coarse mask.');
  checkImageAndMask(image, mask);
  const run = await runRefinement(model.refiner, image.value, mask.value, readOptions());
  state.lastRun = run;
  await showRun(run, image.value, mask.value);
  document.body.dataset.runs = String(Number(document.body.dataset.runs) + 1);
}

async function download(): Promise<void> {
  if (!state.lastRun) throw new Error('Download needs a refined mask: refine first.');
  const png = await CANVAS_CODEC.encodeMaskPng(state.lastRun.result.mask);
  const url = URL.createObjectURL(new Blob([png as BlobPart], { type: 'image/png' }));
  const link = Object.assign(document.createElement('a'), { href: url, download: 'refined_mask.png' });
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** A drop zone around a file input: dropping a file works like choosing it. */
function wireDrop(zone: HTMLElement, input: HTMLInputElement, kind: 'image' | 'mask'): void {
  const take = (file: File | undefined) => file && void job('reading-input', () => readFile(file, kind));
  input.addEventListener('change', () => take(input.files?.[0]));
  zone.addEventListener('dragover', (e) => { e.preventDefault(); zone.classList.add('over'); });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    take(e.dataTransfer?.files[0]);
  });
}

/** What the browser test reads; plain arrays so that they cross page.evaluate. */
function exposeForTests(): void {
  (window as unknown as Record<string, unknown>).segrefinerPage = {
    backend: () => state.backend,
    numTensors: () => tf.memory().numTensors,
    inputs: () => state.image && state.mask && { image: Array.from(state.image.value.data), mask: Array.from(state.mask.value.data) },
    lastRun: () => state.lastRun && {
      mask: Array.from(state.lastRun.result.mask.data), probs: Array.from(state.lastRun.result.probs), ms: state.lastRun.ms,
      mode: state.lastRun.result.mode, steps: state.lastRun.steps.length, numTensors: state.lastRun.numTensors,
    },
  };
}

async function start(): Promise<void> {
  const params = new URLSearchParams(location.search);
  state.backend = await initBrowserBackend(parseBrowserBackend(params.get('backend')), 'wasm/');
  $('backend').textContent = state.backend.description;
  $('backend-note').textContent = state.backend.skipped.map((s) => `${s.candidate} not used: ${s.reason}`).join('; ');
  await loadModel(params.get('model') ?? $<HTMLSelectElement>('model').value);
}

function main(): void {
  exposeForTests();
  wireDrop($('image-drop'), $<HTMLInputElement>('image-file'), 'image');
  wireDrop($('mask-drop'), $<HTMLInputElement>('mask-file'), 'mask');
  $('model').addEventListener('change', () => void job('loading-model', () => loadModel($<HTMLSelectElement>('model').value)));
  $('scene').addEventListener('click', () => void job('loading-model', useScene));
  $('refine').addEventListener('click', () => void job('refining', refine));
  $('download').addEventListener('click', () => download().catch(showError));
  void job('loading-model', start);
}

main();
