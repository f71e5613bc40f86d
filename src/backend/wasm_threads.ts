/**
 * Multi-threaded wasm in Node for @tensorflow/tfjs-backend-wasm 4.22.0.
 *
 * Stock tfjs turns wasm threads off in Node (tfjs issue #3830): Emscripten starts its pthread
 * workers from `blob:` URLs, which `worker_threads` rejects, and the C++ side caps the pool at
 * `os.cpus().length / 2`. Three patches, all applied only while the wasm backend initialises:
 *  1. `worker_threads.Worker` starts `blob:` workers in eval mode from the shipped worker source;
 *  2. their `load` message gets the threaded glue's file path instead of an (unloadable) Blob;
 *  3. `os.cpus()` reports twice the wanted thread count, so the cap lets the pool reach it.
 * The pool's workers are also unref'd, so they never keep a finished process alive.
 * The patch depends on 4.22.0 internals, so it refuses any other version and the caller falls back
 * to one thread (see platform.md §2.5).
 */
import * as path from 'path';
// `import x = require()` binds the real module objects: the patch must mutate them, not a copy.
import os = require('os');
import workerThreads = require('worker_threads');

/** The only tfjs-backend-wasm version whose internals the patch was written against. */
export const THREADS_PATCH_WASM_VERSION = '4.22.0';

const WASM_PACKAGE = '@tensorflow/tfjs-backend-wasm';

function wasmOutFile(name: string): string {
  return path.join(path.dirname(require.resolve(`${WASM_PACKAGE}/package.json`)), 'wasm-out', name);
}

/** The pthread worker's source, escaped the way tfjs escapes it for its Blob URL. */
function loadWorkerSource(): string {
  const contents = (require(wasmOutFile('tfjs-backend-wasm-threaded-simd.worker.js')) as { wasmWorkerContents: string })
    .wasmWorkerContents;
  return contents.replace(/\n/g, '\\n');
}

/** Makes a Worker class that runs Emscripten's `blob:` workers from source; other workers are untouched. */
function makeBlobAwareWorker(original: typeof workerThreads.Worker): typeof workerThreads.Worker {
  const workerSource = loadWorkerSource();
  const threadedGlue = wasmOutFile('tfjs-backend-wasm-threaded-simd.js');
  return class BlobAwareWorker extends original {
    private readonly fromBlob: boolean;
    constructor(filename: string | URL, options?: workerThreads.WorkerOptions) {
      const fromBlob = String(filename).startsWith('blob:');
      super(fromBlob ? workerSource : filename, fromBlob ? { ...options, eval: true } : options);
      this.fromBlob = fromBlob;
      if (fromBlob) this.unref();
    }
    /**
     * XNNPACK's pool threads run forever, and Emscripten refs the worker of every running pthread,
     * so a finished script would never exit. Pool workers must not keep the process alive.
     */
    override ref(): void {
      if (!this.fromBlob) super.ref();
    }
    override postMessage(message: unknown, transfer?: readonly workerThreads.TransferListItem[]): void {
      const msg = message as { cmd?: string; urlOrBlob?: unknown } | null;
      if (this.fromBlob && msg?.cmd === 'load' && typeof msg.urlOrBlob !== 'string') {
        super.postMessage({ ...msg, urlOrBlob: threadedGlue }, transfer);
        return;
      }
      super.postMessage(message, transfer);
    }
  };
}

/**
 * Runs `init` (which must create the wasm backend) with the three patches in place, then removes them.
 * @param numThreads the pool size wanted; the caller also passes it to `setThreadsCount`.
 */
export async function withWasmThreadsPatched<T>(numThreads: number, init: () => Promise<T>): Promise<T> {
  const mutableThreads = workerThreads as { Worker: typeof workerThreads.Worker };
  const mutableOs = os as { cpus: typeof os.cpus };
  const originalWorker = mutableThreads.Worker;
  const originalCpus = mutableOs.cpus;
  const realCpus = originalCpus();
  mutableThreads.Worker = makeBlobAwareWorker(originalWorker);
  mutableOs.cpus = () => Array.from({ length: 2 * numThreads }, (_, i) => realCpus[i % realCpus.length]);
  try {
    return await init();
  } finally {
    mutableThreads.Worker = originalWorker;
    mutableOs.cpus = originalCpus;
  }
}
