/**
 * Deterministic shards (`--shard K/N`): which items of a job shard K of N runs.
 *
 * Items are named by a stable key (a file stem, a COCO image id, an ablation unit). The keys are
 * sorted (by UTF-16 code units, the order `<` gives, independent of the file system's listing order)
 * and the item of rank r goes to shard r mod N. So for every N the shards are disjoint, their union
 * is the whole set, and they differ in size by at most one item. The assignment depends only on the
 * set of keys: shards of one run must see the same inputs, which the manifest checks (keysDigest).
 */
import { createHash } from 'crypto';

/** Shard `index` of `count` (0 ≤ index < count), as `--shard K/N` gives it. */
export interface ShardSpec { index: number; count: number }

/** Parses "K/N"; errors start with `where`. */
export function parseShardSpec(text: string, where: string): ShardSpec {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m) throw new Error(`${where}: --shard must be K/N with integers 0 ≤ K < N (e.g. 0/4), but got '${text}'.`);
  const index = Number(m[1]), count = Number(m[2]);
  if (count < 1) throw new Error(`${where}: --shard N must be at least 1, but got '${text}'.`);
  if (index >= count) throw new Error(`${where}: --shard K must be below N (shards are numbered 0 … N−1), but got '${text}'.`);
  return { index, count };
}

export const formatShard = (s: ShardSpec): string => `${s.index}/${s.count}`;

/** The folder name `segrefiner cluster` gives shard K of N. */
export const shardDirName = (s: ShardSpec): string => `shard-${s.index}-of-${s.count}`;

const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The keys sorted, after checking each is a non-empty string that occurs once. */
export function sortedKeys(keys: readonly string[], where: string): string[] {
  const sorted = [...keys].sort(byCodeUnits);
  for (let i = 0; i < sorted.length; i++) {
    if (sorted[i] === '') throw new Error(`${where}: item keys must be non-empty, but one is ''.`);
    if (i > 0 && sorted[i] === sorted[i - 1]) throw new Error(`${where}: item keys must be unique, but '${sorted[i]}' occurs twice.`);
  }
  return sorted;
}

/**
 * The keys shard `s` runs, in the order given (the run order of a single process).
 * @param keys every item's key, each once
 */
export function shardKeys(keys: readonly string[], s: ShardSpec, where = 'shardKeys'): string[] {
  const rank = new Map(sortedKeys(keys, where).map((k, r) => [k, r]));
  return keys.filter((k) => (rank.get(k) as number) % s.count === s.index);
}

/** What identifies the item set: its size and the SHA-256 of the sorted keys, one per line. */
export function keysDigest(keys: readonly string[], where = 'keysDigest'): { count: number; sha256: string } {
  return { count: keys.length, sha256: createHash('sha256').update(sortedKeys(keys, where).join('\n')).digest('hex') };
}
