/**
 * `segrefiner doctor`: versions, the backend chosen and why the others were not, wasm threads and
 * SIMD or the WebGPU adapter, and the kernel gradient checks on the active backend against cpu.
 * Exit 1 if a check fails.
 */
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { BackendInfo, initBackend, parseBackendName } from '../backend/select_backend';
import type { WebGpuAdapterReport } from '../backend/webgpu_adapter';
import { KERNEL_CHECK_TOLERANCE, KernelCheckResult, runKernelChecks } from '../backend/kernel_checks';
import { NATIVE_KERNEL_CALLS } from '../backend/native_kernels/register_native_kernels';
import { FlagSpecs, formatUsage, parseFlags } from './parse_flags';
import { UsageError } from './usage_error';

export const DOCTOR_FLAGS: FlagSpecs = {
  json: { type: 'boolean', description: 'print one JSON object instead of text' },
  backend: { type: 'string', description: 'force tensorflow | webgpu | wasm | cpu (else SEGREFINER_BACKEND, else auto)' },
  threads: { type: 'string', description: 'wasm thread count (else SEGREFINER_THREADS, else all cores)' },
  'skip-checks': { type: 'boolean', description: 'do not run the kernel gradient checks' },
};

export interface DoctorReport {
  versions: Record<string, string>;
  backend: BackendInfo;
  checks: KernelCheckResult[] | null;
  /** Calls of each native kernel during the checks: on oneDNN, and fallen back to wasm (small or unsupported problems). */
  nativeCalls: typeof NATIVE_KERNEL_CALLS;
  passed: number;
  failed: number;
}

function packageVersion(name: string): string {
  try {
    return (require(`${name}/package.json`) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

async function collectVersions(): Promise<Record<string, string>> {
  const sharp = (await import('sharp')).default;
  return {
    'segrefiner-ts': (require(path.join(__dirname, '..', '..', 'package.json')) as { version: string }).version,
    node: process.version,
    '@tensorflow/tfjs': tf.version.tfjs,
    '@tensorflow/tfjs-core': tf.version_core,
    '@tensorflow/tfjs-backend-wasm': packageVersion('@tensorflow/tfjs-backend-wasm'),
    '@tensorflow/tfjs-backend-webgpu': packageVersion('@tensorflow/tfjs-backend-webgpu'),
    'webgpu (Dawn)': packageVersion('webgpu'),
    '@tensorflow/tfjs-node-gpu': packageVersion('@tensorflow/tfjs-node-gpu'),
    '@tensorflow/tfjs-node': packageVersion('@tensorflow/tfjs-node'),
    sharp: sharp.versions.sharp ?? 'unknown',
    libvips: sharp.versions.vips,
  };
}

export async function buildDoctorReport(flags: { backend?: string; threads?: string; skipChecks?: boolean }): Promise<DoctorReport> {
  const backend = await initBackend({
    backend: flags.backend === undefined ? undefined : parseBackendName(flags.backend, 'segrefiner doctor --backend'),
    threads: flags.threads === undefined ? undefined : Number(flags.threads),
  });
  const checks = flags.skipChecks ? null : await runKernelChecks();
  const failed = checks?.filter((c) => !c.passed).length ?? 0;
  return { versions: await collectVersions(), backend, checks, nativeCalls: structuredClone(NATIVE_KERNEL_CALLS), passed: (checks?.length ?? 0) - failed, failed };
}

const mib = (bytes: number) => bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(1)} GiB` : `${(bytes / 2 ** 20).toFixed(0)} MiB`;

function describeAdapter(a: WebGpuAdapterReport): string[] {
  const name = [a.device, a.description].filter((x) => x !== '').join(', ');
  const l = a.limits;
  return [
    `adapter: ${name || '(no name)'}; vendor ${a.vendor || '(not reported)'}, architecture ${a.architecture || '(not reported)'}`,
    `  Dawn ${a.route}, feature level ${a.featureLevel}, ${a.software ? 'software (CPU) adapter: for correctness, not speed' : 'hardware adapter'}`,
    `  limits: buffer ${mib(l.maxBufferSize)}, storage binding ${mib(l.maxStorageBufferBindingSize)}, ${l.maxStorageBuffersPerShaderStage} storage buffers/stage, ` +
      `workgroup storage ${l.maxComputeWorkgroupStorageSize} B, ${l.maxComputeInvocationsPerWorkgroup} invocations/workgroup`,
  ];
}

function describeBackend(b: BackendInfo): string[] {
  const threads = b.threads === null ? '' : `, ${b.threads} thread${b.threads === 1 ? '' : 's'}, SIMD ${b.simd ? 'yes' : 'no'}`;
  const lines = [`backend: ${b.name} (${b.package}), chosen by ${b.chosenBy}${threads}`];
  const n = b.nativeKernels;
  if (n) lines.push(n.active ? `native kernels: active (oneDNN ${n.onednn}, ${n.threads} OpenMP thread${n.threads === 1 ? '' : 's'}): Conv2D, Conv2DBackpropInput, Conv2DBackpropFilter, BatchMatMul; GroupNorm(+SiLU) and AdamW`
    : `native kernels: not active, ${n.reason} (native/README.md)`);
  if (b.adapter) lines.push(...describeAdapter(b.adapter));
  if (b.skipped.length) lines.push('not taken:', ...b.skipped.map((s) => `  ${s.candidate}: ${s.reason}`));
  if (b.name !== 'tensorflow' && !(b.adapter && !b.adapter.software)) lines.push('  (for a GPU: webgpu with the GPU\'s Vulkan driver; see environment.md, "GPU")');
  return lines;
}

export function formatDoctorReport(r: DoctorReport): string {
  const lines = Object.entries(r.versions).map(([k, v]) => `${k.padEnd(32)} ${v}`);
  lines.push('', ...describeBackend(r.backend));
  if (r.checks) {
    lines.push('', `kernel checks on ${r.backend.name} against cpu (pass: relative error ≤ ${KERNEL_CHECK_TOLERANCE}):`);
    for (const c of r.checks) lines.push(`  ${c.passed ? 'ok  ' : 'FAIL'} ${c.relError.toExponential(1).padStart(8)}  ${c.name}`);
    if (r.backend.nativeKernels?.active) {
      lines.push(`native kernel calls in the checks (oneDNN / wasm fallback): ${Object.entries(r.nativeCalls).map(([k, v]) => `${k} ${v.native}/${v.fallback}`).join(', ')}`);
    }
    lines.push(`${r.passed} passed, ${r.failed} failed`);
  }
  return lines.join('\n');
}

export async function runDoctor(argv: string[]): Promise<number> {
  const flags = parseFlags('doctor', argv, DOCTOR_FLAGS);
  if (flags.threads !== undefined && !/^[1-9]\d*$/.test(String(flags.threads))) {
    throw new UsageError(`segrefiner doctor: --threads must be a positive integer, but got '${flags.threads}'.`,
      formatUsage('doctor', DOCTOR_FLAGS));
  }
  const report = await buildDoctorReport({
    backend: flags.backend as string | undefined, threads: flags.threads as string | undefined, skipChecks: Boolean(flags['skip-checks']),
  });
  console.log(flags.json ? JSON.stringify(report, null, 2) : formatDoctorReport(report));
  return report.failed === 0 ? 0 : 1;
}
