/**
 * A small seeded PRNG (mulberry32) in plain JS, so random draws are the same on every backend:
 * tfjs's own seeded ops differ between backends. The state is one uint32, so it can be saved in a
 * checkpoint and restored exactly.
 */
export interface Rng {
  /** Uniform float in [0, 1). */
  uniform(): number;
  /** Standard normal (Box–Muller; uses two uniforms). */
  normal(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** The current state; `createRng(0, state)` continues the same stream. */
  state(): number;
}

/**
 * @param seed  any integer; seeds differing in any bit give unrelated streams
 * @param state optional saved state from `rng.state()`, which takes precedence over `seed`
 */
/** The largest seed a user may give: seeds are 32-bit, and a larger one would wrap onto a smaller one. */
export const MAX_SEED = 0xffffffff;

export function createRng(seed: number, state?: number): Rng {
  // signed 32-bit values come from fileSeed; anything outside 32 bits would silently wrap
  if (!Number.isInteger(seed) || seed < -0x80000000 || seed > MAX_SEED) throw new Error(`createRng: seed must be a 32-bit integer in [-2147483648, ${MAX_SEED}], but got ${seed}.`);
  let s = state !== undefined ? state >>> 0 : (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) >>> 0);
  const uniform = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = (): number => {
    const u1 = 1 - uniform(); // (0, 1], so log is finite
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * uniform());
  };
  const int = (n: number): number => Math.floor(uniform() * n);
  return { uniform, normal, int, state: () => s };
}

/** `size` standard-normal floats scaled by `scale`. */
export function randomNormalArray(rng: Rng, size: number, scale = 1): Float32Array {
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = rng.normal() * scale;
  return out;
}

/** `size` uniform floats in [0, 1), drawn in order from `rng` (so the same on every backend). */
export function randomUniformArray(rng: Rng, size: number): Float32Array {
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = rng.uniform();
  return out;
}

/**
 * The seed of one file: FNV-1a of its name (UTF-8) mixed with a run seed (an int32), so a file's draws do
 * not depend on which other files are in its folder or on their order (`segrefiner coarsen`, dev sets).
 */
export function fileSeed(seed: number, name: string): number {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(name)) h = Math.imul(h ^ byte, 0x01000193);
  return (h ^ Math.imul(seed | 0, 0x9e3779b1)) | 0;
}
