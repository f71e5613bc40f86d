/**
 * Dawn, Google's WebGPU implementation, in Node (npm `webgpu`: a prebuilt dawn.node, no download):
 * finds an adapter and says what it is. Two routes, tried in this order:
 *   'vulkan' (Linux; the platform default elsewhere: Metal, D3D12): real GPUs, and a Vulkan software
 *            driver where one is installed. Tried only if the Vulkan loader (libvulkan.so.1) and a
 *            driver manifest (ICD file) exist, so a machine without them gets a reason instead of
 *            Dawn's warnings on stderr.
 *   'opengles' (Linux, only when a software adapter is acceptable): Mesa's llvmpipe through Dawn's
 *            OpenGL ES backend, EGL surfaceless, in WebGPU compatibility mode. Needs Debian's stock
 *            libegl-dev, libegl-mesa0 and libgl1-mesa-dri (.ci/run installs them) and no environment
 *            variable: EGL_PLATFORM is set here.
 * Debian 12's own lavapipe (Mesa 22.3) is refused by Dawn, which is why the software route is GL.
 */
import * as fs from 'fs';
import * as path from 'path';

/**
 * The parts of dawn.node's objects used here, typed locally: the @webgpu/types copy that tfjs-core
 * pins (0.1.38) predates `adapter.info` and `featureLevel`.
 */
export interface DawnAdapter {
  readonly info: { vendor: string; architecture: string; device: string; description: string; isFallbackAdapter?: boolean };
  readonly limits: Record<string, number>;
  readonly features: ReadonlySet<string>;
  requestDevice(descriptor?: { requiredLimits?: Record<string, number>; requiredFeatures?: string[] }): Promise<unknown>;
}

export interface DawnGpu {
  requestAdapter(options?: { powerPreference?: 'high-performance' | 'low-power'; featureLevel?: 'core' | 'compatibility' }): Promise<DawnAdapter | null>;
}

interface DawnModule {
  create(flags: string[]): DawnGpu;
  globals: Record<string, unknown>;
}

export type DawnRoute = 'vulkan' | 'metal' | 'd3d12' | 'opengles';

/** What `segrefiner doctor` prints about the adapter. Plain data: no WebGPU types leak into the API. */
export interface WebGpuAdapterReport {
  /** The Dawn backend serving the adapter. */
  route: DawnRoute;
  vendor: string;
  architecture: string;
  /** Device name, e.g. 'NVIDIA H100' or 'llvmpipe (LLVM 15.0.6, 256 bits)'. */
  device: string;
  description: string;
  /** A CPU implementation (llvmpipe, lavapipe, SwiftShader, WARP): never chosen automatically. */
  software: boolean;
  /** 'core', or 'compatibility' on the OpenGL ES route. */
  featureLevel: 'core' | 'compatibility';
  /** The limits that bound tensor sizes and kernels (bytes or counts). */
  limits: Record<(typeof REPORTED_LIMITS)[number], number>;
}

export const REPORTED_LIMITS = ['maxBufferSize', 'maxStorageBufferBindingSize', 'maxStorageBuffersPerShaderStage',
  'maxComputeWorkgroupStorageSize', 'maxComputeInvocationsPerWorkgroup', 'maxComputeWorkgroupSizeX', 'maxComputeWorkgroupsPerDimension'] as const;

/** A found adapter with the Dawn instance that owns it (keep `gpu` referenced while the device lives). */
export interface FoundAdapter {
  gpu: DawnGpu;
  adapter: DawnAdapter;
  report: WebGpuAdapterReport;
}

/** Either an adapter, or every route tried with the reason it gave none. */
export type AdapterSearch = { found: FoundAdapter; tried: string[] } | { found: null; tried: string[] };

const SOFTWARE_NAMES = /llvmpipe|lavapipe|softpipe|swrast|swiftshader|microsoft basic render|\bwarp\b/i;

/** True for CPU implementations of WebGPU, by Dawn's flags or by the driver's name. */
export function isSoftwareAdapter(info: { vendor: string; architecture: string; device: string; description: string }, isFallback: boolean): boolean {
  return isFallback || info.architecture === 'software' || SOFTWARE_NAMES.test(`${info.device} ${info.description}`);
}

let dawn: DawnModule | null = null;

/**
 * Every Dawn instance made, kept until the process ends. dawn.node's event pump (an AsyncRunner that
 * devices and buffers share) holds a raw pointer to its instance: once the GPU object was collected, a
 * pump still queued on setImmediate ran on freed memory (hangs and aborts at exit, 1 run in 5 with the
 * paper network). An idle instance keeps nothing running, so keeping it costs only its memory.
 */
const instances: DawnGpu[] = [];

/** Loads dawn.node once and puts its WebGPU globals (GPUBufferUsage, GPUMapMode, …) on globalThis. */
export function loadDawn(): DawnModule {
  if (dawn) return dawn;
  // `webgpu` is an ES module; Node ≥ 20.19 loads it with require().
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when WebGPU is tried
  const loaded = require('webgpu') as DawnModule;
  for (const [name, value] of Object.entries(loaded.globals)) {
    if (!(name in globalThis)) Object.defineProperty(globalThis, name, { value, configurable: true, writable: true });
  }
  return (dawn = loaded);
}

function libraryDirs(): string[] {
  const triple = `${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu`;
  const fromEnv = (process.env.LD_LIBRARY_PATH ?? '').split(':').filter((d) => d !== '');
  return [...fromEnv, `/usr/lib/${triple}`, `/lib/${triple}`, '/usr/lib64', '/lib64', '/usr/lib', '/usr/local/lib'];
}

