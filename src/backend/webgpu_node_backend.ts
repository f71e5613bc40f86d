/**
 * tfjs-backend-webgpu's WebGPUBackend, adapted to Node:
 *  - `readSync` (dataSync, tensors moving to another backend) works, through dawn.node's event pump
 *    (webgpu_sync_read.ts) instead of the browser's OffscreenCanvas;
 *  - a device error (a shader failing validation, out of memory) fails the next read with the
 *    device's message. Stock tfjs only logs it, and the results silently read as zeros.
 */
import * as tf from '@tensorflow/tfjs';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { DawnPump, readBufferSync } from './webgpu_sync_read';

/** Collects the device's uncaptured errors until a read reports them. */
export class DeviceErrors {
  private messages: string[] = [];

  constructor(device: GPUDevice) {
    device.addEventListener('uncapturederror', (event) => {
      const error = (event as GPUUncapturedErrorEvent).error;
      this.messages.push(error.message.split('\n')[0]);
    });
  }

  /** Throws (once) if the device reported errors since the last call. */
  throwIfAny(where: string): void {
    if (this.messages.length === 0) return;
    const [first] = this.messages;
    const more = this.messages.length > 1 ? ` (and ${this.messages.length - 1} more)` : '';
    this.messages = [];
    throw new Error(`${where}: the WebGPU device must run every kernel, but it reported: ${first}${more}. The values read are invalid.`);
  }
}

/** The backend class to register: sync reads through `pump` (null: say why they cannot work), errors surfaced. */
export function nodeWebGpuBackend(Base: typeof WebGPUBackend, pump: DawnPump | null, errors: DeviceErrors): typeof WebGPUBackend {
  return class NodeWebGPUBackend extends Base {
    override readSync(dataId: object): tf.backend_util.BackendValues {
      const data = this.tensorMap.get(dataId);
      if (data.values != null || data.dtype === 'string' || data.dtype === 'complex64') return super.readSync(dataId);
      if (pump === null) {
        throw new Error('webgpu readSync: a synchronous read needs dawn.node\'s event pump, which was not found at start-up; ' +
          'read with `await tensor.data()` instead.');
      }
      const bytes = readBufferSync(this, data.resource as GPUBuffer, pump);
      errors.throwIfAny('webgpu readSync');
      data.values = tf.util.convertBackendValuesAndArrayBuffer(bytes, data.dtype); // cached, as the async read does
      return data.values;
    }

    override async read(dataId: object): Promise<tf.backend_util.BackendValues> {
      const values = await super.read(dataId);
      errors.throwIfAny('webgpu read');
      return values;
    }
  };
}
