/**
 * The shards of one run, gathered for `segrefiner merge` and `segrefiner cluster status`, with every
 * check that makes a merge safe: one run (same identity: job, N, arguments, inputs, model, options),
 * each shard 0 … N−1 exactly once, every shard complete, no item in two shards. Errors name the
 * shard (K/N) and its folder.
 */
import * as fs from 'fs';
import * as path from 'path';
import { formatShard } from './shard';
import { hasRecord, identityDifference, MANIFEST_FILE, readManifest, readRecord, ShardIdentity, ShardManifest } from './shard_store';

export interface LoadedShard { dir: string; manifest: ShardManifest }

export interface ShardSet {
  identity: ShardIdentity;
  /** The shards, by index 0 … N−1. */
  shards: LoadedShard[];
  /** Which shard folder holds each item's record. */
  owner: Map<string, string>;
}

/**
 * Shard folders under the given paths: a path holding a manifest.json is one; otherwise each of its
 * sub-folders holding one is (sorted by name).
 */
export function findShardDirs(paths: string[], where = 'merge'): string[] {
  if (paths.length === 0) throw new Error(`${where}: at least one shard folder (--in) must be given, but got none.`);
  return paths.flatMap((p) => {
    if (!fs.statSync(p, { throwIfNoEntry: false })?.isDirectory()) throw new Error(`${where}: ${p} must be a shard folder or a folder of shard folders, but it is not a folder.`);
    if (fs.existsSync(path.join(p, MANIFEST_FILE))) return [p];
    const subs = fs.readdirSync(p, { withFileTypes: true }).filter((e) => e.isDirectory() && fs.existsSync(path.join(p, e.name, MANIFEST_FILE)))
      .map((e) => path.join(p, e.name)).sort();
    if (subs.length === 0) throw new Error(`${where}: ${p} must be a shard folder (with ${MANIFEST_FILE}) or hold shard folders, but has none.`);
    return subs;
  });
}

const label = (s: LoadedShard) => `shard ${formatShard(s.manifest.shard)} (${s.dir})`;

/** The keys of a shard that have no record. */
export function pendingKeys(s: LoadedShard): string[] {
  return s.manifest.assigned.filter((k) => !hasRecord(s.dir, k));
}

/** Reads the manifests and checks they form one run, each shard once (see the file comment). */
export function loadShards(paths: string[], where = 'merge'): { identity: ShardIdentity; byIndex: (LoadedShard | undefined)[] } {
  const loaded = findShardDirs(paths, where).map((dir) => ({ dir, manifest: readManifest(dir) }));
  const first = loaded[0];
  for (const s of loaded.slice(1)) {
    if (s.manifest.shard.count !== first.manifest.shard.count) {
      throw new Error(`${where}: all shards must come from one run of N shards, but ${label(first)} and ${label(s)} have different N.`);
    }
    const diff = identityDifference(first.manifest.identity, s.manifest.identity);
    if (diff) throw new Error(`${where}: ${label(s)} must come from the same run as ${label(first)}, but they differ in ${diff}.`);
  }
  const count = first.manifest.shard.count;
  const byIndex: (LoadedShard | undefined)[] = Array.from({ length: count }, () => undefined);
  for (const s of loaded) {
    const k = s.manifest.shard.index;
    if (!(Number.isInteger(k) && k >= 0 && k < count)) throw new Error(`${where}: ${s.dir} must hold a shard K/N with 0 ≤ K < N, but holds ${formatShard(s.manifest.shard)}.`);
    const seen = byIndex[k];
    if (seen) throw new Error(`${where}: shard ${formatShard(s.manifest.shard)} must be given once, but it is both ${seen.dir} and ${s.dir}.`);
    byIndex[k] = s;
  }
  return { identity: first.manifest.identity, byIndex };
}

/** Loads a complete run: every shard present and complete, no item twice, all items covered. */
export function loadShardSet(paths: string[], where = 'merge'): ShardSet {
  const { identity, byIndex } = loadShards(paths, where);
  const missing = byIndex.map((s, k) => (s ? null : k)).filter((k): k is number => k !== null);
  if (missing.length > 0) {
    const found = byIndex.filter((s): s is LoadedShard => s !== undefined).map((s) => path.basename(s.dir)).join(', ');
    throw new Error(`${where}: every shard 0 … ${identity.count - 1} of ${identity.count} must be given, but ${missing.map((k) => `${k}/${identity.count}`).join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing (found ${found}).`);
  }
  const shards = byIndex as LoadedShard[];
  const owner = new Map<string, string>();
  for (const s of shards) {
    const pending = pendingKeys(s);
    if (pending.length > 0) {
      const shown = pending.slice(0, 5).join(', ') + (pending.length > 5 ? ', …' : '');
      throw new Error(`${where}: ${label(s)} must be complete, but ${s.manifest.assigned.length - pending.length} of ${s.manifest.assigned.length} items are done (missing ${shown}); run it again, it resumes.`);
    }
    for (const key of s.manifest.assigned) {
      const other = owner.get(key);
      if (other !== undefined) throw new Error(`${where}: each item must be in one shard, but '${key}' is in both ${other} and ${s.dir}.`);
      owner.set(key, s.dir);
    }
  }
  if (owner.size !== identity.keys.count) {
    throw new Error(`${where}: the shards must cover all ${identity.keys.count} items of the run, but they hold ${owner.size}.`);
  }
  return { identity, shards, owner };
}

/** The record of one item of a complete run. */
export function recordOf<T>(set: ShardSet, key: string, where = 'merge'): T {
  const dir = set.owner.get(key);
  if (dir === undefined) throw new Error(`${where}: item '${key}' must be in one of the shards, but none holds it; the inputs changed since the shards ran.`);
  return readRecord<T>(dir, key);
}
