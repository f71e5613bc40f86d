/**
 * Loading a model folder served with the page: config.json and model.safetensors by fetch, the
 * weights streamed so the page can show progress, then SegRefinerCore.fromModelFiles (the same
 * checks and network as SegRefiner.load in Node).
 */
import { createSchedule, type Schedule } from '../diffusion/schedule';
import type { DiffusionConfig } from '../diffusion/config';
import { MODEL_CONFIG_FILE, MODEL_WEIGHTS_FILE, parseModelConfig } from '../model/checkpoint/model_files';
import { SegRefinerCore } from '../refine/refiner_core';

/** Bytes received so far and the total (null when the server sends no Content-Length). */
export type FetchProgress = (received: number, total: number | null) => void;

async function fetchOk(url: string, where: string): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw new Error(`${where}: ${url} must be reachable, but the request failed: ${(error as Error).message}`, { cause: error });
  }
  if (!response.ok) throw new Error(`${where}: ${url} must be served, but the server answered ${response.status} ${response.statusText}.`);
  return response;
}

/** A response body as bytes, reporting progress per chunk. */
async function readWithProgress(response: Response, onProgress: FetchProgress): Promise<Uint8Array> {
  const length = Number(response.headers.get('Content-Length'));
  const total = Number.isFinite(length) && length > 0 ? length : null;
  if (!response.body) return new Uint8Array(await response.arrayBuffer());
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    received += value.length;
    onProgress(received, total);
  }
  const bytes = new Uint8Array(received);
  let offset = 0;
  for (const c of chunks) {
    bytes.set(c, offset);
    offset += c.length;
  }
  return bytes;
}

/** A loaded model: the refiner and the diffusion schedule it runs (for the figures' ceilings). */
export interface LoadedModel {
  refiner: SegRefinerCore;
  schedule: Schedule;
}

/**
 * Fetches and builds the refiner of a model folder.
 * @param folderUrl the folder's URL, e.g. 'models/cpu-real/'
 */
export async function fetchRefiner(folderUrl: string, onProgress: FetchProgress = () => {}): Promise<LoadedModel> {
  const base = folderUrl.endsWith('/') ? folderUrl : `${folderUrl}/`;
  const where = `loadModel(${base})`;
  const configName = `${base}${MODEL_CONFIG_FILE}`, weightsName = `${base}${MODEL_WEIGHTS_FILE}`;
  const configText = await (await fetchOk(configName, where)).text();
  const weights = await readWithProgress(await fetchOk(weightsName, where), onProgress);
  const refiner = SegRefinerCore.fromModelFiles({ configText, weights, where, configName, weightsName }, where);
  const config = parseModelConfig(configText, where, configName);
  return { refiner, schedule: createSchedule((config.diffusion ?? {}) as Partial<DiffusionConfig>) };
}
