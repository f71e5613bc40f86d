/**
 * The 'webgpu' backend: @tensorflow/tfjs-backend-webgpu on Dawn (npm `webgpu`). Creates the device on
 * the adapter webgpu_adapter.ts finds, registers the backend (webgpu_node_backend.ts: synchronous reads,
 * device errors surfaced) and the project's WebGPU kernels, and releases the device at the end: a live device may keep Node's event
 * loop alive, so CLI commands call releaseBackend() before they return.
 */
import * as tf from '@tensorflow/tfjs';
import type * as TfWebGpu from '@tensorflow/tfjs-backend-webgpu';
import { DawnAdapter, DawnGpu, findAdapter, WebGpuAdapterReport } from './webgpu_adapter';
import { DeviceErrors, nodeWebGpuBackend } from './webgpu_node_backend';
import { catchDawnPump, DawnPump, waitMappedSync } from './webgpu_sync_read';
import { registerWebGpuKernels } from './webgpu_kernels/register_webgpu_kernels';

export interface WebGpuStatus {
  adapter: WebGpuAdapterReport;
  /** Why `dataSync` cannot work on this device, or null when it can. */
  syncReadsNote: string | null;
}

/** Routes that were tried and gave no usable adapter, each with its reason. */
export class WebGpuUnavailableError extends Error {
  constructor(readonly reasons: string[]) {
    super(`no usable WebGPU adapter (${reasons.join('; ')})`);
  }
}

interface Live {
  gpu: DawnGpu;
  device: GPUDevice;
  ownsNavigator: boolean;
}

let live: Live | null = null;

/** The device limits tfjs-backend-webgpu asks for (the adapter's maxima), plus storage buffers per stage. */
const DEVICE_LIMITS = ['maxComputeWorkgroupStorageSize', 'maxComputeWorkgroupsPerDimension', 'maxStorageBufferBindingSize', 'maxBufferSize',
  'maxComputeWorkgroupSizeX', 'maxComputeInvocationsPerWorkgroup', 'maxStorageBuffersPerShaderStage'];

function loadTfjsWebGpu(): typeof TfWebGpu {
  // Required before navigator.gpu exists, so that the package does not register its own factory.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when WebGPU is used
  return require('@tensorflow/tfjs-backend-webgpu') as typeof TfWebGpu;
}

/** tfjs-backend-webgpu looks for `navigator.gpu`; Node ≤ 20 has no navigator, Node ≥ 21 has one without gpu. */
function setNavigatorGpu(gpu: DawnGpu): boolean {
  const g = globalThis as { navigator?: object };
  if (g.navigator === undefined) {
    Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
    return true;
  }
  Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true, writable: true });
  return false;
}

function clearNavigatorGpu(ownsNavigator: boolean): void {
  const g = globalThis as { navigator?: { gpu?: unknown } };
  if (ownsNavigator) delete g.navigator;
  else if (g.navigator) delete g.navigator.gpu;
}

/** One small buffer round trip: makes dawn.node schedule its event pump (caught by catchDawnPump). */
async function roundTrip(device: GPUDevice): Promise<void> {
  const buffer = device.createBuffer({ size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  device.queue.writeBuffer(buffer, 0, new Float32Array([1, 2, 3, 4]));
  await buffer.mapAsync(GPUMapMode.READ);
  buffer.unmap();
  buffer.destroy();
}

/** Checks that the pump completes a map synchronously; returns null, or why synchronous reads will fail. */
function checkPump(device: GPUDevice, pump: DawnPump | null): string | null {
  if (pump === null) return 'dawn.node scheduled no event processing at start-up (a changed `webgpu` version?)';
  const buffer = device.createBuffer({ size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  try {
    buffer.mapAsync(GPUMapMode.READ).catch(() => undefined);
    waitMappedSync(buffer, pump, 'webgpu start-up');
    buffer.unmap();
    return null;
  } catch (error) {
    return (error as Error).message;
  } finally {
    buffer.destroy();
  }
}

async function createDevice(adapter: DawnAdapter): Promise<{ device: GPUDevice; pump: DawnPump | null }> {
  const requiredLimits = Object.fromEntries(DEVICE_LIMITS.filter((k) => adapter.limits[k] !== undefined).map((k) => [k, adapter.limits[k]]));
  const { result: device, pump } = await catchDawnPump(async () => {
    const d = await adapter.requestDevice({ requiredLimits }) as GPUDevice;
    await roundTrip(d);
    return d;
  });
  return { device, pump };
}

/**
 * Finds an adapter (a software one only if `allowSoftware`), creates the device and makes 'webgpu'
 * the active tfjs backend. Throws WebGpuUnavailableError with every route's reason when there is none.
 */
export async function initWebGpuBackend(allowSoftware: boolean): Promise<WebGpuStatus> {
  if (live) throw new Error('initWebGpuBackend: the WebGPU device must be released before it is created again.');
  const search = await findAdapter(allowSoftware);
  if (!search.found) throw new WebGpuUnavailableError(search.tried);
  const { gpu, adapter, report } = search.found;
  const { WebGPUBackend } = loadTfjsWebGpu();
  const ownsNavigator = setNavigatorGpu(gpu);
  try {
    const { device, pump } = await createDevice(adapter);
    live = { gpu, device, ownsNavigator };
    const syncReadsNote = checkPump(device, pump);
    const Backend = nodeWebGpuBackend(WebGPUBackend, syncReadsNote === null ? pump : null, new DeviceErrors(device));
    if (tf.findBackendFactory('webgpu') !== null) tf.removeBackend('webgpu'); // a stock factory would make its own device
    tf.registerBackend('webgpu', () => new Backend(device, adapter.info as GPUAdapterInfo));
    registerWebGpuKernels();
    if (!(await tf.setBackend('webgpu'))) throw new Error('tf.setBackend("webgpu") returned false');
    return { adapter: report, syncReadsNote };
  } catch (error) {
    if (live) releaseWebGpu();
    else clearNavigatorGpu(ownsNavigator);
    throw error;
  }
}

/**
 * Disposes the 'webgpu' backend and destroys its device, so nothing keeps the process alive.
 * Tensors on it become unusable. Does nothing when no device was created.
 */
export function releaseWebGpu(): void {
  if (!live) return;
  if (tf.findBackendFactory('webgpu') !== null) tf.removeBackend('webgpu');
  live.device.destroy();
  clearNavigatorGpu(live.ownsNavigator);
  live = null;
}
