/**
 * Synchronous reads (`dataSync`, and tfjs moving a tensor to another backend) on tfjs-backend-webgpu
 * in Node. The stock `readSync` goes through an OffscreenCanvas, which Node lacks. WebGPU itself only
 * maps buffers asynchronously: dawn.node completes `mapAsync` when it processes its events, from a
 * function it passes to `setImmediate`. That function is caught once while the device starts, and a
 * synchronous read calls it until the staging buffer is mapped. Async reads (`await data()`) are
 * untouched and remain the faster choice.
 */
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';

/** dawn.node's event pump: processes finished GPU work and runs its callbacks (buffer maps, …). */
export type DawnPump = () => void;

const isNative = (fn: unknown): boolean => typeof fn === 'function' && /\{\s*\[native code\]\s*\}\s*$/.test(Function.prototype.toString.call(fn));

/**
 * Runs `work` (which must make dawn.node schedule its event processing, e.g. a device request and one
 * buffer map) while watching `setImmediate`; returns its result and the native callback dawn.node
 * scheduled, or null if it scheduled none. `setImmediate` is restored before this returns.
 */
export async function catchDawnPump<T>(work: () => Promise<T>): Promise<{ result: T; pump: DawnPump | null }> {
  const original = globalThis.setImmediate;
  let pump: DawnPump | null = null;
  const watching = function (this: unknown, callback: (...a: unknown[]) => void, ...args: unknown[]) {
    if (isNative(callback)) pump = callback as DawnPump;
    return original(callback, ...args);
  } as typeof setImmediate;
  globalThis.setImmediate = Object.assign(watching, original);
  try {
    return { result: await work(), pump };
  } finally {
    globalThis.setImmediate = original;
  }
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Blocks until `buffer` is mapped, pumping Dawn's events with short sleeps in between. */
export function waitMappedSync(buffer: GPUBuffer, pump: DawnPump, where: string): void {
  let sleepMs = 0.02;
  for (;;) {
    pump();
    const state = (buffer as unknown as { mapState: 'unmapped' | 'pending' | 'mapped' }).mapState;
    if (state === 'mapped') return;
    if (state === 'unmapped') throw new Error(`${where}: mapping the staging buffer must succeed, but it failed (device lost?).`);
    Atomics.wait(sleeper, 0, 0, sleepMs); // the GPU (or the CPU driver's threads) is still working
    sleepMs = Math.min(2, sleepMs * 2);
  }
}

type Internals = { commandEncoder: GPUCommandEncoder };

/** Copies `buffer` into a mappable staging buffer and reads it back synchronously. */
export function readBufferSync(backend: WebGPUBackend, buffer: GPUBuffer, pump: DawnPump): ArrayBuffer {
  const staging = backend.bufferManager.acquireBuffer(buffer.size, GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ);
  backend.ensureCommandEncoderReady();
  backend.endComputePassEncoder();
  (backend as unknown as Internals).commandEncoder.copyBufferToBuffer(buffer, 0, staging, 0, buffer.size);
  backend.submitQueue();
  staging.mapAsync(GPUMapMode.READ).catch(() => undefined); // waitMappedSync reports a failed map
  try {
    waitMappedSync(staging, pump, 'webgpu readSync');
    const bytes = staging.getMappedRange().slice(0);
    staging.unmap();
    return bytes;
  } finally {
    backend.bufferManager.releaseBuffer(staging);
  }
}
