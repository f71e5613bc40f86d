/**
 * The optional native backends: @tensorflow/tfjs-node-gpu and @tensorflow/tfjs-node. Both are
 * optional peer dependencies, so they are loaded by name at run time and never imported statically.
 * Each failed attempt is kept with its reason, so `segrefiner doctor` can say why the GPU was not used.
 */
import * as tf from '@tensorflow/tfjs';

/** The native packages, in the order they are preferred. */
export const NATIVE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;
export type NativePackage = (typeof NATIVE_PACKAGES)[number];

/** Why one candidate backend was not taken. */
export interface SkippedBackend {
  candidate: string;
  reason: string;
}

/** The result of trying the native packages in order. */
export interface NativeLoadResult {
  /** The package that registered the 'tensorflow' backend, or null if none did. */
  loaded: NativePackage | null;
  skipped: SkippedBackend[];
}

/** First line of an error, without Emscripten or node-pre-gyp noise. */
export function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const line = text.split('\n').find((l) => l.trim() !== '') ?? text;
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

function isMissingModule(error: unknown, pkg: string): boolean {
  const e = error as { code?: string; message?: string };
  return e?.code === 'MODULE_NOT_FOUND' && (e.message ?? '').includes(`'${pkg}'`);
}

/** Explains a package that loaded but did not register 'tensorflow' in *our* tfjs-core. */
function registryMismatch(pkg: string): string {
  let theirs = 'unknown';
  try {
    theirs = (require(`${pkg}/package.json`) as { version: string }).version;
  } catch {
    // package.json unreadable: keep 'unknown'.
  }
  return `${pkg}@${theirs} loaded but registered its backend with another copy of @tensorflow/tfjs-core; ` +
    `install version ${tf.version_core} so that one copy is shared.`;
}

/** Loads one native package; returns null on success, else the reason it cannot be used. */
function tryLoad(pkg: NativePackage): string | null {
  try {
    require(pkg);
  } catch (error) {
    if (isMissingModule(error, pkg)) return 'not installed';
    return `installed but failed to load: ${firstLine(error)}`;
  }
  return tf.findBackend('tensorflow') ? null : registryMismatch(pkg);
}

/** Tries `packages` (default: @tensorflow/tfjs-node-gpu, then @tensorflow/tfjs-node); stops at the first that registers. */
export function loadNativeBackend(packages: readonly NativePackage[] = NATIVE_PACKAGES): NativeLoadResult {
  const skipped: SkippedBackend[] = [];
  for (const pkg of packages) {
    const reason = tryLoad(pkg);
    if (reason === null) return { loaded: pkg, skipped };
    skipped.push({ candidate: pkg, reason });
  }
  return { loaded: null, skipped };
}