/** Where the dynamic loader would find `name`, or null (Linux only; the standard directories). */
export function findSharedLibrary(name: string): string | null {
  for (const dir of libraryDirs()) {
    const file = path.join(dir, name);
    if (fs.existsSync(file)) return file;
  }
  return null;
}

/** The directories the Vulkan loader reads driver manifests (ICD files) from, by its Linux rules. */
function vulkanIcdDirs(): string[] {
  const env = process.env, home = env.HOME ?? '';
  const config = [env.XDG_CONFIG_HOME ?? path.join(home, '.config'), ...(env.XDG_CONFIG_DIRS ?? '/etc/xdg').split(':'), '/etc'];
  const data = [env.XDG_DATA_HOME ?? path.join(home, '.local', 'share'), ...(env.XDG_DATA_DIRS ?? '/usr/local/share:/usr/share').split(':')];
  return [...config, ...data].filter((d) => d !== '').map((d) => path.join(d, 'vulkan', 'icd.d'));
}

/** True when a Vulkan driver manifest is named by the environment or lies where the loader looks. */
export function hasVulkanDriver(): boolean {
  const named = ['VK_DRIVER_FILES', 'VK_ICD_FILENAMES', 'VK_ADD_DRIVER_FILES'].some((k) => (process.env[k] ?? '') !== '');
  return named || vulkanIcdDirs().some((dir) => fs.existsSync(dir) && fs.readdirSync(dir).some((f) => f.endsWith('.json')));
}

function platformRoute(): DawnRoute | null {
  if (process.platform === 'linux') return 'vulkan';
  if (process.platform === 'darwin') return 'metal';
  if (process.platform === 'win32') return 'd3d12';
  return null;
}

/** Why a route cannot be tried on this machine, or null. */
function routeMissing(route: DawnRoute): string | null {
  if (route === 'vulkan' && findSharedLibrary('libvulkan.so.1') === null) {
    return 'no Vulkan loader (libvulkan.so.1; Debian: apt-get install libvulkan1, plus the GPU vendor\'s Vulkan driver)';
  }
  // Without a driver, Dawn fails in vkCreateInstance and says so on stderr.
  if (route === 'vulkan' && !hasVulkanDriver()) return 'no Vulkan driver (no ICD file in the loader\'s directories; NVIDIA: the driver\'s nvidia_icd.json)';
  if (route === 'opengles') {
    if (findSharedLibrary('libEGL.so') === null) return 'no libEGL.so (Debian: apt-get install libegl-dev libegl-mesa0 libgl1-mesa-dri)';
    process.env.EGL_PLATFORM ??= 'surfaceless'; // no display: Mesa renders off-screen
  }
  return null;
}

function describe(adapter: DawnAdapter, route: DawnRoute, featureLevel: 'core' | 'compatibility'): WebGpuAdapterReport {
  const info = adapter.info;
  const plain = { vendor: info.vendor, architecture: info.architecture, device: info.device, description: info.description };
  const isFallback = Boolean(info.isFallbackAdapter ?? (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter);
  const limits = Object.fromEntries(REPORTED_LIMITS.map((k) => [k, Number(adapter.limits[k])])) as WebGpuAdapterReport['limits'];
  return { route, ...plain, software: isSoftwareAdapter(plain, isFallback), featureLevel, limits };
}

/** Requests an adapter on one route; returns it, or the reason there is none. */
async function tryRoute(route: DawnRoute, allowSoftware: boolean): Promise<FoundAdapter | string> {
  const featureLevel = route === 'opengles' ? 'compatibility' : 'core';
  const gpu = loadDawn().create(process.platform === 'linux' ? [`backend=${route}`] : []); // elsewhere Dawn's default is the route
  instances.push(gpu);
  let adapter: DawnAdapter | null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance', featureLevel });
  } catch (error) {
    return `no adapter (${(error as Error).message.split('\n')[0]})`;
  }
  if (!adapter) return 'no adapter (no driver, or Dawn refused it)';
  const report = describe(adapter, route, featureLevel);
  if (report.software && !allowSoftware) {
    return `only a software adapter (${report.device || report.description}); force it with SEGREFINER_BACKEND=webgpu`;
  }
  return { gpu, adapter, report };
}

/**
 * Finds a WebGPU adapter: the platform route first, then (Linux, when `allowSoftware`) OpenGL ES.
 * Never throws for a missing driver; returns the reasons instead.
 */
export async function findAdapter(allowSoftware: boolean): Promise<AdapterSearch> {
  const routes: DawnRoute[] = [];
  const platform = platformRoute();
  if (platform) routes.push(platform);
  if (allowSoftware && process.platform === 'linux') routes.push('opengles');
  if (routes.length === 0) return { found: null, tried: [`no Dawn backend for platform ${process.platform}`] };
  const tried: string[] = [];
  for (const route of routes) {
    const missing = routeMissing(route); // checked first: without a driver, dawn.node is not even loaded
    if (missing) {
      tried.push(`${route}: ${missing}`);
      continue;
    }
    try {
      loadDawn();
    } catch (error) {
      const e = error as Error & { code?: string };
      const why = e.code === 'ERR_REQUIRE_ESM' ? `it is an ES module, which needs Node ≥ 20.19 (this is ${process.version})` : e.message.split('\n')[0];
      return { found: null, tried: [...tried, `the webgpu package (dawn.node) failed to load: ${why}`] };
    }
    const result = await tryRoute(route, allowSoftware);
    if (typeof result !== 'string') return { found: result, tried };
    tried.push(`${route}: ${result}`);
  }
  return { found: null, tried };
}
