/**
 * `--shard K/N` for refine (folders), refine-coco, eval (folders) and ablate: parsing, and opening
 * the shard's folder (`--out`) with its manifest (src/cluster/shard_store.ts).
 */
import { formatShard, keysDigest, parseShardSpec, shardKeys, ShardSpec } from '../cluster/shard';
import { ShardIdentity, ShardJob, ShardStore } from '../cluster/shard_store';
import { FlagSpecs, ParsedFlags } from './parse_flags';
import { UsageError } from './usage_error';

export const SHARD_FLAGS: FlagSpecs = {
  shard: { type: 'string', description: 'K/N: run only shard K of N (0-based; items by stem or image id); --out is then the shard\'s folder, a rerun skips items done; join with segrefiner merge' },
};

/** The parsed --shard, or null; value errors are usage errors. */
export function shardFromFlags(flags: ParsedFlags, command: string, usage: string): ShardSpec | null {
  if (flags.shard === undefined) return null;
  try {
    return parseShardSpec(String(flags.shard), `segrefiner ${command}`);
  } catch (error) {
    throw new UsageError((error as Error).message, usage);
  }
}

/** A job's arguments as the manifest records them: each flag's value as given, null when absent. */
export function argsOf(flags: ParsedFlags, names: string[]): Record<string, string | boolean | null> {
  return Object.fromEntries(names.map((n) => [n, (flags[n] as string | boolean | undefined) ?? null]));
}

/** Everything but the keys' digest and the shard count, which openShard fills in. */
export type IdentityParts = Omit<ShardIdentity, 'job' | 'count' | 'keys' | 'cwd'>;

/**
 * Opens shard `shard` of `job` in `dir` over the items `keys` (in run order): picks this shard's keys,
 * writes or checks the manifest, logs how much is left.
 */
export function openShard(job: ShardJob, shard: ShardSpec, dir: string, keys: string[], parts: IdentityParts, log: (line: string) => void): ShardStore {
  const identity: ShardIdentity = { job, count: shard.count, cwd: process.cwd(), keys: keysDigest(keys, `segrefiner ${job}`), ...parts };
  const store = ShardStore.open(dir, shard, identity, shardKeys(keys, shard, `segrefiner ${job}`));
  const assigned = store.finish();
  log(`shard ${formatShard(shard)}: ${assigned.assigned.length} of ${keys.length} items${assigned.done > 0 ? `, ${assigned.done} done before (skipped)` : ''} → ${dir}`);
  return store;
}

/** The closing line of a shard run. */
export function shardSummary(store: ShardStore, shard: ShardSpec): string {
  const m = store.finish();
  return m.complete
    ? `shard ${formatShard(shard)} complete (${m.done} items); when all ${shard.count} are, join them: segrefiner merge --in <folder of the shard folders> --out <output>`
    : `shard ${formatShard(shard)} incomplete: ${m.done} of ${m.assigned.length} items done; run the same command again to finish it`;
}
